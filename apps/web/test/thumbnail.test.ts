import assert from 'node:assert/strict';
import { test } from 'node:test';
import { lumaCells, MATCH_GRID, type ThumbnailGrid } from '../lib/thumbnail.ts';

/** Deterministic noise in [-1, 1). */
function noise(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) >>> 0;
    return s / 2 ** 31 - 1;
  };
}

/** A grey RGBA picture: `level(x, y)` plus ±`amplitude` of noise per pixel, clamped. */
function picture(width: number, height: number, level: (x: number, y: number) => number, amplitude: number) {
  const random = noise(11);
  const data = new Uint8ClampedArray(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = 4 * (y * width + x);
      data.fill(level(x, y) + amplitude * random(), i, i + 3);
      data[i + 3] = 255;
    }
  }
  return { data, width, height };
}

/** Each cell's mean over every pixel it covers. */
function exactCells(p: ReturnType<typeof picture>, grid: ThumbnailGrid): number[] {
  const sums = new Array(grid.width * grid.height).fill(0);
  const counts = new Array(sums.length).fill(0);
  for (let y = 0; y < p.height; y++) {
    for (let x = 0; x < p.width; x++) {
      const cell = Math.floor((y * grid.height) / p.height) * grid.width + Math.floor((x * grid.width) / p.width);
      sums[cell] += p.data[4 * (y * p.width + x)];
      counts[cell]++;
    }
  }
  return sums.map((s, c) => s / counts[c]);
}

test('a whole frame is read on a lattice, and each cell keeps its mean under coding noise', () => {
  // Cells of distinct greys (a checker of steps), and ±30 levels of noise on every pixel.
  const level = (x: number, y: number) => 40 + ((Math.floor(x / 40) * 7 + Math.floor(y / 22.5) * 13) % 160);
  const frame = picture(640, 360, level, 30);
  const exact = exactCells(frame, MATCH_GRID);
  const cells = lumaCells(frame, MATCH_GRID);
  const worst = Math.max(...exact.map((e, c) => Math.abs(e - cells[c])));
  assert.ok(worst <= 4, `a cell is ${worst.toFixed(1)} grey levels off its mean`);
});

test('a picture of few pixels a cell is read whole', () => {
  const small = picture(64, 64, (x, y) => (x * 3 + y * 5) % 256, 20);
  assert.deepEqual(
    Array.from(lumaCells(small, MATCH_GRID)),
    exactCells(small, MATCH_GRID).map((m) => Math.round(m)),
  );
});

test('colour is weighed as luma', () => {
  const red = { data: new Uint8ClampedArray(640 * 360 * 4), width: 640, height: 360 };
  for (let i = 0; i < red.data.length; i += 4) red.data[i] = 255;
  assert.ok(lumaCells(red, MATCH_GRID).every((v) => v === 76));
});
