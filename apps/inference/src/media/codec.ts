import { type ChildProcess, spawn } from 'node:child_process';
import ffmpeg from '@ffmpeg-installer/ffmpeg';
import type { Logger, RgbImage } from '@tooncast/shared';
import { FramePool } from './frame-pool.ts';
import { IvfReader, ivfFrameHeader, ivfHeader } from './ivf.ts';
import { pictureFilter } from './picture-rect.ts';

/** ffmpeg used as a pure codec on stdin/stdout; RTP (de)packetizing stays in our code. */
class FfmpegCodec {
  /** Its stdio is missing when the spawn failed for want of file descriptors (EMFILE). */
  protected readonly child: ChildProcess;
  private stderr = '';
  private closing = false;

  constructor(
    name: string,
    args: string[],
    protected readonly log: Logger,
    onFailure: (error: Error) => void,
  ) {
    this.child = spawn(ffmpeg.path, ['-hide_banner', '-loglevel', 'error', '-nostdin', ...args]);
    this.child.stderr?.on('data', (c: Buffer) => {
      this.stderr = (this.stderr + c.toString()).slice(-2000);
    });
    this.child.stdin?.on('error', () => undefined);
    // A failed spawn (ENOENT, EACCES, EAGAIN, EMFILE) comes as 'error' and no 'exit': unheard, it would throw and end
    // every session of the worker, not just this one.
    this.child.on('error', (err) => {
      if (!this.closing) onFailure(new Error(`${name} ffmpeg failed: ${err.message}`));
    });
    this.child.once('exit', (code, signal) => {
      if (!this.closing) onFailure(new Error(`${name} ffmpeg exited (${code ?? signal}): ${this.stderr.trim()}`));
    });
  }

  /** Ends the input; `graceMs` lets ffmpeg put out the frames it holds before it is killed (default: none). */
  async close(graceMs = 0): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.closing = true;
    const exited = new Promise((r) => this.child.once('exit', r));
    this.child.stdin?.end();
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  }
}

/**
 * VP8 (IVF on stdin) → RGB frames of a fixed size, the picture fitted into it (see fitPicture); `-threads 1` avoids
 * frame-threading delay.
 */
export class Vp8Decoder extends FfmpegCodec {
  private readonly pool: FramePool;
  /** The frame being read from stdout, and how much of it arrived. */
  private frame?: Buffer;
  private filled = 0;
  private headerWritten = false;

  constructor(
    readonly width: number,
    readonly height: number,
    onFrame: (frame: RgbImage) => void,
    log: Logger,
    onFailure: (error: Error) => void,
  ) {
    // biome-ignore format: one ffmpeg option per line pair reads best
    super('decoder', [
      '-threads', '1', '-f', 'ivf', '-probesize', '32', '-analyzeduration', '0', '-i', 'pipe:0',
      '-vf', pictureFilter({ width, height }), '-pix_fmt', 'rgb24', '-vsync', '0', '-f', 'rawvideo', '-flush_packets', '1', 'pipe:1',
    ], log, onFailure);
    this.pool = new FramePool(width * height * 3);
    // Each frame gets its own exact ArrayBuffer (no concatenation), which a consumer may keep, transfer to another
    // thread, or give back with `recycle`.
    this.child.stdout?.on('data', (chunk: Buffer) => {
      for (let offset = 0; offset < chunk.length; ) {
        this.frame ??= this.pool.take();
        const n = chunk.copy(this.frame, this.filled, offset);
        offset += n;
        this.filled += n;
        if (this.filled < this.pool.frameBytes) continue;
        onFrame({ width, height, data: this.frame });
        this.frame = undefined;
        this.filled = 0;
      }
    });
  }

  /** Frame buffers the decoder made so far (recycled ones are used again). */
  get framesAllocated(): number {
    return this.pool.allocated;
  }

  /** Gives a decoded frame's memory back for a later frame, once nothing reads it (see FramePool.give). */
  recycle(frame: RgbImage): void {
    this.pool.give(frame.data);
  }

  /** `size` is the publisher's picture size, from its first keyframe; the process itself starts beforehand. */
  decode(frame: Buffer, pts: number, size: { width: number; height: number }): void {
    if (!this.headerWritten) {
      this.child.stdin?.write(ivfHeader(size.width, size.height, 90_000));
      this.headerWritten = true;
    }
    this.child.stdin?.write(ivfFrameHeader(frame.length, pts));
    this.child.stdin?.write(frame);
  }
}

export interface EncoderOptions {
  width: number;
  height: number;
  keyframeInterval: number;
  bitrateKbps: number;
}

/**
 * Input timestamps tick at 60 Hz, two ticks a frame (30 fps for libvpx's rate control); a frame on an odd tick is
 * encoded as a keyframe. ffmpeg's CLI takes no commands mid-stream, but its keyframe expression sees each frame's
 * time, so the timestamp carries the request.
 */
