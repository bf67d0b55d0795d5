import assert from 'node:assert/strict';
import { test } from 'node:test';
import { capturedTimes } from '@tooncast/synth';
import { keepShape, OneEuroFilter } from '../src/analysis/filter.ts';

/** Deterministic noise in [-1, 1]. */
function noise(seed: number) {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return (s / 2147483648) * 2 - 1;
  };
}

test('One-Euro removes jitter at rest and follows fast motion with little lag', () => {
  const fps = 24;
  const scale = 150; // face size in px
  const rnd = noise(7);
  // A still face with ±0.8 px jitter, then a fast move of 300 px/s.
  const truth = (t: number) => (t < 2 ? 100 : 100 + 300 * (t - 2));
  const filter = new OneEuroFilter({ minCutoff: 0.05, beta: 80, derivativeCutoff: 1 });
  let stillErr = 0;
  let rawStillErr = 0;
  let lag = 0;
  for (let k = 0; k < 3 * fps; k++) {
    const t = k / fps;
    const raw = truth(t) + 0.8 * rnd();
    const out = filter.apply(Float32Array.of(raw), t, scale)[0];
    if (t > 1 && t < 2) {
      stillErr += (out - truth(t)) ** 2;
      rawStillErr += (raw - truth(t)) ** 2;
    }
    if (t > 2.5) lag = Math.max(lag, Math.abs(out - truth(t)));
  }
  assert.ok(stillErr < rawStillErr / 4, `jitter energy ${stillErr.toFixed(2)} vs raw ${rawStillErr.toFixed(2)}`);
  // Lag while moving: less than one frame's travel (12.5 px).
  assert.ok(lag < 300 / fps, `lag ${lag.toFixed(2)} px`);
});

test("One-Euro at capture times bunched after stalls follows the path it follows at the frames' own times", () => {
  const fps = 24;
  const captured = capturedTimes();
  const rnd = noise(11);
  const truth = (t: number) => (t < 2 ? 100 : 100 + 300 * (t - 2));
  const steady = new OneEuroFilter({ minCutoff: 0.05, beta: 80, derivativeCutoff: 1 });
  const jittered = new OneEuroFilter({ minCutoff: 0.05, beta: 80, derivativeCutoff: 1 });
  let apart = 0;
  for (let k = 0; k < 3 * fps; k++) {
    const raw = Float32Array.of(truth(k / fps) + 0.8 * rnd());
    const a = steady.apply(raw, k / fps, 150)[0];
    const b = jittered.apply(raw, captured(k / fps, k), 150)[0];
    if (k > fps) apart = Math.max(apart, Math.abs(a - b));
  }
  // Taking the bunched steps at face value, the filter's speed jumped and the paths parted by 3.8 px (now 0.2).
  assert.ok(apart < 1, `the paths part by ${apart.toFixed(2)} px`);
});

test('reset forgets the past', () => {
  const f = new OneEuroFilter({ minCutoff: 1, beta: 0, derivativeCutoff: 1 });
  f.apply(Float32Array.of(0), 0, 1);
  f.reset();
  assert.equal(f.apply(Float32Array.of(50), 0.04, 1)[0], 50);
});

test('keepShape gives a group the shape read and the position filtered', () => {
  // Points 0 and 1 (x, y, z): the filter lagged the group's opening (raw 10 px apart, filtered 4 px) and moved it by
  // (+1, +2) on average; point 2 is outside the group.
  const raw = Float32Array.of(0, 0, 0, 0, 10, 0, 50, 50, 0);
  const filtered = Float32Array.of(1, 5, 0, 1, 9, 0, 51, 49, 0);
  keepShape(filtered, raw, [0, 1]);
  assert.deepEqual(Array.from(filtered), [1, 2, 0, 1, 12, 0, 51, 49, 0]);
});
