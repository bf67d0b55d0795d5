import type { Logger, RgbImage } from '@tooncast/shared';
import { type EncoderOptions, Vp8Encoder } from './codec.ts';

/** How long a replaced encoder may take to put out its last frames. */
const FINISH_GRACE_MS = 2000;

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
  private standby: Slot;
  private keyframeWanted = false;
  private written = 0;

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
    if (this.keyframeWanted && index > 0) {
      const replaced = this.active;
      this.active = this.standby;
      this.active.base = index;
      this.standby = this.spawn();
      void replaced.encoder.close(FINISH_GRACE_MS);
    }
    this.keyframeWanted = false;
    this.active.encoder.encode(frame);
    return index;
  }

  async close(): Promise<void> {
    await Promise.all([this.active.encoder.close(), this.standby.encoder.close()]);
  }
}
