import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { FFMPEG_PATH } from '@tooncast/media';
import { MATCH_GRID } from '../lib/thumbnail.ts';
import { VideoDelayEstimator } from '../lib/video-delay.ts';

const FRAME_MS = 1000 / 24;
const { width: SIDE } = MATCH_GRID;
const CELLS = MATCH_GRID.width * MATCH_GRID.height;
const BBB = path.resolve(fileURLToPath(import.meta.url), '../../../../../shared/fixtures/clips/bbb_slapstick.mp4');

/** The fixture clip's frames as the pages' thumbnails (area-averaged luma), without a barcode. */
function clipThumbnails(seconds: number): Uint8Array[] {
  const raw = execFileSync(FFMPEG_PATH, [
    ...['-v', 'error', '-i', BBB, '-t', String(seconds)],
    ...['-vf', `scale=${MATCH_GRID.width}:${MATCH_GRID.height}:flags=area,format=gray`, '-f', 'rawvideo', '-'],
  ]);
  return Array.from({ length: raw.length / CELLS }, (_, i) => raw.subarray(i * CELLS, (i + 1) * CELLS));
}

/** Deterministic noise in [-1, 1). */
function noise(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) >>> 0;
    return s / 2 ** 31 - 1;
  };
}

/**
 * What the personalized video makes of a clip frame: a repainted face (a 6×6-cell block, 14 % of the picture, of
 * another grey), a slightly other grey elsewhere (+3 levels) and coding noise (±4).
 */
function personalized(thumb: Uint8Array, random: () => number): Uint8Array {
  const out = new Uint8Array(thumb.length);
  for (let i = 0; i < thumb.length; i++) {
    const [x, y] = [i % SIDE, Math.floor(i / SIDE)];
    const face = x >= 5 && x < 11 && y >= 3 && y < 9;
    out[i] = Math.max(0, Math.min(255, (face ? 200 : thumb[i] + 3) + 4 * random()));
  }
  return out;
}

/**
 * Plays `frames` on the clip side and, `delayAt(i)` ms later, on the personalized side, both in time order;
 * returns the estimator's estimate after each personalized frame.
 */
function play(frames: Uint8Array[], delayAt: (i: number) => number, estimator = new VideoDelayEstimator()) {
  const random = noise(7);
  const events = frames.flatMap((thumb, i) => [
    { at: i * FRAME_MS, run: () => estimator.source(i * FRAME_MS, thumb) },
    {
      at: i * FRAME_MS + delayAt(i),
      run: () => estimator.received(i * FRAME_MS + delayAt(i), personalized(thumb, random)),
    },
  ]);
  const estimates: (number | undefined)[] = [];
  let changes = 0;
  for (const e of events.toSorted((a, b) => a.at - b.at)) {
    const result = e.run();
    if (typeof result === 'boolean') {
      if (result) changes++;
      estimates.push(estimator.delayMs);
    }
  }
  return { estimates, changes };
}

test('the delay of a real clip through the personalized path is found without a barcode, and followed', () => {
  const frames = clipThumbnails(16);
  const jitter = noise(3);
  // 180 ms with 0–30 ms of jitter for the first half, then 300 ms.
  const delays = frames.map((_, i) => (i < frames.length / 2 ? 180 : 300) + 15 + 15 * jitter());
  const { estimates, changes } = play(frames, (i) => delays[i]);
  const half = frames.length / 2;
  const settled = estimates[half - 1];
  assert.ok(settled !== undefined && Math.abs(settled - 195) <= 20, `estimate ${settled} ms, delay 180–210 ms`);
  const first = estimates.findIndex((e) => e !== undefined);
  assert.ok(first >= 0 && first < 48, `first estimate after ${first} frames`);
  const after = estimates.at(-1);
  assert.ok(after !== undefined && Math.abs(after - 315) <= 20, `estimate ${after} ms after a step to 300–330 ms`);
  // The jitter alone does not re-time the sound every frame: the first estimate, the step, a few settling moves.
  assert.ok(changes <= 6, `${changes} changes`);
});

test('a still picture gives no estimate: every frame of it matches alike', () => {
  const still = clipThumbnails(1)[0];
  const random = noise(11);
  // The clip's own coding noise (±2) differs from frame to frame.
  const frames = Array.from({ length: 96 }, () => still.map((v) => Math.max(0, v + 2 * random())));
  const { estimates } = play(frames, () => 200);
  assert.deepEqual(new Set(estimates), new Set([undefined]));
});

test('a delay longer than the window looked in gives no estimate rather than a wrong one', () => {
  const frames = clipThumbnails(8);
  const { estimates } = play(frames, () => 1500);
  assert.deepEqual(new Set(estimates), new Set([undefined]));
});
