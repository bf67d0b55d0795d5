/**
 * Watch-party load (runs itself inside a private network namespace): one owner session in headless Chromium and a
 * crowd of viewers without browsers (werift, see WatchPartyViewer), each with its own signaling connection. For
 * each crowd size in `--viewers` the whole crowd joins at once (a share link posted to a chat), then is watched for
 * `--seconds`: the join times to the first complete keyframe (p50, p95, max, and viewers that got none), the frame
 * rate each viewer received (mean, lowest), packets lost, and the CPU Janus, the sfu and this harness (the viewers'
 * DTLS/SRTP) used. JSON on stdout; every crowd is compared with the first (smallest) in the same run.
 *   node --import tsx loadtests/src/viewer-load.ts [--viewers 1,10,25,50] [--seconds 10] [--processor passthrough]
 */
import fs from 'node:fs';
import os from 'node:os';
import { targetPointAt } from '@tooncast/synth';
import {
  firstPersonalizedFrame,
  measurements,
  percentile,
  startOwnerSession,
  TestBrowser,
  until,
} from '../../scripts/services/browser.ts';
import {
  connectToSfu,
  insideNetns,
  pgrep,
  selfieFixture,
  startTestStack,
  synthTestClip,
} from '../../scripts/services/harness.ts';
import type { LiveStack } from '../../scripts/services/stack.ts';
import { StunResponder } from './stun-responder.ts';
import { WatchPartyViewer } from './watch-party-viewer.ts';

/** How long a crowd may take until every viewer has its first keyframe, ms. */
const JOIN_LIMIT_MS = 20_000;
/** Quiet time between two crowds: the last crowd's watchers closed in Janus. */
const SETTLE_MS = 3000;
/** Kernel clock ticks per second (/proc/<pid>/stat times). */
const TICKS_PER_SECOND = 100;

/** CPU seconds a process has used (user + system), from /proc. */
function cpuSeconds(pid: number): number {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}

/** CPU used by Janus, the sfu and this process from now until `stop()`, as a share of one core. */
function cpuMeter() {
  const pids = { janus: pgrep('-f', 'janus -C')[0], sfu: pgrep('-f', 'apps/sfu/src/main.ts')[0] };
  const start = { at: Date.now(), janus: cpuSeconds(pids.janus), sfu: cpuSeconds(pids.sfu), own: process.cpuUsage() };
  return () => {
    const wall = (Date.now() - start.at) / 1000;
    const own = process.cpuUsage(start.own);
    const share = (seconds: number) => Math.round((100 * seconds) / wall);
    return {
      janusPercent: share(cpuSeconds(pids.janus) - start.janus),
      sfuPercent: share(cpuSeconds(pids.sfu) - start.sfu),
      harnessPercent: share((own.user + own.system) / 1e6),
    };
  };
}

const round1 = (v: number) => Math.round(10 * v) / 10;

async function crowd(stack: LiveStack, stun: StunResponder, token: string, size: number, seconds: number) {
  const sockets = await Promise.all(Array.from({ length: size }, () => connectToSfu(stack)));
  const viewers = sockets.map(() => new WatchPartyViewer(stun.url));
  try {
    const joinCpu = cpuMeter();
    const joins = await Promise.allSettled(viewers.map((v, i) => v.join(sockets[i], token)));
    const refused = joins.flatMap((j) => (j.status === 'rejected' ? [String(j.reason)] : []));
    await until(
      'every viewer’s first keyframe',
      JOIN_LIMIT_MS,
      async () => viewers.every((v) => v.record.firstKeyframeMs !== undefined) || undefined,
    ).catch(() => undefined);
    const joinUsage = joinCpu();
    const framesBefore = viewers.map((v) => v.record.frames);
    const lostBefore = viewers.reduce((sum, v) => sum + v.record.lost, 0);
    const watchCpu = cpuMeter();
    const startedAt = Date.now();
    await new Promise((r) => setTimeout(r, seconds * 1000));
    const elapsed = (Date.now() - startedAt) / 1000;
    const fps = viewers.map((v, i) => (v.record.frames - framesBefore[i]) / elapsed);
    const keyframeMs = viewers.flatMap((v) => v.record.firstKeyframeMs ?? []);
    return {
      viewers: size,
      refused: refused.slice(0, 3),
      withoutPicture: size - keyframeMs.length,
      firstKeyframeMs: {
        p50: percentile(keyframeMs, 0.5),
        p95: percentile(keyframeMs, 0.95),
        max: Math.max(...keyframeMs),
      },
      fps: { mean: round1(fps.reduce((a, b) => a + b, 0) / size), lowest: round1(Math.min(...fps)) },
      packetsLost: viewers.reduce((sum, v) => sum + v.record.lost, 0) - lostBefore,
      cpuWhileJoining: joinUsage,
      cpuWhileWatching: watchCpu(),
    };
  } finally {
    await Promise.all(viewers.map((v) => v.close().catch(() => undefined)));
    for (const s of sockets) s.close();
    await new Promise((r) => setTimeout(r, SETTLE_MS));
  }
}

if (await insideNetns(import.meta.filename, false)) {
  const arg = (name: string) => {
    const i = process.argv.indexOf(name);
    return i > 0 ? process.argv[i + 1] : undefined;
  };
  const sizes = (arg('--viewers') ?? '1,10,25,50').split(',').map(Number);
  const seconds = Number(arg('--seconds') ?? 10);
  const processor = arg('--processor') ?? 'passthrough';
  if (!sizes.every((n) => Number.isInteger(n) && n >= 1) || !(seconds > 0)) {
    throw new Error('--viewers takes positive integers (e.g. 1,10,25), --seconds a positive number');
  }
  const stack = await startTestStack({ TOONCAST_FRAME_PROCESSOR: processor });
  const browser = await TestBrowser.launch();
  const stun = await StunResponder.start(stack.options.iceAddress);
  try {
    const clip = await synthTestClip();
    const point = targetPointAt(clip.truths, 24);
    const owner = await browser.page(stack.webUrl);
    await startOwnerSession(owner, clip.file, selfieFixture(), { x: point.x / 640, y: point.y / 360, t: 1 });
    await firstPersonalizedFrame(owner, 20_000);
    const token = new URL((await measurements(owner)).shareUrl!).searchParams.get('token')!;
    const crowds = [];
    for (const size of sizes) crowds.push(await crowd(stack, stun, token, size, seconds));
    const [base] = crowds;
    const results = crowds.map((c) => ({
      ...c,
      fpsMeanOverFirst: round1(c.fps.mean / base.fps.mean),
      firstKeyframeP95OverFirst: round1(c.firstKeyframeMs.p95 / base.firstKeyframeMs.p95),
    }));
    const machine = { cpus: os.cpus().length, loadAverage1m: os.loadavg()[0] };
    console.log(
      JSON.stringify({ bench: 'watch-party viewers (werift)', processor, seconds, machine, results }, null, 2),
    );
  } finally {
    stun.close();
    await browser.close();
    await stack.stop();
  }
}
