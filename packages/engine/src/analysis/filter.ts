import { MIN_FRAME_STEP_SEC } from './frameStep.ts';

/**
 * One-Euro filter (Casiez et al., CHI 2012) over a vector of coordinates: strong smoothing while the face is still
 * (kills jitter), almost none while it moves fast (no lag). Values are divided by a scale (the face size) first, so the
 * same parameters behave alike for small and large faces.
 */
export interface OneEuroParams {
  /** Cut-off at rest, Hz: lower = smoother when still. */
  minCutoff: number;
  /** How fast the cut-off rises with speed (per face-size per second). */
  beta: number;
  /** Cut-off of the speed estimate, Hz. */
  derivativeCutoff: number;
}

export class OneEuroFilter {
  private value?: Float32Array;
  private speed?: Float32Array;
  private lastTime = 0;

  constructor(private readonly params: OneEuroParams) {}

  /**
   * Filters `x` (in place-safe: returns a new array) sampled at `timeSec`, with `scale` the current face size. Steps
   * shorter than a frame's are timing jitter and count as one (see MIN_FRAME_STEP_SEC).
   */
  apply(x: Float32Array, timeSec: number, scale: number): Float32Array {
    if (!this.value || !this.speed || this.value.length !== x.length || timeSec <= this.lastTime) {
      this.value = Float32Array.from(x);
      this.speed = new Float32Array(x.length);
      this.lastTime = timeSec;
      return Float32Array.from(x);
    }
    const dt = Math.max(timeSec - this.lastTime, MIN_FRAME_STEP_SEC);
    this.lastTime = timeSec;
    const { minCutoff, beta, derivativeCutoff } = this.params;
    const aD = alpha(derivativeCutoff, dt);
    const inv = 1 / Math.max(scale, 1e-6);
    const out = new Float32Array(x.length);
    for (let i = 0; i < x.length; i++) {
      const prev = this.value[i];
      const d = ((x[i] - prev) * inv) / dt;
      const s = this.speed[i] + aD * (d - this.speed[i]);
      this.speed[i] = s;
      const a = alpha(minCutoff + beta * Math.abs(s), dt);
      out[i] = this.value[i] = prev + a * (x[i] - prev);
    }
    return out;
  }

  reset(): void {
    this.value = undefined;
    this.speed = undefined;
  }
}

function alpha(cutoff: number, dt: number): number {
  const tau = 1 / (2 * Math.PI * cutoff);
  return 1 / (1 + tau / dt);
}

/**
 * Puts the shape of a group of points back to what the model read, keeping where the filter put the group (the shift
 * of its centroid), in place on `filtered`. For the lips: their opening is expression, and the One-Euro filter,
 * whose speed estimate lags at a syllable's onset, delayed it by about half a frame (mouth r against the synthetic
 * script 0.83 filtered, 0.85 with the read shape), while the mouth's position keeps the filter's steadiness.
 */
export function keepShape(filtered: Float32Array, raw: Float32Array, group: readonly number[]): void {
  let dx = 0;
  let dy = 0;
  for (const i of group) {
    dx += (filtered[3 * i] - raw[3 * i]) / group.length;
    dy += (filtered[3 * i + 1] - raw[3 * i + 1]) / group.length;
  }
  for (const i of group) {
    filtered[3 * i] = raw[3 * i] + dx;
    filtered[3 * i + 1] = raw[3 * i + 1] + dy;
  }
}
