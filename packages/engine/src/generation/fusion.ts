import { createRgbImage, type FloatMap, type RgbImage } from '@tooncast/shared';
import { MIN_FRAME_STEP_SEC } from '../analysis/frameStep.ts';
import { boxBlurFloat } from '../image/blur.ts';
import { downsampleFloat2, resizeFloat } from '../image/gray.ts';
import { sampleFloat } from '../image/sample.ts';
import { Scratch } from '../image/scratch.ts';
import { DisFlowEstimator, type Flow, type FlowEstimator } from './flow.ts';
import { backwardWarp } from './warp.ts';

/**
 * The state of step 2 across frames: the last two final face images of one tracked face. Owned by the caller
 * (one per face track); reset it when the face is lost or the shot cuts.
 */
export class FusionHistory {
  private entries: { image: RgbImage; timeSec?: number }[] = [];

  /** Number of final face images held (0, 1 or 2). */
  get size(): number {
    return this.entries.length;
  }

  get last(): RgbImage | undefined {
    return this.entries[this.entries.length - 1]?.image;
  }

  get beforeLast(): RgbImage | undefined {
    return this.entries.length === 2 ? this.entries[0].image : undefined;
  }

  /** The times (s) of the two images held, before-last first, when both were given one. */
  get times(): [number, number] | undefined {
    const [a, b] = this.entries;
    return a?.timeSec !== undefined && b?.timeSec !== undefined ? [a.timeSec, b.timeSec] : undefined;
  }

  push(finalFace: RgbImage, timeSec?: number): void {
    const last = this.last;
    if (last && (last.width !== finalFace.width || last.height !== finalFace.height)) {
      throw new RangeError('FusionHistory: final face images must keep one size; reset() before changing it');
    }
    this.entries = [...this.entries.slice(-1), { image: finalFace, timeSec }];
  }

  reset(): void {
    this.entries = [];
  }
}

/** The farthest the second image carries the last motion, in steps between the two images it was measured on. */
const MAX_MOTION_SCALE = 2;

/**
 * How far the second image carries the motion between the last two final faces: the step to this frame over the
 * step between them (live frames come skipped), each at least MIN_FRAME_STEP_SEC (capture jitter is no change of
 * pace), at most MAX_MOTION_SCALE; 1 without times.
 */
function motionScale(history: FusionHistory, timeSec: number | undefined): number {
  const times = history.times;
  if (!times || timeSec === undefined) return 1;
  const step = (from: number, to: number) => Math.max(MIN_FRAME_STEP_SEC, to - from);
  return Math.min(MAX_MOTION_SCALE, step(times[1], timeSec) / step(times[0], times[1]));
}

export interface FusionOptions {
  /** The switch: false → every final face image is the first face image. */
  enabled?: boolean;
  /** Flow that carries the last final face forwards (the second face image). */
  predictionFlow?: FlowEstimator;
  /** Flow the other way, only for the forward–backward consistency check (its coarse grid suffices). */
  consistencyFlow?: FlowEstimator;
  /** Forward–backward error (px) at which trust in the second image falls to 1/e. */
  consistencyPx?: number;
  /** First/second luminance difference (0…255) at which trust in the second image falls to 1/e. */
  differenceLevel?: number;
  /** Upper bound of the second image's weight, so the first image keeps steering and errors cannot accumulate. */
  maxSecondWeight?: number;
  /** Box radius (px, full resolution) smoothing the weight map, so the fused image has no weight seams. */
  smoothRadius?: number;
}

export interface FusionResult {
  /** The final face image of this frame (already pushed into the history). */
  finalFace: RgbImage;
  /** The second face image, from the third frame on; valid until the next `fuse` (its buffer is reused). */
  secondFace?: RgbImage;
  /** Per-pixel weight of the second face image, from the third frame on; valid until the next `fuse`. */
  secondWeight?: FloatMap;
}

