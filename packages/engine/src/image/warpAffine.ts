import { createRgbImage, type RgbImage } from '@tooncast/shared';
import { type Affine, invertAffine } from '../geometry.ts';
import { sampleRgbInto } from './sample.ts';

/**
 * Warps `src` by `srcToDst` into a new width×height image (backward mapping with bilinear sampling;
 * pixels that map outside the source take the nearest border pixel).
 */
export function warpAffine(src: RgbImage, srcToDst: Affine, width: number, height: number, out?: RgbImage): RgbImage {
  const dst = out ?? createRgbImage(width, height);
  if (dst.width !== width || dst.height !== height) throw new RangeError('warpAffine: out has the wrong size');
  const m = invertAffine(srcToDst);
  const data = dst.data;
  let o = 0;
  for (let y = 0; y < height; y++) {
    let sx = m[1] * y + m[2];
    let sy = m[4] * y + m[5];
    for (let x = 0; x < width; x++, o += 3) {
      sampleRgbInto(src, sx, sy, data, o);
      sx += m[0];
      sy += m[3];
    }
  }
  return dst;
}

/** Bilinear resize (pixel-centre aligned). Downscaling by more than 2× should be blurred first to avoid aliasing. */
export function resizeRgb(src: RgbImage, width: number, height: number): RgbImage {
  const sx = width / src.width;
  const sy = height / src.height;
  return warpAffine(src, [sx, 0, 0.5 * sx - 0.5, 0, sy, 0.5 * sy - 0.5], width, height);
}
