import type { RgbImage } from '@tooncast/shared';
import type { Affine } from '../geometry.ts';
import { boxBlurFloat } from '../image/blur.ts';

/** Opponent-colour bins: luma in 8 steps of 32; r−g and (r+g)/2−b in 32 steps of 16 each. */
const L_BINS = 8;
const C_BINS = 32;
const BINS = L_BINS * C_BINS * C_BINS;
/** The share of the character's own face pixels allowed to look "unlike the face" (sets the density threshold). */
const FALSE_ALARM = 0.01;
/** Luma, relative to the skin's, below which a pixel is the cartoon's own ink or shadow. */
const DARK = 0.4;
/** Luma bins a face colour spreads over each way in the density (±64 luma: light and shade). */
const L_SPREAD = 2;

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
  /** Mean luma of the face's skin: anything much darker is taken for the cartoon's own ink and shadow. */
  private skinLuma = 0;

  /** @param rate how fast the model follows the face (share of the histogram replaced per frame). */
  constructor(private readonly rate = 0.03) {}

  /** Forgets the face: the next `learn` sets the model outright, as the first did. */
  forget(): void {
    this.learnt = false;
  }

  /** Learns from the pixels of `img` whose weight is above 0.5 (the first call sets the model outright). */
  learn(img: RgbImage, weight: Float32Array): void {
    const u = this.update.fill(0);
    const d = img.data;
    let n = 0;
    let luma = 0;
    for (let k = 0; k < weight.length; k++) {
      if (weight[k] <= 0.5) continue;
      u[binOf(d[3 * k], d[3 * k + 1], d[3 * k + 2])]++;
      luma += d[3 * k] + d[3 * k + 1] + d[3 * k + 2];
      n++;
    }
    if (n < 32) return;
    const rate = this.learnt ? this.rate : 1;
    this.skinLuma = (1 - rate) * this.skinLuma + (rate * luma) / (3 * n);
    for (let i = 0; i < BINS; i++) this.hist[i] = (1 - rate) * this.hist[i] + (rate * u[i]) / n;
    this.learnt = true;
    this.smooth();
  }

  /**
   * Per pixel of `img` where `within` > 0: 1 when its colour is unlike the face's, else 0 (into `out`). Pixels far
   * darker than the skin count only with `countDark` set: in a cartoon they are its own ink lines, mouth interior and
   * deep shadow, never taken for an occluder, but they are features of the face. Call after a first `learn`.
   */
  unlike(img: RgbImage, within: Float32Array, out: Float32Array, countDark = false): Float32Array {
    const d = img.data;
    const t = this.threshold;
    const darkSum = 3 * DARK * this.skinLuma;
    for (let k = 0; k < within.length; k++) {
      const r = d[3 * k];
      const g = d[3 * k + 1];
      const b = d[3 * k + 2];
      if (within[k] <= 0) out[k] = 0;
      else if (r + g + b <= darkSum) out[k] = countDark ? 1 : 0;
      else out[k] = this.density[binOf(r, g, b)] < t ? 1 : 0;
    }
    return out;
  }

  /**
   * Density = histogram spread over neighbouring bins (shades darker or lighter, a little more or less saturated
   * still count as the face); the threshold is the density below which only FALSE_ALARM of the face's mass lies.
   */
  private smooth(): void {
    const h = this.hist;
    const s = this.density.fill(0);
    for (let l = 0; l < L_BINS; l++) {
      for (let a = 0; a < C_BINS; a++) {
        for (let c = 0; c < C_BINS; c++) {
          const v = h[(l * C_BINS + a) * C_BINS + c];
          if (v === 0) continue;
          for (let dl = -L_SPREAD; dl <= L_SPREAD; dl++) {
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

/** Share of a window's pixels that must be unlike the face for its centre to count as covered. */
const VOTE = 0.35;

/**
 * Turns a per-pixel "unlike the face" map (box-sized) into a soft occluder mask: a majority vote over a small window
 * drops stray pixels (compression noise, a highlight), then the edge is softened outwards. `radius` is in pixels.
 * Undefined when too few pixels are unlike for any window to pass the vote (the usual frame: nothing in front).
 */
export function occluderMask(
  unlike: Float32Array,
  width: number,
  height: number,
  radius: number,
  work: { out: Float32Array; tmp: Float32Array; vote: Float32Array },
): Float32Array | undefined {
  const r = Math.max(1, Math.round(radius));
  let count = 0;
  for (let k = 0; k < unlike.length; k++) count += unlike[k];
  if (count < VOTE * (2 * r + 1) ** 2) return undefined;
  const vote = boxBlurFloat({ width, height, data: unlike }, r, { width, height, data: work.vote }, work.tmp).data;
  for (let k = 0; k < vote.length; k++) {
    const t = (vote[k] - VOTE) / 0.3;
    vote[k] = t <= 0 ? 0 : t >= 1 ? 1 : t * t * (3 - 2 * t);
  }
  // Softened outwards (doubled blur, capped): the occluder keeps its own edge pixels, the fade falls on the face.
  const out = boxBlurFloat({ width, height, data: vote }, r, { width, height, data: work.out }, work.tmp).data;
  for (let k = 0; k < out.length; k++) out[k] = Math.min(1, 2 * out[k]);
  return out;
}

/** Cells per side of the face-space grid of the character's own non-skin features. */
const GRID = 24;

/** Frames the feature map learns from (half a second at 24 fps): an expression or two, the mouth open and shut. */
const FEATURE_FRAMES = 12;
/** Share of a cell that must show non-skin colours for the cell to hold a feature. */
const FEATURE_SHARE = 0.3;

/**
 * Where, in the face space, the character's own face is not skin-coloured (its mouth, nostrils, eye sockets,
 * drawn lines), learnt over the first FEATURE_FRAMES frames: such pixels are features of the face, not something
 * in front of it. FaceMesh's organ rings on a cartoon do not always cover its drawn mouth or eyes; this fills the
 * gap. Until it is learnt, nothing is judged an occluder.
 */
export class FaceFeatureMap {
  private readonly cells = new Float32Array(GRID * GRID);
  private readonly frame = new Float32Array(GRID * GRID);
  private readonly counts = new Float32Array(GRID * GRID);
  private frames = 0;

  constructor(private readonly faceSize: number) {}

  get ready(): boolean {
    return this.frames >= FEATURE_FRAMES;
  }

  /**
   * Learns from box pixels (box origin x0, y0 in the frame) where `within` > 0: `nonSkin` marks the ones that are
   * not skin-coloured; `toFace` maps frame pixels to the face space. A cell keeps the most it ever showed.
   */
  learn(nonSkin: Float32Array, within: Float32Array, width: number, x0: number, y0: number, toFace: Affine): void {
    const sum = this.frame.fill(0);
    const n = this.counts.fill(0);
    this.visit(within, width, x0, y0, toFace, (k, cell) => {
      sum[cell] += nonSkin[k];
      n[cell]++;
    });
    // Grown by a cell: features move a little in the face space as the head turns and the expression changes.
    for (let y = 0; y < GRID; y++) {
      for (let x = 0; x < GRID; x++) {
        let m = 0;
        for (let dy = -1; dy <= 1; dy++) {
          for (let dx = -1; dx <= 1; dx++) {
            const c = (y + dy) * GRID + x + dx;
            if (y + dy >= 0 && y + dy < GRID && x + dx >= 0 && x + dx < GRID && n[c] > 0)
              m = Math.max(m, sum[c] / n[c]);
          }
        }
        this.cells[y * GRID + x] = Math.max(this.cells[y * GRID + x], m);
      }
    }
    this.frames++;
  }

  /** Sets `out` to 1 on box pixels where the face space holds one of the character's own features. */
  mark(out: Float32Array, within: Float32Array, width: number, x0: number, y0: number, toFace: Affine): void {
    const cells = this.cells;
    this.visit(within, width, x0, y0, toFace, (k, cell) => {
      if (cells[cell] > FEATURE_SHARE) out[k] = 1;
    });
  }

  private visit(
    within: Float32Array,
    width: number,
    x0: number,
    y0: number,
    m: Affine,
    fn: (k: number, cell: number) => void,
  ): void {
    const scale = GRID / this.faceSize;
    for (let k = 0; k < within.length; k++) {
      if (within[k] <= 0) continue;
      const x = (k % width) + x0;
      const y = ((k / width) | 0) + y0;
      const u = Math.floor((m[0] * x + m[1] * y + m[2]) * scale);
      const v = Math.floor((m[3] * x + m[4] * y + m[5]) * scale);
      if (u >= 0 && v >= 0 && u < GRID && v < GRID) fn(k, v * GRID + u);
    }
  }
}
