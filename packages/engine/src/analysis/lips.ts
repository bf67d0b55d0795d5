import type { RgbImage } from '@tooncast/shared';
import { sampleRgbInto } from '../image/sample.ts';
import { type Landmarks, MOUTH_CORNERS } from './mesh.ts';

/** Cheek points beside the mouth and nose: their colour is the character's skin around the mouth. */
const SKIN_POINTS = [50, 280, 205, 425, 36, 266];
/** FaceMesh's mid inner-lip points (upper, lower). */
const MID_INNER = [13, 14] as const;
/** Nearest the profile's peak comes to a mouth corner, as a share of the corner-to-corner span. */
const MID_OFF_CORNER = 0.1;
/** Columns read across the mouth, in mouth widths from its centre along the mouth line. */
const COLUMNS = [-0.15, 0, 0.15];
/** Sampling step along a column, px. */
const STEP = 0.5;
/**
 * How far a column is followed from the mouth line each way, in mouth widths: a run this long is no mouth. Big Buck
 * Bunny's grin, FaceMesh's mouth line on its muzzle, ends 0.83 widths below that line.
 */
const REACH = 1;
/**
 * How far from the mouth line the mouth's first pixel may be, in mouth widths: on Big Buck Bunny's grin FaceMesh
 * puts the lips on the muzzle, 0.28 widths above the open mouth.
 */
const START_REACH = 0.3;
/**
 * Skin-coloured stretches this short (mouth widths) inside the mouth are bridged: the highlight on closed lips, the
 * gap between teeth.
 */
const BRIDGE = 0.08;
/** Chromaticity distance (r, g of r+g+b) from the skin beyond which a pixel is mouth (lips, teeth, interior). */
const CHROMA_DISTANCE = 0.03;
/** Pixels darker than this share of the skin's brightness are mouth whatever their hue (a shadowed interior). */
const DARK = 0.45;
/** Mouth heights above this (mouth widths) are a prop in front of the mouth, not the mouth. */
const MAX_HEIGHT = 0.9;
/** Readings the resting height is taken from (10 s at 24 fps), and its low quantile: lips meet between syllables. */
const REST_WINDOW = 240;
const REST_QUANTILE = 0.1;
/** Unreadable frames that keep the last readable opening (a grin's edge or a passing prop for a moment). */
const HOLD_READINGS = 2;

/** The mouth as its colours show it in one frame. */
export interface MouthReading {
  /** Outer height of the mouth (lips and what shows between them) over mouth width; undefined when unreadable. */
  height?: number;
  /** Lip gap over mouth width: the height beyond the mouth's height at rest (0 when unreadable). */
  gap: number;
}

/**
 * Reads how far a drawn mouth is open from its colours, and sets the inner lips to that opening. FaceMesh, trained on
 * real faces, puts the inner lips of a drawn mouth across the lips' thickness (a closed synthetic mouth reads 0.05–0.16
 * of its width, changing with the head's pose) and follows the tongue and teeth poorly. The mouth's outline against
 * the skin is the sharpest edge there in any drawing style: lips, teeth, tongue and interior all differ from the skin
 * in hue or are dark. Its height grows by the lip gap as the jaw drops while the lips keep their thickness, so the gap
 * is the height beyond the height at rest, which is learnt over the frames. Part of step 1's state for one video.
 */
export class LipReader {
  /** The latest readable heights, oldest first. */
  private readonly heights: number[] = [];
  private readonly rgb = new Uint8Array(3);
  /** The last readable opening, and the unreadable frames since. */
  private lastGap = 0;
  private unreadable = 0;
  /** The picked frame's mouth height (+∞ when none was read): an upper bound of the rest. */
  private readonly pickedHeight: number;

