import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

/** Repository root, so every package finds the model cache and fixtures the same way. */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/** Where `npm start` renders the built-in synthetic demo clip (its ground truth beside it). */
export const DEMO_CLIP_DIR = path.join(REPO_ROOT, '.cache', 'demo');

/** A blank number variable (`VAR=`) is unset, as a blank string one is: z.coerce.number() would read it as 0. */
const blankUnset = <T extends z.ZodType>(schema: T) =>
  z.preprocess((v) => (typeof v === 'string' && v.trim() === '' ? undefined : v), schema);
const int = (def: number) => blankUnset(z.coerce.number().int().nonnegative().default(def));
const num = (def: number) => blankUnset(z.coerce.number().finite().nonnegative().default(def));
const unit = (def: number) => blankUnset(z.coerce.number().min(0).max(1).default(def));
const port = (def: number) => blankUnset(z.coerce.number().int().min(1).max(65_535).default(def));
/** A side of the worker's frames: the VP8 frame header holds 14 bits. */
const frameSide = z.number().int().min(1).max(16_383);

/**
 * The one validated configuration of every Tooncast process. Each value comes from an environment variable
 * (named in the comment) or a built-in default, so `npm start` works with no configuration at all.
 */
export const ConfigSchema = z.object({
  /** TOONCAST_LOG_LEVEL */
  logLevel: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
  models: z.object({
    /** TOONCAST_MODEL_DIR: where the model build writes its ONNX files (git-ignored). */
    dir: z.string().default(path.join(REPO_ROOT, '.cache/models')),
    /** TOONCAST_EXECUTION_PROVIDER: onnxruntime execution provider; cuda where a GPU exists. */
    executionProvider: z.enum(['cpu', 'cuda']).default('cpu'),
    /** TOONCAST_INTRA_OP_THREADS: one thread per session by default; a worker runs sessions side by side. */
    intraOpThreads: int(1).pipe(z.number().min(1)),
  }),
  /** Method step 1: finding and following the chosen character's face. */
  analysis: z.object({
    /** TOONCAST_DETECTOR_MIN_SCORE: BlazeFace score for a face to count. */
    detectorMinScore: unit(0.5),
    /** TOONCAST_MIN_PRESENCE: FaceMesh face-flag probability below which the face is lost. */
    minPresence: unit(0.5),
    /** TOONCAST_MAX_APPEARANCE_DISTANCE: brightness-normalized colour difference still taken for the chosen character (others score ≳ 0.25). */
    maxAppearanceDistance: num(0.2),
    /** TOONCAST_FILTER_MIN_CUTOFF / _BETA: One-Euro landmark filter (Hz; per face size per second). */
    filterMinCutoff: num(0.05),
    filterBeta: num(80),
  }),
  /** Method steps 2–4: first face generation, optical-flow fusion, stylizer, compositor. */
  face: z.object({
    /** TOONCAST_FACE_SIZE: side of the face space (the canonical aligned face crop steps 2–3 work in), pixels. */
    size: int(192).pipe(z.number().min(64).max(512)),
    /** TOONCAST_FACE_GENERATOR: 'builtin' (the selfie mesh-warped to the expression) or an ONNX generator's path. */
    generator: z.string().min(1).default('builtin'),
    /** TOONCAST_FACE_GENERATOR_SIZE: the ONNX generator's input/output side (0 = the face size). */
    generatorSize: int(0),
    /** TOONCAST_FUSION: 'off' makes every final face image the first face image (no optical-flow fusion). */
    fusion: z.enum(['on', 'off']).default('on'),
    /** TOONCAST_STYLIZER: 'builtin' (the generated ONNX graph) or a user ONNX stylizer's path (1×3×H×W in [−1, 1]). */
    stylizer: z.string().min(1).default('builtin'),
    /** TOONCAST_STYLIZER_SIZE: a fixed-size user stylizer's side (0 = run it at the face size). */
    stylizerSize: int(0),
    /** TOONCAST_PALETTE_TINT: how far the face's skin colour moves towards the character's (0–1). */
    paletteTint: unit(0.15),
    /** TOONCAST_OUTLINE_DARKNESS / TOONCAST_LINE_WEIGHT: the built-in stylizer's ink lines (0–1 each). */
    outlineDarkness: unit(0.75),
    lineWeight: unit(0.3),
    /** TOONCAST_COLOR_LEVELS: luminance steps of the built-in stylizer's colour quantization. */
    colorLevels: int(8).pipe(z.number().min(1).max(255)),
    /**
     * TOONCAST_HARMONIZE: how far the compositor moves the face's mean colour to the character's (0–1; low band only,
     * bounded gain). More turns a human face on a grey character grey.
     */
    harmonize: unit(0.4),
  }),
  /** TOONCAST_FIXTURES: read-only test media shared beside the checkout. */
  fixturesDir: z.string().default(path.resolve(REPO_ROOT, '../shared/fixtures')),
  /** The live service: Janus, Redis, apps/sfu, apps/inference, apps/web. */
  live: z
    .object({
      /** TOONCAST_LIVE_HOST: address Janus advertises for ICE and the URL printed for other devices ('' = first LAN address). */
      host: z.string().default(''),
      /** REDIS_URL: an existing Redis; when absent the launcher starts a private redis-server. */
      redisUrl: z.string().optional(),
      /** TOONCAST_JANUS_URL: an existing Janus WebSocket API; when absent the launcher starts Janus. */
      janusUrl: z.string().optional(),
      /**
       * TOONCAST_JANUS_ADMIN_KEY: the VideoRoom and Streaming plugins' admin_key, which creating, forwarding and listing
       * their rooms and mountpoints need (the launcher sets a random one per run for the Janus it starts).
       */
      janusAdminKey: z.string().optional(),
      /** TOONCAST_RTP_HOST: address on which Janus and the workers exchange plain RTP (same host by default). */
      rtpHost: z.string().default('127.0.0.1'),
      /** TOONCAST_SFU_PORT: socket.io signaling port. */
      sfuPort: port(4000),
      /** TOONCAST_WEB_PORT: the web app's port. */
      webPort: port(3000),
      /** TOONCAST_RTP_PORTS: UDP range Janus uses for ICE and plain RTP, e.g. 20000-40000. */
      rtpPorts: z
        .string()
        .regex(/^\d+-\d+$/)
        .default('20000-40000'),
      /** TOONCAST_TOKEN_SECRET: HMAC key for session tokens; shared through Redis when absent so sfu nodes agree. */
      tokenSecret: z.string().min(16).optional(),
      /** TOONCAST_TOKEN_TTL: seconds an owner or viewer token stays valid. */
      tokenTtlSeconds: int(4 * 3600).pipe(z.number().min(1)),
      /** TOONCAST_SELFIE_MAX_BYTES: larger selfies are refused before they are stored. */
      selfieMaxBytes: int(8 * 1024 * 1024),
      /** TOONCAST_SELFIE_TTL: seconds the selfie bytes (and the clicked frame's) live in Redis even if a session is never ended. */
      selfieTtlSeconds: int(3600).pipe(z.number().min(1)),
      /**
       * TOONCAST_TARGET_FRAME_MAX_BYTES: larger clicked frames are refused before they are stored (the page sends a JPEG
       * at most 640 px wide, ~30–150 kB).
       */
      targetFrameMaxBytes: int(1024 * 1024),
      /** TOONCAST_WORKERS: inference worker processes `npm start` runs. */
      workers: int(1).pipe(z.number().min(1)),
      /** TOONCAST_WORKER_CAPACITY: sessions one inference worker runs side by side. */
      workerCapacity: int(2).pipe(z.number().min(1)),
      /** TOONCAST_FRAME_SIZE: the worker's frame size WxH (the engine works on this size). */
      frameSize: z
        .string()
        .regex(/^\d+x\d+$/)
        .default('640x360')
        .transform((s) => {
          const [width, height] = s.split('x').map(Number);
          return { width, height };
        })
        .pipe(z.object({ width: frameSide, height: frameSide })),
      /**
       * TOONCAST_KEYFRAME_INTERVAL: frames between the worker's periodic keyframes. Watchers get one on request (Janus
       * relays a PLI when one starts or loses packets); periodic ones cover a lost request.
       */
      keyframeInterval: int(48).pipe(z.number().min(1)),
      /** TOONCAST_FRAME_PROCESSOR: what the worker runs per frame: the method ('engine') or a copy ('passthrough'). */
      frameProcessor: z.enum(['passthrough', 'engine']).default('engine'),
      /**
       * TOONCAST_PLAYOUT: when the worker sends a frame: 'asap' (as soon as it is encoded; the clip audio follows
       * the median delay) or 'paced' (every frame one steady delay after it arrived, the audio with it; on a loaded
       * machine the delay's tail costs more latency than Chrome's jitter buffer saves).
       */
      playout: z.enum(['asap', 'paced']).default('asap'),
      /**
       * TOONCAST_MAX_PLAYOUT_DELAY: the most a watcher's browser may hold personalized video before showing it, ms (the
       * playout-delay RTP extension Janus adds per watcher; 'off' leaves it to the browser). Uncapped, Chrome's buffer
       * follows the worst arrival jitter and its A/V sync holds the video as long as the audio's buffer (300+ ms on a
       * loaded machine); too low a cap leaves the sound behind the lips.
       */
      maxPlayoutDelayMs: blankUnset(
        z
          .union([z.literal('off'), z.coerce.number().int().min(0).max(10_000)])
          .default(150)
          .transform((v) => (v === 'off' ? undefined : v)),
      ),
      /**
       * TOONCAST_PUBLISH_BITRATE: the most the owner's browser spends on the clip it publishes, bit/s ('off' leaves it
       * to the browser). Chrome's own choice for 640x360 fills the room's 2 Mbit/s cap, so its sender has no headroom:
       * the big frame of a scene cut (the clip's loop) then held every frame behind it 100-200 ms for a second or two.
       */
      publishBitrate: blankUnset(
        z
          .union([z.literal('off'), z.coerce.number().int().min(100_000).max(10_000_000)])
          .default(1_000_000)
          .transform((v) => (v === 'off' ? undefined : v)),
      ),
      /** TOONCAST_DEMO_CLIP: the cartoon clip the web app offers; by default the built-in synthetic one `npm start` renders. */
      demoClip: z.string().default(path.join(DEMO_CLIP_DIR, 'clip.mp4')),
      /**
       * TOONCAST_OWNER_GRACE: seconds a session waits for its owner after the owner's connection or published stream
       * dropped (a reload, a network blip) before it ends.
       */
      ownerGraceSeconds: int(5),
    })
    // Else the sfu takes the port first and the web app cannot start, while the wait for the web port meets the sfu.
    .refine((live) => live.webPort !== live.sfuPort, {
      path: ['webPort'],
      message: 'must differ from live.sfuPort (TOONCAST_SFU_PORT)',
    }),
});

