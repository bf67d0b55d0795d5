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
  'target-frame-unsupported',
  'target-frame-too-large',
  'target-missing',
  'already-publishing',
  'not-live',
  'no-worker',
  'worker-failed',
  'janus-failed',
  'service-restarted',
  'too-many-requests',
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

const ImageMime = z.enum(['image/png', 'image/jpeg']);
/** A picture the page sends: a selfie, or the paused frame the owner clicked on. */
const ImageUpload = z.object({ mime: ImageMime, image: z.instanceof(Uint8Array) }).strict();
export type ImageUpload = z.infer<typeof ImageUpload>;

/** Client → sfu requests: event name → payload schema and the ack's success fields. */
export const Requests = {
  'session:create': z.object({}).strict(),
  'selfie:upload': ImageUpload.extend({ token: Token }).strict(),
  'target:choose': z
    .object({
      token: Token,
      x: z.number().min(0).max(1),
      y: z.number().min(0).max(1),
      timeSeconds: z
        .number()
        .min(0)
        .max(24 * 3600),
      /**
       * The paused frame clicked on (at most 640 px wide): the worker picks the character on it while the stream
       * starts, instead of on the first live frames. Older pages send none.
       */
      frame: ImageUpload.optional(),
    })
    .strict(),
  publish: z.object({ token: Token, offer: Offer }).strict(),
  subscribe: z.object({ token: Token }).strict(),
  'subscribe:answer': z.object({ token: Token, answer: Answer }).strict(),
  'session:end': z.object({ token: Token }).strict(),
  /** The owner is back (page reloaded, socket reconnected) within the session's grace time. */
  'session:resume': z.object({ token: Token }).strict(),
  /** A selfie candidate (webcam snapshot or chosen file) judged by the engine's selfie analysis; no session needed. */
  'selfie:check': ImageUpload,
  /** Switches the owner's contour-figure debug view (the worker's `contour` events) on or off. */
  'contour:watch': z.object({ token: Token, on: z.boolean() }).strict(),
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
  'session:resume': { sessionId: string; state: SessionState; publishing: boolean };
  'selfie:check': { verdict: SelfieVerdict };
  'contour:watch': Record<string, never>;
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
  /** Clip audio packets the worker dropped as too late since the session started (a gap in the sound each). */
  audioDropped: z.number(),
  /** The worker latency by stage (decode, wait, process, encode, pace, total), ms over the last second. */
  stages: z.record(z.string(), z.object({ p50: z.number(), p95: z.number() })).optional(),
  /** How unevenly the publisher captured its frames over the last second, ms (the worker's CaptureSteps). */
  captureJitterMs: z.number().optional(),
});
export type LiveStats = z.infer<typeof LiveStats>;

/**
 * A watcher's way to its first frame: signaling connected, Janus's offer received and applied, answer made and sent,
 * answer accepted, media connected, first video packet received, first keyframe requested (PLI or FIR sent), first
 * frame decoded (wall-clock ms; the last three from Chrome's statistics, polled every 20 ms).
 */
export interface JoinSteps {
  signaling?: number;
  offer?: number;
  remoteSet?: number;
  answerSent?: number;
  answered?: number;
  connected?: number;
  videoPacket?: number;
  keyframeAsked?: number;
  decoded?: number;
}

/**
 * The owner's way from pressing start to the first personalized frame (wall-clock ms): session created, selfie
 * accepted, target chosen, clip published (Janus's answer applied), session live (a worker took it), then the
 * watcher's steps.
 */
export interface StartSteps extends JoinSteps {
  sessionCreated?: number;
  selfieUploaded?: number;
  targetChosen?: number;
  published?: number;
  live?: number;
}

/**
 * What a live page measured about the personalized stream, as it exposes it on `window.tooncast` (apps/web
 * lib/measure.ts) for the live tests and the benchmark to read the same numbers the overlay shows.
 */
