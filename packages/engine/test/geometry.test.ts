import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  type Affine,
  applyAffine,
  composeAffine,
  fitSimilarity,
  invertAffine,
  iou,
  type Point,
} from '../src/geometry.ts';

const close = (a: number, b: number, eps = 1e-9) => assert.ok(Math.abs(a - b) < eps, `${a} ≉ ${b}`);

test('fitSimilarity recovers a known rotation, scale and shift, even with one bad point', () => {
  const angle = 0.4;
  const s = 1.7;
  const truth: Affine = [s * Math.cos(angle), -s * Math.sin(angle), 12, s * Math.sin(angle), s * Math.cos(angle), -7];
  const from: Point[] = Array.from({ length: 20 }, (_, i) => [Math.cos(i) * 50 + i, Math.sin(i * 1.3) * 40]);
  const to = from.map(([x, y]) => applyAffine(truth, x, y));
  const m = fitSimilarity(from, to);
  for (let k = 0; k < 6; k++) close(m[k], truth[k], 1e-9);
  // A single displaced point moves the least-squares fit only a little.
  to[3] = [to[3][0] + 10, to[3][1]];
  const robust = fitSimilarity(from, to);
  close(robust[0], truth[0], 0.02);
  assert.throws(() => fitSimilarity([[0, 0]], [[1, 1]]), /at least two/);
});

test('invert and compose are consistent', () => {
  const m: Affine = [1.2, 0.3, 5, -0.2, 0.9, -3];
  const id = composeAffine(invertAffine(m), m);
  for (const [k, v] of [1, 0, 0, 0, 1, 0].entries()) close(id[k], v, 1e-12);
  assert.throws(() => invertAffine([1, 2, 0, 2, 4, 0]), /singular/);
});

test('iou of boxes', () => {
  close(iou({ x: 0, y: 0, w: 10, h: 10 }, { x: 5, y: 0, w: 10, h: 10 }), 50 / 150);
  assert.equal(iou({ x: 0, y: 0, w: 1, h: 1 }, { x: 2, y: 2, w: 1, h: 1 }), 0);
});
