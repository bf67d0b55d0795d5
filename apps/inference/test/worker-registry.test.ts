import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createLogger, loadConfig, RedisKeys } from '@tooncast/shared';
import { Redis } from 'ioredis';
import { RedisProcess } from '../../sfu/src/services/redis-process.ts';
import { PassThroughProcessor } from '../src/frame-processor.ts';
import { InferenceWorker } from '../src/worker.ts';

const log = createLogger('worker-registry-test', 'warn');
const server = new RedisProcess(log);
let redis: Redis;
let url: string;
let worker: InferenceWorker;
let stopped = false;

before(async () => {
  url = await server.start();
  redis = new Redis(url);
  worker = new InferenceWorker(url, loadConfig().live, () => new PassThroughProcessor(), log);
  await worker.start();
});
after(async () => {
  if (!stopped) await worker?.stop();
  redis?.disconnect();
  await server.stop();
});

test('a worker whose beats lapsed (a stall) is listed again at its next beat; a stopped one is gone at once and leaves the sessions offered meanwhile', async () => {
  const listed = async () => ({
    member: await redis.sismember(RedisKeys.workers, worker.id),
    alive: await redis.exists(RedisKeys.worker(worker.id)),
  });
  assert.deepEqual(await listed(), { member: 1, alive: 1 });
  // What the sfu does when the key expired: the worker leaves the list that its spare capacity is counted from.
  await redis.multi().del(RedisKeys.worker(worker.id)).srem(RedisKeys.workers, worker.id).exec();
  assert.deepEqual(await listed(), { member: 0, alive: 0 });
  await new Promise((r) => setTimeout(r, 1200));
  assert.deepEqual(await listed(), { member: 1, alive: 1 });
  stopped = true;
  // A session offered while the worker stops (its claim loop waits in BLPOP) stays offered, for another worker.
  const stopping = worker.stop();
  await redis.rpush(RedisKeys.pending, 'offered-while-stopping');
  await stopping;
  assert.deepEqual(await listed(), { member: 0, alive: 0 });
  assert.deepEqual(await redis.lrange(RedisKeys.pending, 0, -1), ['offered-while-stopping']);
});

test('a worker stopped while it starts a session stays out of the registry', async () => {
  // Its processor opens slowly, as the engine does (selfie analysis): the stop lands inside the start.
  const slow = new InferenceWorker(
    url,
    loadConfig().live,
    () => Object.assign(new PassThroughProcessor(), { open: () => new Promise<void>((r) => setTimeout(r, 300)) }),
    log,
  );
  await slow.start();
  const session = 'starting-while-stopped';
  await redis.hset(RedisKeys.session(session), { state: 'queued', mountpointVideoPort: 9, mountpointAudioPort: 9 });
  await redis.set(RedisKeys.selfie(session), 'selfie bytes');
  const listener = new Redis(url);
  const claimed = new Promise<void>((resolve) => {
    listener.on('message', (_channel, text: string) => {
      if (JSON.parse(text).type === 'worker-claimed') resolve();
    });
  });
  await listener.subscribe(RedisKeys.channel(session));
  await redis.rpush(RedisKeys.pending, session);
  await claimed;
  await slow.stop();
  // Long enough for the start under way to have run on (before, it listed the worker again, free, as it exited).
  await new Promise((r) => setTimeout(r, 500));
  listener.disconnect();
  assert.equal(await redis.exists(RedisKeys.worker(slow.id)), 0, 'its registry entry stays deleted');
  assert.equal(await redis.sismember(RedisKeys.workers, slow.id), 0, 'it is not listed');
});

test('a heartbeat Redis refuses is logged, not left to end the worker, and the beats resume once Redis takes writes', async () => {
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  process.on('unhandledRejection', onUnhandled);
  const beating = new InferenceWorker(url, loadConfig().live, () => new PassThroughProcessor(), log);
  try {
    await beating.start();
    // Out of memory, Redis refuses the beat's writes: the beat rejects, as in an outage (after ioredis's retries).
    await redis.config('SET', 'maxmemory-policy', 'noeviction');
    await redis.config('SET', 'maxmemory', '1');
    await redis.del(RedisKeys.worker(beating.id));
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(await redis.exists(RedisKeys.worker(beating.id)), 0, 'the beats failed');
    await redis.config('SET', 'maxmemory', '0');
    await new Promise((r) => setTimeout(r, 1200));
    assert.equal(await redis.exists(RedisKeys.worker(beating.id)), 1, 'the beats resumed');
    assert.deepEqual(unhandled, []);
  } finally {
    await redis.config('SET', 'maxmemory', '0');
    process.off('unhandledRejection', onUnhandled);
    await beating.stop();
  }
});
