/**
 * Scenery: a static flat-colour cartoon background (sky, sun, clouds, hills, a house, trees, light texture) painted once
 * per clip, a ball prop that flies in front of the target, and a hedge in the foreground that hides the characters'
 * lower bodies.
 */
import { createRgbImage, type RgbImage } from '@tooncast/shared';
import type { Rgb } from './character.ts';
import { ellipseCoverage, fillConvex, fillEllipse } from './paint.ts';
import { between, createRandom } from './random.ts';

export function paintBackground(width: number, height: number, seed: number): RgbImage {
  const rand = createRandom(seed ^ 0x5eed);
  const img = createRgbImage(width, height);
  const d = img.data as Uint8Array;
  const horizon = 0.62 * height;
  for (let y = 0; y < height; y++) {
    const t = Math.min(y / horizon, 1);
    const sky: Rgb = [120 + 70 * t, 180 + 40 * t, 235 + 10 * t];
    for (let x = 0; x < width; x++) d.set(sky, (y * width + x) * 3);
  }
  fillEllipse(img, between(rand, 0.75, 0.92) * width, 0.14 * height, 0.06 * height, 0.06 * height, [255, 226, 120]);
  for (let k = 0; k < 3; k++) {
    const cx = between(rand, 0.05, 0.95) * width;
    const cy = between(rand, 0.08, 0.3) * height;
    const s = between(rand, 0.03, 0.05) * height;
    for (const [dx, dy, r] of [
      [-1.2, 0.2, 0.8],
      [0, 0, 1.1],
      [1.2, 0.2, 0.85],
    ]) {
      fillEllipse(img, cx + dx * s, cy + dy * s, r * s * 1.2, r * s, [250, 252, 255]);
    }
  }
  // Hills.
  fillEllipse(img, 0.2 * width, horizon + 0.12 * height, 0.45 * width, 0.22 * height, [120, 186, 96]);
  fillEllipse(img, 0.85 * width, horizon + 0.15 * height, 0.5 * width, 0.24 * height, [104, 170, 84]);
  for (let y = Math.floor(horizon + 0.08 * height); y < height; y++) {
    for (let x = 0; x < width; x++) d.set([96, 160, 78], (y * width + x) * 3);
  }
  // A house far left-centre and trees.
  const hx = between(rand, 0.3, 0.4) * width;
  const hy = horizon - 0.02 * height;
  const hw = 0.12 * width;
  const hh = 0.12 * height;
  fillConvex(
    img,
    [
      [hx, hy - hh],
      [hx + hw, hy - hh],
      [hx + hw, hy],
      [hx, hy],
    ],
    [236, 214, 170],
  );
  fillConvex(
    img,
    [
      [hx - 0.01 * width, hy - hh],
      [hx + hw / 2, hy - hh - 0.08 * height],
      [hx + hw + 0.01 * width, hy - hh],
    ],
    [180, 70, 60],
  );
  fillConvex(
    img,
    [
      [hx + 0.2 * hw, hy - 0.7 * hh],
      [hx + 0.42 * hw, hy - 0.7 * hh],
      [hx + 0.42 * hw, hy - 0.35 * hh],
      [hx + 0.2 * hw, hy - 0.35 * hh],
    ],
    [120, 170, 210],
  );
  for (let k = 0; k < 4; k++) {
    const tx = between(rand, 0.02, 0.98) * width;
    const th = between(rand, 0.12, 0.2) * height;
    fillConvex(
      img,
      [
        [tx - 0.006 * width, horizon + 0.02 * height],
        [tx + 0.006 * width, horizon + 0.02 * height],
        [tx + 0.006 * width, horizon - th * 0.5],
        [tx - 0.006 * width, horizon - th * 0.5],
      ],
      [110, 76, 50],
    );
    fillEllipse(img, tx, horizon - th * 0.7, th * 0.32, th * 0.4, [70, 140, 70]);
  }
  // Light texture so the background is not perfectly flat.
  for (let i = 0; i < d.length; i += 3) {
    const n = (rand() - 0.5) * 8;
    d[i] = Math.min(255, Math.max(0, d[i] + n));
    d[i + 1] = Math.min(255, Math.max(0, d[i + 1] + n));
    d[i + 2] = Math.min(255, Math.max(0, d[i + 2] + n));
  }
  return img;
}

export interface Ball {
  x: number;
  y: number;
  r: number;
}

/** A red-and-white ball; returns its coverage function for occlusion bookkeeping. */
export function paintBall(img: RgbImage, ball: Ball): (x: number, y: number) => number {
  fillEllipse(img, ball.x, ball.y, ball.r, ball.r, [220, 50, 50]);
  fillEllipse(img, ball.x, ball.y, ball.r * 0.98, ball.r * 0.32, [245, 245, 240]);
  fillEllipse(img, ball.x - 0.35 * ball.r, ball.y - 0.4 * ball.r, 0.18 * ball.r, 0.14 * ball.r, [255, 200, 200]);
  return (x, y) => ellipseCoverage(x, y, ball.x, ball.y, ball.r, ball.r);
}

/**
 * The foreground hedge as a precomputed layer: painted once over a marker colour to find its pixels and coverage,
 * then blended onto every frame.
 */
export function hedgeLayer(width: number, height: number): { paint: (img: RgbImage) => void } {
  const top = Math.floor(height * 0.8);
  const opaque = createRgbImage(width, height - top, [0, 0, 0]);
  const white = createRgbImage(width, height - top, [255, 255, 255]);
  paintHedge(opaque, height * 0.86 - top, height * 0.09);
  paintHedge(white, height * 0.86 - top, height * 0.09);
  const n = width * (height - top);
  const alpha = new Float32Array(n);
  const colour = new Float32Array(n * 3);
  for (let i = 0; i < n; i++) {
    // Painted over black and over white: the difference gives 1 - alpha, the black version alpha * colour.
    const a = 1 - (white.data[i * 3 + 1] - opaque.data[i * 3 + 1]) / 255;
    alpha[i] = a;
    for (let c = 0; c < 3; c++) colour[i * 3 + c] = opaque.data[i * 3 + c];
  }
  return {
    paint(img) {
      const d = img.data as Uint8Array;
      for (let i = 0; i < n; i++) {
        const a = alpha[i];
        if (a <= 0) continue;
        const o = (top * width + i) * 3;
        for (let c = 0; c < 3; c++) d[o + c] = d[o + c] * (1 - a) + colour[i * 3 + c];
      }
    },
  };
}

/** A bumpy hedge along the bottom edge. */
function paintHedge(img: RgbImage, top: number, step: number): void {
  for (let x = -step / 2, k = 0; x < img.width + step; x += step * 1.1, k++) {
    fillEllipse(img, x, top + step * 0.5, step * 0.62, step * 0.5, [44, 104, 48]);
    fillEllipse(img, x, top + step * 0.55, step * 0.56, step * 0.44, k % 2 ? [58, 128, 60] : [66, 140, 66]);
  }
  fillConvex(
    img,
    [
      [0, top + step * 0.6],
      [img.width, top + step * 0.6],
      [img.width, img.height],
      [0, img.height],
    ],
    [62, 134, 62],
  );
}
