import type { RgbImage } from '@tooncast/shared';
import { boxBlurFloat } from '../image/blur.ts';

/** Opponent-colour bins: luma in 8 steps of 32; r−g and (r+g)/2−b in 32 steps of 16 each. */
const L_BINS = 8;
const C_BINS = 32;
const BINS = L_BINS * C_BINS * C_BINS;
/** The share of the character's own face pixels allowed to look "unlike the face" (sets the density threshold). */
const FALSE_ALARM = 0.01;

function binOf(r: number, g: number, b: number): number {
  const l = ((r + g + b) / 3) >> 5;
  const a = (r - g + 256) >> 4;
  const c = (((r + g) >> 1) - b + 256) >> 4;
  return (l * C_BINS + a) * C_BINS + c;
}

/**
 * What the character's face is expected to look like: a colour histogram of its face (inside the oval, away from
 * the edge), learnt on the first frame and slowly updated from pixels judged to be face. A pixel of the face oval
 * whose colour the face practically never shows belongs to something else — a prop in front of the face, or
 * background where FaceMesh's oval overshoots the head — and the compositor leaves it alone.
 */
export class FaceAppearance {
  private readonly hist = new Float32Array(BINS);
  private readonly update = new Float32Array(BINS);
  private readonly density = new Float32Array(BINS);
  private readonly smoothTmp = new Float32Array(BINS);
  private threshold = 0;
  private learnt = false;

  /** @param rate how fast the model follows the face (share of the histogram replaced per frame). */
  constructor(private readonly rate = 0.03) {}

  get ready(): boolean {
    return this.learnt;
  }

  /** Learns from the pixels of `img` whose weight is above 0.5 (the first call sets the model outright). */
  learn(img: RgbImage, weight: Float32Array): void {
    const u = this.update.fill(0);
    const d = img.data;
    let n = 0;
    for (let k = 0; k < weight.length; k++) {
      if (weight[k] <= 0.5) continue;
      u[binOf(d[3 * k], d[3 * k + 1], d[3 * k + 2])]++;
      n++;
    }
    if (n < 32) return;
    const rate = this.learnt ? this.rate : 1;
    for (let i = 0; i < BINS; i++) this.hist[i] = (1 - rate) * this.hist[i] + (rate * u[i]) / n;
    this.learnt = true;
    this.smooth();
  }

  /**
   * Per pixel of `img` where `within` > 0: 1 when its colour is unlike the face's, else 0 (into `out`).
   * Call only once `ready`.
   */
  unlike(img: RgbImage, within: Float32Array, out: Float32Array): Float32Array {
    const d = img.data;
    const t = this.threshold;
    for (let k = 0; k < within.length; k++) {
      out[k] = within[k] > 0 && this.density[binOf(d[3 * k], d[3 * k + 1], d[3 * k + 2])] < t ? 1 : 0;
    }
    return out;
  }

  /**
   * Density = histogram spread over neighbouring bins (a shade darker or lighter, a little more or less saturated
   * still counts as the face); the threshold is the density below which only FALSE_ALARM of the face's mass lies.
   */
  private smooth(): void {
    const h = this.hist;
    const s = this.density.fill(0);
    for (let l = 0; l < L_BINS; l++) {
      for (let a = 0; a < C_BINS; a++) {
        for (let c = 0; c < C_BINS; c++) {
          const v = h[(l * C_BINS + a) * C_BINS + c];
          if (v === 0) continue;
          for (let dl = -1; dl <= 1; dl++) {
            const ll = l + dl;
            if (ll < 0 || ll >= L_BINS) continue;
            for (let da = -1; da <= 1; da++) {
              const aa = a + da;
              if (aa < 0 || aa >= C_BINS) continue;
              const base = (ll * C_BINS + aa) * C_BINS;
              for (let dc = -1; dc <= 1; dc++) {
                const cc = c + dc;
                if (cc >= 0 && cc < C_BINS) s[base + cc] += v;
              }
            }
          }
        }
      }
    }
    // Threshold: sort the occupied bins by density and walk up until FALSE_ALARM of the face's mass is passed.
    const order = this.smoothTmp;
    let m = 0;
    for (let i = 0; i < BINS; i++) if (h[i] > 0) order[m++] = i;
    const occupied = Array.from(order.subarray(0, m)).sort((p, q) => s[p] - s[q]);
    let mass = 0;
    // Colours the face has never shown (zero density) are always unlike it.
    this.threshold = Number.MIN_VALUE;
    for (const i of occupied) {
      mass += h[i];
      if (mass > FALSE_ALARM) break;
      this.threshold = s[i];
    }
  }
}

/**
 * Turns a per-pixel "unlike the face" map (box-sized) into a soft occluder mask: a majority vote over a small window
 * drops stray pixels (compression noise, a highlight), then the edge is softened. `radius` is in pixels.
 */
export function occluderMask(
  unlike: Float32Array,
  width: number,
  height: number,
  radius: number,
  work: { out: Float32Array; tmp: Float32Array; vote: Float32Array },
): Float32Array {
  const r = Math.max(1, Math.round(radius));
  const vote = boxBlurFloat({ width, height, data: unlike }, r, { width, height, data: work.vote }, work.tmp).data;
  for (let k = 0; k < vote.length; k++) {
    const t = (vote[k] - 0.35) / 0.3;
    vote[k] = t <= 0 ? 0 : t >= 1 ? 1 : t * t * (3 - 2 * t);
  }
  return boxBlurFloat({ width, height, data: vote }, r, { width, height, data: work.out }, work.tmp).data;
}