export interface StreamMeasurements {
  state: string;
  errors: string[];
  /** Wall-clock ms when the owner pressed start / the viewer opened the link. */
  startedAt?: number;
  /** Wall-clock ms when the first personalized frame was presented. */
  firstFrameAt?: number;
  /** Wall-clock ms of a watcher's steps to its first frame (viewer page). */
  joinSteps?: JoinSteps;
  /** Wall-clock ms of the owner's steps to the first personalized frame (owner page). */
  startSteps?: StartSteps;
  /** Frame id → wall-clock ms the clip presented it (owner page only). */
  sourceShown: Record<number, number>;
  /**
   * Frame ids of the personalized stream, in presentation order, with their wall-clock time; on the owner page also
   * the glass-to-glass latency, taken when the frame is shown: the clip loops, so its ids come back, and only then
   * is `sourceShown` sure to hold this showing of the id.
   */
  received: { id: number; at: number; glassToGlassMs?: number }[];
  shareUrl?: string;
  sessionId?: string;
  /** Media paths the page found lost while signaling stayed up, and negotiated anew: which, wall-clock ms. */
  renegotiated: { connection: 'publisher' | 'watcher'; at: number }[];
  /** The worker's latest report. */
  workerStats?: LiveStats;
  /**
   * How far the personalized picture trails the clip, ms, as the page finds it without the barcode; its sound of
   * the clip follows (owner page only).
   */
  pictureDelayMs?: number;
}

/** Why the engine's selfie analysis refuses a selfie (packages/engine SelfieProblem). */
export const SelfieProblem = z.enum([
  'no-face',
  'several-faces',
  'face-too-small',
  'not-frontal',
  'too-dark',
  'too-blurred',
]);
export type SelfieProblem = z.infer<typeof SelfieProblem>;

/** The engine's verdict on a selfie candidate: the same analysis the worker runs when the session starts. */
export const SelfieVerdict = z.object({
  usable: z.boolean(),
  problem: SelfieProblem.optional(),
  /** What to change (from the engine), or that the selfie is fine. */
  message: z.string(),
  warnings: z.array(z.string()),
  /** The face's landmark box, normalized to the image (absent when no face was read). */
  face: z.object({ x: z.number(), y: z.number(), w: z.number(), h: z.number() }).optional(),
  /** Mean luma of the face, 0–255. */
  brightness: z.number().optional(),
});
export type SelfieVerdict = z.infer<typeof SelfieVerdict>;

/** Organs of the contour figure (packages/engine ORGANS). */
export const ContourOrgan = z.enum(['faceOval', 'brows', 'eyes', 'irises', 'nose', 'lipsOuter', 'lipsInner']);
export type ContourOrgan = z.infer<typeof ContourOrgan>;

/** How step 1 followed the character in a frame (packages/engine TargetTracker). */
export const TrackingState = z.enum(['tracking', 'held', 'reacquired', 'lost']);
export type TrackingState = z.infer<typeof TrackingState>;

/**
 * Step 1's contour figure of one analysed frame, for the owner's debug view. Points are normalized to the frame
 * (x, y interleaved). The thumbnail (base64 luma, CONTOUR_THUMBNAIL) lets the page find which clip frame it was.
 */
export const ContourFrame = z.object({
  frameIndex: z.number().int().min(0),
  timeSec: z.number().min(0),
  state: TrackingState,
  thumbnail: z.string().max(1024),
  lines: z
    .array(z.object({ organ: ContourOrgan, closed: z.boolean(), points: z.array(z.number().min(-1).max(2)).max(512) }))
    .max(16),
});
export type ContourFrame = z.infer<typeof ContourFrame>;

/** sfu → client events. */
export interface ServerEvents {
  'session:status': (status: { state: SessionState; error?: ServiceError }) => void;
  stats: (stats: LiveStats) => void;
  /** Contour figures of the target, while the owner's debug view is on (volatile: dropped when the page is slow). */
  contour: (frame: ContourFrame) => void;
  /** A message that could not be acknowledged (no ack callback, unknown event). */
  'service:error': (error: ServiceError) => void;
}

