import { spawn } from 'node:child_process';
import type { RgbImage } from '@tooncast/shared';
import { type Exit, exitOf, FFMPEG_PATH, failure, MediaError } from './ffmpeg.ts';

export interface WriterOptions {
  width: number;
  height: number;
  fps: number;
  /** Copy this file's audio (re-encoded to AAC) so the output keeps the clip's sound; the frames set its length. */
  audioFrom?: string;
  /** x264 quality: lower is better; 20 keeps cartoon edges clean. */
  crf?: number;
}

/** Encodes RGB frames to an H.264 MP4 through one ffmpeg process fed on stdin, with backpressure. */
export class VideoWriter {
  private readonly proc;
  private readonly stderr: Promise<string>;
  private frames = 0;
  /** Settles when ffmpeg exits, for whatever reason: a write must never wait for a drain that will not come. */
  private readonly exited: Promise<Exit>;

  constructor(
    readonly file: string,
    private readonly options: WriterOptions,
  ) {
    const { width, height, fps, audioFrom, crf = 20 } = options;
    const args = ['-hide_banner', '-loglevel', 'error', '-y'];
    args.push('-f', 'rawvideo', '-pix_fmt', 'rgb24', '-s', `${width}x${height}`, '-r', String(fps), '-i', 'pipe:0');
    if (audioFrom) {
      // Silence pads audio shorter than the frames, and -shortest then ends it with them: no written frame is cut.
      args.push('-i', audioFrom, '-map', '0:v:0', '-map', '1:a:0?', '-af', 'apad', '-c:a', 'aac', '-b:a', '128k');
    }
    args.push('-c:v', 'libx264', '-preset', 'veryfast', '-crf', String(crf), '-pix_fmt', 'yuv420p');
    // Even sizes for 4:2:0; the filter is a no-op when they already are.
    args.push('-vf', 'pad=ceil(iw/2)*2:ceil(ih/2)*2', '-movflags', '+faststart', '-shortest', file);
    this.proc = spawn(FFMPEG_PATH, args, { stdio: ['pipe', 'ignore', 'pipe'] });
    this.stderr = new Promise((resolve) => {
      let text = '';
      this.proc.stderr.setEncoding('utf8').on('data', (d: string) => {
        if (text.length < 4000) text += d;
      });
      this.proc.stderr.on('end', () => resolve(text));
    });
    this.proc.stdin.on('error', () => {}); // a dead encoder is reported by write() and close()
    this.exited = exitOf(this.proc);
  }

  async write(image: RgbImage): Promise<void> {
    if (image.width !== this.options.width || image.height !== this.options.height) {
      throw new MediaError(
        `frame is ${image.width}x${image.height}, writer expects ${this.options.width}x${this.options.height}`,
      );
    }
    if (this.proc.exitCode !== null || this.proc.stdin.destroyed) await this.fail();
    this.frames++;
    // Settles once ffmpeg's pipe has the bytes: the stream queues a chunk by reference, and callers reuse their frame
    // (a pipeline's output buffer is valid until its next frame). Waiting for 'drain' only covered frames larger
    // than the stream's 16 kB buffer: a smaller one could be overwritten while still queued.
    const written = new Promise<boolean>((resolve) => this.proc.stdin.write(image.data, (err) => resolve(!err)));
    if (!(await Promise.race([written, this.exited.then(() => false)]))) await this.fail();
  }

  private async fail(): Promise<never> {
    const exit = await this.exited;
    throw new MediaError(`encoding ${this.file} failed: ${failure(await this.stderr, exit)}`);
  }

  /** Finishes the file; rejects with ffmpeg's own words if encoding failed. */
  async close(): Promise<number> {
    this.proc.stdin.end();
    if ((await this.exited).code !== 0) await this.fail();
    return this.frames;
  }

  /** Stops ffmpeg without finishing the file, for a caller that throws the file away. */
  async abort(): Promise<void> {
    this.proc.kill('SIGKILL');
    await this.exited;
  }
}
