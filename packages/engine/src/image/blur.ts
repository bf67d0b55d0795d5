import { createFloatMap, createRgbImage, type FloatMap, type RgbImage } from '@tooncast/shared';

/** One separable box pass over `count` interleaved channels with edge replication; integer-exact for bytes. */
function boxPass(
  src: ArrayLike<number>,
  dst: { [i: number]: number },
  width: number,
  height: number,
  channels: number,
  radius: number,
  horizontal: boolean,
): void {
  const len = horizontal ? width : height;
  const lines = horizontal ? height : width;
  const step = (horizontal ? 1 : width) * channels;
  const lineStep = (horizontal ? width : 1) * channels;
  const norm = 1 / (2 * radius + 1);
  const round = dst instanceof Uint8Array ? 0.5 : 0;
  for (let line = 0; line < lines; line++) {
    const base = line * lineStep;
    for (let c = 0; c < channels; c++) {
      const b = base + c;
      const last = b + (len - 1) * step;
      let sum = src[b] * (radius + 1);
      for (let k = 1; k <= radius; k++) sum += src[k < len ? b + k * step : last];
      for (let i = 0; i < len; i++) {
        dst[b + i * step] = sum * norm + round;
        const add = i + radius + 1;
        const sub = i - radius;
        sum += src[add < len ? b + add * step : last] - src[sub > 0 ? b + sub * step : b];
      }
    }
  }
}

/**
 * Box blur of a float map with radius r (window 2r+1), edges replicated. `out` and `tmp` (same pixel count) are
 * optional work buffers; `out` may not alias `src`.
 */
export function boxBlurFloat(src: FloatMap, radius: number, out?: FloatMap, tmp?: Float32Array): FloatMap {
  const r = Math.round(radius);
  const dst = out ?? createFloatMap(src.width, src.height);
  if (r <= 0) {
    dst.data.set(src.data);
    return dst;
  }
  const t = tmp ?? new Float32Array(src.data.length);
  boxPass(src.data, t, src.width, src.height, 1, r, true);
  boxPass(t, dst.data, src.width, src.height, 1, r, false);
  return dst;
}

/**
 * Box blur of an RGB image with radius r; running integer sums, so cost is independent of r. `out` and `tmp`
 * are optional work buffers of the same size.
 */
export function boxBlurRgb(src: RgbImage, radius: number, out?: RgbImage, tmp?: Uint8Array): RgbImage {
  const r = Math.round(radius);
  const dst = out ?? createRgbImage(src.width, src.height);
  if (r <= 0) {
    dst.data.set(src.data);
    return dst;
  }
  tmp ??= new Uint8Array(src.data.length);
  boxPass(src.data, tmp, src.width, src.height, 3, r, true);
  boxPass(tmp, dst.data, src.width, src.height, 3, r, false);
  return dst;
}

/** Radii of three box passes whose composition approximates a Gaussian of the given sigma. */
export function gaussianBoxRadii(sigma: number): [number, number, number] {
  const ideal = Math.sqrt((12 * sigma * sigma) / 3 + 1);
  let wl = Math.floor(ideal);
  if (wl % 2 === 0) wl--;
  const wu = wl + 2;
  const m = Math.round((12 * sigma * sigma - 3 * wl * wl - 12 * wl - 9) / (-4 * wl - 4));
  const radii = [0, 1, 2].map((i) => ((i < m ? wl : wu) - 1) / 2);
  return [radii[0], radii[1], radii[2]];
}

/** Gaussian blur approximated by three box passes (O(1) per pixel whatever sigma). */
export function gaussianBlurFloat(src: FloatMap, sigma: number): FloatMap {
  if (!(sigma > 0)) return { width: src.width, height: src.height, data: src.data.slice() };
  const [r1, r2, r3] = gaussianBoxRadii(sigma);
  return boxBlurFloat(boxBlurFloat(boxBlurFloat(src, r1), r2), r3);
}

/** Gaussian blur of an RGB image (three integer box passes). */
export function gaussianBlurRgb(src: RgbImage, sigma: number): RgbImage {
  if (!(sigma > 0)) return { width: src.width, height: src.height, data: src.data.slice() };
  const [r1, r2, r3] = gaussianBoxRadii(sigma);
  return boxBlurRgb(boxBlurRgb(boxBlurRgb(src, r1), r2), r3);
}
