/**
 * Worker-only benchmark: the inference worker's media path (RTP in → decode → frame processor → encode →
 * playout → RTP out) without browsers or Janus, on the synthetic clip with flash markers played in real time as
 * VP8 RTP at 24 fps. For pass-through (baseline) and the engine, in the same run, JSON on stdout: the worker's
 * latency by stage (medians of its once-a-second p50/p95), frames in/out/dropped, and what a receiver sees:
 * latency from the frame's last input packet to its first output packet and the gaps between output frames.
 * The process's CPU per frame, by thread, is in the figures too (the media path's allocations show up as garbage
 * collection on V8's helper threads).
 *   node --import tsx loadtests/src/worker-bench.ts [--seconds 30]
 */
import dgram from 'node:dgram';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createLogger, loadConfig } from '@tooncast/shared';
import { createClipRenderer, targetPointAt } from '@tooncast/synth';
import { type FrameProcessor, PassThroughProcessor } from '../../apps/inference/src/frame-processor.ts';
import { Vp8Encoder } from '../../apps/inference/src/media/codec.ts';
import { percentileOf } from '../../apps/inference/src/media/frame-timing.ts';
import { LivePipeline, type PipelineStats } from '../../apps/inference/src/media/pipeline.ts';
import { buildRtp, parseRtp } from '../../apps/inference/src/media/rtp.ts';
import { Vp8Packetizer } from '../../apps/inference/src/media/vp8.ts';
import { ThreadedEngine } from '../../apps/inference/src/threaded-engine.ts';
import { DEFAULT_TEST_CLIP, drawFrame } from '../../scripts/services/test-clip.ts';
import { cpuSplit, threadCpuMs } from './thread-cpu.ts';

const FPS = 24;
const START_FRAME = 24;
const WARMUP_SECONDS = 3;
const config = loadConfig();
const log = createLogger('worker-bench', 'warn');
const { width, height } = DEFAULT_TEST_CLIP;

/** The clip's frames as VP8 (what the publisher's Chrome sends), made once. */
async function encodedClip(frames: number): Promise<Buffer[]> {
  const renderer = createClipRenderer();
  const out: Buffer[] = [];
  const done = new Promise<void>((resolve, reject) => {
    const encoder = new Vp8Encoder(
      { width, height, keyframeInterval: FPS, bitrateKbps: 2000 },
      (vp8) => {
        out.push(vp8);
        if (out.length === frames) void encoder.close().then(resolve);
      },
      log,
      reject,
    );
    const rgb = new Uint8Array(width * height * 3);
    const draw = async () => {
      for (let i = 0; i < frames; i++) {
        const index = START_FRAME + (i % (renderer.frameCount - START_FRAME));
        drawFrame(index, { ...DEFAULT_TEST_CLIP, markerEverySeconds: 2 }, rgb, (n, into) =>
          into.set(renderer.render(n).image.data),
        );
        // The encoder reads the frame's memory until ffmpeg took all of it; only then is the next frame drawn there.
        // (Drawn at once, every frame but its first rows was the last one: the bench played a still picture.)
        await new Promise<void>((consumed) => encoder.encode({ width, height, data: rgb }, consumed));
      }
    };
    draw().catch(reject);
  });
  await done;
  return out;
}

