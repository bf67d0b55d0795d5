import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { JanusProcess, OwnedProcess, RedisProcess, waitForTcp } from '@tooncast/sfu';
import { type Logger, REPO_ROOT, RedisKeys } from '@tooncast/shared';
import { Redis } from 'ioredis';

const WEB_DIR = path.join(REPO_ROOT, 'apps/web');
const NEXT_BIN = path.join(REPO_ROOT, 'node_modules/next/dist/bin/next');
const WEB_SOURCES = [
  'app',
  'components',
  'lib',
  'watch-page',
  'next.config.ts',
  'package.json',
  '../../packages/shared/src',
];
/** What the web app's build (its package.json `build`) writes: Next's production build and the watch-party page. */
const WEB_OUTPUTS = ['.next/BUILD_ID', 'dist/watch.html'];
/** Next must not try to reach the registry (lockfile patching, telemetry): there is no internet at run time. */
const NEXT_ENV = { NEXT_IGNORE_INCORRECT_LOCKFILE: '1', NEXT_TELEMETRY_DISABLED: '1' };

export interface StackOptions {
  /** Address Janus uses for ICE ('' = all non-loopback interfaces). */
  iceAddress: string;
  sfuPort: number;
  webPort: number;
  rtpPorts: string;
  /** Existing services to use instead of launching our own. */
  redisUrl?: string;
  janusUrl?: string;
  /** Inference workers to run (each its own process). */
  workers: number;
  /** Extra environment for the sfu and inference processes (e.g. TOONCAST_FRAME_PROCESSOR). */
  env?: Record<string, string>;
  /** Restart Janus, the sfu, a worker or the web app when it exits on its own (see LiveStack.restartLater). */
  supervise?: boolean;
}

/** Exits of a service that ran this long before count as its first in a row (see LiveStack.restartLater). */
const STABLE_RUN_MS = 60_000;
const MAX_RESTART_DELAY_MS = 30_000;

function newestMtime(p: string): number {
  const stat = fs.statSync(p, { throwIfNoEntry: false });
  if (!stat) return 0;
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(stat.mtimeMs, ...fs.readdirSync(p).map((f) => newestMtime(path.join(p, f))));
}

