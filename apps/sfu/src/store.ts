import { randomBytes } from 'node:crypto';
import { RedisKeys, type SessionState, WorkerMessage } from '@tooncast/shared';
import type { Redis } from 'ioredis';

export interface SessionRecord {
  state: SessionState;
  targetX?: number;
  targetY?: number;
  targetTime?: number;
  mountpointId?: number;
  mountpointVideoPort?: number;
  mountpointAudioPort?: number;
  mountpointVideoRtcpPort?: number;
  roomId?: number;
  workerId?: string;
  /** The sfu node holding the session (its LiveSession, the owner's connection). */
  sfuNode?: string;
  /** Why the session last moved to another worker (a stop, a crash, a failed media path), for operators. */
  movedBecause?: string;
}

const NUMERIC = new Set([
  'targetX',
  'targetY',
  'targetTime',
  'mountpointId',
  'mountpointVideoPort',
  'mountpointAudioPort',
  'mountpointVideoRtcpPort',
  'roomId',
]);

/** The session's uploaded pictures: the selfie, and the paused frame the owner clicked on. */
export type SessionImage = 'selfie' | 'targetFrame';

/**
 * Session state in Redis, shared by every sfu node and the workers. The uploaded pictures live only here, with a
 * TTL, and are deleted when the session ends.
 */
export class SessionStore {
  private readonly listeners = new Map<string, (message: WorkerMessage) => void>();

  constructor(
    private readonly redis: Redis,
    private readonly subscriber: Redis,
    private readonly sessionTtlSeconds: number,
  ) {
    subscriber.on('message', (channel: string, text: string) => {
      const listener = this.listeners.get(channel);
      if (!listener) return;
      const parsed = WorkerMessage.safeParse(JSON.parse(text));
      if (parsed.success) listener(parsed.data);
    });
  }

  /** The token HMAC key every sfu node agrees on: the first node to start picks it. */
  async sharedTokenSecret(): Promise<string> {
    await this.redis.set(RedisKeys.tokenSecret, randomBytes(32).toString('base64url'), 'NX');
    return (await this.redis.get(RedisKeys.tokenSecret))!;
  }

  async create(id: string): Promise<void> {
    await this.redis
      .multi()
      .hset(RedisKeys.session(id), { state: 'created', createdAt: Date.now() })
      .expire(RedisKeys.session(id), this.sessionTtlSeconds)
      .exec();
  }

  async get(id: string): Promise<SessionRecord | undefined> {
    const raw = await this.redis.hgetall(RedisKeys.session(id));
    if (!raw.state) return undefined;
    const record: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(raw)) record[k] = NUMERIC.has(k) ? Number(v) : v;
    return record as unknown as SessionRecord;
  }

  async update(id: string, fields: Partial<SessionRecord>): Promise<void> {
    await this.redis.hset(RedisKeys.session(id), fields as Record<string, string | number>);
  }

  async isEnded(id: string): Promise<boolean> {
    return (await this.redis.exists(RedisKeys.ended(id))) === 1;
  }

  /** Keeps a picture the worker reads when it opens the session; `undefined` removes an earlier one. */
  async setImage(image: SessionImage, id: string, bytes: Buffer | undefined, ttlSeconds: number): Promise<void> {
    if (bytes) await this.redis.set(RedisKeys[image](id), bytes, 'EX', ttlSeconds);
    else await this.redis.del(RedisKeys[image](id));
  }

  /** Keeps a running session's pictures another `ttlSeconds`: a worker taking the session over reads them. */
  async keepImages(id: string, ttlSeconds: number): Promise<void> {
    await this.redis
      .multi()
      .expire(RedisKeys.selfie(id), ttlSeconds)
      .expire(RedisKeys.targetFrame(id), ttlSeconds)
      .exec();
  }

  async hasImage(image: SessionImage, id: string): Promise<boolean> {
    return (await this.redis.exists(RedisKeys[image](id))) === 1;
  }

  /** Spare session slots over every worker whose heartbeat is still alive. */
  async freeWorkerSlots(): Promise<number> {
    let free = 0;
    for (const workerId of await this.redis.smembers(RedisKeys.workers)) {
      const w = await this.redis.hmget(RedisKeys.worker(workerId), 'capacity', 'active');
      if (w[0] === null) {
        await this.redis.srem(RedisKeys.workers, workerId);
        continue;
      }
      free += Math.max(0, Number(w[0]) - Number(w[1] ?? 0));
    }
    return free;
  }

  /** Whether the worker's heartbeat still lives (its key expires a few seconds after its last beat). */
  async workerAlive(workerId: string): Promise<boolean> {
    return (await this.redis.exists(RedisKeys.worker(workerId))) === 1;
  }

  /** Offers the session to the workers; one of them claims it with BLPOP. */
  async enqueue(id: string): Promise<void> {
    await this.redis.rpush(RedisKeys.pending, id);
  }

  /** Whether the session waits in the queue (no worker has taken it). */
  async isQueued(id: string): Promise<boolean> {
    return (await this.redis.lpos(RedisKeys.pending, id)) !== null;
  }

  async listen(id: string, listener: (message: WorkerMessage) => void): Promise<void> {
    this.listeners.set(RedisKeys.channel(id), listener);
    await this.subscriber.subscribe(RedisKeys.channel(id));
  }

  async send(id: string, message: WorkerMessage): Promise<void> {
    await this.redis.publish(RedisKeys.channel(id), JSON.stringify(message));
  }

  /** Removes every key of the session and remembers for an hour that it ended (so late viewers are told). */
  async end(id: string): Promise<void> {
    this.listeners.delete(RedisKeys.channel(id));
    await this.subscriber.unsubscribe(RedisKeys.channel(id));
    await this.redis
      .multi()
      .del(RedisKeys.session(id), RedisKeys.selfie(id), RedisKeys.targetFrame(id))
      .lrem(RedisKeys.pending, 0, id)
      .set(RedisKeys.ended(id), '1', 'EX', 3600)
      .exec();
  }
}
