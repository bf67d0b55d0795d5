import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import {
  type Config,
  type Logger,
  RedisKeys,
  RedisPresence,
  sfuConnectionName,
  WorkerMessage,
  workerConnectionName,
} from '@tooncast/shared';
import { Redis } from 'ioredis';
import { contourPublisher } from './contour-view.ts';
import type { FrameProcessor } from './frame-processor.ts';
import { AudioRelay } from './media/audio-relay.ts';
import { LivePipeline } from './media/pipeline.ts';

const HEARTBEAT_MS = 1000;
const HEARTBEAT_TTL_SECONDS = 4;
/** How often the worker looks for its sessions' sfu nodes, and at how many checks in a row without one it lets go. */
const SFU_CHECK_MS = 1000;
const SFU_GONE_CHECKS = 2;
/** RTP payload types the sfu's mountpoint expects (see apps/sfu StreamingMountpoint). */
const VIDEO_PT = 96;
const AUDIO_PT = 111;

interface Claimed {
  pipeline: LivePipeline;
  processor: FrameProcessor;
  /** The sfu node holding the session, and its checks in a row without a Redis connection. */
  sfuNode?: string;
  sfuGoneChecks: number;
}

/**
 * An inference worker: registers in Redis with a heartbeat and its capacity, claims pending sessions
 * (BLPOP) while it has free slots, runs one LivePipeline per session and releases it when the sfu says `end`.
 */
export class InferenceWorker {
  readonly id = randomUUID();
  private readonly sessions = new Map<string, Claimed>();
  /** Redis channel → session id, for the sfu's `end` messages. */
  private readonly channels = new Map<string, string>();
  private readonly redis: Redis;
  private readonly blocking: Redis;
  private readonly subscriber: Redis;
  private heartbeat?: NodeJS.Timeout;
  private sfuWatch?: NodeJS.Timeout;
  private readonly presence: RedisPresence;
  private stopped = false;
  private claimLoop?: Promise<void>;

  constructor(
    redisUrl: string,
    private readonly live: Config['live'],
    private readonly createProcessor: () => FrameProcessor,
    private readonly log: Logger,
  ) {
    // The duplicates carry the name too: any of them open says the process lives.
    this.redis = new Redis(redisUrl, { connectionName: workerConnectionName(this.id) });
    this.blocking = this.redis.duplicate();
    this.subscriber = this.redis.duplicate();
    this.presence = new RedisPresence(this.redis, log);
    this.subscriber.on('message', (channel: string, text: string) => {
      const id = this.channels.get(channel);
      const parsed = WorkerMessage.safeParse(JSON.parse(text));
      if (id && parsed.success && parsed.data.type === 'end' && (parsed.data.workerId ?? this.id) === this.id)
        void this.release(id, parsed.data.reason);
      if (id && parsed.success && parsed.data.type === 'contour-view') {
        const listener = parsed.data.on ? contourPublisher(this.redis, id) : undefined;
        this.sessions.get(id)?.processor.watchContours?.(listener);
      }
    });
  }

  async start(): Promise<void> {
    AudioRelay.prestart();
    await this.beat();
    // A Redis outage must not end the sessions (their media path needs no Redis): the beats resume once it is back.
    this.heartbeat = setInterval(
      () => void this.beat().catch((err) => this.log.warn({ err }, 'heartbeat failed')),
      HEARTBEAT_MS,
    );
    this.sfuWatch = setInterval(() => void this.watchSfuNodes(), SFU_CHECK_MS);
    this.claimLoop = this.claim();
    this.log.info({ worker: this.id, capacity: this.live.workerCapacity }, 'inference worker registered');
  }

  /**
   * Also lists the worker again: a worker whose beats lapsed (a stall) is dropped from the list by the sfu. Its host
   * and pid say which process it is, for operators.
   */
  private async beat(): Promise<void> {
    // A stopping worker has left the registry: a session start still under way must not list it again (free, for
    // up to the key's TTL, while it exits).
    if (this.stopped) return;
    const { workerCapacity: capacity } = this.live;
    await this.redis
      .multi()
      .hset(RedisKeys.worker(this.id), { capacity, active: this.sessions.size, host: hostname(), pid: process.pid })
      .expire(RedisKeys.worker(this.id), HEARTBEAT_TTL_SECONDS)
      .sadd(RedisKeys.workers, this.id)
      .exec();
  }

  private async claim(): Promise<void> {
    while (!this.stopped) {
      if (this.sessions.size >= this.live.workerCapacity) {
        await new Promise((r) => setTimeout(r, 200));
        continue;
      }
      const popped = await this.blocking.blpop(RedisKeys.pending, 1).catch(() => null);
      if (!popped) continue;
      const sessionId = popped[1];
      if (this.stopped) {
        // Claimed while stopping: back to the front of the queue, for another worker.
        await this.redis.lpush(RedisKeys.pending, sessionId);
        continue;
      }
      await this.open(sessionId).catch(async (err: Error & { problem?: string }) => {
        this.log.error({ err, session: sessionId }, 'could not start the session');
        // The engine's selfie analysis says what is wrong with the selfie; anything else is a worker failure.
        const code =
          err.name !== 'SelfieError'
            ? 'worker-failed'
            : err.problem === 'no-face'
              ? 'selfie-no-face'
              : 'selfie-unsupported';
        await this.send(sessionId, { type: 'worker-failed', workerId: this.id, message: err.message, code });
        await this.release(sessionId, 'start failed');
      });
    }
  }