/** The flows between one pair of final face images (held by identity: history images are never modified). */
interface PairFlows {
  last: RgbImage;
  beforeLast: RgbImage;
  backward: Flow;
  forward: Flow;
}

const DEFAULTS = {
  enabled: true,
  consistencyPx: 1.5,
  differenceLevel: 14,
  maxSecondWeight: 0.75,
  smoothRadius: 3,
};

/**
 * Step 2's temporal part. Frames 1–2 (or with fusion off): final = first. From frame 3: the second face image is
 * the last final face warped by the flow between the two previous final faces; per pixel it is trusted where that
 * flow is forward–backward consistent and where it agrees with the first face image (a large difference means the
 * expression really changed, so the first image wins). The final image is pushed into `history`.
 */
export class FaceFusion {
  private readonly options: typeof DEFAULTS & Required<Pick<FusionOptions, 'predictionFlow' | 'consistencyFlow'>>;
  private readonly scratch = new Scratch();
  /** The flows of the last pair of final faces estimated (each estimator's result lives until its next estimate). */
  private pairFlows?: PairFlows;

  constructor(options: FusionOptions = {}) {
    const merged = { ...DEFAULTS, ...definedOnly(options) };
    // Both flows stop at the quarter-resolution level (48 px on a 192 face): the level above cost 1.5 ms more a
    // frame and bought no steadier output (generation bench: E_warp ratio 0.81 there, 0.79 here; lag 0 either way).
    const dis = new DisFlowEstimator({ finestLevel: 2 });
    this.options = {
      ...merged,
      predictionFlow: options.predictionFlow ?? dis,
      consistencyFlow: options.consistencyFlow ?? dis.variant({ fullResolution: false }),
    };
    const { consistencyPx, differenceLevel, maxSecondWeight, smoothRadius } = this.options;
    if (
      !(consistencyPx > 0 && differenceLevel > 0 && maxSecondWeight >= 0 && maxSecondWeight <= 1 && smoothRadius >= 0)
    ) {
      throw new RangeError(
        `bad fusion options ${JSON.stringify({ consistencyPx, differenceLevel, maxSecondWeight, smoothRadius })}`,
      );
    }
  }

  get enabled(): boolean {
    return this.options.enabled;
  }

  /** `timeSec`: the frame's time, so that a motion is carried over the right step (see motionScale). */
  fuse(firstFace: RgbImage, history: FusionHistory, timeSec?: number): FusionResult {
    const last = history.last;
    const beforeLast = history.beforeLast;
    if (last && (last.width !== firstFace.width || last.height !== firstFace.height)) {
      throw new RangeError(`first face image ${firstFace.width}x${firstFace.height} differs from the history's size`);
    }
    if (!this.options.enabled || !last || !beforeLast) {
      history.push(firstFace, timeSec);
      return { finalFace: firstFace };
    }
    const { backward, forward } = this.flows(last, beforeLast);
    const scale = motionScale(history, timeSec);
    const secondFace = backwardWarp(last, backward, this.image('second', last.width, last.height), scale);
    const secondWeight = this.weights(firstFace, secondFace, backward, forward);
    const finalFace = blend(firstFace, secondFace, secondWeight);
    history.push(finalFace, timeSec);
    return { finalFace, secondFace, secondWeight };
  }

  /**
   * Computes the flows the next `fuse` needs (between the two final faces `history` holds now), so that a caller with
   * time between frames takes them off the next frame's latency; without it, `fuse` computes the same flows itself.
   */
  prepare(history: FusionHistory): void {
    const { last, beforeLast } = history;
    if (this.options.enabled && last && beforeLast) this.flows(last, beforeLast);
  }

  /** The prediction flow (last → before-last) and its consistency check's flow, for one pair of final faces. */
  private flows(last: RgbImage, beforeLast: RgbImage): PairFlows {
    if (this.pairFlows?.last !== last || this.pairFlows.beforeLast !== beforeLast) {
      this.pairFlows = {
        last,
        beforeLast,
        backward: this.options.predictionFlow.estimate(last, beforeLast),
        forward: this.options.consistencyFlow.estimate(beforeLast, last),
      };
    }
    return this.pairFlows;
  }

