import type { Logger, RgbImage } from '@tooncast/shared';
import { type EncoderOptions, Vp8Encoder } from './codec.ts';

/** How long a replaced encoder may take to put out its last frames. */
const FINISH_GRACE_MS = 2000;
/**
 * When the next standby starts after a switch, ms: an ffmpeg start (its process, libvpx set-up, the warm-up frame)
 * beside the new encoder's first frame delayed that keyframe by ~20 ms here, far more on a loaded machine.
 */
const STANDBY_START_MS = 150;

interface Slot {
  encoder: Vp8Encoder;
  /** Index of the slot's first frame in the stream. */
  base: number;
}

/**
 * VP8 encoding with keyframes on request (a watcher joined or lost packets). ffmpeg's CLI cannot be asked for a
 * keyframe mid-stream, but a fresh encoder starts with one: a request switches to a standby encoder, spawned and
 * warmed up ahead, while the replaced one puts out its last frames and exits.
 */
export class KeyframeEncoder {
  private active: Slot;
  /** Absent for STANDBY_START_MS after a switch. */
  private standby?: Slot;
  private standbyTimer?: NodeJS.Timeout;
  private keyframeWanted = false;
  private written = 0;
  private closed = false;

  /** `onFrame` gets each encoded frame with the index `encode` returned for its input. */
  constructor(
    private readonly options: EncoderOptions,
    private readonly onFrame: (vp8: Buffer, inputIndex: number) => void,
    private readonly log: Logger,
    private readonly onFailure: (error: Error) => void,
  ) {
    this.active = this.spawn();
    this.standby = this.spawn();
  }

  private spawn(): Slot {
    const slot = { base: 0 } as Slot;
    const options = { ...this.options, warm: true };
    slot.encoder = new Vp8Encoder(options, (vp8, i) => this.onFrame(vp8, slot.base + i), this.log, this.onFailure);
    return slot;
  }

  /** The next frame encoded is a keyframe. */
  requestKeyframe(): void {
    this.keyframeWanted = true;
  }

  encode(frame: RgbImage): number {
    const index = this.written++;
    const replaced = this.keyframeWanted && index > 0 ? this.active : undefined;
    if (replaced) {
      // A second request within STANDBY_START_MS gets an encoder started now: slower, still a keyframe.
      this.active = this.standby ?? this.spawn();
      this.active.base = index;
      this.standby = undefined;
    }
    this.keyframeWanted = false;
    this.active.encoder.encode(frame);
    if (replaced) {
      void replaced.encoder.close(FINISH_GRACE_MS);
      clearTimeout(this.standbyTimer);
      this.standbyTimer = setTimeout(() => {
        if (!this.closed) this.standby ??= this.spawn();
      }, STANDBY_START_MS);
    }
    return index;
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.standbyTimer);
    await Promise.all([this.active.encoder.close(), this.standby?.encoder.close()]);
  }
}