  private async open(sessionId: string): Promise<void> {
    const [record, selfie, targetFrame] = await Promise.all([
      this.redis.hgetall(RedisKeys.session(sessionId)),
      this.redis.getBuffer(RedisKeys.selfie(sessionId)),
      this.redis.getBuffer(RedisKeys.targetFrame(sessionId)),
    ]);
    if (!record.state || !selfie) {
      this.log.warn({ session: sessionId }, 'claimed a session that no longer exists');
      return;
    }
    const { width, height } = this.live.frameSize;
    const processor = this.createProcessor();
    const pipeline = new LivePipeline(
      {
        width,
        height,
        keyframeInterval: this.live.keyframeInterval,
        playout: this.live.playout,
        output: {
          host: this.live.rtpHost,
          videoPort: Number(record.mountpointVideoPort),
          audioPort: Number(record.mountpointAudioPort),
          videoRtcpPort: Number(record.mountpointVideoRtcpPort) || undefined,
          videoPt: VIDEO_PT,
          audioPt: AUDIO_PT,
        },
      },
      processor,
      this.log.child({ session: sessionId }),
      (stats) => {
        this.log.debug({ session: sessionId, ...stats }, 'session stats');
        void this.send(sessionId, { type: 'stats', stats });
      },
      (error) => {
        void this.send(sessionId, {
          type: 'worker-failed',
          workerId: this.id,
          message: error.message,
          code: 'worker-failed',
        });
        void this.release(sessionId, 'pipeline failed');
      },
    );
    this.sessions.set(sessionId, { pipeline, processor, sfuNode: record.sfuNode, sfuGoneChecks: 0 });
    this.channels.set(RedisKeys.channel(sessionId), sessionId);
    // Held from here: a stop now hands it back (worker-leaving), and the sfu watches this worker from now on.
    await this.send(sessionId, { type: 'worker-claimed', workerId: this.id });
    await this.subscriber.subscribe(RedisKeys.channel(sessionId));
    const opened = processor.open(selfie, {
      x: Number(record.targetX),
      y: Number(record.targetY),
      timeSeconds: Number(record.targetTime),
      frame: targetFrame ?? undefined,
    });
    // The RTP path (forwarder, the publisher's keyframe, decoder start) comes up while the selfie is analysed and
    // the character picked on the clicked frame; the pipeline hands frames to the processor once it is open.
    const ports = await pipeline.listen(this.live.rtpHost, opened);
    await this.beat();
    // Stopping, or released meanwhile (the session moved on): another worker is, or will be, its worker.
    if (this.stopped || this.sessions.get(sessionId)?.pipeline !== pipeline) return;
    await this.send(sessionId, { type: 'worker-ready', workerId: this.id, host: this.live.rtpHost, ...ports });
    this.log.info({ session: sessionId, ...ports }, 'session claimed');
    await opened;
  }

  /**
   * Lets go of sessions whose sfu node is gone (it crashed or restarted: nobody will send `end`), so their slots
   * serve new sessions, and deletes their pictures (a session's selfie lives only while the session does). Two
   * checks in a row, so a node's reconnect after a blip does not count.
   */
  private async watchSfuNodes(): Promise<void> {
    for (const [sessionId, claimed] of this.sessions) {
      if (!claimed.sfuNode) continue;
      const connected = await this.presence.connected(sfuConnectionName(claimed.sfuNode));
      claimed.sfuGoneChecks = connected === false ? claimed.sfuGoneChecks + 1 : 0;
      if (claimed.sfuGoneChecks < SFU_GONE_CHECKS) continue;
      await this.redis.del(RedisKeys.selfie(sessionId), RedisKeys.targetFrame(sessionId)).catch(() => undefined);
      await this.release(sessionId, 'its sfu node is gone');
    }
  }

  private async send(sessionId: string, message: WorkerMessage): Promise<void> {
    await this.redis.publish(RedisKeys.channel(sessionId), JSON.stringify(message)).catch(() => undefined);
  }

  private async release(sessionId: string, reason: string): Promise<void> {
    const claimed = this.sessions.get(sessionId);
    if (!claimed) return;
    this.sessions.delete(sessionId);
    this.channels.delete(RedisKeys.channel(sessionId));
    await this.subscriber.unsubscribe(RedisKeys.channel(sessionId)).catch(() => undefined);
    await claimed.pipeline.close();
    await claimed.processor.close();
    await this.beat().catch(() => undefined);
    this.log.info({ session: sessionId, reason }, 'session released');
  }

  get activeSessions(): number {
    return this.sessions.size;
  }

  /** Hands its sessions back to the sfu (which moves them on at once), leaves the registry, then closes them. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.heartbeat);
    clearInterval(this.sfuWatch);
    // Handed back while the heartbeat key still lives, so the sfu hears that this is a stop (not seeing it gone).
    const sessions = [...this.sessions.keys()];
    const leaving = { type: 'worker-leaving', workerId: this.id } as const;
    await Promise.all(sessions.map((id) => this.send(id, leaving)));
    // A Redis error must not keep the sessions open: they close either way.
    const registry = this.redis.multi().del(RedisKeys.worker(this.id)).srem(RedisKeys.workers, this.id);
    await registry.exec().catch(() => undefined);
    await Promise.all(sessions.map((id) => this.release(id, 'worker stopping')));
    await this.claimLoop;
    for (const r of [this.redis, this.blocking, this.subscriber]) r.disconnect();
    this.log.info({ worker: this.id }, 'inference worker stopped');
  }
}
