import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { createRgbImage, type RgbImage } from '@tooncast/shared';
import { analyzeSelfie, SelfieError, type SelfieProblem } from '../src/analysis/selfie.ts';
import type { AnalysisModels } from '../src/analysis/stage.ts';
import { fixture, loadPng, openAnalysisModels } from './support.ts';

const photo = loadPng(fixture('selfies', 'astronaut.png'));
let models: AnalysisModels;
before(async () => {
  models = await openAnalysisModels();
});

async function rejects(image: RgbImage, problem: SelfieProblem): Promise<void> {
  await assert.rejects(analyzeSelfie(models, image), (e: unknown) => {
    assert.ok(e instanceof SelfieError, String(e));
    assert.equal(e.problem, problem, e.message);
    assert.ok(e.message.length > 20 && !e.message.includes('\n'));
    return true;
  });
}

/** Resamples by nearest neighbour (keeps the test independent of the engine's own resizers). */
function scaled(img: RgbImage, f: number): RgbImage {
  const out = createRgbImage(Math.round(img.width * f), Math.round(img.height * f));
  for (let y = 0; y < out.height; y++) {
    for (let x = 0; x < out.width; x++) {
      const s =
        (Math.min(img.height - 1, Math.floor(y / f)) * img.width + Math.min(img.width - 1, Math.floor(x / f))) * 3;
      out.data.set(img.data.subarray(s, s + 3), (y * out.width + x) * 3);
    }
  }
  return out;
}

function mapBytes(img: RgbImage, f: (v: number) => number): RgbImage {
  return { ...img, data: img.data.map(f) };
}

function boxBlur(img: RgbImage, passes: number): RgbImage {
  const { width: w, height: h } = img;
  let src = Uint8Array.from(img.data);
  for (let p = 0; p < passes; p++) {
    const dst = Uint8Array.from(src);
    for (let y = 2; y < h - 2; y++) {
      for (let x = 2; x < w - 2; x++) {
        for (let c = 0; c < 3; c++) {
          let s = 0;
          for (let k = -2; k <= 2; k++) s += src[((y + k) * w + x) * 3 + c] + src[(y * w + x + k) * 3 + c];
          dst[(y * w + x) * 3 + c] = s / 10;
        }
      }
    }
    src = dst;
  }
  return { width: w, height: h, data: src };
}

test('the astronaut fixture is a usable selfie; her open-mouthed smile earns the one warning', async () => {
  const s = await analyzeSelfie(models, photo);
  assert.equal(s.warnings.length, 1);
  assert.match(s.warnings[0], /mouth is open/);
  assert.ok(s.quality.faceSize >= 128 && Math.abs(s.quality.yawDeg) < 10 && Math.abs(s.quality.rollDeg) < 10);
  assert.equal(s.landmarks.length, 468 * 3);
});

test('each bad selfie is refused with its own reason', async () => {
  await rejects(createRgbImage(400, 400, [120, 160, 200]), 'no-face');
  await rejects(scaled(photo, 0.6), 'face-too-small');
  await rejects(
    mapBytes(photo, (v) => v * 0.15),
    'too-dark',
  );
  await rejects(boxBlur(photo, 4), 'too-blurred');
  // Two copies side by side: two faces of the same size.
  const twice = createRgbImage(1024, 512);
  for (let y = 0; y < 512; y++) {
    twice.data.set(photo.data.subarray(y * 1536, (y + 1) * 1536), y * 3072);
    twice.data.set(photo.data.subarray(y * 1536, (y + 1) * 1536), y * 3072 + 1536);
  }
  await rejects(twice, 'several-faces');
});

test('a smaller second face is ignored with a warning', async () => {
  const small = scaled(photo, 0.4);
  const both = createRgbImage(512 + small.width, 512);
  for (let y = 0; y < 512; y++) both.data.set(photo.data.subarray(y * 1536, (y + 1) * 1536), y * both.width * 3);
  for (let y = 0; y < small.height; y++) {
    both.data.set(small.data.subarray(y * small.width * 3, (y + 1) * small.width * 3), (y * both.width + 512) * 3);
  }
  const s = await analyzeSelfie(models, both);
  assert.equal(s.warnings.filter((w) => /smaller face/.test(w)).length, 1);
  assert.ok(s.box.x < 512, 'the large face is the one used');
});
