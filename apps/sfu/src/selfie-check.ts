import { randomUUID } from 'node:crypto';
import { RedisKeys, SelfieCheckReply, type SelfieCheckRequest, type SelfieVerdict } from '@tooncast/shared';
import type { Redis } from 'ioredis';
import { ServiceFailure } from './errors.ts';

/** How long a check may wait for a worker: a queued snapshot is stale for live guidance after this. */
const CHECK_TIMEOUT_MS = 10_000;

/**
 * Asks the inference workers for the engine's verdict on a selfie candidate (apps/inference selfie-check-thread):
 * the sfu loads no models; every worker answers checks from a shared Redis queue, replies come back on this node's
 * own channel.
 */
export class SelfieCheckClient {
  private readonly channel = RedisKeys.selfieCheckReplies(randomUUID());
  private readonly waiting = new Map<string, (verdict: SelfieVerdict) => void>();

  private constructor(private readonly redis: Redis) {}

  static async open(redis: Redis, subscriber: Redis): Promise<SelfieCheckClient> {
    const client = new SelfieCheckClient(redis);
    subscriber.on('message', (channel: string, text: string) => {
      if (channel !== client.channel) return;
      const parsed = SelfieCheckReply.safeParse(JSON.parse(text));
      if (parsed.success) client.waiting.get(parsed.data.id)?.(parsed.data.verdict);
    });
    await subscriber.subscribe(client.channel);
    return client;
  }

  async check(image: Uint8Array): Promise<SelfieVerdict> {
    const id = randomUUID();
    const request: SelfieCheckRequest = {
      id,
      replyTo: this.channel,
      image: Buffer.from(image).toString('base64'),
      expiresAt: Date.now() + CHECK_TIMEOUT_MS,
    };
    const verdict = new Promise<SelfieVerdict>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        reject(new ServiceFailure('no-worker', 'no inference worker answered the selfie check in time'));
      }, CHECK_TIMEOUT_MS);
      this.waiting.set(id, (v) => {
        clearTimeout(timer);
        this.waiting.delete(id);
        resolve(v);
      });
    });
    await this.redis.rpush(RedisKeys.selfieChecks, JSON.stringify(request));
    return verdict;
  }
}
