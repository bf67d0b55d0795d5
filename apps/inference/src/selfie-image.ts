import { spawn } from 'node:child_process';
import ffmpeg from '@ffmpeg-installer/ffmpeg';
import type { RgbImage } from '@tooncast/shared';
import { PNG } from 'pngjs';

/** Decodes PNG/JPEG selfie bytes in memory (ffmpeg on stdin/stdout): the selfie never touches the disk. */
export function decodeSelfie(bytes: Uint8Array): Promise<RgbImage> {
  return new Promise((resolve, reject) => {
    // biome-ignore format: option pairs
    const child = spawn(ffmpeg.path, [
      '-hide_banner', '-loglevel', 'error', '-f', 'image2pipe', '-i', 'pipe:0',
      '-frames:v', '1', '-pix_fmt', 'rgb24', '-f', 'image2pipe', '-vcodec', 'png', 'pipe:1',
    ]);
    const out: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c) => (stderr += c));
    child.stdin.on('error', () => undefined);
    child.once('exit', (code) => {
      if (code !== 0) return reject(new Error(`the selfie could not be decoded: ${stderr.trim()}`));
      const png = PNG.sync.read(Buffer.concat(out));
      const rgb = new Uint8Array(png.width * png.height * 3);
      for (let i = 0, j = 0; i < png.data.length; i += 4, j += 3) rgb.set(png.data.subarray(i, i + 3), j);
      resolve({ width: png.width, height: png.height, data: rgb });
    });
    child.stdin.end(Buffer.from(bytes));
  });
}
