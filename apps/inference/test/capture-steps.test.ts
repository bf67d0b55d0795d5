import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CaptureSteps } from '../src/media/frame-timing.ts';

test('capture steps: even steps spread 0 ms, also across the RTP timestamp wrap and a new timeline', () => {
  const steps = new CaptureSteps();
  for (const t of [2 ** 32 - 7500, 2 ** 32 - 3750, 0, 3750]) steps.add(t, false);
  assert.equal(steps.take(), 0);
  // A republished stream starts elsewhere: no step to the frame before.
  for (const [t, newTimeline] of [
    [900_000, true],
    [903_750, false],
    [907_500, false],
  ] as const) {
    steps.add(t, newTimeline);
  }
  assert.equal(steps.take(), 0);
});

test('capture steps: the spread of uneven steps, ms', () => {
  const steps = new CaptureSteps();
  // Steps of 41.7, 8.3 and 75 ms: 33.3 ms either side of the median.
  for (const t of [0, 3750, 4500, 11_250]) steps.add(t, false);
  assert.equal(steps.take(), 33.3);
  assert.equal(steps.take(), 0, 'each summary starts afresh');
});