  /**
   * @param pickedHeight the mouth's height on the picked frame: the rest is never taken above it. Learnt from the
   *   readings alone, a character that grins or pouts for seconds (Big Buck Bunny's first 5 s facing the camera) had
   *   that for its rest, and the new face kept its mouth shut through them.
   */
  constructor(
    /** FaceMesh's upper inner lip without the corners, and the lower inner lip from corner to corner. */
    private readonly upperInner: readonly number[],
    private readonly lowerInner: readonly number[],
    pickedHeight?: number,
  ) {
    this.pickedHeight = pickedHeight ?? Number.POSITIVE_INFINITY;
  }

  /** Reads the frame's mouth and moves the landmarks' inner lips to its opening, in place. */
  refine(frame: RgbImage, landmarks: Landmarks): MouthReading {
    const height = this.height(frame, landmarks);
    let gap: number;
    if (height !== undefined) {
      gap = Math.max(0, height - this.restHeight(height));
      this.lastGap = gap;
      this.unreadable = 0;
    } else {
      // A mouth hidden behind a prop, or not told apart from the skin, keeps its opening a moment, then shows at
      // rest: nothing says it moves.
      gap = ++this.unreadable <= HOLD_READINGS ? this.lastGap : 0;
    }
    this.setInnerLips(landmarks, gap);
    return { height, gap };
  }

  /** Takes a readable height; the low end of the recent ones, or the picked frame's if lower, is the mouth at rest. */
  private restHeight(height: number): number {
    this.heights.push(height);
    if (this.heights.length > REST_WINDOW) this.heights.shift();
    const sorted = [...this.heights].sort((a, b) => a - b);
    return Math.min(this.pickedHeight, sorted[Math.floor(REST_QUANTILE * (sorted.length - 1))]);
  }

  /** Median outer height of the mouth's columns over mouth width, or undefined when fewer than two read. */
  private height(frame: RgbImage, lm: Landmarks): number | undefined {
    const [r, l] = MOUTH_CORNERS;
    const ux = lm[3 * l] - lm[3 * r];
    const uy = lm[3 * l + 1] - lm[3 * r + 1];
    const width = Math.hypot(ux, uy);
    if (width < 4) return undefined;
    const u = [ux / width, uy / width];
    // Down the face: the side of the mouth line the chin is on.
    const v = [-u[1], u[0]];
    const [top, bottom] = MID_INNER;
    const cx = (lm[3 * top] + lm[3 * bottom]) / 2;
    const cy = (lm[3 * top + 1] + lm[3 * bottom + 1]) / 2;
    const skin = this.skinColour(frame, lm);
    const isMouth = (x: number, y: number) => {
      const c = this.chroma(frame, x, y);
      return Math.hypot(c[0] - skin[0], c[1] - skin[1]) > CHROMA_DISTANCE || c[2] < DARK * skin[2];
    };
    const heights: number[] = [];
    for (const along of COLUMNS) {
      const ox = cx + u[0] * along * width;
      const oy = cy + u[1] * along * width;
      const h = columnHeight((s) => isMouth(ox + v[0] * s, oy + v[1] * s), width);
      if (h !== undefined && h <= MAX_HEIGHT * width) heights.push(h / trueWidth(lm));
    }
    if (heights.length < 2) return undefined;
    heights.sort((a, b) => a - b);
    return heights.length === 2 ? (heights[0] + heights[1]) / 2 : heights[heights.length >> 1];
  }

  /** Per-channel median chromaticity (r, g) and brightness of the skin points. */
  private skinColour(frame: RgbImage, lm: Landmarks): [number, number, number] {
    const samples = SKIN_POINTS.map((i) => this.chroma(frame, lm[3 * i], lm[3 * i + 1]));
    const median = (k: number) => samples.map((c) => c[k]).sort((a, b) => a - b)[samples.length >> 1];
    return [median(0), median(1), median(2)];
  }

  private chroma(frame: RgbImage, x: number, y: number): [number, number, number] {
    sampleRgbInto(frame, x, y, this.rgb, 0);
    const sum = this.rgb[0] + this.rgb[1] + this.rgb[2] + 1;
    return [this.rgb[0] / sum, this.rgb[1] / sum, sum / 3];
  }

