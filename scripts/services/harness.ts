import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { createLogger, loadConfig, REPO_ROOT } from '@tooncast/shared';
import { createClipRenderer, type FrameTruth } from '@tooncast/synth';
import { PNG } from 'pngjs';
import { io, type Socket } from 'socket.io-client';
import { LiveStack } from './stack.ts';
import { DEFAULT_TEST_CLIP, type TestClipOptions, writeTestClip } from './test-clip.ts';

/**
 * Live tests and benchmarks need Janus, Redis and Chromium in a private network namespace. Called at the top of
 * such a file: outside the namespace it re-runs the file inside one (through scripts/services/netns.sh) and
 * returns false; inside it returns true and the file goes on. Test files re-run under node:test.
 */
export function insideNetns(file: string, asTest = true): Promise<boolean> {
  if (process.env.TOONCAST_IN_NETNS === '1') return Promise.resolve(true);
  const runner = asTest ? ['--test', '--test-reporter=spec'] : [];
  return new Promise((resolve, reject) => {
    const child = spawn(
      path.join(REPO_ROOT, 'scripts/services/netns.sh'),
      ['--', process.execPath, '--import', 'tsx', ...runner, file, ...process.argv.slice(2)],
      // Without NODE_TEST_CONTEXT the inner node:test runs the file itself instead of deferring to us.
      { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, NODE_TEST_CONTEXT: undefined } },
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      process.stdout.write(chunk);
      output += chunk.toString();
    });
    child.once('close', (code) => {
      if (code === 0) return resolve(false);
      const error = new Error(
        `${path.basename(file)} failed inside the namespace (exit ${code})${failureReport(output)}`,
      );
      if (!asTest) return reject(error);
      // As a failed test of this file, the error reaches the runner's summary of failures.
      test(`${path.basename(file)} inside the namespace`, () => {
        throw error;
      });
      resolve(false);
    });
  });
}

/**
 * What the inner run said of its failures, for the outer runner's summary: a long run's log is cut in CI, and the
 * outer runner alone would report "test failed". Its measurement lines (JSON, printed before they are judged) and
 * the spec reporter's list of failing tests.
 */
function failureReport(output: string): string {
  const lines = output.split('\n');
  // The tests' JSON lines, not the services' logs (pino: `{"level":…`).
  const measured = lines.filter((l) => l.startsWith('{') && !l.startsWith('{"level"')).map((l) => l.slice(0, 2000));
  const failing = output.indexOf('✖ failing tests:');
  const failures = failing < 0 ? '' : output.slice(failing, failing + 8000);
  return `\n${[...measured, failures].join('\n')}`;
}

/** Names the cached clips' drawing: a change to it (e.g. the flash marker) must not reuse old files. */
const CLIP_FORMAT = 'patch-flash';

/**
 * The test clip with frame-id barcodes and flash/click markers (of other options if asked), made once per options
 * and cached.
 */
export async function testClip(options: Partial<TestClipOptions> = {}): Promise<string> {
  const o = { ...DEFAULT_TEST_CLIP, ...options };
  const name = `${o.width}x${o.height}-${o.fps}fps-${o.seconds}s-m${o.markerEverySeconds}`;
  const file = path.join(REPO_ROOT, `.cache/live/test-clip-${name}-${CLIP_FORMAT}.webm`);
  if (!fs.existsSync(file)) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    await writeTestClip(`${file}.tmp.webm`, o);
    fs.renameSync(`${file}.tmp.webm`, file);
  }
  return file;
}

export interface SynthTestClip {
  file: string;
  /** Per frame id: the target character's face box, normalized [x0, y0, x1, y1]. */
  faceBoxes: Record<number, [number, number, number, number]>;
  truths: FrameTruth[];
}

/**
 * The synthetic cartoon clip (packages/synth, a character the engine can find) with the frame-id barcode and,
 * when asked, flash/click markers (the flash beside the characters); made once and cached.
 */
