import { createRgbImage, type RgbImage } from '@tooncast/shared';
import { clampByte } from './color.ts';

/** A planar float tensor [channels, height, width] (batch 1), the layout ONNX image models take. */
export interface PlanarTensor {
  readonly channels: number;
  readonly width: number;
  readonly height: number;
  readonly data: Float32Array;
}

/** Interleaved 8-bit RGB → planar RGB in [-1, 1]. */
export function rgbToPlanar(img: RgbImage, out?: Float32Array): Float32Array {
  const plane = img.width * img.height;
  const dst = out ?? new Float32Array(3 * plane);
  if (dst.length !== 3 * plane) throw new RangeError('rgbToPlanar: output buffer has the wrong size');
  const s = img.data;
  const k = 2 / 255;
  for (let i = 0, j = 0; i < plane; i++, j += 3) {
    dst[i] = s[j] * k - 1;
    dst[plane + i] = s[j + 1] * k - 1;
    dst[2 * plane + i] = s[j + 2] * k - 1;
  }
  return dst;
}

/** Planar RGB in [-1, 1] → interleaved 8-bit RGB (clamped). */
export function planarToRgb(data: Float32Array, width: number, height: number): RgbImage {
  const plane = width * height;
  if (data.length < 3 * plane) throw new RangeError(`planarToRgb: ${data.length} values for ${width}x${height}x3`);
  const img = createRgbImage(width, height);
  const d = img.data;
  for (let i = 0, j = 0; i < plane; i++, j += 3) {
    for (let c = 0; c < 3; c++) {
      d[j + c] = clampByte((data[c * plane + i] + 1) * 127.5);
    }
  }
  return img;
}

/** Bilinear resize of every plane of a planar tensor (pixel-centre aligned). */
export function resizePlanar(t: PlanarTensor, width: number, height: number): PlanarTensor {
  if (t.width === width && t.height === height) return t;
  const out = new Float32Array(t.channels * width * height);
  const sx = t.width / width;
  const sy = t.height / height;
  const src = t.data;
  for (let c = 0; c < t.channels; c++) {
    const base = c * t.width * t.height;
    for (let y = 0, o = c * width * height; y < height; y++) {
      const fy = Math.min(t.height - 1, Math.max(0, (y + 0.5) * sy - 0.5));
      const y0 = Math.floor(fy);
      const y1 = Math.min(t.height - 1, y0 + 1);
      const wy = fy - y0;
      for (let x = 0; x < width; x++, o++) {
        const fx = Math.min(t.width - 1, Math.max(0, (x + 0.5) * sx - 0.5));
        const x0 = Math.floor(fx);
        const x1 = Math.min(t.width - 1, x0 + 1);
        const wx = fx - x0;
        const top = src[base + y0 * t.width + x0] * (1 - wx) + src[base + y0 * t.width + x1] * wx;
        const bottom = src[base + y1 * t.width + x0] * (1 - wx) + src[base + y1 * t.width + x1] * wx;
        out[o] = top + (bottom - top) * wy;
      }
    }
  }
  return { channels: t.channels, width, height, data: out };
}
