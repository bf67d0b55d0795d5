import type { RgbImage } from '@tooncast/shared';
import sharp from 'sharp';

type Size = { width: number; height: number };

// One libvips thread: images are decoded beside the engine's frames and the codecs, never in bulk. No operation
// cache: selfies are not kept once decoded.
sharp.concurrency(1);
sharp.cache(false);

/**
 * Decodes PNG/JPEG bytes in memory (libvips, in process: a 512² selfie or a 720p frame in 10–30 ms, where an ffmpeg
 * start cost 60–80 ms idle and far more on a loaded machine): a selfie or a clicked frame never touches the disk.
 * The picture is turned upright as its EXIF orientation says (a phone's portrait photo), its alpha dropped and a
 * grey one made RGB. `size` scales it to the live frames' size, so a clicked frame looks to the engine as the stream
 * will.
 */
export async function decodeImage(bytes: Uint8Array, size?: Size): Promise<RgbImage> {
  try {
    let image = sharp(bytes, { failOn: 'error' }).rotate();
    if (size) image = image.resize(size.width, size.height, { fit: 'fill' });
    const { data, info } = await image.removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
    return { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.length) };
  } catch (err) {
    throw new Error(`the image could not be decoded: ${(err as Error).message}`);
  }
}
