import type { ErrorCode, ServiceError } from '@tooncast/shared';

/** What the user reads for each error the services report. */
const MESSAGES: Record<ErrorCode, string> = {
  'bad-request': 'The app sent a request the service did not understand. Reload the page and try again.',
  'too-large': 'That was too large to send.',
  'token-invalid': 'This link is not valid. Ask the owner for a new share link.',
  'token-expired': 'This link has expired. Ask the owner for a new share link.',
  forbidden: 'This link does not allow that.',
  'session-not-found': 'This stream does not exist (any more).',
  'session-ended': 'This stream has ended.',
  'selfie-missing': 'Add a selfie first.',
  'selfie-unsupported': 'The selfie must be a PNG or JPEG photo.',
  'selfie-too-large': 'The selfie file is too large; use a smaller photo.',
  'selfie-no-face': 'No face was found in the selfie. Use a well-lit photo looking at the camera.',
  'target-frame-unsupported':
    "The clicked frame could not be read. Pause the clip and click the character's face again.",
  'target-frame-too-large': 'The clicked frame is too large to send. Try a clip of a lower resolution.',
  'target-missing': "Pause the clip and click the character's face first.",
  'already-publishing': 'This stream is already running.',
  'not-live': 'The stream has not started yet. It will appear here as soon as it does.',
  'no-worker': 'All personalization workers are busy. Try again in a minute.',
  'worker-failed': 'The personalization worker stopped. Start the stream again.',
  'janus-failed': 'The media server refused the stream. Start it again.',
  'service-restarted': 'The service restarted and lost this stream. Start it again.',
  'too-many-requests': 'Too many requests at once; slow down a little.',
  internal: 'Something went wrong on the server.',
};

/** What a paused picture waits for, as the pages' connecting note says it. */
export const CONNECTING = {
  worker: 'Connecting to a personalization worker…',
  network: 'Reconnecting the stream…',
} as const;

/** Errors the sent input itself causes: sending it again cannot help (the others may pass on a later try). */
const INPUT_FAULTS: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'bad-request',
  'too-large',
  'selfie-unsupported',
  'selfie-too-large',
  'selfie-no-face',
  'target-frame-unsupported',
  'target-frame-too-large',
]);

export function isInputFault(error: ServiceError): boolean {
  return INPUT_FAULTS.has(error.code);
}

export function describeError(error: ServiceError): string {
  return `${MESSAGES[error.code] ?? error.message} (${error.message})`;
}
