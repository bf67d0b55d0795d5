import { spawn } from 'node:child_process';
import { stat } from 'node:fs/promises';
import type { RgbImage } from '@tooncast/shared';
import { FFMPEG_PATH, MediaError } from './ffmpeg.ts';
import { streamSize } from './probe.ts';

/** Largest photo accepted (bytes and pixels): a selfie needs far less, and decoding more only costs memory. */
export const MAX_IMAGE_BYTES = 30 * 1024 * 1024;
export const MAX_IMAGE_SIDE = 8192;

/** Decodes a photo (PNG, JPEG, WebP, … whatever ffmpeg reads) into RGB, with a one-line error for a bad file. */
export async function readImage(file: string): Promise<RgbImage> {
  const { width, height } = await streamSize(file, 'image');
  const bytes = (await stat(file)).size;
  if (bytes > MAX_IMAGE_BYTES)
    throw new MediaError(`${file} is ${(bytes / 2 ** 20).toFixed(0)} MB; photos may be 30 MB`);
  if (width > MAX_IMAGE_SIDE || height > MAX_IMAGE_SIDE) {
    throw new MediaError(`${file} is ${width}x${height}; the largest side may be ${MAX_IMAGE_SIDE} px`);
  }
  const args = [
    '-hide_banner',
    '-loglevel',
    'error',
    '-i',
    file,
    '-frames:v',
    '1',
    '-f',
    'rawvideo',
    '-pix_fmt',
    'rgb24',
    'pipe:1',
  ];
  const data = await new Promise<Buffer>((resolve, reject) => {
    const p = spawn(FFMPEG_PATH, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    let err = '';
    p.stdout.on('data', (c: Buffer) => chunks.push(c));
    p.stderr.setEncoding('utf8').on('data', (d: string) => {
      err += d;
    });
    p.on('error', (e) => reject(new MediaError(`cannot run ffmpeg: ${e.message}`)));
    p.on('close', (code) =>
      code === 0 ? resolve(Buffer.concat(chunks)) : reject(new MediaError(`cannot decode ${file}: ${err.trim()}`)),
    );
  });
  if (data.length !== width * height * 3) throw new MediaError(`cannot decode ${file}: truncated picture`);
  return { width, height, data: new Uint8Array(data.buffer, data.byteOffset, data.length) };
}
