import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AudioRetimer } from '../src/media/audio-retimer.ts';

const PACKET_MS = 20;
const TICKS = 960;

interface Sent {
  index: number;
  at: number;
  timestamp: number;
}

/**
 * Opus packets `from`…`to` - 1 every 20 ms (packet 0 has timestamp `first`), packet i arriving `arrival(i)` ms after
 * its time.
 */
function relay(
  retimer: AudioRetimer,
  to: number,
  arrival: (i: number) => number,
  { from = 0, first = 1234 } = {},
): Sent[] {
  const sent: Sent[] = [];
  for (let i = from; i < to; i++) {
    const now = i * PACKET_MS + arrival(i);
    const placed = retimer.place((first + i * TICKS) >>> 0, now);
    if (placed) sent.push({ index: i, ...placed });
  }
  return sent;
}

/**
 * What a receiver's jitter buffer sees: each sent packet's send time against its timestamp's time (timestamps
 * unwrapped), over the fastest one.
 */
function arrivalSpread(sent: Sent[]): number {
  let unwrapped = 0;
  const offsets = sent.map((s, k) => {
    if (k > 0) unwrapped += (s.timestamp - sent[k - 1].timestamp) | 0;
    return s.at - unwrapped / 48;
  });
  return Math.max(...offsets) - Math.min(...offsets);
}

/** A repeatable jitter in [0, 15) ms. */
const jitter = (i: number) => (i * 7919) % 15;

test('jittery arrivals leave on a steady clock, every packet, timestamps unchanged', () => {
  const sent = relay(new AudioRetimer(), 500, (i) => 5 + jitter(i));
  assert.equal(sent.length, 500);
  assert.ok(arrivalSpread(sent) < 2, `receivers see ${arrivalSpread(sent).toFixed(1)} ms of jitter, not 15`);
  assert.ok(
    sent.every((s) => s.timestamp === (1234 + s.index * TICKS) >>> 0),
    'timestamps pass unchanged',
  );
  assert.ok(
    sent.every((s, k) => k === 0 || s.at >= sent[k - 1].at),
    'packets never overtake each other',
  );
});

test('a stall upstream: the backlog is dropped, the sound goes on at its time', () => {
  // Packets 100–118 are held up and arrive together with packet 119, 380 ms after packet 100's time.
  const stalled = (i: number) => (i >= 100 && i < 119 ? (119 - i) * PACKET_MS : 0);
  const retimer = new AudioRetimer();
  const sent = relay(retimer, 300, (i) => 5 + jitter(i) + stalled(i));
  const dropped = Array.from({ length: 300 }, (_, i) => i).filter((i) => !sent.some((s) => s.index === i));
  assert.ok(dropped.length >= 15 && dropped.length <= 19, `dropped ${dropped.join(',')}`);
  assert.ok(
    dropped.every((i) => i >= 100 && i < 119),
    'only the backlog is dropped',
  );
  assert.equal(retimer.dropped, dropped.length);
  // The last of the backlog, less than a packet late, goes at once: a bump smaller than one packet.
  assert.ok(arrivalSpread(sent) < 2 + PACKET_MS, `spread ${arrivalSpread(sent)}`);
  assert.ok(
    sent.every((s) => s.timestamp === (1234 + s.index * TICKS) >>> 0),
    'no step in the timestamps: the path did not change',
  );
});

test('a path that gets slower for good: a few packets dropped, then a gap in the timestamps, no late packets', () => {
  const retimer = new AudioRetimer();
  const sent = relay(retimer, 400, (i) => 5 + jitter(i) + (i >= 200 ? 90 : 0));
  assert.ok(retimer.dropped >= 3 && retimer.dropped <= 6, `dropped ${retimer.dropped}`);
  // The new fastest path is taken from the few late packets, within the upstream jitter (15 ms) of the true one.
  assert.ok(arrivalSpread(sent) < 15, `receivers see ${arrivalSpread(sent).toFixed(1)} ms of jitter, not 90`);
  const after = sent.find((s) => s.index >= 200)!;
  const before = sent.filter((s) => s.index < 200).at(-1)!;
  const gapMs = ((after.timestamp - before.timestamp) | 0) / 48 - (after.index - before.index) * PACKET_MS;
  assert.ok(gapMs > 60 && gapMs < 110, `the timestamps moved on by ${gapMs} ms`);
});

