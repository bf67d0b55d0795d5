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
export function downsampleFloat2(src: FloatMap): FloatMap {
  const w = Math.max(1, src.width >> 1);
  const h = Math.max(1, src.height >> 1);
  const dst = createFloatMap(w, h);
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
