import { FACE_MESH_POINTS, type FaceSpace } from '../image/faceSpace.ts';

/**
 * The lid gap of a drawn eye read shut, over its neutral gap: cartoon lids and lashes are thick lines, so the iris
 * model never reads a shut drawn eye fully closed (about 0.2–0.35 of its open gap on the synthetic character).
 */
export const SHUT_EYE_READING = 0.2;
/** Selfie lip gap (over mouth width) per unit of the cartoon's lip gap beyond its neutral one. */
export const MOUTH_GAIN = 1.5;
/** Widest lip gap (over mouth width) the selfie is given: a wide-open human mouth. */
const MAX_MOUTH_OPEN = 0.6;
/** How far the lid rows follow the lid margin when an eye closes (margin, lid, crease). */
const LID_ROW_WEIGHTS = [1, 0.9, 0.5] as const;

/** The cartoon's expression as the first face generator carries it over: absolute openings, per face. */
export interface MappedExpression {
  /** Per eye (right, left): the selfie's lid gap as a fraction of its own open gap (0 = shut … 1 = as in the selfie). */
  eyeOpen: [number, number];
  /** The selfie's inner-lip gap over its mouth width. */
  mouthOpen: number;
}

type Side = 'right' | 'left';
const SIDES: readonly Side[] = ['right', 'left'];

/**
 * Maps eye and mouth opening absolutely instead of as deltas onto the selfie's own face: the selfie's open, toothy
 * smile or narrow eyes must not shift the range (a closed cartoon mouth gives a closed mouth, a shut cartoon eye a
 * shut eye). Openings are read on the cartoon relative to its own neutral face, so any drawing style maps alike.
 */
export class ExpressionMapper {
  private readonly lids: Record<
    Side,
    { rows: (readonly number[])[]; lower: readonly number[]; region: readonly number[] }
  >;
  private readonly upperInner: readonly number[];
  private readonly lowerInner: readonly number[];
  /** Lower-lip points other than the inner ring: they move with the inner lip above them. */
  private readonly lowerLip: number[];
  private readonly lipPoints: Set<number>;

  constructor(private readonly space: FaceSpace) {
    const a = space.topology.annotations;
    const region = (side: Side) =>
      Object.entries(a)
        .filter(([n]) => n.startsWith(`${side}Eye`) && !n.startsWith(`${side}Eyebrow`) && !n.endsWith('Iris'))
        .flatMap(([, idx]) => idx);
    this.lids = {
      right: {
        rows: [a.rightEyeUpper0, a.rightEyeUpper1, a.rightEyeUpper2],
        lower: a.rightEyeLower0,
        region: region('right'),
      },
      left: {
        rows: [a.leftEyeUpper0, a.leftEyeUpper1, a.leftEyeUpper2],
        lower: a.leftEyeLower0,
        region: region('left'),
      },
    };
    this.upperInner = a.lipsUpperInner;
    this.lowerInner = a.lipsLowerInner;
    // Their end points are the mouth corners, which stay.
    this.lowerLip = [a.lipsLowerOuter, a.lipsLowerSemiOuter, a.lipsLowerSemiInner].flatMap((row) => row.slice(1, -1));
    this.lipPoints = new Set(Object.entries(a).flatMap(([n, idx]) => (n.startsWith('lips') ? idx : [])));
  }

  /** The opening the selfie should show, from the cartoon's pose-free landmarks and its neutral ones. */
  read(cartoon: Float32Array, neutral: Float32Array): MappedExpression {
    const eyeOpen = SIDES.map((side) => {
      const ratio = this.eyeGap(cartoon, side) / Math.max(1e-6, this.eyeGap(neutral, side));
      // No wider than the selfie's own eye: a drawn eye's reading swells as the head turns, a real lid does not.
      return clamp((ratio - SHUT_EYE_READING) / (1 - SHUT_EYE_READING), 0, 1);
    }) as [number, number];
    const lips = MOUTH_GAIN * (this.mouthGap(cartoon) - this.mouthGap(neutral));
    return { eyeOpen, mouthOpen: clamp(lips, 0, MAX_MOUTH_OPEN) };
  }

  /**
   * Sets the openings on the selfie geometry (pose-free face space, xyz), in place: each eye takes the selfie's own
   * shape with its upper lid lowered by the closed share of its gap; the lower lip hangs the mapped gap below the
   * upper one and the jaw follows it.
   */
  apply(geometry: Float32Array, own: Float32Array, expression: MappedExpression): void {
    SIDES.forEach((side, e) => {
      this.setEye(geometry, own, side, expression.eyeOpen[e]);
    });
    this.setMouth(geometry, own, expression.mouthOpen);
  }

  private setEye(geometry: Float32Array, own: Float32Array, side: Side, open: number): void {
    const { rows, lower, region } = this.lids[side];
    // The eye keeps the selfie's own shape, only its opening is the cartoon's: drawn eyes give FaceMesh and the
    // iris model shapes no real eye has, and their deltas, scaled to the selfie's eye, tear its lids apart.
    for (const i of region) {
      geometry[3 * i] = own[3 * i];
      geometry[3 * i + 1] = own[3 * i + 1];
    }
    // The lid margin drops by the closed share of the selfie's own lid gap; rows above follow part of the way.
    const drops = rows[0].map((i) => (1 - open) * Math.max(0, chainY(own, lower, own[3 * i]) - own[3 * i + 1]));
    rows.forEach((row, r) => {
      row.forEach((i, k) => {
        geometry[3 * i + 1] += LID_ROW_WEIGHTS[r] * drops[Math.min(k, drops.length - 1)];
      });
    });
  }

