import type { FloatMap, RgbImage } from '@tooncast/shared';

/**
 * Bilinear RGB sample at (x, y) in pixel-centre coordinates (pixel i covers [i-0.5, i+0.5]), clamped to the border,
 * written to out[o..o+2]. Kept as a small monomorphic function so V8 inlines it into the warp loops.
 */
export function sampleRgbInto(src: RgbImage, x: number, y: number, out: Uint8Array, o: number): void {
  const w = src.width;
  const h = src.height;
  if (x < 0) x = 0;
  else if (x > w - 1) x = w - 1;
  if (y < 0) y = 0;
  else if (y > h - 1) y = h - 1;
  let x0 = x | 0;
  let y0 = y | 0;
  if (x0 >= w - 1) x0 = w > 1 ? w - 2 : 0;
  if (y0 >= h - 1) y0 = h > 1 ? h - 2 : 0;
  const fx = w > 1 ? x - x0 : 0;
  const fy = h > 1 ? y - y0 : 0;
  const d = src.data;
  const i00 = (y0 * w + x0) * 3;
  const i01 = w > 1 ? i00 + 3 : i00;
  const i10 = h > 1 ? i00 + w * 3 : i00;
  const i11 = w > 1 ? i10 + 3 : i10;
  const w00 = (1 - fx) * (1 - fy);
  const w01 = fx * (1 - fy);
  const w10 = (1 - fx) * fy;
  const w11 = fx * fy;
  out[o] = w00 * d[i00] + w01 * d[i01] + w10 * d[i10] + w11 * d[i11] + 0.5;
  out[o + 1] = w00 * d[i00 + 1] + w01 * d[i01 + 1] + w10 * d[i10 + 1] + w11 * d[i11 + 1] + 0.5;
  out[o + 2] = w00 * d[i00 + 2] + w01 * d[i01 + 2] + w10 * d[i10 + 2] + w11 * d[i11 + 2] + 0.5;
}

/** Bilinear sample of a float map at (x, y), clamped to the border. */
export function sampleFloat(src: FloatMap, x: number, y: number): number {
  const w = src.width;
  const h = src.height;
  if (x < 0) x = 0;
  else if (x > w - 1) x = w - 1;
  if (y < 0) y = 0;
  else if (y > h - 1) y = h - 1;
  let x0 = x | 0;
  let y0 = y | 0;
  if (x0 >= w - 1) x0 = w > 1 ? w - 2 : 0;
  if (y0 >= h - 1) y0 = h > 1 ? h - 2 : 0;
  const fx = w > 1 ? x - x0 : 0;
  const fy = h > 1 ? y - y0 : 0;
  const d = src.data;
  const i = y0 * w + x0;
  const r = w > 1 ? 1 : 0;
  const dn = h > 1 ? w : 0;
  const top = d[i] + (d[i + r] - d[i]) * fx;
  const bottom = d[i + dn] + (d[i + dn + r] - d[i + dn]) * fx;
  return top + (bottom - top) * fy;
}
