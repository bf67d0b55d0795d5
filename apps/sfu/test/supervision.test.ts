import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createLogger, loadConfig, REPO_ROOT, RedisKeys, sfuConnectionName } from '@tooncast/shared';
import { Redis } from 'ioredis';
import { io } from 'socket.io-client';
import { until } from '../../../scripts/services/browser.ts';
import { emit, insideNetns, pgrep, selfieFixture, startTestStack } from '../../../scripts/services/harness.ts';
import type { LiveStack } from '../../../scripts/services/stack.ts';
import { JanusConnection, type OwnedProcess, StreamingMountpoint, VideoRoom, waitForTcp } from '../src/index.ts';
import { janusOwnerTag } from '../src/orphans.ts';

/** Pids of the processes running `entry` (an app's main.ts). */
const running = (entry: string) => pgrep('-f', entry);

if (await insideNetns(import.meta.filename)) {
  describe('npm start restarts a service that dies (Janus, sfu, a pass-through worker, web; Redis)', {
    timeout: 120_000,
  }, () => {
    let stack: LiveStack;
    let redis: Redis;

    before(async () => {
      stack = await startTestStack({}, 1, true);
      redis = new Redis(stack.redisUrl);
    });
    after(async () => {
      redis?.disconnect();
      await stack?.stop();
    });

    /** Kills `worker`; its successor once it is registered, and how long after the kill it was started. */
    async function replaced(worker: OwnedProcess) {
      const count = stack.workers.length;
      process.kill(worker.pid!, 'SIGKILL');
      const killedAt = Date.now();
      const startedMs = await until('a new worker process', 40_000, async () =>
        stack.workers.length > count ? Date.now() - killedAt : undefined,
      );
      const successor = stack.workers[count];
      await until('the new worker to register', 20_000, async () => {
        const ids = await redis.smembers(RedisKeys.workers);
        const pids = await Promise.all(ids.map((id) => redis.hget(RedisKeys.worker(id), 'pid')));
        return pids.includes(String(successor.pid)) || undefined;
      });
      return { successor, startedMs };
    }

    /** The sfu on the stack's port (restarted: it listens once it is connected to Janus) gives a new owner a session. */
    async function newSessionsServed() {
      await waitForTcp('127.0.0.1', stack.options.sfuPort, 30_000);
      const socket = io(`http://127.0.0.1:${stack.options.sfuPort}`, { transports: ['websocket'] });
      try {
        const created = await until('a session from the new sfu', 20_000, async () => {
          const ack = await emit(socket, 'session:create', {}).catch(() => undefined);
          return ack?.ok ? ack : undefined;
        });
        assert.equal(typeof created.ownerToken, 'string');
      } finally {
        socket.close();
      }
    }

    /** The id of the sfu node connected to Redis now (its connections' name). */
    async function sfuNodeId(): Promise<string> {
      const names = ((await redis.client('LIST')) as string).match(/name=tooncast-sfu-(\S+)/);
      assert.ok(names, 'an sfu node is connected');
      return names[1];
    }

    test('the sfu started again after it died serves new sessions; the worker lets go of the old one’s, Janus drops its room', async (t) => {
      // A session the node holds, claimed by the worker (as a publish leaves it; no browser needed).
      const id = randomUUID();
      const node = await sfuNodeId();
      // Its room and mountpoint in Janus, and two that must stay: another live node's (this test's Redis connection
      // stands for it) and one that is not Tooncast's.
      const janus = await JanusConnection.open(stack.janusUrl, createLogger('supervision-test', 'warn'));
      const alive = new Redis(stack.redisUrl, { connectionName: sfuConnectionName('alive-node') });
      const videoroom = await janus.attach('janus.plugin.videoroom', stack.janusAdminKey);
      const streaming = await janus.attach('janus.plugin.streaming', stack.janusAdminKey);
      const orphanRoom = await VideoRoom.create(janus, videoroom, janusOwnerTag(node, id));
      const orphanMountpoint = await StreamingMountpoint.create(streaming, janusOwnerTag(node, id));
      const othersRoom = await VideoRoom.create(janus, videoroom, janusOwnerTag('alive-node', randomUUID()));
      const foreignRoom = await VideoRoom.create(janus, videoroom, 'a room of another application');
      t.after(async () => {
        await Promise.all([othersRoom.destroy(), foreignRoom.destroy()]);
        alive.disconnect();
        await janus.close();
      });
      const roomExists = async (room: VideoRoom) =>
        (await videoroom.request({ request: 'exists', room: room.id })).data.exists === true;
      const mountpointExists = (mountpoint: StreamingMountpoint) =>
        streaming.request({ request: 'info', id: mountpoint.id }).then(
          () => true,
          () => false,
        );
      assert.ok((await roomExists(orphanRoom)) && (await mountpointExists(orphanMountpoint)));
      await redis.hset(RedisKeys.session(id), {
        state: 'starting',
        sfuNode: node,
        targetX: 0.5,
        targetY: 0.5,
        targetTime: 0,
        mountpointVideoPort: 9,
        mountpointAudioPort: 9,
      });
      await redis.set(RedisKeys.selfie(id), await fs.readFile(selfieFixture()));
      await redis.lpush(RedisKeys.pending, id);
      const worker = stack.workers.find((w) => w.running)!;
      const activeOf = async () => {
        for (const wid of await redis.smembers(RedisKeys.workers)) {
          const { pid, active } = await redis.hgetall(RedisKeys.worker(wid));
          if (pid === String(worker.pid)) return active;
        }
      };
      await until('the worker to claim the session', 10_000, async () => (await activeOf()) === '1');
      const [sfu] = running('apps/sfu/src/main.ts');
      assert.ok(sfu, 'the sfu runs');
      process.kill(sfu, 'SIGKILL');
      const killedAt = Date.now();
      await until('the worker to let the session go', 10_000, async () => (await activeOf()) === '0');
      console.log(JSON.stringify({ sessionLetGoAfterMs: Date.now() - killedAt }));
      assert.equal(await redis.exists(RedisKeys.selfie(id)), 0, 'its selfie is deleted');
      // The new node's health check: up, holding nothing, every slot of the (only) worker free again.
      await waitForTcp('127.0.0.1', stack.options.sfuPort, 30_000);
      const health = await fetch(`http://127.0.0.1:${stack.options.sfuPort}/healthz`);
      assert.equal(health.status, 200);
      const body = await health.json();
      const freeWorkerSlots = loadConfig().live.workerCapacity;
      assert.deepEqual({ ...body, node: undefined }, { status: 'ok', node: undefined, sessions: 0, freeWorkerSlots });
      assert.notEqual(body.node, node);
      await until('a new sfu process', 10_000, async () => running('apps/sfu/src/main.ts').some((p) => p !== sfu));
      await newSessionsServed();
      // Two sweeps 5 s apart, after the new node started.
      await until('the dead node’s room and mountpoint to be destroyed', 20_000, async () => {
        const left = (await roomExists(orphanRoom)) || (await mountpointExists(orphanMountpoint));
        return left ? undefined : true;
      });
      console.log(JSON.stringify({ orphansDestroyedAfterMs: Date.now() - killedAt }));
      assert.ok(await roomExists(othersRoom), 'a live node’s room stays');
      assert.ok(await roomExists(foreignRoom), 'a room that is not Tooncast’s stays');
    });

    test('a worker that dies is started again at once, then after a delay when it dies again soon', async () => {
      const first = await replaced(stack.workers[0]);
      const second = await replaced(first.successor);
      console.log(JSON.stringify({ restartedAfterMs: [first.startedMs, second.startedMs] }));
      // At once, then (the successor ran less than a minute) after 1 s; timers may fire late on a loaded machine.
      assert.ok(first.startedMs < 1000, `first restart after ${first.startedMs} ms`);
      assert.ok(second.startedMs >= 1000 && second.startedMs < 2500, `second restart after ${second.startedMs} ms`);
      assert.equal(stack.workers.filter((w) => w.running).length, 1, 'one worker runs');
    });

    test('Janus that dies is started again, and so is the sfu that lost it; both serve again', async () => {
      const [janus] = running('janus -C');
      const [sfu] = running('apps/sfu/src/main.ts');
      assert.ok(janus && sfu, 'janus and the sfu run');
      process.kill(janus, 'SIGKILL');
      await until('a new sfu process', 20_000, async () => running('apps/sfu/src/main.ts').some((p) => p !== sfu));
      const connection = await until('janus to answer again', 20_000, () =>
        JanusConnection.open(stack.janusUrl, createLogger('supervision-test', 'warn')).catch(() => undefined),
      );
      try {
        await connection.attach('janus.plugin.streaming');
      } finally {
        await connection.close();
      }
      assert.notEqual(running('janus -C')[0], janus);
      // The new sfu connected to the new Janus before it listens.
      await newSessionsServed();
    });

    test('Redis that dies is started again (empty); the sfu ends its sessions with a clear error and makes way for a fresh node', async () => {
      const socket = io(`http://127.0.0.1:${stack.options.sfuPort}`, { transports: ['websocket'] });
      try {
        const ended = new Promise<{ state: string; error?: { code: string } }>((resolve) =>
          socket.on('session:status', (s) => s.state === 'ended' && resolve(s)),
        );
        assert.equal((await emit(socket, 'session:create', {})).ok, true);
        const [server] = running('redis-server');
        const [sfu] = running('apps/sfu/src/main.ts');
        assert.ok(server && sfu, 'redis and the sfu run');
        process.kill(server, 'SIGKILL');
        const killedAt = Date.now();
        const status = await until('the session to end', 10_000, async () =>
          Promise.race([ended, new Promise<undefined>((r) => setTimeout(r, 100))]),
        );
        console.log(JSON.stringify({ sessionEndedAfterMs: Date.now() - killedAt }));
        assert.equal(status.error?.code, 'service-restarted');
        await until('a new redis-server', 10_000, async () => running('redis-server').some((p) => p !== server));
        await until('a new sfu process', 10_000, async () => running('apps/sfu/src/main.ts').some((p) => p !== sfu));
      } finally {
        socket.close();
      }
      await newSessionsServed();
      // The worker listed itself in the new Redis, with every slot free.
      const freeWorkerSlots = loadConfig().live.workerCapacity;
      await until('the worker listed again', 10_000, async () => {
        const health = await fetch(`http://127.0.0.1:${stack.options.sfuPort}/healthz`).then((r) => r.json());
        return health.freeWorkerSlots === freeWorkerSlots || undefined;
      });
    });

    test('a stopped stack starts nothing again', async () => {
      redis.disconnect();
      await stack.stop();
      // Longer than the next restart delay would be.
      await new Promise((r) => setTimeout(r, 5000));
      for (const entry of ['apps/sfu/src/main.ts', 'apps/inference/src/main.ts']) {
        assert.deepEqual(running(entry), [], `${entry} after the stop`);
      }
    });
  });

  /** The services' processes (in this namespace, after the stack above stopped, only start.ts's). */
  const services = () =>
    ['redis-server', 'janus', 'apps/sfu/src/main.ts', 'apps/inference/src/main.ts', 'next-server|next start'].flatMap(
      (p) => pgrep('-f', p),
    );

  /**
   * Runs start.ts in a process group of its own and, once its output shows `when`, signals the whole group as a
   * terminal does on Ctrl-C; returns its exit code, its output and the services still running after it exited.
   */
  async function interrupted(when: string) {
    const start = spawn(process.execPath, ['--import', 'tsx', path.join(REPO_ROOT, 'scripts/services/start.ts')], {
      cwd: REPO_ROOT,
      env: { ...process.env, TOONCAST_FRAME_PROCESSOR: 'passthrough', TOONCAST_SFU_PORT: '4200' },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let output = '';
    start.stdout.on('data', (c) => (output += c));
    start.stderr.on('data', (c) => (output += c));
    const exited = new Promise<number | null>((r) => start.once('exit', r));
    try {
      await until(`npm start to print "${when}"`, 60_000, async () => output.includes(when) || undefined);
      const started = services().length;
      process.kill(-start.pid!, 'SIGINT');
      const code = await exited;
      // The services' own ends (SIGTERM) take a moment to be reaped.
      await new Promise((r) => setTimeout(r, 500));
      // Before, each service got the SIGINT itself and exited on its own (Redis first): each was logged as a crash.
      const crashes = output.split('\n').filter((line) => /exited unexpectedly|restarting the/.test(line));
      return { code, output, started, crashes: crashes.map((l) => l.slice(0, 160)), left: services() };
    } finally {
      // The services run in groups of their own: a failed run must not leave them behind.
      for (const pid of [start.pid!, ...services()]) {
        try {
          process.kill(-pid, 'SIGKILL');
        } catch {
          // Gone already, or not a group leader.
        }
      }
    }
  }

  test('Ctrl-C at the terminal of npm start reaches only its supervisor, which stops every service; none is reported as crashed', {
    timeout: 90_000,
  }, async () => {
    const run = await interrupted('Tooncast is running');
    assert.ok(run.started >= 5, `services started: ${run.started}\n${run.output}`);
    assert.equal(run.code, 0, run.output);
    assert.deepEqual(run.crashes, [], 'services reported as crashed');
    assert.deepEqual(run.left, [], 'services left running');
  });

  test('Ctrl-C while npm start is still starting stops what it started', { timeout: 90_000 }, async () => {
    const run = await interrupted('janus started');
    assert.ok(run.started >= 2, `services started: ${run.started}\n${run.output}`);
    assert.equal(run.code, 0, run.output);
    assert.doesNotMatch(run.output, /Tooncast is running/);
    assert.deepEqual(run.crashes, [], 'services reported as crashed');
    assert.deepEqual(run.left, [], 'services left running');
  });
}
