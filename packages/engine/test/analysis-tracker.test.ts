import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { capturedTimes, createClipRenderer, targetPointAt } from '@tooncast/synth';
import { type AnalysisModels, FaceAnalysisStage } from '../src/analysis/stage.ts';
import type { PickedTarget } from '../src/analysis/target.ts';
import { StageClock } from '../src/timing.ts';
import { openAnalysisModels } from './support.ts';

/**
 * Step 1 from the click on: the stage looks for the character where it was picked before searching the whole frame
 * (the live stream starts on the clicked frame), and searches when it is no longer there.
 */
const renderer = createClipRenderer();
const CLICKED = 24;
let models: AnalysisModels;
let picked: PickedTarget;

before(async () => {
  models = await openAnalysisModels();
  const { image, truth } = renderer.render(CLICKED);
  const point = targetPointAt([truth], CLICKED);
  picked = await models.pick(image, { timeSec: CLICKED / 24, point: [point.x, point.y] });
});

describe('step 1: following the picked character from its first frame', () => {
  it('finds it on the clicked frame where it was picked, without the detector', async () => {
    const stage = new FaceAnalysisStage(models, picked);
    const a = await stage.analyze(renderer.render(CLICKED).image, 0, 0, new StageClock());
    assert.ok(a.face, 'the character is found');
    assert.equal(a.detectorRan, false);
  });

  it('searches the whole frame when the character has walked away from the click', async () => {
    const { image, truth } = renderer.render(132);
    const target = truth.characters.find((c) => c.id === 'target')!;
    const away = Math.hypot(target.box.x - picked.box.x, target.box.y - picked.box.y);
    assert.ok(away > picked.box.w, `the character moved ${away} px`);
    const a = await new FaceAnalysisStage(models, picked).analyze(image, 0, 0, new StageClock());
    assert.equal(a.detectorRan, true);
    assert.ok(a.face, 'the character is found');
    const [x, y] = [a.face.box.x + a.face.box.w / 2, a.face.box.y + a.face.box.h / 2];
    assert.ok(
      x > target.box.x && x < target.box.x + target.box.w && y > target.box.y && y < target.box.y + target.box.h,
    );
  });
});

describe('step 1 across a cut', () => {
  it('finds the character where the new shot has it at once (the clip loops back to its start)', async () => {
    const last = renderer.frameCount - 1;
    // A second of the clip's end, then its start; followed since the pick at frame 24, as a live stream would be.
    const frames = [...Array.from({ length: 24 }, (_, k) => last - 23 + k), 0, 1, 2];
    const stage = new FaceAnalysisStage(models, picked);
    const errors: number[] = [];
    let atCut: Awaited<ReturnType<FaceAnalysisStage['analyze']>> | undefined;
    for (const [k, i] of frames.entries()) {
      const { image, truth } = renderer.render(i);
      const a = await stage.analyze(image, k, k / 24, new StageClock());
      if (i === 0) atCut = a;
      const target = truth.characters.find((c) => c.id === 'target')!;
      assert.ok(a.face, `frame ${i}: the character is found`);
      const centre = (b: { x: number; y: number; w: number; h: number }) => [b.x + b.w / 2, b.y + b.h / 2];
      const [fx, fy] = centre(a.face.box);
      const [tx, ty] = centre(target.box);
      errors.push(Math.hypot(fx - tx, fy - ty) / target.box.w);
    }
    // The target jumps about 0.7 face sizes at the loop; following its old place kept the landmarks there for two
    // frames (0.70, 0.54).
    assert.ok(Math.max(...errors) < 0.1, `face centre errors in face sizes: ${errors.map((e) => e.toFixed(3))}`);
    assert.equal(atCut?.jumped, true, 'the jump is reported, so step 2 starts afresh');
    assert.equal(atCut?.detectorRan, true);
  });
});

describe('step 1 on a fast character seen as a live worker dropping frames sees it', () => {
  /** Face centre errors (face sizes) of the frames after the first (which finds the character far from its pick). */
  async function follow(frames: number[], timeSec: (frame: number, k: number) => number) {
    const stage = new FaceAnalysisStage(models, picked);
    const errors: string[] = [];
    let worst = 0;
    for (const [k, i] of frames.entries()) {
      const { image, truth } = renderer.render(i);
      const a = await stage.analyze(image, i, timeSec(i, k), new StageClock());
      const target = truth.characters.find((c) => c.id === 'target')!;
      if (k === 0 || !a.face || !target.visible) continue;
      const centre = (b: { x: number; y: number; w: number; h: number }) => [b.x + b.w / 2, b.y + b.h / 2];
      const [fx, fy] = centre(a.face.box);
      const [tx, ty] = centre(target.box);
      const error = Math.hypot(fx - tx, fy - ty) / target.box.w;
      worst = Math.max(worst, error);
      errors.push(`${i}: ${error.toFixed(3)}`);
    }
    return { errors, worst };
  }

  it('keeps the face where it is while it crosses the frame, seen every third frame', async () => {
    // Frames 96–135: the character speeds up to 0.15 face widths a frame and runs out of the picture on the right.
    const frames = Array.from({ length: 14 }, (_, k) => 96 + 3 * k);
    const { errors, worst } = await follow(frames, (i) => i / 24);
    // The ROI left where the last frame had the face laid it 0.31 and 0.39 face sizes behind (frames 126 and 132).
    assert.ok(errors.length >= 11, `the character is followed: ${errors}`);
    assert.ok(worst < 0.2, `face centre errors in face sizes: ${errors}`);
  });

  it('and seen every 1st to 5th frame at jittering capture times, as it crosses and comes back slowing down', async () => {
    const GAPS = [1, 4, 2, 5, 3];
    const JITTER_MS = [0, 12, -10, 15, -15, 5];
    for (const [from, to] of [
      [96, 137],
      [180, 214],
    ]) {
      const frames: number[] = [];
      for (let i = from, k = 0; i < to; i += GAPS[k++ % GAPS.length]) frames.push(i);
      const { errors, worst } = await follow(frames, (i, k) => i / 24 + JITTER_MS[k % JITTER_MS.length] / 1000);
      // Led by a velocity the jitter had made too large or too small, the face was laid 0.36 and 0.35 face sizes
      // off (frames 126 and 192); looked for again where that put it, 0.08 and 0.21.
      assert.ok(errors.length >= 8, `the character is followed: ${errors}`);
      assert.ok(worst < 0.25, `frames ${from}–${to}, face centre errors in face sizes: ${errors}`);
    }
  });

  it('and seen every frame at capture times bunched after stalls', async () => {
    const frames = Array.from({ length: 110 }, (_, k) => CLICKED + k);
    const captured = capturedTimes();
    const { errors, worst } = await follow(frames, (i, k) => captured(i / 24, k));
    // A velocity read over 8 ms led the ROI off the face: 0.43 and 0.47 face sizes (frames 58 and 133).
    assert.ok(errors.length >= 80, `the character is followed: ${errors}`);
    assert.ok(worst < 0.2, `face centre errors in face sizes: ${errors}`);
  });
});
