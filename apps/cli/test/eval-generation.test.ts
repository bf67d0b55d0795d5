import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { analyzeSelfie, IdentityEmbedder, prepareSelfieFeatures } from '@tooncast/engine';
import { readImage } from '@tooncast/media';
import { createSession } from '@tooncast/models';
import { DEMO_CLIP } from '@tooncast/synth';
import { BBB } from '../src/eval/bbb.ts';
import { flickerRemoval } from '../src/eval/flicker.ts';
import {
  distractorEmbeddings,
  lagBehind,
  runGenerationOnClip,
  runGenerationOnVideo,
  scoreGeneration,
  scoreIdentity,
} from '../src/eval/generation.ts';
import { openPipelineModels } from '../src/runtime.ts';
import { pearson } from '../src/stats.ts';
import { config, onBlink } from './support.ts';

test('lag and correlation helpers: a series shifted by two frames lags by two', () => {
  const early = Array.from({ length: 60 }, (_, t) => Math.sin(t / 3) + (t % 7 === 0 ? 0.3 : 0));
  const late = early.map((_, t) => early[t - 2] ?? Number.NaN);
  assert.equal(lagBehind(late, early), 2);
  assert.equal(lagBehind(early, late), -2);
  assert.ok(Math.abs(pearson(early, early) - 1) < 1e-9);
  const mirrored = early.map((v) => 1 - 3 * v);
  assert.ok(Math.abs(pearson(early, mirrored) + 1) < 1e-9);
});

/** The models, the astronaut selfie's features and descriptor, and the distractor faces' descriptors. */
async function openGeneration() {
  const models = await openPipelineModels(config);
  const embedder = new IdentityEmbedder(await createSession('faceres', config));
  const photo = await readImage(path.join(config.fixturesDir, 'selfies', 'astronaut.png'));
  const selfie = await analyzeSelfie(models.analysis, photo);
  const features = prepareSelfieFeatures(models.analysis.space, photo, selfie.landmarks);
  const embedding = await embedder.embed(photo, selfie.landmarks);
  const distractors = await distractorEmbeddings(models.analysis, embedder);
  return { models, embedder, features, embedding, distractors };
}

