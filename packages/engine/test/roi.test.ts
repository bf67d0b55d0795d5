import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createRgbImage } from '@tooncast/shared';
import { roiAroundPoints, roiToFrame, sampleRoi } from '../src/analysis/roi.ts';
import { applyAffine } from '../src/geometry.ts';

/** An image whose red channel is x and green channel is y, so a sample tells where it was taken. */
function coordinateImage(w: number, h: number) {
  const img = createRgbImage(w, h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) img.data.set([x, y, 128], (y * w + x) * 3);
  return img;
}

test('sampleRoi reads the frame where roiToFrame says, through rotation and scale', () => {
  const img = coordinateImage(200, 200);
  const roi = { cx: 100, cy: 90, size: 64, angle: 0.5 };
  const crop = sampleRoi(img, roi, 32, 1, 0);
  const m = roiToFrame(roi, 32);
  for (const [u, v] of [
    [0, 0],
    [31, 0],
    [10, 20],
    [31, 31],
  ]) {
    const [x, y] = applyAffine(m, u + 0.5, v + 0.5);
    const o = (v * 32 + u) * 3;
    // Pixel centres sit at integer + 0.5, so the coordinate image holds x - 0.5 at frame position x.
    assert.ok(Math.abs(crop[o] - (x - 0.5)) < 1e-3, `x at ${u},${v}: ${crop[o]} vs ${x - 0.5}`);
    assert.ok(Math.abs(crop[o + 1] - (y - 0.5)) < 1e-3, `y at ${u},${v}`);
    assert.equal(crop[o + 2], 128);
  }
});

test('sampleRoi gives zero outside the frame and applies scale and offset', () => {
  const img = createRgbImage(10, 10, [255, 255, 255]);
  const crop = sampleRoi(img, { cx: 0, cy: 0, size: 40, angle: 0 }, 8, 2 / 255, -1);
  assert.equal(crop[0], -1); // far outside: byte 0 → -1
  assert.ok(Math.abs(crop[(5 * 8 + 5) * 3] - 1) < 1e-6); // (7.5, 7.5) in the frame: byte 255 → 1
});

test('roiAroundPoints centres a rotated square on the points and scales it', () => {
  const xs = [0, 10, 10, 0];
  const ys = [0, 0, 20, 20];
  const roi = roiAroundPoints(xs, ys, 0, 1.5);
  assert.deepEqual([roi.cx, roi.cy, roi.size], [5, 10, 30]);
  const turned = roiAroundPoints(xs, ys, Math.PI / 2, 1);
  assert.ok(Math.abs(turned.cx - 5) < 1e-9 && Math.abs(turned.cy - 10) < 1e-9 && Math.abs(turned.size - 20) < 1e-9);
});
