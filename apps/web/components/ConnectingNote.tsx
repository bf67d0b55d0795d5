import { CONNECTING } from '../lib/messages.ts';

/**
 * Shown while the picture pauses: a session waits for an inference worker (at its start, and while it moves to
 * another worker), or a media path that died is negotiated anew (`network`). The watch page renders it hidden and
 * shows it itself.
 */
export function ConnectingNote({ hidden, reason = 'worker' }: { hidden?: boolean; reason?: keyof typeof CONNECTING }) {
  return (
    <p className="hint" data-testid="connecting" hidden={hidden}>
      {CONNECTING[reason]}
    </p>
  );
}