// The first 4 s of the demo clip: two blinks, five mouth openings, the target turning; ~40 s on this machine.
test('generated faces on the synthetic clip: the selfie’s identity, the driver’s mouth, steadier with fusion', async (t) => {
  const { models, embedder, features, embedding, distractors } = await openGeneration();
  const run = await runGenerationOnClip(models, features, DEMO_CLIP, { maxFrames: 96 });
  const s = await scoreGeneration(models, embedder, { features, embedding }, distractors, run);
  const report = JSON.stringify(s);
  t.diagnostic(report);
  assert.ok(s.distractorFaces >= 10, `distractor faces: ${report}`);
  assert.ok(s.replacedFrames >= 0.9 * s.visibleFrames, `replaced frames: ${report}`);

  // Identity: the generated real faces are the selfie's person, far nearer it than to any stranger.
  for (const id of [s.identity.firstFace, s.identity.finalFace]) {
    assert.ok(id.measured >= 0.9 * id.offered, `FaceMesh reads the generated faces: ${report}`);
    assert.ok(id.selfieCosine.mean >= 0.78, `selfie cosine: ${report}`);
    assert.ok(id.selfieCosine.mean - id.nearestDistractorCosine.mean >= 0.25, `margin over strangers: ${report}`);
    assert.equal(id.rank1, 1, `rank-1: ${report}`);
  }
  assert.ok(s.distractorSelfieCosine.max < 0.6, `strangers stay far from the selfie: ${report}`);

  // Expression: step 1 reads the blinks (the iris model's eyelids) and the lip gap (the mouth's colours), and the
  // generated face, read by FaceMesh and the iris model, opens its mouth and shuts its eyes with the driver's
  // (measured 0.96 / 0.95 / 0.93 on these frames; step 1's blinks 0.97 / 0.91).
  const cartoon = s.expression.cartoonVsTruth!;
  assert.ok(cartoon.eyeOpenLeft >= 0.88 && cartoon.eyeOpenRight >= 0.88, `step 1 blinks vs script: ${report}`);
  assert.ok((s.expression.fused.truth?.mouthOpen ?? 0) >= 0.93, `mouth r vs script: ${report}`);
  assert.ok(s.expression.fused.cartoon.mouthOpen >= 0.9, `mouth r vs step 1's reading: ${report}`);
  for (const eye of ['eyeOpenLeft', 'eyeOpenRight'] as const) {
    assert.ok((s.expression.fused.truth?.[eye] ?? 0) >= 0.9, `${eye} r vs script: ${report}`);
  }

  // Temporal: fusion lowers E_warp of the face region without delaying the expression.
  assert.ok(s.warp.all.pairs >= 0.9 * (s.replacedFrames - 1), `pairs: ${report}`);
  assert.ok(s.warp.finalRatio < 0.95, `fusion lowers E_warp of the final face: ${report}`);
  assert.ok(s.warp.stylizedRatio < 0.97, `and of the stylized face: ${report}`);
  assert.ok(
    s.warp.all.input < s.warp.all.output.plainFinal,
    `the flow explains the input better than the output: ${report}`,
  );
  assert.ok(Math.abs(s.lag.fusedBehindPlain) <= 1, `lag: ${report}`);
  assert.ok(Math.abs(s.lag.fusedBehindDriver) <= 1, `lag behind the script: ${report}`);

  // What fusion is for: a generator that flickers (as a per-frame neural one does) gets most of its flicker removed,
  // still without delaying the mouth (measured: 0.79 of it removed at ±8 grey levels).
  const flicker = await flickerRemoval(models, features, DEMO_CLIP, s.warp.all.output, { amplitude: 8, maxFrames: 96 });
  t.diagnostic(JSON.stringify(flicker));
  assert.ok(
    flicker.plainFinal > s.warp.all.output.plainFinal,
    `the flicker shows in E_warp: ${JSON.stringify(flicker)}`,
  );
  assert.ok(flicker.removedShare >= 0.5, `fusion removes most of the flicker: ${JSON.stringify(flicker)}`);
  assert.ok(Math.abs(flicker.mouthLag) <= 1, `lag with the flicker: ${JSON.stringify(flicker)}`);
});

test('a click on a blink with the head turned: the new face is still the user’s', async () => {
  // The clicked face is the character's neutral one: its nod, taken for straight ahead, squashed the face on every
  // frame after (identity 0.77 with the clicked turn taken but not its nod; 0.81 now).
  const { models, embedder, features, embedding, distractors } = await openGeneration();
  const run = await runGenerationOnClip(models, features, DEMO_CLIP, { maxFrames: 96, clickAt: onBlink });
  const finals = run.frames.map((f) => f.fused.final);
  const id = await scoreIdentity(models.analysis, embedder, embedding, distractors, finals);
  const report = JSON.stringify(id);
  assert.ok(id.measured >= 0.9 * id.offered, `FaceMesh reads the generated faces: ${report}`);
  assert.ok(id.selfieCosine.mean >= 0.795, `selfie cosine: ${report}`);
  assert.equal(id.rank1, 1, `rank-1: ${report}`);
});

test('Big Buck Bunny: the new face on the bunny is still the user’s', async () => {
  // The bunny clicked at 12.5 s, its first 4 s facing the camera (from frame 168). Its drawn proportions read as a
  // 27° nod against the selfie; 10° of it taken unsquash the face (identity 0.694 without it, 0.725 with it).
  const { models, embedder, embedding, features, distractors } = await openGeneration();
  const run = await runGenerationOnVideo(models, features, BBB.file(config.fixturesDir), BBB.click, {
    startSec: BBB.facing.first / 24,
    frames: 96,
  });
  const finals = run.frames.map((f) => f.fused.final);
  const id = await scoreIdentity(models.analysis, embedder, embedding, distractors, finals);
  const report = JSON.stringify(id);
  assert.ok(id.offered >= 90 && id.measured >= 0.9 * id.offered, `new faces read: ${report}`);
  assert.ok(id.selfieCosine.mean >= 0.71, `selfie cosine: ${report}`);
  assert.equal(id.rank1, 1, `rank-1: ${report}`);
});