  private setMouth(geometry: Float32Array, own: Float32Array, open: number): void {
    const lo = this.lowerInner;
    const left = lo[0];
    const right = lo[lo.length - 1];
    const x0 = geometry[3 * left];
    const x1 = geometry[3 * right];
    const width = this.mouthWidth(geometry);
    // The lower inner lip hangs the mapped gap below the upper one (a rounded opening, widest mid-mouth); the
    // cartoon's own lower-lip and jaw motion is dropped there, since drawn mouths give FaceMesh odd lower lips.
    const xs: number[] = [x0];
    const ys: number[] = [geometry[3 * left + 1]];
    this.upperInner.forEach((u, k) => {
      const x = geometry[3 * lo[k + 1]];
      const t = clamp((x - x0) / (x1 - x0 || 1), 0, 1);
      xs.push(x);
      ys.push(geometry[3 * u + 1] + open * width * Math.sin(Math.PI * t) ** 0.7);
    });
    xs.push(x1);
    ys.push(geometry[3 * right + 1]);
    const ownXs = lo.map((i) => own[3 * i]);
    const ownYs = lo.map((i) => own[3 * i + 1]);
    // Each lower-lip point keeps its own height below the inner lip: the selfie's lip thickness.
    for (const i of this.lowerLip) {
      const below = own[3 * i + 1] - interpolateAny(ownXs, ownYs, own[3 * i]);
      geometry[3 * i + 1] = interpolate(xs, ys, geometry[3 * i]) + below;
    }
    for (let k = 1; k + 1 < lo.length; k++) geometry[3 * lo[k] + 1] = ys[k];
    // The jaw follows the lower lip's mid point from where it is on the selfie, fading out beside the mouth.
    const mid = lo.length >> 1;
    const jaw = ys[mid] - ownYs[mid];
    const cx = (own[3 * left] + own[3 * right]) / 2;
    const half = Math.abs(own[3 * right] - own[3 * left]) / 2;
    for (let i = 0; i < FACE_MESH_POINTS; i++) {
      if (this.lipPoints.has(i) || own[3 * i + 1] <= ownYs[mid]) continue;
      const w = 1 - smoothstep(half, 2.5 * half, Math.abs(own[3 * i] - cx));
      geometry[3 * i + 1] += w * (own[3 * i + 1] + jaw - geometry[3 * i + 1]);
    }
  }

  /** Lid gap of an eye: the area of its ring over its width squared (all 16 lid points count). */
  private eyeGap(pts: Float32Array, side: Side): number {
    const { rows, lower } = this.lids[side];
    const ring = [...lower, ...[...rows[0]].reverse()];
    let area = 0;
    for (let k = 0; k < ring.length; k++) {
      const p = ring[k];
      const q = ring[(k + 1) % ring.length];
      area += pts[3 * p] * pts[3 * q + 1] - pts[3 * q] * pts[3 * p + 1];
    }
    const a = lower[0];
    const b = lower[lower.length - 1];
    const w = Math.hypot(pts[3 * a] - pts[3 * b], pts[3 * a + 1] - pts[3 * b + 1]);
    return w > 1e-6 ? Math.abs(area) / 2 / (w * w) : 0;
  }

  /** Inner-lip gap over mouth width, averaged over the three middle columns. */
  private mouthGap(pts: Float32Array): number {
    const mid = this.upperInner.length >> 1;
    let gap = 0;
    for (let k = mid - 1; k <= mid + 1; k++) {
      gap += (pts[3 * this.lowerInner[k + 1] + 1] - pts[3 * this.upperInner[k] + 1]) / 3;
    }
    return gap / Math.max(1e-6, this.mouthWidth(pts));
  }

  private mouthWidth(pts: Float32Array): number {
    const a = this.space.topology.annotations.lipsLowerOuter;
    const p = a[0];
    const q = a[a.length - 1];
    return Math.hypot(pts[3 * p] - pts[3 * q], pts[3 * p + 1] - pts[3 * q + 1]);
  }
}

/** y of the landmark chain `chain` at column x (linear between its points, clamped at its ends). */
function chainY(pts: Float32Array, chain: readonly number[], x: number): number {
  const xs = chain.map((i) => pts[3 * i]);
  const ys = chain.map((i) => pts[3 * i + 1]);
  return interpolateAny(xs, ys, x);
}

/** interpolate() for points sorted by x either way. */
function interpolateAny(xs: number[], ys: number[], x: number): number {
  return xs[0] <= xs[xs.length - 1] ? interpolate(xs, ys, x) : interpolate([...xs].reverse(), [...ys].reverse(), x);
}

/** Piecewise-linear y(x) through points sorted by x, clamped at the ends. */
function interpolate(xs: readonly number[], ys: readonly number[], x: number): number {
  if (x <= xs[0]) return ys[0];
  for (let k = 1; k < xs.length; k++) {
    if (x <= xs[k]) {
      const t = xs[k] > xs[k - 1] ? (x - xs[k - 1]) / (xs[k] - xs[k - 1]) : 0;
      return ys[k - 1] + t * (ys[k] - ys[k - 1]);
    }
  }
  return ys[ys.length - 1];
}

const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));

function smoothstep(e0: number, e1: number, x: number): number {
  const t = clamp((x - e0) / (e1 - e0), 0, 1);
  return t * t * (3 - 2 * t);
}
