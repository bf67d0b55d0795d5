import { createRgbImage, type RgbImage } from '@tooncast/shared';

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
