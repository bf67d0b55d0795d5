import { z } from 'zod';

/**
 * The live service's socket.io protocol between the web app and apps/sfu, plus the Redis messages between
 * apps/sfu and apps/inference. Every incoming event is parsed with these schemas; anything else is refused
 * with an `ErrorCode`.
 */

export const ErrorCode = z.enum([
  'bad-request',
  'too-large',
  'token-invalid',
  'token-expired',
  'forbidden',
  'session-not-found',
  'session-ended',
  'selfie-missing',
  'selfie-unsupported',
  'selfie-too-large',
  'selfie-no-face',
  'target-missing',
  'already-publishing',
  'not-live',
  'no-worker',
  'worker-failed',
  'janus-failed',
  'internal',
]);
export type ErrorCode = z.infer<typeof ErrorCode>;

export const ServiceError = z.object({ code: ErrorCode, message: z.string() });
export type ServiceError = z.infer<typeof ServiceError>;

/** Every request is acknowledged with exactly one of these. */
export type Ack<T> = ({ ok: true } & T) | { ok: false; error: ServiceError };

const Token = z.string().min(10).max(1000);
const Sdp = z
  .string()
  .min(10)
  .max(64 * 1024);
export const Offer = z.object({ type: z.literal('offer'), sdp: Sdp });
export const Answer = z.object({ type: z.literal('answer'), sdp: Sdp });
export type Jsep = z.infer<typeof Offer> | z.infer<typeof Answer>;

export const Role = z.enum(['owner', 'viewer']);
export type Role = z.infer<typeof Role>;

export const SelfieMime = z.enum(['image/png', 'image/jpeg']);

/** Client → sfu requests: event name → payload schema and the ack's success fields. */
export const Requests = {
  'session:create': z.object({}).strict(),
  'selfie:upload': z
    .object({
      token: Token,
      mime: SelfieMime,
      image: z.instanceof(Uint8Array),
    })
    .strict(),
  'target:choose': z
    .object({
      token: Token,
      x: z.number().min(0).max(1),
      y: z.number().min(0).max(1),
      timeSeconds: z
        .number()
        .min(0)
        .max(24 * 3600),
    })
    .strict(),
  publish: z.object({ token: Token, offer: Offer }).strict(),
  subscribe: z.object({ token: Token }).strict(),
  'subscribe:answer': z.object({ token: Token, answer: Answer }).strict(),
  'session:end': z.object({ token: Token }).strict(),
} as const;
export type RequestName = keyof typeof Requests;
export type RequestPayload<E extends RequestName> = z.infer<(typeof Requests)[E]>;

export interface ResponseFields {
  'session:create': { sessionId: string; ownerToken: string; viewerToken: string };
  'selfie:upload': { width: number; height: number };
  'target:choose': Record<string, never>;
  publish: { answer: Jsep };
  subscribe: { offer: Jsep; role: Role };
  'subscribe:answer': Record<string, never>;
  'session:end': Record<string, never>;
}

export const SessionState = z.enum(['created', 'starting', 'live', 'ended']);
export type SessionState = z.infer<typeof SessionState>;

/** The worker's per-session report, relayed to the owner about once a second. */
export const LiveStats = z.object({
  fps: z.number(),
  latencyP50: z.number(),
  latencyP95: z.number(),
  framesIn: z.number(),
  framesOut: z.number(),
  framesDropped: z.number(),
  audioDelayMs: z.number(),
});
export type LiveStats = z.infer<typeof LiveStats>;

/** sfu → client events. */
export interface ServerEvents {
  'session:status': (status: { state: SessionState; error?: ServiceError }) => void;
  stats: (stats: LiveStats) => void;
  /** A message that could not be acknowledged (no ack callback, unknown event). */
  'service:error': (error: ServiceError) => void;
}

/** Messages on a session's Redis channel between the sfu and the worker that claimed it. */
export const WorkerMessage = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('worker-ready'),
    workerId: z.string(),
    host: z.string(),
    videoPort: z.number().int(),
    audioPort: z.number().int(),
  }),
  z.object({
    type: z.literal('worker-failed'),
    workerId: z.string(),
    message: z.string(),
    code: z.enum(['worker-failed', 'selfie-no-face', 'selfie-unsupported']).default('worker-failed'),
  }),
  z.object({ type: z.literal('stats'), stats: LiveStats }),
  z.object({ type: z.literal('end'), reason: z.string() }),
]);
export type WorkerMessage = z.infer<typeof WorkerMessage>;

/** Redis key layout shared by apps/sfu and apps/inference. */
export const RedisKeys = {
  session: (id: string) => `tooncast:session:${id}`,
  selfie: (id: string) => `tooncast:selfie:${id}`,
  channel: (id: string) => `tooncast:session:${id}:events`,
  ended: (id: string) => `tooncast:ended:${id}`,
  pending: 'tooncast:sessions:pending',
  worker: (id: string) => `tooncast:worker:${id}`,
  workers: 'tooncast:workers',
  tokenSecret: 'tooncast:token-secret',
} as const;
