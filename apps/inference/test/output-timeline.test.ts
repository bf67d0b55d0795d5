import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OutputTimeline } from '../src/media/output-timeline.ts';

test('one source timeline keeps its timestamps, across the 32-bit wrap too', () => {
  const timeline = new OutputTimeline();
  const start = 2 ** 32 - 2 * 3750;
  const out = [0, 1, 2, 3].map((i) => timeline.map((start + i * 3750) >>> 0, i * 41.7));
  assert.deepEqual(
    out.map((o) => o.timestamp),
    [0, 1, 2, 3].map((i) => (start + i * 3750) >>> 0),
  );
  assert.ok(out.every((o) => !o.newTimeline));
});

test('a new source timeline continues the output by the time between arrivals', () => {
  for (const [source, why] of [
    [1000 - 3750, 'an older timestamp'],
    [1000, 'the same timestamp'],
    [1000 + 3 * 90_000, 'a step over 2 s'],
  ] as const) {
    const timeline = new OutputTimeline();
    timeline.map(1000, 0);
    const next = timeline.map(source >>> 0, 50);
    assert.deepEqual(next, { timestamp: 1000 + 50 * 90, newTimeline: true }, why);
    assert.deepEqual(timeline.map((source + 3750) >>> 0, 90), { timestamp: 1000 + 50 * 90 + 3750, newTimeline: false });
  }
});

test('a frame leaves stamped with its departure: its timestamp plus its time in the worker, always after the last', () => {
  const timeline = new OutputTimeline();
  const start = 2 ** 32 - 3750;
  // Held 20, 60 and 30 ms: the stamps step as the frames left (41.7 + 40, then 41.7 - 30 ms).
  assert.equal(timeline.depart(start, 20), (start + 20 * 90) >>> 0);
  assert.equal(timeline.depart((start + 3750) >>> 0, 60), (start + 3750 + 60 * 90) >>> 0);
  assert.equal(timeline.depart((start + 7500) >>> 0, 30), (start + 7500 + 30 * 90) >>> 0);
  // A frame that would land on or before the last stamp goes one tick after it.
  assert.equal(timeline.depart((start + 7500) >>> 0, 30), (start + 7500 + 30 * 90 + 1) >>> 0);
  assert.equal(timeline.depart((start + 3750) >>> 0, 70), (start + 7500 + 30 * 90 + 2) >>> 0);
});
