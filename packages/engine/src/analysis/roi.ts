import type { RgbImage } from '@tooncast/shared';
import type { Affine, Box } from '../geometry.ts';

/**
 * A square, rotated region of interest in frame pixels: what a model crop covers. `angle` is the direction of the
 * crop's x axis in the frame (radians), so a face's eye line comes out horizontal in the crop.
 */
export interface Roi {
  cx: number;
  cy: number;
  size: number;
  angle: number;
}

/** The map from crop pixels (0..cropSize) to frame pixels. */
export function roiToFrame(roi: Roi, cropSize: number): Affine {
  const s = roi.size / cropSize;
  const c = Math.cos(roi.angle) * s;
  const n = Math.sin(roi.angle) * s;
  // Crop centre (cropSize/2, cropSize/2) lands on the ROI centre.
  const h = cropSize / 2;
  return [c, -n, roi.cx - c * h + n * h, n, c, roi.cy - n * h - c * h];
}

/** The ROI that letterboxes a whole frame into a square model input. */
export function wholeFrameRoi(width: number, height: number): Roi {
  return { cx: width / 2, cy: height / 2, size: Math.max(width, height), angle: 0 };
}

/**
 * The square, upright ROI around points after rotating them by -angle: MediaPipe's rule of a box around the face,
 * enlarged by `scale` so the model sees the whole head.
 */
export function roiAroundPoints(xs: ArrayLike<number>, ys: ArrayLike<number>, angle: number, scale: number): Roi {
  const c = Math.cos(angle);
  const s = Math.sin(angle);
  let minU = Number.POSITIVE_INFINITY;
  let maxU = Number.NEGATIVE_INFINITY;
  let minV = Number.POSITIVE_INFINITY;
  let maxV = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < xs.length; i++) {
    const u = c * xs[i] + s * ys[i];
    const v = -s * xs[i] + c * ys[i];
    if (u < minU) minU = u;
    if (u > maxU) maxU = u;
    if (v < minV) minV = v;
    if (v > maxV) maxV = v;
  }
  const mu = (minU + maxU) / 2;
  const mv = (minV + maxV) / 2;
  return { cx: c * mu - s * mv, cy: s * mu + c * mv, size: Math.max(maxU - minU, maxV - minV) * scale, angle };
}

/** Axis-aligned bounds of a ROI in the frame. */
export function roiBounds(roi: Roi): Box {
  const r = (roi.size / 2) * (Math.abs(Math.cos(roi.angle)) + Math.abs(Math.sin(roi.angle)));
  return { x: roi.cx - r, y: roi.cy - r, w: 2 * r, h: 2 * r };
}

/**
 * Samples the ROI into an NHWC float tensor of cropSize² pixels, value = byte·scale + offset, bilinear, zero
 * (byte 0) outside the frame. One pass, no intermediate image: this runs for every model call.
 */
export function sampleRoi(
  frame: RgbImage,
  roi: Roi,
  cropSize: number,
  scale: number,
  offset: number,
  out: Float32Array = new Float32Array(cropSize * cropSize * 3),
): Float32Array {
  const m = roiToFrame(roi, cropSize);
  const { width: w, height: h, data } = frame;
  const stride = w * 3;
  let o = 0;
  for (let v = 0; v < cropSize; v++) {
    // Sample at pixel centres; -0.5 turns frame coordinates into indices of pixel centres.
    let x = m[0] * 0.5 + m[1] * (v + 0.5) + m[2] - 0.5;
    let y = m[3] * 0.5 + m[4] * (v + 0.5) + m[5] - 0.5;
    for (let u = 0; u < cropSize; u++, x += m[0], y += m[3]) {
      const x0 = Math.floor(x);
      const y0 = Math.floor(y);
      const fx = x - x0;
      const fy = y - y0;
      if (x0 >= 0 && y0 >= 0 && x0 + 1 < w && y0 + 1 < h) {
        // Inside: all four taps exist, no per-tap checks (the common case).
        const i = y0 * stride + x0 * 3;
        const w00 = (1 - fx) * (1 - fy) * scale;
        const w10 = fx * (1 - fy) * scale;
        const w01 = (1 - fx) * fy * scale;
        const w11 = fx * fy * scale;
        for (let ch = 0; ch < 3; ch++) {
          const j = i + ch;
          out[o++] = data[j] * w00 + data[j + 3] * w10 + data[j + stride] * w01 + data[j + stride + 3] * w11 + offset;
        }
      } else {
        for (let ch = 0; ch < 3; ch++) {
          const p00 = pixel(data, w, h, x0, y0, ch);
          const p10 = pixel(data, w, h, x0 + 1, y0, ch);
          const p01 = pixel(data, w, h, x0, y0 + 1, ch);
          const p11 = pixel(data, w, h, x0 + 1, y0 + 1, ch);
          const top = p00 + (p10 - p00) * fx;
          const bottom = p01 + (p11 - p01) * fx;
          out[o++] = (top + (bottom - top) * fy) * scale + offset;
        }
      }
    }
  }
  return out;
}

function pixel(data: Uint8Array, w: number, h: number, x: number, y: number, ch: number): number {
  return x < 0 || y < 0 || x >= w || y >= h ? 0 : data[(y * w + x) * 3 + ch];
}
