/**
 * Step-1 benchmark: quality on the synthetic clip (against its ground truth; also seen as a live worker sees it) and
 * on Big Buck Bunny, and speed at 640×360 next to bare decoding of the same video measured in the same run (machines
 * here are noisy: compare ratios). Prints one JSON object on stdout.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { FrameAnalysis } from '@tooncast/engine';
import { VideoReader } from '@tooncast/media';
import { loadConfig } from '@tooncast/shared';
import { DEMO_CLIP, frameCount, liveSchedule } from '@tooncast/synth';
import { writeSyntheticClip } from './demo-clip.ts';
import { scoreBbb } from './eval/bbb.ts';
import { scoreSyntheticClip } from './eval/synthetic.ts';
import { openAnalysisModels } from './runtime.ts';
import { summarize } from './stats.ts';

const config = loadConfig();
const models = await openAnalysisModels(config);

/**
 * Collects per-frame wall time, split by whether the detector ran (tracking frames are the steady state), and the
 * process CPU time of tracking frames: on a shared, loaded machine CPU time stays close to what a quiet one shows.
 */
function timer() {
  const tracking: number[] = [];
  const trackingCpu: number[] = [];
  const all: number[] = [];
  return {
    onFrame: (a: FrameAnalysis, ms: number, cpuMs: number) => {
      all.push(ms);
      if (a.face && !a.detectorRan) {
        tracking.push(ms);
        trackingCpu.push(cpuMs);
      }
    },
    result: () => ({ tracking: summarize(tracking), trackingCpu: summarize(trackingCpu), all: summarize(all) }),
  };
}

/** Bare decoding of the same clip (ffmpeg in its own process): wall ms per frame, the run's baseline. */
async function decodeBaseline(file: string) {
  const reader = await VideoReader.open(file);
  const ms: number[] = [];
  let t = performance.now();
  for await (const _ of reader.frames()) {
    const now = performance.now();
    ms.push(now - t);
    t = now;
  }
  return summarize(ms);
}

const dir = await mkdtemp(path.join(os.tmpdir(), 'tooncast-bench-'));
try {
  const clip = await writeSyntheticClip(dir, DEMO_CLIP);
  const decode = await decodeBaseline(clip.video);
  const synthTime = timer();
  const synthetic = await scoreSyntheticClip(models, DEMO_CLIP, { onFrame: synthTime.onFrame });
  // The same clip as a live worker sees it: frames skipped, capture times jittering (quality only).
  const live = liveSchedule(frameCount(DEMO_CLIP), DEMO_CLIP.fps);
  const syntheticLive = await scoreSyntheticClip(models, DEMO_CLIP, { seen: live });
  const bbbTime = timer();
  const bbb = await scoreBbb(models, config.fixturesDir, bbbTime.onFrame);
  const speed = synthTime.result();
  const round = (v: number) => Math.round(v * 1000) / 1000;
  const out = {
    bench: 'analysis (method step 1)',
    threads: config.models.intraOpThreads,
    synthetic: { size: `${DEMO_CLIP.width}x${DEMO_CLIP.height}`, ...synthetic, analysisMs: speed },
    syntheticLive,
    bbb: { ...bbb, analysisMs: bbbTime.result() },
    baseline: { decodeMs640x360: decode },
    ratios: {
      trackingP95OverDecodeP50: round(speed.tracking.p95 / decode.p50),
      trackingP50OverDecodeP50: round(speed.tracking.p50 / decode.p50),
      trackingCpuP95OverDecodeP50: round(speed.trackingCpu.p95 / decode.p50),
    },
  };
  process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
} finally {
  await rm(dir, { recursive: true, force: true });
}