test('the sound follows the video delay; a larger delay moves the timestamps on with it', () => {
  const retimer = new AudioRetimer();
  const early = relay(retimer, 100, (i) => 5 + jitter(i));
  retimer.delayMs = 60;
  const late = relay(retimer, 200, (i) => 5 + jitter(i), { from: 100 });
  const hold = (s: Sent) => s.at - (s.index * PACKET_MS + 5);
  assert.ok(Math.abs(hold(early[50]) - 20) < 2, `held ${hold(early[50])} ms after the fastest path`);
  assert.ok(Math.abs(hold(late[50]) - 80) < 2, `held ${hold(late[50])} ms with a 60 ms video delay`);
  assert.ok(arrivalSpread([...early, ...late]) < 2, 'no step for the receivers');
  assert.equal(retimer.dropped, 0);
});

test('a shorter video delay skips the sound its timestamps would give twice: no burst, no step for the receivers', () => {
  const retimer = new AudioRetimer();
  retimer.delayMs = 60;
  const before = relay(retimer, 100, (i) => 5 + jitter(i));
  retimer.delayMs = 30;
  const after = relay(retimer, 200, (i) => 5 + jitter(i), { from: 100 });
  const sent = [...before, ...after];
  assert.ok(arrivalSpread(sent) < 2, `receivers see a ${arrivalSpread(sent).toFixed(1)} ms step`);
  // 30 ms earlier: two packets' sound (40 ms) skipped, a 10 ms gap in the timestamps.
  assert.deepEqual(
    Array.from({ length: 200 }, (_, i) => i).filter((i) => !sent.some((s) => s.index === i)),
    [100, 101],
  );
  assert.equal(retimer.dropped, 2);
  const gapMs = ((after[0].timestamp - before.at(-1)!.timestamp) | 0) / 48 - PACKET_MS;
  assert.ok(Math.abs(gapMs - 10) < 0.1, `gap ${gapMs} ms`);
  const spacing = after.slice(1).map((s, k) => s.at - after[k].at);
  assert.ok(Math.min(...spacing) > PACKET_MS - 2, `a burst: packets ${Math.min(...spacing)} ms apart`);
});

test('timestamps that wrap around 2^32', () => {
  const retimer = new AudioRetimer();
  const sent = relay(retimer, 200, (i) => 5 + jitter(i), { first: 2 ** 32 - 50 * TICKS });
  assert.equal(sent.length, 200);
  assert.ok(arrivalSpread(sent) < 2);
});

test('a clip that loops: the sound falls 20 ms behind its timestamps each time; gaps, no late packets, no drops', () => {
  const retimer = new AudioRetimer();
  const loops = (i: number) => 20 * Math.floor(i / 500);
  const sent = relay(retimer, 2000, (i) => 5 + jitter(i) + loops(i));
  assert.equal(retimer.dropped, 0);
  const moved = (((sent.at(-1)!.timestamp - 1234) | 0) - 1999 * TICKS) / 48;
  assert.ok(moved > 50 && moved < 70, `the timestamps moved on by ${moved} ms over three steps of 20`);
  // Before a step is seen (half a second), its packets go late by at most the step within the hold.
  assert.ok(arrivalSpread(sent) < 20, `receivers see ${arrivalSpread(sent).toFixed(1)} ms, not 60`);
});

test('a publisher clock 0.1 % slower than ours: no drops, the lateness stays small', () => {
  const retimer = new AudioRetimer();
  const sent = relay(retimer, 5000, (i) => 5 + jitter(i) + i * 0.02);
  assert.equal(retimer.dropped, 0);
  assert.ok(arrivalSpread(sent) < 20, `receivers see ${arrivalSpread(sent).toFixed(1)} ms, not 100`);
});
