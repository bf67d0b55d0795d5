import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BARCODE_BAND, BARCODE_MAX_ID, barcodeCellWhite, readBarcodeRow } from '@tooncast/shared/frame-barcode';
import { createClipRenderer } from '@tooncast/synth';
import { DEFAULT_TEST_CLIP, drawFrame } from '../../../scripts/services/test-clip.ts';

const { width, height } = DEFAULT_TEST_CLIP;
const bandRow = Math.floor((height * BARCODE_BAND) / 2);

/** The row the pages read, as RGBA (what a canvas gives them). */
function rgbaRow(rgb: Uint8Array, w: number): Uint8ClampedArray {
  const row = new Uint8ClampedArray(4 * w);
  for (let x = 0; x < w; x++) {
    row.set(rgb.subarray(3 * (bandRow * w + x), 3 * (bandRow * w + x) + 3), 4 * x);
    row[4 * x + 3] = 255;
  }
  return row;
}

function testClipFrame(index: number): Uint8Array {
  const rgb = new Uint8Array(width * height * 3);
  drawFrame(index, DEFAULT_TEST_CLIP, rgb);
  return rgb;
}

test('the id of every test-clip frame reads back, from RGB and from RGBA rows', () => {
  for (const id of [0, 1, 167, 0x1234, BARCODE_MAX_ID]) {
    const rgb = testClipFrame(id);
    assert.equal(readBarcodeRow(rgb.subarray(3 * bandRow * width, 3 * (bandRow + 1) * width), width, 3), id);
    assert.equal(readBarcodeRow(rgbaRow(rgb, width), width, 4), id);
  }
});

test('a pillarboxed test clip reads back: the band is found by its white end cells', () => {
  const inner = 480;
  const rgb = new Uint8Array(inner * height * 3);
  drawFrame(300, { ...DEFAULT_TEST_CLIP, width: inner }, rgb);
  const boxed = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    boxed.set(rgb.subarray(3 * y * inner, 3 * (y + 1) * inner), 3 * (y * width + (width - inner) / 2));
  }
  assert.equal(readBarcodeRow(rgbaRow(boxed, width), width, 4), 300);
});

test('a clip without a barcode reads as none, so the pages show no made-up latency', () => {
  // The built-in demo clip: its light blue sky is as bright as the barcode's white (the old reader saw 65535).
  const renderer = createClipRenderer();
  for (const index of [0, 24, 120, 200]) {
    const frame = renderer.render(index).image;
    assert.equal(readBarcodeRow(rgbaRow(frame.data, frame.width), frame.width, 4), undefined, `frame ${index}`);
  }
  // A white band (a white sky, a title card) and a light tinted band with dark blocks.
  const white = new Uint8ClampedArray(4 * width).fill(255);
  assert.equal(readBarcodeRow(white, width, 4), undefined);
  const tinted = rgbaRow(testClipFrame(0x2a5), width);
  for (let x = 0; x < width; x++) if (tinted[4 * x] > 128) tinted.set([150, 200, 245], 4 * x);
  assert.equal(readBarcodeRow(tinted, width, 4), undefined);
});

test('a barcode carries 0…BARCODE_MAX_ID only', () => {
  assert.equal(barcodeCellWhite(0, 0), true);
  assert.equal(barcodeCellWhite(0, 1), false);
  assert.throws(() => barcodeCellWhite(BARCODE_MAX_ID + 1, 1), /carries 0…65534/);
  assert.throws(() => barcodeCellWhite(-1, 1), RangeError);
});
