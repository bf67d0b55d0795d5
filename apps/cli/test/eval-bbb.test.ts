import assert from 'node:assert/strict';
import { test } from 'node:test';
import { scoreBbb } from '../src/eval/bbb.ts';
import { openAnalysisModels } from '../src/runtime.ts';
import { config } from './support.ts';

test('Big Buck Bunny: the bunny is followed on ≥ 90 % of its facing frames and never swapped for the squirrel', async () => {
  const s = await scoreBbb(await openAnalysisModels(config), config.fixturesDir);
  assert.ok(
    s.detectionRate >= 0.9,
    `bunny found on ${(s.detectionRate * 100).toFixed(1)} % of frames ${s.facingFrames}`,
  );
  assert.equal(s.otherCharacterTaken, 0);
  // Landmarks of one frame place the next: the detector is rarely needed while tracking.
  assert.ok(
    s.detectorOnTrackedFrames <= s.trackedFrames * 0.05,
    `detector on ${s.detectorOnTrackedFrames}/${s.trackedFrames}`,
  );
});
