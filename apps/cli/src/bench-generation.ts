/**
 * Step-2 benchmark (issue 3, "Generation engine") on the synthetic clip: identity of the generated faces (FaceRes
 * cosine to the selfie, rank-1 among the faces of @vladmandic/face-api's demo photos), expression transfer (Pearson
 * r against the script), E_warp with and without fusion and the lag fusion adds (also with the frames and times a
 * live worker gets), and per-stage speed at 640×360 next to bare decode+encode of the same video measured in the
 * same run (machines here are noisy: compare ratios). Prints one JSON object on stdout, with the targets and
 * whether each is met.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import {
  analyzeSelfie,
  IdentityEmbedder,
  prepareSelfieFeatures,
  type SelfieFeatures,
  ToonPipeline,
} from '@tooncast/engine';
import { type DecodedFrame, readImage, VideoReader, VideoWriter } from '@tooncast/media';
import { createSession } from '@tooncast/models';
import { loadConfig, type RgbImage } from '@tooncast/shared';
import { DEMO_CLIP, type FrameTruth, frameCount, liveSchedule, targetPointAt } from '@tooncast/synth';
import { pickTargetInVideo } from './analyze-video.ts';
import { writeSyntheticClip } from './demo-clip.ts';
import { BBB } from './eval/bbb.ts';
import { flickerRemoval } from './eval/flicker.ts';
import { distractorEmbeddings, runGenerationOnClip, runGenerationOnVideo, scoreGeneration } from './eval/generation.ts';
import { pickFrame } from './eval/synthetic.ts';
import { openPipelineModels } from './runtime.ts';
import { summarize } from './stats.ts';

/** `--frames N`: only the first N frames of each clip (a quicker run while iterating; report full runs). */
const { values: args } = parseArgs({ options: { frames: { type: 'string' } } });
const maxFrames = args.frames === undefined ? undefined : Number(args.frames);
if (maxFrames !== undefined && !(Number.isInteger(maxFrames) && maxFrames >= 3)) {
  throw new Error(`--frames must be an integer of at least 3, got ${args.frames}`);
}

/** Grey levels of the flicker given to the generator for `synthetic.flicker` (see FlickeringGenerator). */
const FLICKER_AMPLITUDE = 8;

/** Big Buck Bunny from where the bunny faces the camera: 6 s, the bunny clicked as in the step-1 evaluation. */
const BBB_SEGMENT = { startSec: BBB.facing.first / 24, frames: Math.min(144, maxFrames ?? 144) };

const config = loadConfig();
const models = await openPipelineModels(config);
const embedder = new IdentityEmbedder(await createSession('faceres', config));
const selfieFile = path.join(config.fixturesDir, 'selfies', 'astronaut.png');
const photo = await readImage(selfieFile);
const selfie = await analyzeSelfie(models.analysis, photo);
const features = prepareSelfieFeatures(models.analysis.space, photo, selfie.landmarks);
const embedding = await embedder.embed(photo, selfie.landmarks);

/** Bare decode + encode of the video, ms per frame: what any per-frame processing is compared against. */
async function transcodeBaseline(video: string, out: string) {
  const reader = await VideoReader.open(video);
  const { width, height, fps } = reader.info;
  const writer = new VideoWriter(out, { width, height, fps });
  const ms: number[] = [];
  let t = performance.now();
  for await (const frame of reader.frames()) {
    await writer.write(frame.image);
    const now = performance.now();
    ms.push(now - t);
    t = now;
  }
  await writer.close();
  return summarize(ms);
}

/**
 * The pipeline (fusion on) over `frames`, per-stage ms of the frames where the face was replaced. `onOutput` gets
 * each output frame (the encoder, or nothing).
 */
async function timePipeline(
  clip: { video: string; truths: FrameTruth[] },
  selfie: SelfieFeatures,
  frames: AsyncIterable<DecodedFrame> | Iterable<DecodedFrame>,
  onOutput: (image: RgbImage) => Promise<void>,
) {
  const click = pickFrame(clip.truths);
  const point = targetPointAt(clip.truths, click);
  const target = await pickTargetInVideo(models.analysis, await VideoReader.open(clip.video), {
    timeSec: click / DEMO_CLIP.fps,
    point: [point.x, point.y],
  });
  const pipeline = new ToonPipeline(models, selfie, target, { fusion: true });
  const stages: Record<string, number[]> = {};
  const total: number[] = [];
  const cpu: number[] = [];
  for await (const frame of frames) {
    const c0 = process.cpuUsage();
    const r = await pipeline.process(frame.image, frame.index, frame.timeSec);
    const c = process.cpuUsage(c0);
    await onOutput(r.output);
    if (!r.face) continue;
    cpu.push((c.user + c.system) / 1000);
    let sum = 0;
    for (const [stage, ms] of Object.entries(r.times)) {
      (stages[stage] ??= []).push(ms);
      sum += ms;
    }
    total.push(sum);
  }
  return {
    frames: total.length,
    perFrame: summarize(total),
    cpuPerFrame: summarize(cpu),
    stages: Object.fromEntries(Object.entries(stages).map(([k, v]) => [k, summarize(v)])),
  };
}

/**
 * Engine speed twice: alone on the decoded clip held in memory (the target's measure: decode and encode excluded,
 * so ffmpeg does not share the two cores with it), and streamed between the decoder and the encoder as the live
 * worker runs it.
 */
