import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEMO_CLIP, frameCount, liveSchedule } from '@tooncast/synth';
import { scoreSyntheticClip } from '../src/eval/synthetic.ts';
import { openAnalysisModels } from '../src/runtime.ts';
import { config, onBlink } from './support.ts';

test('synthetic clip: target found, landmarks accurate, expression read, distractor never taken, quick re-acquisition', async () => {
  const s = await scoreSyntheticClip(await openAnalysisModels(config), DEMO_CLIP);
  const report = JSON.stringify(s);
  assert.ok(s.visibleFrames > s.frames / 2, report);
  assert.ok(s.detectionRate >= 0.98, `detection rate ${s.detectionRate}: ${report}`);
  assert.ok(s.nme.mean <= 0.08, `NME ${s.nme.mean}: ${report}`);
  // The mouth read from its colours (LipReader; 0.91 measured, 0.85 with FaceMesh's inner lips), the lids with the
  // iris model (0.94 / 0.93); the ball over the mouth for ~20 frames is in the series.
  assert.ok(s.expression.mouthOpen >= 0.88, `mouth r: ${report}`);
  assert.ok(s.expression.eyeOpenLeft >= 0.9 && s.expression.eyeOpenRight >= 0.9, `eye r: ${report}`);
  assert.ok(s.mappedEyes.eyeOpenLeft >= 0.9 && s.mappedEyes.eyeOpenRight >= 0.9, `mapped eye r: ${report}`);
  assert.equal(s.distractorTaken, 0, report);
  assert.ok(s.reacquireLatency.length >= 1, `the script has the target leave and re-enter: ${report}`);
  for (const l of s.reacquireLatency) assert.ok(l <= 5, `re-acquired ${l} frames after re-entering: ${report}`);
});

test('synthetic clip as a live worker sees it (frames skipped, capture times jittering): no landmarks off the face', async () => {
  const seen = liveSchedule(frameCount(DEMO_CLIP), DEMO_CLIP.fps);
  const s = await scoreSyntheticClip(await openAnalysisModels(config), DEMO_CLIP, { seen });
  const report = JSON.stringify(s);
  assert.ok(s.detectionRate >= 0.98, `detection rate ${s.detectionRate}: ${report}`);
  // Led by a velocity read over bunched capture times, the tracker laid the face off the character: NME max 0.75
  // (0.07 now; 0.12 on every frame at its own time).
  assert.ok(s.nme.max <= 0.2, `NME ${JSON.stringify(s.nme)}: ${report}`);
  assert.ok(s.expression.mouthOpen >= 0.88, `mouth r: ${report}`);
  assert.equal(s.distractorTaken, 0, report);
});

test('a click on a blink: the eyes’ open gap is learnt from the frames, so the new face still blinks', async () => {
  // A live session starts at the paused frame: 4 s from the click on, scored after the first half second (the
  // clicked blink itself reads open: nothing says yet that it is shut). With the clicked frame's lids taken for open
  // ones, later blinks read half open: mapped r 0.69 / 0.73 (0.99 / 0.97 now).
  const s = await scoreSyntheticClip(await openAnalysisModels(config), DEMO_CLIP, {
    clickAt: onBlink,
    fromClick: { frames: 96, settle: 12 },
  });
  const report = JSON.stringify(s);
  assert.ok(s.expression.eyeOpenLeft >= 0.85 && s.expression.eyeOpenRight >= 0.85, `step 1 blinks: ${report}`);
  assert.ok(s.mappedEyes.eyeOpenLeft >= 0.9 && s.mappedEyes.eyeOpenRight >= 0.9, `mapped eye r: ${report}`);
});
