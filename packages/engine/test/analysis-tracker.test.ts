import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { createClipRenderer, targetPointAt } from '@tooncast/synth';
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