  /**
   * The inner lips open by `gap` mouth widths at the mid inner-lip points (where the mouth was read) and less toward
   * the corners, as a real opening does, about their own mid line (the corners stay).
   */
  private setInnerLips(lm: Landmarks, gap: number): void {
    const lo = this.lowerInner;
    const x0 = lm[3 * lo[0]];
    const y0 = lm[3 * lo[0] + 1];
    const ux = lm[3 * lo[lo.length - 1]] - x0;
    const uy = lm[3 * lo[lo.length - 1] + 1] - y0;
    const span2 = ux * ux + uy * uy;
    if (span2 < 1e-6) return;
    const half = (gap * trueWidth(lm)) / 2;
    const vx = -uy / Math.sqrt(span2);
    const vy = ux / Math.sqrt(span2);
    const along = (x: number, y: number) => Math.min(1, Math.max(0, ((x - x0) * ux + (y - y0) * uy) / span2));
    const [top, bottom] = MID_INNER;
    // FaceMesh's mid points sit off the corners' centre on a turned head: the profile peaks at them (kept off
    // the corners themselves, where a lip pair's share of the profile would be 0 / 0).
    const middle = along((lm[3 * top] + lm[3 * bottom]) / 2, (lm[3 * top + 1] + lm[3 * bottom + 1]) / 2);
    const mid = Math.min(1 - MID_OFF_CORNER, Math.max(MID_OFF_CORNER, middle));
    const pairs = this.upperInner.map((up, k) => [up, lo[k + 1]] as const);
    for (const [up, down] of pairs) {
      const mx = (lm[3 * up] + lm[3 * down]) / 2;
      const my = (lm[3 * up + 1] + lm[3 * down + 1]) / 2;
      const t = along(mx, my);
      const d = half * mouthOpeningProfile(t <= mid ? (0.5 * t) / mid : 0.5 + (0.5 * (t - mid)) / (1 - mid));
      lm[3 * up] = mx - vx * d;
      lm[3 * up + 1] = my - vy * d;
      lm[3 * down] = mx + vx * d;
      lm[3 * down + 1] = my + vy * d;
    }
  }
}

/** Mouth width with FaceMesh's depth: the image width shrinks as the head turns, the lips' height does not. */
function trueWidth(lm: Landmarks): number {
  const [r, l] = MOUTH_CORNERS;
  return Math.hypot(lm[3 * l] - lm[3 * r], lm[3 * l + 1] - lm[3 * r + 1], lm[3 * l + 2] - lm[3 * r + 2]);
}

/** Share of the mid-mouth opening at position t (0 … 1, corner to corner) along an open mouth. */
export function mouthOpeningProfile(t: number): number {
  return Math.sin(Math.PI * Math.min(1, Math.max(0, t))) ** 0.7;
}

/**
 * Length (px) of the run of mouth pixels across the mouth line along one column, `isMouth(s)` at signed distance s
 * from the line; undefined when no mouth pixel is near the line or the run reaches as far as the column is followed.
 */
function columnHeight(isMouth: (s: number) => boolean, width: number): number | undefined {
  let start: number | undefined;
  for (let d = 0; d <= START_REACH * width && start === undefined; d += STEP) {
    if (isMouth(d)) start = d;
    else if (isMouth(-d)) start = -d;
  }
  if (start === undefined) return undefined;
  const edge = (dir: number): number | undefined => {
    let last = start!;
    for (let s = start! + dir * STEP; Math.abs(s) <= REACH * width; s += dir * STEP) {
      if (isMouth(s)) last = s;
      else if (Math.abs(s - last) > BRIDGE * width) return last;
    }
    return undefined;
  };
  const up = edge(-1);
  const down = edge(1);
  return up === undefined || down === undefined ? undefined : down - up;
}
