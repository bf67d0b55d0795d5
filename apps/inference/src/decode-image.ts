import type { RgbImage } from '@tooncast/shared';
import sharp from 'sharp';
import { fitPicture, type PictureRect, type Size } from './media/picture-rect.ts';

// One libvips thread: images are decoded beside the engine's frames and the codecs, never in bulk. No operation
// cache: selfies are not kept once decoded.
sharp.concurrency(1);
sharp.cache(false);

/**
 * Decodes PNG/JPEG bytes in memory (libvips, in process: a 512² selfie or a 720p frame in 10–30 ms, where an ffmpeg
 * start cost 60–80 ms idle and far more on a loaded machine): a selfie or a clicked frame never touches the disk.
 * The picture is turned upright as its EXIF orientation says (a phone's portrait photo), its alpha dropped and a
 * grey one made RGB.
 */
export async function decodeImage(bytes: Uint8Array): Promise<RgbImage> {
  return (await decode(bytes)).image;
}

/**
 * A clicked frame as the live frames show it: fitted into `frame` as the worker's decoder fits the stream (see
 * fitPicture), black around it; and where its picture sits.
 */
export function decodeIntoFrame(bytes: Uint8Array, frame: Size): Promise<{ image: RgbImage; picture: PictureRect }> {
  return decode(bytes, frame);
}

/** EXIF orientations 5–8 turn the picture a quarter: its upright width is the stored height. */
const QUARTER_TURNS = new Set([5, 6, 7, 8]);

/** The picture, upright, fitted into `frame` when given; and where it sits (without a frame: all of the image). */
async function decode(bytes: Uint8Array, frame?: Size): Promise<{ image: RgbImage; picture: PictureRect }> {
  try {
    const source = sharp(bytes, { failOn: 'error' });
    let shaped = source.rotate();
    let picture: PictureRect | undefined;
    if (frame) {
      const { width = 0, height = 0, orientation = 1 } = await source.metadata();
      const p = fitPicture(
        QUARTER_TURNS.has(orientation) ? { width: height, height: width } : { width, height },
        frame,
      );
      shaped = shaped.resize(p.width, p.height, { fit: 'fill' }).extend({
        left: p.x,
        top: p.y,
        right: frame.width - p.x - p.width,
        bottom: frame.height - p.y - p.height,
        background: { r: 0, g: 0, b: 0 },
      });
      picture = p;
    }
    const { data, info } = await shaped.removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
    const image = {
      width: info.width,
      height: info.height,
      data: new Uint8Array(data.buffer, data.byteOffset, data.length),
    };
    return { image, picture: picture ?? { x: 0, y: 0, width: image.width, height: image.height } };
  } catch (err) {
    throw new Error(`the image could not be decoded: ${(err as Error).message}`);
  }
}
