import { createFloatMap, createRgbImage, type RgbImage } from '@tooncast/shared';
import type { FaceSpace } from './faceSpace.ts';
import { fillPolygon } from './mask.ts';

/** Synthetic face-crop stand-ins for tests and the benchmark (no files).
 *
 * texturedImage: smooth multi-frequency texture, optionally shifted by (shiftX, shiftY), so sub-pixel flow and warps have something to lock onto. */
export function texturedImage(width: number, height: number, seed = 1, shiftX = 0, shiftY = 0): RgbImage {
  const img = createRgbImage(width, height);
  const f = [0.07 + 0.01 * seed, 0.11, 0.023 * seed + 0.05, 0.17];
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const u = x - shiftX;
      const v = y - shiftY;
      const base = 128 + 50 * Math.sin(f[0] * u + 0.3) * Math.cos(f[1] * v) + 40 * Math.sin(f[2] * (u + v) + seed);
      const fine = 25 * Math.sin(f[3] * u - 0.13 * v);
      const i = (y * width + x) * 3;
      img.data[i] = Math.max(0, Math.min(255, base + fine));
      img.data[i + 1] = Math.max(0, Math.min(255, base - fine * 0.5 + 20 * Math.cos(0.05 * u)));
      img.data[i + 2] = Math.max(0, Math.min(255, 255 - base + 10 * Math.sin(0.09 * v)));
    }
  }
  return img;
}

/** Mean absolute per-channel difference over an inner window (skipping `margin` px at the borders). */
export function meanAbsDiff(a: RgbImage, b: RgbImage, margin = 0): number {
  let sum = 0;
  let n = 0;
  for (let y = margin; y < a.height - margin; y++) {
    for (let x = margin; x < a.width - margin; x++) {
      for (let c = 0; c < 3; c++) {
        const i = (y * a.width + x) * 3 + c;
        sum += Math.abs(a.data[i] - b.data[i]);
        n++;
      }
    }
  }
  return sum / n;
}

/**
 * Frontal synthetic landmarks: the face-space template with a dome-shaped depth (z < 0 towards the camera, the
 * FaceMesh convention), as xyz.
 */
export function syntheticLandmarks(space: FaceSpace): Float32Array {
  const n = space.template.length / 2;
  const out = new Float32Array(n * 3);
  const c = (space.size - 1) / 2;
  const r = space.size * 0.38;
  for (let i = 0; i < n; i++) {
    const x = space.template[2 * i];
    const y = space.template[2 * i + 1];
    const d = ((x - c) ** 2 + (y - c) ** 2) / (r * r);
    out.set([x, y, -0.5 * r * Math.sqrt(Math.max(0, 1 - Math.min(1, d)))], 3 * i);
  }
  return out;
}

/** Paints a simple face (skin, brows, eye whites with irises, lips) over a textured background at given landmarks. */
export function syntheticFace(space: FaceSpace, landmarks: ArrayLike<number>, seed = 1): RgbImage {
  const size = space.size;
  const img = texturedImage(size, size, seed);
  const poly = (ring: readonly number[]) => ring.flatMap((i) => [landmarks[3 * i], landmarks[3 * i + 1]]);
  const c = space.contours;
  const paint = (ring: readonly number[], rgb: readonly [number, number, number], texture: number) => {
    const m = fillPolygon(createFloatMap(size, size), poly(ring), 1);
    for (let k = 0; k < m.data.length; k++) {
      if (m.data[k] <= 0) continue;
      const t = img.data[k * 3] / 255 - 0.5;
      for (let ch = 0; ch < 3; ch++) img.data[k * 3 + ch] = Math.max(0, Math.min(255, rgb[ch] + texture * t));
    }
  };
  paint(c.faceOval, [214, 170, 140], 30);
  paint(c.rightBrow, [70, 50, 40], 10);
  paint(c.leftBrow, [70, 50, 40], 10);
  paint(c.rightEye, [235, 235, 230], 6);
  paint(c.leftEye, [235, 235, 230], 6);
  paint(c.outerLips, [180, 70, 80], 12);
  paint(c.innerLips, [150, 50, 60], 4);
  for (const eye of [c.rightEye, c.leftEye]) {
    let x = 0;
    let y = 0;
    for (const i of eye) {
      x += landmarks[3 * i] / eye.length;
      y += landmarks[3 * i + 1] / eye.length;
    }
    const ring = Array.from({ length: 12 }, (_, k) => [
      x + 3.2 * Math.cos((k * Math.PI) / 6),
      y + 3.2 * Math.sin((k * Math.PI) / 6),
    ]).flat();
    const m = fillPolygon(createFloatMap(size, size), ring, 1);
    for (let k = 0; k < m.data.length; k++) if (m.data[k] > 0) img.data.set([60, 40, 30], k * 3);
  }
  return img;
}
