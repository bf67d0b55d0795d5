import { createFloatMap, type FloatMap, type RgbImage } from '@tooncast/shared';

/** BT.601 luma in [0, 1]. */
export function toGray(src: RgbImage, out?: FloatMap): FloatMap {
  const dst = out ?? createFloatMap(src.width, src.height);
  const s = src.data;
  const d = dst.data;
  const k = 1 / 255;
  for (let i = 0, o = 0; o < d.length; i += 3, o++) d[o] = (0.299 * s[i] + 0.587 * s[i + 1] + 0.114 * s[i + 2]) * k;
  return dst;
}

/** Halves a float map (2×2 mean; odd edges replicate), the pyramid step of the optical flow. */
export function downsampleFloat2(src: FloatMap, out?: Float32Array): FloatMap {
  const w = Math.max(1, src.width >> 1);
  const h = Math.max(1, src.height >> 1);
  if (out && out.length !== w * h) throw new RangeError('downsampleFloat2: out has the wrong size');
  const dst = { width: w, height: h, data: out ?? new Float32Array(w * h) };
  const s = src.data;
  const sw = src.width;
  const right = src.width > 1 ? 1 : 0;
  const down = src.height > 1 ? sw : 0;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = 2 * y * sw + 2 * x;
      dst.data[y * w + x] = 0.25 * (s[i] + s[i + right] + s[i + down] + s[i + down + right]);
    }
  }
  return dst;
}

/**
 * Bilinear resize of a float map (pixel-centre aligned), values multiplied by `gain` (e.g. the size ratio, to
 * carry flow vectors to the new grid).
 */
export function resizeFloat(src: FloatMap, width: number, height: number, gain = 1, out?: Float32Array): FloatMap {
  const sw = src.width;
  const sh = src.height;
  const d = out ?? new Float32Array(width * height);
  if (d.length !== width * height) throw new RangeError('resizeFloat: out has the wrong size');
  const u = src.data;
  const sx = width / sw;
  const sy = height / sh;
  // Per-column source index and weight are the same on every row: computed once.
  const x0s = new Int32Array(width);
  const x1s = new Int32Array(width);
  const fxs = new Float32Array(width);
  for (let x = 0; x < width; x++) {
    const f = Math.min(sw - 1, Math.max(0, (x + 0.5) / sx - 0.5));
    x0s[x] = Math.floor(f);
    x1s[x] = Math.min(sw - 1, x0s[x] + 1);
    fxs[x] = f - x0s[x];
  }
  for (let y = 0, k = 0; y < height; y++) {
    const f = Math.min(sh - 1, Math.max(0, (y + 0.5) / sy - 0.5));
    const r0 = Math.floor(f) * sw;
    const r1 = Math.min(sh - 1, Math.floor(f) + 1) * sw;
    const fy = f - Math.floor(f);
    for (let x = 0; x < width; x++, k++) {
      const a = x0s[x];
      const b = x1s[x];
      const t = fxs[x];
      const top = u[r0 + a] + (u[r0 + b] - u[r0 + a]) * t;
      const bottom = u[r1 + a] + (u[r1 + b] - u[r1 + a]) * t;
      d[k] = (top + (bottom - top) * fy) * gain;
    }
  }
  return { width, height, data: d };
}