async function measure(name: string, processor: FrameProcessor, clip: Buffer[]) {
  const mountpoint = dgram.createSocket({ type: 'udp4', recvBufferSize: 4 * 1024 * 1024 });
  const audioSink = dgram.createSocket('udp4');
  const bind = (s: dgram.Socket) => new Promise<number>((r) => s.bind(0, '127.0.0.1', () => r(s.address().port)));
  const [videoPort, audioPort] = await Promise.all([bind(mountpoint), bind(audioSink)]);
  const stats: PipelineStats[] = [];
  const pipeline = new LivePipeline(
    {
      width,
      height,
      keyframeInterval: 12,
      output: { host: '127.0.0.1', videoPort, audioPort, videoPt: 96, audioPt: 111 },
    },
    processor,
    log,
    (s) => stats.push(s),
    (e) => {
      throw e;
    },
  );
  const renderer = createClipRenderer();
  const point = targetPointAt([renderer.render(START_FRAME).truth], START_FRAME);
  const selfie = await fs.readFile(path.join(config.fixturesDir, 'selfies/astronaut.png'));
  const opened = processor.open(selfie, { x: point.x / width, y: point.y / height, timeSeconds: START_FRAME / FPS });
  const input = await pipeline.listen('127.0.0.1', opened);
  await opened;

  // Input frame's RTP timestamp → when its last packet was sent; output: first packet time per timestamp.
  const sentAt = new Map<number, number>();
  const outputs: { ts: number; at: number }[] = [];
  mountpoint.on('message', (msg) => {
    const p = parseRtp(msg);
    if (p && outputs.at(-1)?.ts !== p.timestamp) outputs.push({ ts: p.timestamp, at: performance.now() });
  });
  const sender = dgram.createSocket('udp4');
  const packetizer = new Vp8Packetizer(7, 96);
  const loop = monitorEventLoopDelay({ resolution: 5 });
  loop.enable();
  const cpuBefore = threadCpuMs();
  const t0 = performance.now();
  for (let i = 0; i < clip.length; i++) {
    const due = t0 + (i * 1000) / FPS;
    await new Promise((r) => setTimeout(r, Math.max(0, due - performance.now())));
    const ts = 1000 + i * (90_000 / FPS);
    for (const p of packetizer.packetize(clip[i], ts)) sender.send(p, input.videoPort, '127.0.0.1');
    sentAt.set(ts, performance.now());
    if (i % 2 === 0) {
      const audio = buildRtp({ payloadType: 111, marker: false, sequence: i, timestamp: i * 960, ssrc: 9 }, [
        Buffer.alloc(80),
      ]);
      sender.send(audio, input.audioPort, '127.0.0.1');
    }
  }
  await new Promise((r) => setTimeout(r, 1500));
  const cpu = cpuSplit(cpuBefore, threadCpuMs());
  loop.disable();
  await pipeline.close();
  await processor.close();
  for (const s of [mountpoint, audioSink, sender]) s.close();

  const steadyFrom = t0 + WARMUP_SECONDS * 1000;
  const steady = outputs.filter((o) => o.at >= steadyFrom);
  const latencies = steady.map((o) => o.at - sentAt.get(o.ts)!);
  const gaps = steady.slice(1).map((o, i) => o.at - steady[i].at);
  const median = (v: number[]) => Math.round(10 * percentileOf(v, 0.5)) / 10;
  const reports = stats.slice(WARMUP_SECONDS);
  const stages = Object.fromEntries(
    Object.keys(reports.at(-1)?.stages ?? {}).map((stage) => {
      const of = (q: 'p50' | 'p95') => median(reports.map((r) => r.stages[stage as 'total'][q]));
      return [stage, { p50: of('p50'), p95: of('p95') }];
    }),
  );
  const last = stats.at(-1)!;
  return {
    processor: name,
    framesIn: last.framesIn,
    framesOut: last.framesOut,
    framesDropped: last.framesDropped,
    audioDropped: last.audioDropped,
    playoutDelayMs: median(reports.map((r) => r.audioDelayMs)),
    stagesMedianOfSeconds: stages,
    /**
     * CPU time of this process per frame sent over the whole run (ms): its main thread (the worker's media path,
     * plus this bench's light RTP sender), the busiest other thread (the engine's) and the rest (mostly V8's
     * garbage-collection helpers); the ffmpeg processes not included.
     */
    cpuMsPerFrame: Object.fromEntries(
      Object.entries(cpu).map(([k, ms]) => [k, Math.round((100 * ms) / last.framesOut) / 100]),
    ),
    /** How late the worker's main thread (RTP, codec pipes, playout timers) ran its callbacks, ms. */
    eventLoopDelay: { p50: loop.percentile(50) / 1e6, p99: loop.percentile(99) / 1e6, max: loop.max / 1e6 },
    receiver: {
      latencyP50: median(latencies),
      latencyP95: Math.round(percentileOf(latencies, 0.95)),
      gapP50: median(gaps),
      gapP95: Math.round(percentileOf(gaps, 0.95)),
      gapMax: Math.round(Math.max(...gaps)),
      /** Gaps Chrome would count as freezes at this frame rate (> 3 frame times and > 150 ms above one). */
      freezeLikeGaps: gaps.filter((g) => g > Math.max(3 * median(gaps), median(gaps) + 150)).length,
    },
  };
}

const i = process.argv.indexOf('--seconds');
const seconds = i > 0 ? Number(process.argv[i + 1]) : 30;
const clip = await encodedClip(Math.round(seconds * FPS));
const engine = new ThreadedEngine();
await engine.ready;
const load = { start: os.loadavg()[0], end: 0 };
const results = [await measure('passthrough', new PassThroughProcessor(), clip)];
results.push(await measure('engine', engine.createProcessor(), clip));
load.end = os.loadavg()[0];
await engine.close();
const [base, eng] = results;
console.log(
  JSON.stringify(
    {
      seconds,
      loadAverage1m: load,
      results,
      engineOverBaselineP95Ms: eng.receiver.latencyP95 - base.receiver.latencyP95,
      engineOverBaselineP50Ms: eng.receiver.latencyP50 - base.receiver.latencyP50,
    },
    null,
    2,
  ),
);