  /**
   * The second image's weight map. Computed on a half-resolution grid (the map is smooth by design, and the 2×2
   * mean of the difference is the little spatial support that keeps single noisy pixels from flipping it), then
   * upsampled for the blend. The forward flow may be on any coarser grid.
   */
  private weights(first: RgbImage, second: RgbImage, backward: Flow, forward: Flow): FloatMap {
    const { width, height } = first;
    const s = this.scratch;
    const diff = { width, height, data: s.floats('diff', width * height) };
    for (let k = 0, i = 0; k < diff.data.length; k++, i += 3) {
      diff.data[k] = Math.abs(
        0.299 * (first.data[i] - second.data[i]) +
          0.587 * (first.data[i + 1] - second.data[i + 1]) +
          0.114 * (first.data[i + 2] - second.data[i + 2]),
      );
    }
    const hw = Math.max(1, width >> 1);
    const hh = Math.max(1, height >> 1);
    const localDiff = downsampleFloat2(diff, s.floats('halfDiff', hw * hh)).data;
    const raw = { width: hw, height: hh, data: s.floats('raw', hw * hh) };
    const invC = 1 / (this.options.consistencyPx * this.options.consistencyPx);
    const invD = 1 / (this.options.differenceLevel * this.options.differenceLevel);
    const bx = backward.dx.data;
    const by = backward.dy.data;
    const fs = forward.dx.width / width;
    for (let y = 0, k = 0; y < hh; y++) {
      for (let x = 0; x < hw; x++, k++) {
        // Full-resolution position of this cell's centre, carried by the backward flow, looked up in the forward flow.
        const fx = 2 * x + 0.5;
        const fy = 2 * y + 0.5;
        const b = Math.min(2 * y, height - 1) * width + Math.min(2 * x, width - 1);
        const px = (fx + bx[b] + 0.5) * fs - 0.5;
        const py = (fy + by[b] + 0.5) * fs - 0.5;
        const ex = bx[b] + sampleFloat(forward.dx, px, py) / fs;
        const ey = by[b] + sampleFloat(forward.dy, px, py) / fs;
        const d = localDiff[k];
        raw.data[k] = this.options.maxSecondWeight * Math.exp(-(ex * ex + ey * ey) * invC - d * d * invD);
      }
    }
    const r = Math.max(1, Math.round(this.options.smoothRadius / 2));
    const tmp = s.floats('tmp', hw * hh);
    const once = boxBlurFloat(raw, r, { width: hw, height: hh, data: s.floats('blur', hw * hh) }, tmp);
    const twice = boxBlurFloat(once, r, raw, tmp);
    return resizeFloat(twice, width, height, 1, s.floats('weights', width * height));
  }

  /** A work image of this fusion, valid until the next `fuse` (like its result's second image and weights). */
  private image(name: string, width: number, height: number): RgbImage {
    return { width, height, data: this.scratch.bytes(name, width * height * 3) };
  }
}

/** out = w·second + (1 − w)·first, per pixel. */
export function blend(first: RgbImage, second: RgbImage, secondWeight: FloatMap): RgbImage {
  const out = createRgbImage(first.width, first.height);
  const w = secondWeight.data;
  for (let k = 0, i = 0; k < w.length; k++, i += 3) {
    const t = w[k];
    out.data[i] = first.data[i] + t * (second.data[i] - first.data[i]) + 0.5;
    out.data[i + 1] = first.data[i + 1] + t * (second.data[i + 1] - first.data[i + 1]) + 0.5;
    out.data[i + 2] = first.data[i + 2] + t * (second.data[i + 2] - first.data[i + 2]) + 0.5;
  }
  return out;
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