async function pipelineSpeed(clip: { video: string; truths: FrameTruth[] }, out: string, selfie: SelfieFeatures) {
  const decoded: DecodedFrame[] = [];
  for await (const frame of (await VideoReader.open(clip.video)).frames()) decoded.push(frame);
  const alone = await timePipeline(clip, selfie, decoded, async () => undefined);
  decoded.length = 0;
  const reader = await VideoReader.open(clip.video);
  const { width, height, fps } = reader.info;
  const writer = new VideoWriter(out, { width, height, fps });
  const besideCodec = await timePipeline(clip, selfie, reader.frames(), (image) => writer.write(image));
  await writer.close();
  return { alone, besideCodec };
}

const dir = await mkdtemp(path.join(os.tmpdir(), 'tooncast-bench-generation-'));
try {
  const clip = await writeSyntheticClip(path.join(dir, 'clip'), DEMO_CLIP);
  const distractors = await distractorEmbeddings(models.analysis, embedder);
  const input = { features, embedding };
  const synthetic = await runGenerationOnClip(models, features, DEMO_CLIP, { maxFrames });
  const score = await scoreGeneration(models, embedder, input, distractors, synthetic);
  const flicker = await flickerRemoval(models, features, DEMO_CLIP, score.warp.all.output, {
    amplitude: FLICKER_AMPLITUDE,
    maxFrames,
  });
  // The same clip as a live worker sees it (frames skipped, capture times jittering): does fusion still hold?
  const seen = liveSchedule(frameCount(DEMO_CLIP), DEMO_CLIP.fps);
  const liveRun = await runGenerationOnClip(models, features, DEMO_CLIP, { maxFrames, seen });
  const live = await scoreGeneration(models, embedder, input, distractors, liveRun);
  const bbbRun = await runGenerationOnVideo(models, features, BBB.file(config.fixturesDir), BBB.click, BBB_SEGMENT);
  const bbb = await scoreGeneration(models, embedder, input, distractors, bbbRun);
  const baseline = await transcodeBaseline(clip.video, path.join(dir, 'baseline.mp4'));
  const speed = await pipelineSpeed(clip, path.join(dir, 'toon.mp4'), features);
  const round = (v: number) => Math.round(v * 1000) / 1000;
  const id = score.identity.finalFace;
  const mouthLag = Math.abs(score.lag.fusedBehindPlain);
  const out = {
    bench: 'generation (method step 2, issue 3)',
    threads: config.models.intraOpThreads,
    clip: `synthetic ${DEMO_CLIP.width}x${DEMO_CLIP.height} ${DEMO_CLIP.durationSec}s`,
    ...(maxFrames && { maxFrames }),
    selfie: path.basename(selfieFile),
    synthetic: { ...score, flicker },
    syntheticLive: {
      frames: liveRun.frames.length,
      identity: live.identity.finalFace,
      expression: live.expression.fused.truth,
      lag: live.lag,
      warp: { pairs: live.warp.all.pairs, finalRatio: live.warp.finalRatio, stylizedRatio: live.warp.stylizedRatio },
    },
    bbb: { segment: BBB_SEGMENT, ...bbb },
    speed: {
      engineMsPerFrame: speed.alone.perFrame,
      // Process CPU time (all threads: ORT, GC) during a frame; above wall time where they overlap.
      engineCpuMsPerFrame: speed.alone.cpuPerFrame,
      stageMs: speed.alone.stages,
      framesTimed: speed.alone.frames,
      // The same pipeline with ffmpeg decoding and encoding beside it on the same cores, as in the live worker.
      besideCodec: { engineMsPerFrame: speed.besideCodec.perFrame, stageMs: speed.besideCodec.stages },
      baseline: { decodeEncodeMsPerFrame: baseline },
      ratios: {
        engineP50OverDecodeEncodeP50: round(speed.alone.perFrame.p50 / baseline.p50),
        engineP95OverDecodeEncodeP50: round(speed.alone.perFrame.p95 / baseline.p50),
        besideCodecP95OverAloneP95: round(speed.besideCodec.perFrame.p95 / speed.alone.perFrame.p95),
      },
    },
    targets: {
      engineP95AtMost33ms: {
        measured: speed.alone.perFrame.p95,
        met: speed.alone.perFrame.p95 <= 33,
        cpuP95: speed.alone.cpuPerFrame.p95,
      },
      identityCosineAtLeast080: { measured: round(id.selfieCosine.mean), met: id.selfieCosine.mean >= 0.8 },
      rank1Is100Percent: { measured: id.rank1, met: id.rank1 === 1 },
      expressionRAtLeast090: {
        measured: score.expression.fused.truth,
        // The same without the frames where the ball covers the face (nothing can read a hidden mouth); not the verdict.
        unoccluded: score.expression.fused.unoccludedTruth,
        met: Object.values(score.expression.fused.truth ?? {}).every((r) => r >= 0.9),
      },
      fusedEwarpAtMost06xPlainWithin1FrameLag: {
        measured: {
          finalRatio: round(score.warp.finalRatio),
          stylizedRatio: round(score.warp.stylizedRatio),
          // At equal sharpness (E_warp rewards blur): the temporal part of the gain.
          sharpnessMatchedFinalRatio: round(score.warp.sharpnessMatchedFinalRatio),
          motionJitterRatio: round(score.warp.motionJitterRatio),
          mouthLag,
          // Not the verdict: with a generator that flickers, the share of that flicker's E_warp fusion removes.
          flickerRemovedShare: round(flicker.removedShare),
        },
        met: score.warp.stylizedRatio <= 0.6 && score.warp.finalRatio <= 0.6 && mouthLag <= 1,
      },
    },
  };
  process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
} finally {
  await rm(dir, { recursive: true, force: true });
}
