import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PlayoutDelay } from '../src/media/playout-delay.ts';

/** Frames arriving every 41.7 ms (24 fps), ready `latency(i)` ms later; returns the send time of each. */
function play(delay: PlayoutDelay, frames: number, latency: (i: number) => number, from = 0) {
  const sent: { arrived: number; at: number; changed: boolean }[] = [];
  for (let i = 0; i < frames; i++) {
    const arrived = from + (i * 1000) / 24;
    const ready = arrived + latency(i);
    const at = delay.sendAt(arrived, ready);
    sent.push({ arrived, at, changed: delay.retune(ready) });
  }
  return sent;
}

test('paced: after the warm-up every frame leaves one steady delay after it arrived, in order', () => {
  const delay = new PlayoutDelay('paced');
  // Ready after 10–40 ms, jittery; a start-up backlog of 300 ms on the first frames.
  const sent = play(delay, 24 * 20, (i) => (i < 6 ? 300 : 10 + ((i * 7) % 31)));
  assert.ok(delay.delayMs >= 30 && delay.delayMs <= 45, `delay ${delay.delayMs} covers ~p90 of 10–40 ms`);
  const steady = sent.slice(24 * 10);
  const offsets = steady.map((s) => s.at - s.arrived);
  const onTime = offsets.filter((o) => Math.abs(o - delay.delayMs) < 1e-6).length;
  assert.ok(onTime >= steady.length * 0.85, `${onTime} of ${steady.length} frames leave exactly at the delay`);
  assert.ok(
    sent.every((s, i) => i === 0 || s.at >= sent[i - 1].at),
    'frames never overtake each other',
  );
  assert.ok(sent.filter((s) => s.changed).length <= 3, 'the delay changes rarely');
});

test('paced: the delay follows the latency up and down, in steps, and never beyond its cap', () => {
  const delay = new PlayoutDelay('paced');
  play(delay, 24 * 8, () => 20);
  const low = delay.delayMs;
  play(delay, 24 * 8, () => 80, 10_000);
  assert.ok(delay.delayMs > 80, `raised to ${delay.delayMs} when frames came late`);
  play(delay, 24 * 8, () => 20, 20_000);
  assert.equal(delay.delayMs, low, 'lowered again when the latency fell');
  play(delay, 24 * 8, () => 2000, 30_000);
  assert.ok(delay.delayMs <= 250, `capped (${delay.delayMs})`);
});

test('asap: frames leave when ready; the delay (for the audio) is the median latency', () => {
  const delay = new PlayoutDelay('asap');
  const sent = play(delay, 24 * 10, (i) => 10 + (i % 2) * 40);
  assert.ok(
    sent.every((s, i) => s.at === s.arrived + 10 + (i % 2) * 40),
    'no frame is held',
  );
  assert.ok(delay.delayMs >= 10 && delay.delayMs <= 53, `audio delay ${delay.delayMs}`);
});

test('asap: the audio delay holds through a noisy latency and follows a lasting step, up and down', () => {
  // 3 s windows whose median latency wanders by 10–20 ms (an engine on a loaded machine), then a lasting rise.
  const wander = [0, 12, -5, 15, 2, 18, -3, 10, 5, 14, -2, 16];
  const noisy = (i: number) => 40 + wander[Math.floor(i / 72) % wander.length] + (i % 5) * 2;
  const delay = new PlayoutDelay('asap');
  const changes = play(delay, 72 * wander.length, noisy).filter((s) => s.changed).length;
  assert.ok(changes <= 3, `${changes} changes through the wander (each one re-times the sound)`);
  const level = delay.delayMs;
  assert.ok(level >= 40 && level <= 60, `delay ${level} near the median latency`);
  const risen = play(delay, 72 * 3, (i) => noisy(i) + 40, 40_000);
  assert.ok(delay.delayMs >= level + 30, `followed the rise: ${level} → ${delay.delayMs}`);
  assert.ok(risen.filter((s) => s.changed).length <= 2, 'in one or two steps');
  play(delay, 72 * 3, noisy, 50_000);
  assert.ok(Math.abs(delay.delayMs - level) <= 10, `back down: ${delay.delayMs} against ${level}`);
});
