import { createRequire } from 'node:module';

/** Path of the npm-shipped static ffmpeg (4.1), the one binary every media step uses. */
export const FFMPEG_PATH: string = (createRequire(import.meta.url)('@ffmpeg-installer/ffmpeg') as { path: string })
  .path;

export class MediaError extends Error {
  override name = 'MediaError';
}
