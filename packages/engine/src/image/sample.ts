import type { FloatMap, RgbImage } from '@tooncast/shared';

/**
 * Bilinear RGB sample at (x, y) in pixel-centre coordinates (pixel i covers [i-0.5, i+0.5]), clamped to the border,
 * written to out[o..o+2]. Called per pixel by the warps: its bytecode stays under V8's inlining limit (460 bytes),
 * so it is inlined and its coordinates are never boxed (over the limit, every pixel allocated: 3 MB a frame).
 */
export function sampleRgbInto(src: RgbImage, x: number, y: number, out: Uint8Array, o: number): void {
  const w = src.width;
  const h = src.height;
  if (x < 0) x = 0;
  else if (x > w - 1) x = w - 1;
  if (y < 0) y = 0;
  else if (y > h - 1) y = h - 1;
  const x0 = x | 0;
  const y0 = y | 0;
  // On the last row or column the far taps are the near ones (their weight is 0 there).
  const dx = x0 + 1 < w ? 3 : 0;
  const dy = y0 + 1 < h ? 3 * w : 0;
  const fx = x - x0;
  const fy = y - y0;
  const d = src.data;
  const i = (y0 * w + x0) * 3;
  const w00 = (1 - fx) * (1 - fy);
  const w01 = fx * (1 - fy);
  const w10 = (1 - fx) * fy;
  const w11 = fx * fy;
  for (let c = 0; c < 3; c++) {
    const j = i + c;
    out[o + c] = w00 * d[j] + w01 * d[j + dx] + w10 * d[j + dy] + w11 * d[j + dy + dx] + 0.5;
  }
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
