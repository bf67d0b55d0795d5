import type { RgbImage } from '@tooncast/shared';
import { fitPicture, type PictureRect, type Size } from '../src/media/picture-rect.ts';

/**
 * A portrait clip's picture in a 640×360 frame, as the worker's decoder places it: the middle 202 columns, black
 * beside them.
 */
export const PORTRAIT = fitPicture({ width: 360, height: 640 }, { width: 640, height: 360 });

/** The whole frame: where a clip of the frame's own shape sits. */
export const wholeFrame = ({ width, height }: Size): PictureRect => ({ x: 0, y: 0, width, height });

/** `image` with everything outside `picture` black: a frame as the decoder gives it for a narrower clip. */
export function pillarbox(image: RgbImage, picture = PORTRAIT): RgbImage {
  const data = Uint8Array.from(image.data);
  const { width } = image;
  for (let y = 0; y < image.height; y++) {
    data.fill(0, 3 * y * width, 3 * (y * width + picture.x));
    data.fill(0, 3 * (y * width + picture.x + picture.width), 3 * (y + 1) * width);
  }
  return { ...image, data };
}
