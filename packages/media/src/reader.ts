import { type ChildProcessByStdio, spawn } from 'node:child_process';
import type { Readable } from 'node:stream';
import type { RgbImage } from '@tooncast/shared';
import { exitOf, FFMPEG_PATH, failure, MediaError } from './ffmpeg.ts';
import { probeVideo, type VideoInfo } from './probe.ts';

export interface DecodedFrame {
  index: number;
  timeSec: number;
  image: RgbImage;
}

export interface ReadOptions {
  /** Start this many seconds in (accurate seek). */
  startSec?: number;
  /** Stop after this many frames. */
  maxFrames?: number;
}

/**
 * Decodes a video file into RGB frames through ONE ffmpeg process (raw rgb24 on stdout), so no process is spawned
 * per frame. Frames come at the file's constant rate, `timeSec = startSec + index / fps`.
 */
export class VideoReader {
  private constructor(
    readonly file: string,
    readonly info: VideoInfo,
  ) {}

  static async open(file: string): Promise<VideoReader> {
    return new VideoReader(file, await probeVideo(file));
  }

  async *frames(options: ReadOptions = {}): AsyncGenerator<DecodedFrame> {
    const { width, height, fps } = this.info;
    const startSec = options.startSec ?? 0;
    const args = ['-hide_banner', '-loglevel', 'error', '-nostdin'];
    if (startSec > 0) args.push('-ss', String(startSec));
    args.push('-i', this.file, '-map', '0:v:0', '-vsync', 'cfr', '-r', String(fps));
    if (options.maxFrames !== undefined) args.push('-frames:v', String(options.maxFrames));
    args.push('-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1');
    const proc = spawn(FFMPEG_PATH, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = exitOf(proc);
    const errors = collect(proc);
    const frameBytes = width * height * 3;
    let index = 0;
    try {
      for await (const frame of fixedChunks(proc.stdout, frameBytes)) {
        yield { index, timeSec: startSec + index / fps, image: { width, height, data: frame } };
        index++;
      }
      // A signal leaves a null code: a killed decoder is a failure too, not a short video.
      const exit = await exited;
      if (exit.code !== 0) throw new MediaError(`decoding ${this.file} failed: ${failure(await errors, exit)}`);
    } finally {
      if (proc.exitCode === null) proc.kill('SIGKILL');
    }
  }

  /** The single frame at `timeSec` (for picking the target on a paused frame). */
  async frameAt(timeSec: number): Promise<DecodedFrame> {
    for await (const f of this.frames({ startSec: timeSec, maxFrames: 1 })) {
      return { ...f, index: Math.round(timeSec * this.info.fps) };
    }
    throw new MediaError(`${this.file} has no frame at ${timeSec}s`);
  }
}

/** Re-chunks a byte stream into whole frames of `size` bytes, copying only when a frame spans chunks. */
async function* fixedChunks(stream: Readable, size: number): AsyncGenerator<Uint8Array> {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    let buf = chunk;
    while (buf.length) {
      const need = size - pendingBytes;
      if (pendingBytes === 0 && buf.length >= size) {
        yield new Uint8Array(buf.buffer, buf.byteOffset, size).slice();
        buf = buf.subarray(size);
        continue;
      }
      const take = buf.subarray(0, need);
      pending.push(take);
      pendingBytes += take.length;
      buf = buf.subarray(take.length);
      if (pendingBytes === size) {
        yield new Uint8Array(Buffer.concat(pending, size));
        pending = [];
        pendingBytes = 0;
      }
    }
  }
}

function collect(proc: ChildProcessByStdio<null, Readable, Readable>): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    proc.stderr.setEncoding('utf8').on('data', (d: string) => {
      if (text.length < 4000) text += d;
    });
    proc.stderr.on('end', () => resolve(text));
  });
}