const TICKS_PER_SECOND = 60;
const KEYFRAME_ON_ODD_TICK = `expr:eq(mod(round(t*${TICKS_PER_SECOND}),2),1)`;
/** libvpx's own keyframe interval, out of the way: periodic keyframes are placed here, not counting the warm-up frame. */
const NO_PERIODIC_KEYFRAMES = 1_000_000;

/**
 * RGB frames (raw in IVF on stdin) → VP8 (IVF on stdout), tuned for latency: realtime deadline at its fastest speed
 * (cpu-used 16: half the time of 8, 4.6 → 2.1 ms a 640×360 frame, for 1–2 dB PSNR at 1.5 Mbit/s that does not show:
 * BBB 46.9 → 45.1 dB, the synthetic clip 48.8 → 48.0), no lag frames, no alt-ref; a keyframe every
 * `keyframeInterval` frames and on request. One thread: a frame takes a few ms, and on a busy machine a second
 * thread waiting for its descheduled sibling made the tail longer (live pass-through, encode stage p95 51 → 32 ms).
 */
export class Vp8Encoder extends FfmpegCodec {
  private readonly reader = new IvfReader();
  private readonly frameBytes: number;
  /** Input frames written, the blank warm-up frame first. */
  private written = 0;
  private keyframeWanted = true;
  private sinceKeyframe = 0;

  /** `onFrame` gets each encoded frame with the index `encode` returned for its input (the encoder may skip some). */
  constructor(
    private readonly options: EncoderOptions,
    onFrame: (vp8: Buffer, inputIndex: number) => void,
    log: Logger,
    onFailure: (error: Error) => void,
  ) {
    // biome-ignore format: one ffmpeg option per line pair reads best
    super('encoder', [
      '-f', 'ivf', '-c:v', 'rawvideo', '-probesize', '32', '-analyzeduration', '0', '-i', 'pipe:0',
      '-c:v', 'libvpx', '-deadline', 'realtime', '-cpu-used', '16', '-lag-in-frames', '0', '-auto-alt-ref', '0',
      '-error-resilient', '1', '-g', String(NO_PERIODIC_KEYFRAMES),
      '-b:v', `${options.bitrateKbps}k`, '-threads', '1', '-pix_fmt', 'yuv420p',
      '-vsync', '0', '-r', String(TICKS_PER_SECOND), '-force_key_frames', KEYFRAME_ON_ODD_TICK,
      '-f', 'ivf', '-flush_packets', '1', 'pipe:1',
    ], log, onFailure);
    this.frameBytes = options.width * options.height * 3;
    this.child.stdin?.write(ivfHeader(options.width, options.height, TICKS_PER_SECOND, 'RGB\x18'));
    // A blank frame at once (its output is dropped) sets ffmpeg and libvpx up before the first real frame, which is
    // still a keyframe: a cold encoder took ~60 ms for its first frame (more on a busy machine).
    this.write(Buffer.alloc(this.frameBytes));
    this.child.stdout?.on('data', (chunk: Buffer) => {
      // ffmpeg keeps the input timestamps (-vsync 0, the same 60 Hz time base, the first frame at 0): two ticks a
      // frame, the warm-up frame first.
      for (const frame of this.reader.push(chunk)) {
        const index = Math.floor(frame.pts / 2) - 1;
        if (index >= 0) onFrame(frame.data, index);
      }
    });
  }

  /** The next frame encoded is a keyframe (a watcher joined or lost packets). */
  requestKeyframe(): void {
    this.keyframeWanted = true;
  }

  /**
   * Returns the frame's index, counted from 0. The encoder reads the frame's memory until `onConsumed` (ffmpeg took
   * all of it), so the caller must not change it before.
   */
  encode(frame: RgbImage, onConsumed?: () => void): number {
    if (frame.data.length !== this.frameBytes)
      throw new Error(
        `encoder: a frame of ${frame.data.length} bytes, not ${this.frameBytes} (${this.options.width}×${this.options.height} RGB)`,
      );
    return this.write(frame.data, onConsumed) - 1;
  }

  /** Writes a frame; the warm-up frame (0) starts the stream with a keyframe of its own. */
  private write(data: Uint8Array, onConsumed?: () => void): number {
    const n = this.written++;
    const keyframe = n > 0 && (this.keyframeWanted || this.sinceKeyframe >= this.options.keyframeInterval);
    if (keyframe) {
      this.keyframeWanted = false;
      this.sinceKeyframe = 0;
    }
    if (n > 0) this.sinceKeyframe++;
    this.child.stdin?.write(ivfFrameHeader(data.length, 2 * n + (keyframe ? 1 : 0)));
    this.child.stdin?.write(data, onConsumed);
    return n;
  }
}