export async function synthTestClip(markerEverySeconds = 0): Promise<SynthTestClip> {
  const renderer = createClipRenderer();
  const o = { ...DEFAULT_TEST_CLIP, seconds: renderer.frameCount / renderer.spec.fps, markerEverySeconds };
  const truths: FrameTruth[] = [];
  const file = path.join(REPO_ROOT, `.cache/live/synth-test-clip-m${markerEverySeconds}-${CLIP_FORMAT}.webm`);
  const cached = fs.existsSync(file);
  if (!cached) fs.mkdirSync(path.dirname(file), { recursive: true });
  const faceBoxes: SynthTestClip['faceBoxes'] = {};
  for (let i = 0; i < renderer.frameCount && cached; i++) truths.push(renderer.render(i).truth);
  if (!cached) {
    await writeTestClip(`${file}.tmp.webm`, o, (i, rgb) => {
      const frame = renderer.render(i);
      truths.push(frame.truth);
      rgb.set(frame.image.data);
    });
    fs.renameSync(`${file}.tmp.webm`, file);
  }
  for (const t of truths) {
    const target = t.characters.find((c) => c.id === 'target');
    if (!target?.visible) continue;
    const xs = target.landmarks.map(([x]) => x / o.width);
    const ys = target.landmarks.map(([, y]) => y / o.height);
    faceBoxes[t.index] = [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)];
  }
  return { file, faceBoxes, truths };
}

export const selfieFixture = () => path.join(loadConfig().fixturesDir, 'selfies/astronaut.png');

/** Pids of the processes `pgrep` finds with these arguments (e.g. `-f ENTRY`, `-P PARENT NAME`). */
export function pgrep(...args: string[]): number[] {
  const found = spawnSync('pgrep', args, { encoding: 'utf8' }).stdout;
  return found.split('\n').filter(Boolean).map(Number);
}

/**
 * Drops UDP from and to `ports` in the test's network namespace and leaves everything else alone: media paths die
 * while signaling (TCP) stays up. This kernel has no tc drop action, so their packets go to an HTB class of 8 bit/s
 * behind a one-packet queue. Returns the undo.
 */
export function blockUdpPorts(ports: number[]): () => void {
  if (process.env.TOONCAST_IN_NETNS !== '1') throw new Error('blockUdpPorts runs only inside the private namespace');
  const tc = (command: string) => {
    const run = spawnSync('tc', command.split(' '), { encoding: 'utf8' });
    if (run.status !== 0) throw new Error(`tc ${command}: ${run.stderr.trim()}`);
  };
  tc('qdisc add dev lo root handle 1: htb default 1');
  tc('class add dev lo parent 1: classid 1:1 htb rate 10gbit');
  tc('class add dev lo parent 1: classid 1:2 htb rate 8bit ceil 8bit');
  tc('qdisc add dev lo parent 1:2 pfifo limit 1');
  for (const port of ports) {
    for (const end of ['sport', 'dport']) {
      tc(
        `filter add dev lo parent 1: protocol ip prio 1 u32 match ip protocol 17 0xff match ip ${end} ${port} 0xffff flowid 1:2`,
      );
    }
  }
  return () => tc('qdisc del dev lo root');
}

/** A 256×256 flat grey PNG in a fresh temporary folder: a picture with no face in it. */
export async function blankSelfie(): Promise<string> {
  const png = new PNG({ width: 256, height: 256 });
  png.data.fill(160);
  const file = path.join(await fs.promises.mkdtemp(path.join(os.tmpdir(), 'tooncast-selfie-')), 'blank.png');
  await fs.promises.writeFile(file, PNG.sync.write(png));
  return file;
}

/** A signaling connection to the stack's sfu, once connected (as a page's). */
export async function connectToSfu(stack: LiveStack): Promise<Socket> {
  const socket = io(`http://127.0.0.1:${stack.options.sfuPort}`, { transports: ['websocket'] });
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  return socket;
}

/** A signaling request's acknowledgement: `ok`, or the service's error, and the response fields. */
export type AckResult = { ok: boolean; error?: { code: string; message: string } } & Record<string, unknown>;

/** Sends a socket.io request and waits (10 s at most) for its acknowledgement. */
export function emit(socket: Socket, event: string, payload: unknown): Promise<AckResult> {
  return socket.timeout(10_000).emitWithAck(event, payload) as Promise<AckResult>;
}

/** A stack on fixed test ports inside the namespace (nothing else listens there); quiet unless asked. */
export async function startTestStack(
  env: Record<string, string> = {},
  workers = 1,
  supervise = false,
): Promise<LiveStack> {
  const config = loadConfig();
  const level = config.logLevel === 'info' ? 'warn' : config.logLevel;
  return LiveStack.start(
    {
      iceAddress: config.live.host,
      sfuPort: 4100,
      webPort: 3100,
      rtpPorts: '20000-20999',
      workers,
      supervise,
      // Tests choose the engine explicitly; the pass-through worker is the media path's baseline.
      env: { TOONCAST_LOG_LEVEL: level, TOONCAST_FRAME_PROCESSOR: 'passthrough', ...env },
    },
    createLogger('live-test', level),
  );
}
