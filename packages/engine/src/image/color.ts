import type { FloatMap, RgbImage } from '@tooncast/shared';
import type { PixelBox } from './mask.ts';

/**
 * Colour statistics in a linear opponent ("lab-ish") space: L = (R+G+B)/3, A = R−G, B = (R+G)/2 − B.
 * Linear so the transfer is exactly invertible and cheap; decorrelated enough for Reinhard-style matching.
 */
export interface ColorStats {
  readonly mean: readonly [number, number, number];
  readonly std: readonly [number, number, number];
  /** Total weight (pixels × mask) the statistics were taken over; 0 means "no pixels". */
  readonly weight: number;
}

/** Weighted mean/std of an image (optionally under a [0,1] mask of the same size, optionally inside a box). */
export function colorStats(img: RgbImage, mask?: FloatMap, box?: PixelBox): ColorStats {
  if (mask && (mask.width !== img.width || mask.height !== img.height)) {
    throw new RangeError('colorStats: mask size differs from image size');
  }
  const b = box ?? { x0: 0, y0: 0, x1: img.width, y1: img.height };
  const d = img.data;
  const weights = mask?.data;
  // No closure may capture these sums: V8 would keep them in a heap context and box a number per pixel.
  let w = 0;
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let q0 = 0;
  let q1 = 0;
  let q2 = 0;
  for (let y = b.y0; y < b.y1; y++) {
    for (let x = b.x0; x < b.x1; x++) {
      const k = y * img.width + x;
      const m = weights ? weights[k] : 1;
      if (m <= 0) continue;
      const r = d[k * 3];
      const g = d[k * 3 + 1];
      const bl = d[k * 3 + 2];
      const l = (r + g + bl) / 3;
      const a = r - g;
      const c = (r + g) / 2 - bl;
      w += m;
      s0 += m * l;
      s1 += m * a;
      s2 += m * c;
      q0 += m * l * l;
      q1 += m * a * a;
      q2 += m * c * c;
    }
  }
  if (w <= 0) return { mean: [0, 0, 0], std: [0, 0, 0], weight: 0 };
  const mean: [number, number, number] = [s0 / w, s1 / w, s2 / w];
  const std: [number, number, number] = [
    Math.sqrt(Math.max(0, q0 / w - mean[0] * mean[0])),
    Math.sqrt(Math.max(0, q1 / w - mean[1] * mean[1])),
    Math.sqrt(Math.max(0, q2 / w - mean[2] * mean[2])),
  ];
  return { mean, std, weight: w };
}

export interface ColorTransferOptions {
  /** Per-pixel blend between the original (0) and the transferred colour (1); default all 1. */
  mask?: FloatMap;
  /** 0…1 global strength; default 1. */
  strength?: number;
  /** Clamp on each channel's std ratio so a flat reference cannot blow contrast up; default 3. */
  maxGain?: number;
}

/** Rounds and clamps to a byte (Uint8Array stores wrap around instead of clamping). */
export function clampByte(v: number): number {
  return v <= 0 ? 0 : v >= 255 ? 255 : (v + 0.5) | 0;
}

/** Moves an image's colour distribution from `from` to `to` (per-channel mean/std in the opponent space). */
export function transferColor(
  img: RgbImage,
  from: ColorStats,
  to: ColorStats,
  options: ColorTransferOptions = {},
  out: RgbImage = { width: img.width, height: img.height, data: new Uint8Array(img.data.length) },
): RgbImage {
  const strength = options.strength ?? 1;
  const maxGain = options.maxGain ?? 3;
  const gain = [0, 1, 2].map((c) =>
    from.std[c] > 1e-3 ? Math.min(maxGain, Math.max(1 / maxGain, to.std[c] / from.std[c])) : 1,
  );
  const mask = options.mask?.data;
  if (options.mask && (options.mask.width !== img.width || options.mask.height !== img.height)) {
    throw new RangeError('transferColor: mask size differs from image size');
  }
  const d = img.data;
  const o = out.data;
  for (let k = 0, i = 0; i < d.length; k++, i += 3) {
    const r = d[i];
    const g = d[i + 1];
    const b = d[i + 2];
    const t = strength * (mask ? mask[k] : 1);
    if (t <= 0) {
      o[i] = r;
      o[i + 1] = g;
      o[i + 2] = b;
      continue;
    }
    const l = (r + g + b) / 3;
    const a = r - g;
    const c = (r + g) / 2 - b;
    const l2 = (l - from.mean[0]) * gain[0] + to.mean[0];
    const a2 = (a - from.mean[1]) * gain[1] + to.mean[1];
    const c2 = (c - from.mean[2]) * gain[2] + to.mean[2];
    const sum = 2 * l2 + (2 * c2) / 3;
    o[i] = clampByte(r + t * ((sum + a2) / 2 - r));
    o[i + 1] = clampByte(g + t * ((sum - a2) / 2 - g));
    o[i + 2] = clampByte(b + t * (l2 - (2 * c2) / 3 - b));
  }
  return out;
}