export type Config = z.infer<typeof ConfigSchema>;

/** Reads and validates the configuration; throws one readable error naming every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = ConfigSchema.safeParse({
    logLevel: env.TOONCAST_LOG_LEVEL,
    models: {
      dir: env.TOONCAST_MODEL_DIR,
      executionProvider: env.TOONCAST_EXECUTION_PROVIDER,
      intraOpThreads: env.TOONCAST_INTRA_OP_THREADS,
    },
    analysis: {
      detectorMinScore: env.TOONCAST_DETECTOR_MIN_SCORE,
      minPresence: env.TOONCAST_MIN_PRESENCE,
      maxAppearanceDistance: env.TOONCAST_MAX_APPEARANCE_DISTANCE,
      filterMinCutoff: env.TOONCAST_FILTER_MIN_CUTOFF,
      filterBeta: env.TOONCAST_FILTER_BETA,
    },
    face: {
      size: env.TOONCAST_FACE_SIZE,
      generator: env.TOONCAST_FACE_GENERATOR || undefined,
      generatorSize: env.TOONCAST_FACE_GENERATOR_SIZE,
      fusion: env.TOONCAST_FUSION,
      stylizer: env.TOONCAST_STYLIZER || undefined,
      stylizerSize: env.TOONCAST_STYLIZER_SIZE,
      paletteTint: env.TOONCAST_PALETTE_TINT,
      outlineDarkness: env.TOONCAST_OUTLINE_DARKNESS,
      lineWeight: env.TOONCAST_LINE_WEIGHT,
      colorLevels: env.TOONCAST_COLOR_LEVELS,
      harmonize: env.TOONCAST_HARMONIZE,
    },
    fixturesDir: env.TOONCAST_FIXTURES,
    live: {
      host: env.TOONCAST_LIVE_HOST,
      redisUrl: env.REDIS_URL || undefined,
      janusUrl: env.TOONCAST_JANUS_URL || undefined,
      janusAdminKey: env.TOONCAST_JANUS_ADMIN_KEY || undefined,
      rtpHost: env.TOONCAST_RTP_HOST,
      sfuPort: env.TOONCAST_SFU_PORT,
      webPort: env.TOONCAST_WEB_PORT,
      rtpPorts: env.TOONCAST_RTP_PORTS,
      tokenSecret: env.TOONCAST_TOKEN_SECRET || undefined,
      tokenTtlSeconds: env.TOONCAST_TOKEN_TTL,
      selfieMaxBytes: env.TOONCAST_SELFIE_MAX_BYTES,
      selfieTtlSeconds: env.TOONCAST_SELFIE_TTL,
      targetFrameMaxBytes: env.TOONCAST_TARGET_FRAME_MAX_BYTES,
      workers: env.TOONCAST_WORKERS,
      workerCapacity: env.TOONCAST_WORKER_CAPACITY,
      frameSize: env.TOONCAST_FRAME_SIZE,
      keyframeInterval: env.TOONCAST_KEYFRAME_INTERVAL,
      frameProcessor: env.TOONCAST_FRAME_PROCESSOR,
      playout: env.TOONCAST_PLAYOUT,
      maxPlayoutDelayMs: env.TOONCAST_MAX_PLAYOUT_DELAY,
      publishBitrate: env.TOONCAST_PUBLISH_BITRATE,
      demoClip: env.TOONCAST_DEMO_CLIP || undefined,
      ownerGraceSeconds: env.TOONCAST_OWNER_GRACE,
    },
  });
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new ConfigError(`invalid configuration: ${problems}`);
  }
  return parsed.data;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}
