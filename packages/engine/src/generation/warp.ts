import { createRgbImage, type RgbImage } from '@tooncast/shared';
import { sampleRgbInto } from '../image/sample.ts';
import type { Flow } from './flow.ts';

/**
 * Backward warp: out(x) = img(x + scale·flow(x)), bilinear, border clamped. With flow = estimate(a, b), warp(b) ≈ a;
 * `scale` carries a motion more or less far (a longer or shorter time step).
 */
export function backwardWarp(img: RgbImage, flow: Flow, out?: RgbImage, scale = 1): RgbImage {
  const { width, height } = flow.dx;
  if (img.width !== width || img.height !== height) {
    throw new RangeError(`backwardWarp: image ${img.width}x${img.height} vs flow ${width}x${height}`);
  }
  const dst = out ?? createRgbImage(width, height);
  const fx = flow.dx.data;
  const fy = flow.dy.data;
  for (let y = 0, k = 0; y < height; y++) {
    for (let x = 0; x < width; x++, k++) sampleRgbInto(img, x + scale * fx[k], y + scale * fy[k], dst.data, k * 3);
  }
  return dst;
}
