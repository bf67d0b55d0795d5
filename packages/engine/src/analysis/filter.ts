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

  /** Filters `x` (in place-safe: returns a new array) sampled at `timeSec`, with `scale` the current face size. */
  apply(x: Float32Array, timeSec: number, scale: number): Float32Array {
    if (!this.value || !this.speed || this.value.length !== x.length || timeSec <= this.lastTime) {
      this.value = Float32Array.from(x);
      this.speed = new Float32Array(x.length);
      this.lastTime = timeSec;
      return Float32Array.from(x);
    }
    const dt = timeSec - this.lastTime;
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
