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
