import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEMO_CLIP } from '@tooncast/synth';
import { scoreSyntheticClip } from '../src/eval/synthetic.ts';
import { openAnalysisModels } from '../src/runtime.ts';
import { config } from './support.ts';

test('synthetic clip: target found, landmarks accurate, distractor never taken, quick re-acquisition', async () => {
  const s = await scoreSyntheticClip(await openAnalysisModels(config), DEMO_CLIP);
  const report = JSON.stringify(s);
  assert.ok(s.visibleFrames > s.frames / 2, report);
  assert.ok(s.detectionRate >= 0.98, `detection rate ${s.detectionRate}: ${report}`);
  assert.ok(s.nme.mean <= 0.08, `NME ${s.nme.mean}: ${report}`);
  assert.equal(s.distractorTaken, 0, report);
  assert.ok(s.reacquireLatency.length >= 1, `the script has the target leave and re-enter: ${report}`);
  for (const l of s.reacquireLatency) assert.ok(l <= 5, `re-acquired ${l} frames after re-entering: ${report}`);
});