/** Messages on a session's Redis channel between the sfu and the worker that claimed it. */
export const WorkerMessage = z.discriminatedUnion('type', [
  /**
   * worker → sfu: this worker took the session from the queue and is starting it; from here on the sfu watches it
   * (a worker lost while starting hands the session on too) and hears only it.
   */
  z.object({ type: z.literal('worker-claimed'), workerId: z.string() }),
  z.object({
    type: z.literal('worker-ready'),
    workerId: z.string(),
    host: z.string(),
    videoPort: z.number().int(),
    audioPort: z.number().int(),
    /** Where the forwarder's RTCP goes: the worker sends its keyframe requests to the publisher back through it. */
    videoRtcpPort: z.number().int(),
  }),
  z.object({
    type: z.literal('worker-failed'),
    workerId: z.string(),
    message: z.string(),
    code: z.enum(['worker-failed', 'selfie-no-face', 'selfie-unsupported']).default('worker-failed'),
  }),
  z.object({ type: z.literal('stats'), stats: LiveStats }),
  /** worker → sfu: the worker is stopping (a restart); the session moves to another at once, no failure counted. */
  z.object({ type: z.literal('worker-leaving'), workerId: z.string() }),
  /** sfu → worker: release the session; with `workerId`, only that worker does (the session moved to another). */
  z.object({ type: z.literal('end'), reason: z.string(), workerId: z.string().optional() }),
  /** sfu → worker: publish the session's contour figures on its contour channel (or stop). */
  z.object({ type: z.literal('contour-view'), on: z.boolean() }),
]);
export type WorkerMessage = z.infer<typeof WorkerMessage>;

/** A selfie check queued for any worker (Redis list `RedisKeys.selfieChecks`); answered on `replyTo`. */
export const SelfieCheckRequest = z.object({
  id: z.string(),
  replyTo: z.string(),
  /** The selfie bytes, base64. */
  image: z.string(),
  /** Epoch ms after which nobody waits for the answer. */
  expiresAt: z.number(),
});
export type SelfieCheckRequest = z.infer<typeof SelfieCheckRequest>;

export const SelfieCheckReply = z.object({ id: z.string(), verdict: SelfieVerdict });
export type SelfieCheckReply = z.infer<typeof SelfieCheckReply>;

/** Redis key layout shared by apps/sfu and apps/inference. */
export const RedisKeys = {
  session: (id: string) => `tooncast:session:${id}`,
  selfie: (id: string) => `tooncast:selfie:${id}`,
  /** The paused frame the owner clicked on (bytes, the selfie's TTL). */
  targetFrame: (id: string) => `tooncast:target-frame:${id}`,
  channel: (id: string) => `tooncast:session:${id}:events`,
  /** The worker's contour frames of a session (pub/sub), while the owner's debug view is on. */
  contour: (id: string) => `tooncast:session:${id}:contour`,
  selfieChecks: 'tooncast:selfie-checks',
  /** Replies to the selfie checks one sfu node asked for (pub/sub). */
  selfieCheckReplies: (node: string) => `tooncast:selfie-check-replies:${node}`,
  ended: (id: string) => `tooncast:ended:${id}`,
  pending: 'tooncast:sessions:pending',
  worker: (id: string) => `tooncast:worker:${id}`,
  workers: 'tooncast:workers',
  tokenSecret: 'tooncast:token-secret',
} as const;

/**
 * The name a worker gives its Redis connections (CLIENT SETNAME): they close with its process, so the sfu sees a
 * crashed worker gone before its heartbeat key expires.
 */
export const workerConnectionName = (workerId: string) => `tooncast-worker-${workerId}`;

/**
 * The name an sfu node gives its Redis connections: a worker whose session's node is gone (a crash, a restart)
 * lets the session go instead of holding its slot for nobody.
 */
export const sfuConnectionName = (nodeId: string) => `tooncast-sfu-${nodeId}`;
