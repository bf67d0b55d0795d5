import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PNG } from 'pngjs';
import sharp from 'sharp';
import { decodeImage, decodeIntoFrame } from '../src/decode-image.ts';
import { fitPicture } from '../src/media/picture-rect.ts';

/** A W×H RGBA PNG whose pixel (x, y) is (x, y, x + y) with alpha 128. */
function gradientPng(width: number, height: number): Buffer {
  const png = new PNG({ width, height });
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) png.data.set([x, y, x + y, 128], 4 * (y * width + x));
  }
  return PNG.sync.write(png);
}

/** A W×H JPEG, grey except for a red top-left quadrant, carrying `orientation` in its EXIF data. */
function markedJpeg(width: number, height: number, orientation = 1): Promise<Buffer> {
  const raw = Buffer.alloc(width * height * 3, 128);
  for (let y = 0; y < height / 2; y++) {
    for (let x = 0; x < width / 2; x++) raw.set([230, 20, 20], 3 * (y * width + x));
  }
  return sharp(raw, { raw: { width, height, channels: 3 } })
    .jpeg({ quality: 95 })
    .withMetadata({ orientation })
    .toBuffer();
}

const pixel = (image: { width: number; data: Uint8Array }, x: number, y: number) => [
  ...image.data.subarray(3 * (y * image.width + x), 3 * (y * image.width + x) + 3),
];

test('a PNG with alpha decodes to its exact RGB pixels', async () => {
  const image = await decodeImage(gradientPng(40, 30));
  assert.equal(image.width, 40);
  assert.equal(image.height, 30);
  assert.equal(image.data.length, 40 * 30 * 3);
  for (const [x, y] of [
    [0, 0],
    [39, 0],
    [17, 29],
    [39, 29],
  ]) {
    assert.deepEqual(pixel(image, x, y), [x, y, x + y], `pixel ${x},${y}`);
  }
});

test('a grey PNG decodes to three equal channels', async () => {
  const grey = await sharp(Buffer.alloc(16 * 8, 77), { raw: { width: 16, height: 8, channels: 1 } })
    .png()
    .toBuffer();
  const image = await decodeImage(grey);
  assert.equal(image.data.length, 16 * 8 * 3);
  assert.deepEqual(pixel(image, 5, 5), [77, 77, 77]);
});

test('a JPEG is turned upright as its EXIF orientation says', async () => {
  // Orientation 6: the stored picture is shown turned 90° clockwise, so the red top-left quadrant ends top right.
  const image = await decodeImage(await markedJpeg(64, 32, 6));
  assert.deepEqual([image.width, image.height], [32, 64]);
  const [r, g] = pixel(image, 24, 8);
  assert.ok(r > 180 && g < 80, `top right should be red, is ${pixel(image, 24, 8)}`);
  const [r2] = pixel(image, 8, 8);
  assert.ok(r2 < 160, `top left should be grey, is ${pixel(image, 8, 8)}`);
});

test('a clicked frame is fitted into the live frame as the stream is: scaled, or pillarboxed when narrower', async () => {
  const frame = { width: 640, height: 360 };
  const hd = await decodeIntoFrame(await markedJpeg(1280, 720), frame);
  assert.deepEqual([hd.image.width, hd.image.height, hd.image.data.length], [640, 360, 640 * 360 * 3]);
  assert.deepEqual(hd.picture, { x: 0, y: 0, width: 640, height: 360 });
  const [r, g] = pixel(hd.image, 100, 100);
  assert.ok(r > 180 && g < 80, `the red quadrant should stay top left, is ${pixel(hd.image, 100, 100)}`);
  // A phone's portrait photo (stored landscape, EXIF turns it): its upright shape decides the fit.
  const portrait = await decodeIntoFrame(await markedJpeg(640, 360, 6), frame);
  assert.deepEqual(portrait.picture, fitPicture({ width: 360, height: 640 }, frame));
  assert.deepEqual(portrait.picture, { x: 219, y: 0, width: 202, height: 360 });
  const { x, width } = portrait.picture;
  assert.deepEqual(pixel(portrait.image, x - 2, 180), [0, 0, 0], 'black beside the picture');
  assert.deepEqual(pixel(portrait.image, x + width + 1, 180), [0, 0, 0], 'black beside the picture');
  const [r2, g2] = pixel(portrait.image, x + width - 20, 40);
  assert.ok(
    r2 > 180 && g2 < 80,
    `the turned red quadrant should be top right, is ${pixel(portrait.image, x + width - 20, 40)}`,
  );
});

test('bytes that are no picture are refused with a clear error', async () => {
  await assert.rejects(decodeImage(Buffer.from('not a picture')), /the image could not be decoded/);
  const truncated = (await markedJpeg(64, 64)).subarray(0, 200);
  await assert.rejects(decodeImage(truncated), /the image could not be decoded/);
});