/** Builds the web app unless each of its build outputs is newer than every source it is made from. */
export async function ensureWebBuild(log: Logger): Promise<void> {
  const built = Math.min(...WEB_OUTPUTS.map((o) => newestMtime(path.join(WEB_DIR, o))));
  if (built && WEB_SOURCES.every((s) => newestMtime(path.join(WEB_DIR, s)) < built)) return;
  log.info('building the web app (watch-party page, next build)…');
  await new Promise<void>((resolve, reject) => {
    const child = spawn('npm', ['run', 'build'], {
      cwd: WEB_DIR,
      env: { ...process.env, ...NEXT_ENV },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (c) => (out += c));
    child.stderr.on('data', (c) => (out += c));
    child.once('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`the web app's build failed:\n${out.slice(-3000)}`)),
    );
  });
}

/**
 * The whole live service on one machine: Redis and Janus (unless given), one sfu node, N inference workers
 * and the web app, each started explicitly and stopped in reverse order.
 */
export class LiveStack {
  private readonly owned: { stop(): Promise<void> }[] = [];
  /** The inference workers' processes, in the order started (with restarts, the dead ones too). */
  readonly workers: OwnedProcess[] = [];
  redisUrl = '';
  janusUrl = '';
  /** The plugins' admin_key of the Janus this stack started (else the caller's TOONCAST_JANUS_ADMIN_KEY). */
  janusAdminKey = '';
  private stopping = false;
  /** Per service role, its exits in a row (each within STABLE_RUN_MS of its start, but the first). */
  private readonly quickExits = new Map<string, number>();
  private readonly restarts = new Set<NodeJS.Timeout>();

  private constructor(
    readonly options: StackOptions,
    private readonly log: Logger,
    private readonly abort?: AbortSignal,
  ) {}

  get webUrl(): string {
    return `http://${this.options.iceAddress || '127.0.0.1'}:${this.options.webPort}`;
  }

  /**
   * Starts every service; `abort` stops the start at its next step (and what it started): a Ctrl-C while starting
   * reaches only the caller once the services run in groups of their own (see OwnedProcess).
   */
  static async start(options: StackOptions, log: Logger, abort?: AbortSignal): Promise<LiveStack> {
    const stack = new LiveStack(options, log, abort);
    try {
      await stack.launch();
    } catch (err) {
      await stack.stop();
      throw err;
    }
    return stack;
  }

  private async launch(): Promise<void> {
    const o = this.options;
    const build = ensureWebBuild(this.log);
    // Settled here, so that an abort before the build is awaited leaves no unhandled rejection.
    build.catch(() => undefined);
    if (o.redisUrl) this.redisUrl = o.redisUrl;
    else {
      const respawn = () => void redis.respawn().catch((err) => this.log.error({ err }, 'redis did not restart'));
      const onExit = o.supervise ? (ranMs: number) => this.restartLater('redis', ranMs, respawn) : undefined;
      const redis = new RedisProcess(this.log, onExit);
      this.owned.push(redis);
      this.redisUrl = await redis.start();
    }
    this.abort?.throwIfAborted();
    if (o.janusUrl) this.janusUrl = o.janusUrl;
    else {
      const respawn = () => void janus.respawn().catch((err) => this.log.error({ err }, 'janus did not restart'));
      const onExit = o.supervise ? (ranMs: number) => this.restartLater('janus', ranMs, respawn) : undefined;
      const janus = new JanusProcess({ iceAddress: o.iceAddress, rtpPorts: o.rtpPorts }, this.log, onExit);
      this.owned.push(janus);
      this.janusUrl = await janus.start();
      this.janusAdminKey = janus.adminKey;
    }
    this.abort?.throwIfAborted();
    const startSfu = () => this.node('sfu', 'apps/sfu/src/main.ts', startSfu);
    startSfu();
    for (let i = 0; i < o.workers; i++) this.startWorker();
    await build;
    this.abort?.throwIfAborted();
    const web = [NEXT_BIN, 'start', '-p', String(o.webPort), '-H', '0.0.0.0'];
    const startWeb = () => this.spawn('web', process.execPath, web, this.serviceEnv(), WEB_DIR, startWeb);
    startWeb();
    await Promise.all([waitForTcp('127.0.0.1', o.sfuPort, 30_000), waitForTcp('127.0.0.1', o.webPort, 30_000)]);
    this.abort?.throwIfAborted();
    await this.waitForWorkers(this.workers);
  }

  /** One more inference worker, once it has registered (e.g. to take over the sessions of one that is stopped). */
  async addWorker(): Promise<OwnedProcess> {
    const worker = this.startWorker();
    await this.waitForWorkers([worker]);
    return worker;
  }

  private startWorker(): OwnedProcess {
    const worker = this.node(`inference-${this.workers.length}`, 'apps/inference/src/main.ts', () =>
      this.startWorker(),
    );
    this.workers.push(worker);
    return worker;
  }

  /** A Node service; `restart` starts it again (with `supervise`). */
  private node(name: string, entry: string, restart: () => void): OwnedProcess {
    const args = ['--import', 'tsx', path.join(REPO_ROOT, entry)];
    return this.spawn(name, process.execPath, args, this.serviceEnv(), REPO_ROOT, restart);
  }

  /** The services' environment: the caller's, with the stack's addresses and ports. */
  private serviceEnv(): NodeJS.ProcessEnv {
    const o = this.options;
    return {
      ...process.env,
      ...o.env,
      ...NEXT_ENV,
      REDIS_URL: this.redisUrl,
      TOONCAST_JANUS_URL: this.janusUrl,
      ...(this.janusAdminKey && { TOONCAST_JANUS_ADMIN_KEY: this.janusAdminKey }),
      TOONCAST_SFU_PORT: String(o.sfuPort),
      TOONCAST_WEB_PORT: String(o.webPort),
      TOONCAST_LIVE_HOST: o.iceAddress,
    };
  }

  private spawn(
    name: string,
    command: string,
    args: string[],
    env: NodeJS.ProcessEnv,
    cwd: string,
    restart: () => void,
  ) {
    const startedAt = Date.now();
    const onExit = this.options.supervise
      ? () => this.restartLater(name.replace(/-\d+$/, ''), Date.now() - startedAt, restart)
      : undefined;
    const child = new OwnedProcess(name, command, args, this.log, { env, cwd }, onExit);
    this.owned.push(child);
    return child;
  }

  /**
   * Starts a service again after it exited on its own: at once the first time, then, while it keeps exiting within
   * STABLE_RUN_MS of its start, after a delay doubling from 1 s to MAX_RESTART_DELAY_MS, so that a service that
   * cannot start does not spin. A worker's sessions wait for it meanwhile (10 s) or move to another.
   */
  private restartLater(role: string, ranMs: number, restart: () => void): void {
    if (this.stopping) return;
    const inRow = ranMs < STABLE_RUN_MS ? (this.quickExits.get(role) ?? 0) + 1 : 1;
    this.quickExits.set(role, inRow);
    const delayMs = inRow === 1 ? 0 : Math.min(MAX_RESTART_DELAY_MS, 1000 * 2 ** (inRow - 2));
    this.log.warn({ service: role, ranMs, delayMs }, `restarting the ${role} process`);
    const timer = setTimeout(() => {
      this.restarts.delete(timer);
      if (!this.stopping) restart();
    }, delayMs);
    this.restarts.add(timer);
  }

  /**
   * Until each of `workers` is registered with a live heartbeat, known by its pid (the registry also lists workers
   * that were killed or are stopping, for a while).
   */
  private async waitForWorkers(workers: OwnedProcess[]): Promise<void> {
    const redis = new Redis(this.redisUrl);
    const unregistered = async () => {
      const pids = new Set<number>();
      for (const id of await redis.smembers(RedisKeys.workers)) {
        const pid = await redis.hget(RedisKeys.worker(id), 'pid');
        if (pid) pids.add(Number(pid));
      }
      return workers.filter((w) => !pids.has(w.pid!));
    };
    try {
      const deadline = Date.now() + 30_000;
      for (let missing = await unregistered(); missing.length; missing = await unregistered()) {
        this.abort?.throwIfAborted();
        if (Date.now() > deadline) {
          // Which ones, and what each was doing: a worker that exited differs from one stuck starting.
          const state = missing.map(
            (w) => `${w.name} (pid ${w.pid}, ${w.running ? 'running' : 'exited'}): ${w.lastLines() || 'no output'}`,
          );
          throw new Error(
            `only ${workers.length - missing.length} of ${workers.length} workers registered; ${state.join('; ')}`,
          );
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    } finally {
      redis.disconnect();
    }
  }

  async stop(): Promise<void> {
    this.stopping = true;
    for (const timer of this.restarts) clearTimeout(timer);
    for (const p of this.owned.reverse()) await p.stop();
    this.owned.length = 0;
  }
}

/** First non-internal IPv4 address, for the URL other devices on the LAN open. */
export function lanAddress(): string {
  for (const addresses of Object.values(os.networkInterfaces())) {
    for (const a of addresses ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return '127.0.0.1';
}
