import type { ContourFrame, RgbImage } from '@tooncast/shared';
import type { PictureRect } from './media/picture-rect.ts';

/**
 * Where the owner clicked the character's face: normalized frame coordinates, the clip time of that frame and, from
 * pages that send it, that frame itself (PNG or JPEG bytes).
 */
export interface TargetPoint {
  x: number;
  y: number;
  timeSeconds: number;
  frame?: Uint8Array;
}

/** Where a frame sits in the live stream: its index and its time since the stream started. */
export interface FrameInfo {
  index: number;
  timeSec: number;
  /** Where the clip's picture sits in the frame (the rest is black, see fitPicture). */
  picture: PictureRect;
}

/**
 * What the worker runs on every decoded frame of one session. RGB in, RGB out (the engine's RgbImage), so
 * neither side converts; implementations may return the input frame itself or write into it (the caller does
 * not touch a frame it handed over). The frame returned is the caller's, which reuses its memory for later frames:
 * an implementation keeps none of it. Frames arrive one at a time: `process` is never called again before its
 * previous promise settled.
 */
export interface FrameProcessor {
  open(selfie: Uint8Array, target: TargetPoint): Promise<void>;
  process(frame: RgbImage, info: FrameInfo): Promise<RgbImage> | RgbImage;
  close(): Promise<void>;
  /** The owner's debug view: step 1's contour figure of every processed frame to `listener` (undefined: stop). */
  watchContours?(listener: ((frame: ContourFrame) => void) | undefined): void;
}

/** Stand-in until the generation engine lands, and the baseline the engine's latency is compared with. */
export class PassThroughProcessor implements FrameProcessor {
  async open(): Promise<void> {}

  process(frame: RgbImage): RgbImage {
    return frame;
  }

  async close(): Promise<void> {}
}
