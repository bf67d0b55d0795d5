import { type Gaze, lidGap } from '../analysis/expression.ts';
import { chainY } from '../geometry.ts';
import { FACE_MESH_POINTS, type FaceSpace } from '../image/faceSpace.ts';
import { mouthWidth, ringPolygon, smoothstep } from './landmarkCurves.ts';

/**
 * The lid gap of a drawn eye read shut, over its neutral gap: cartoon lids and lashes are thick lines, so the iris
 * model never reads a shut drawn eye fully closed (about 0.2–0.35 of its open gap on the synthetic character).
 */
export const SHUT_EYE_READING = 0.2;
/**
 * Selfie lip gap (over mouth width) per unit of the cartoon's lip gap beyond its neutral one: a drawn mouth opened
 * wide reads a gap of about 0.3 of its width (the synthetic character's widest, as step 1 reads it), a real one 0.6.
 */
export const MOUTH_GAIN = 2;
/** Widest lip gap (over mouth width) the selfie is given: a wide-open human mouth. */
const MAX_MOUTH_OPEN = 0.6;
/**
 * A gaze reading this far off centre (eye widths) is no look aside: a drawn character looking ahead reads up to
 * ±0.12 as its head turns (its irises sit behind the eye's outline) and ±0.02 of noise.
 */
const GAZE_DEADBAND = 0.08;
/** Selfie iris shift per unit of the cartoon's gaze beyond the deadband: a drawn iris, larger, moves less. */
const GAZE_GAIN = 2;
/**
 * Largest iris shift, in eye widths, along the eye line and across it: a human iris reaches the corner of the eye
 * about a quarter width from the middle, and looks up or down mostly with the lids.
 */
const MAX_GAZE = [0.22, 0.06] as const;
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

  constructor(space: FaceSpace) {
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

  /**
   * The opening the selfie should show, from the cartoon's landmarks, its neutral ones and its eyes' open lid gap
   * (the neutral eyes' when not given). Step 1 reads the lip gap beyond the character's own mouth at rest
   * (LipReader), and the neutral face's lips are closed.
   */
  read(cartoon: Float32Array, neutral: Float32Array, open = meanLidGap(neutral)): MappedExpression {
    // Both eyes against one open gap: one frame's reading of a small drawn eye is noisy (Big Buck Bunny's clicked
    // frame reads lid gaps of 0.33 and 0.17 of the lids' spans, both eyes' median over the clip 0.23–0.25), and a
    // character's eyes are alike.
    const eyeOpen = ([0, 1] as const).map((eye) => {
      const ratio = lidGap(cartoon, eye) / Math.max(1e-6, open);
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
    const lowerLid = ringPolygon(own, lower);
    const drops = rows[0].map((i) => (1 - open) * Math.max(0, chainY(lowerLid, own[3 * i]) - own[3 * i + 1]));
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
    const width = mouthWidth(geometry);
    // The lower inner lip hangs the mapped gap below the upper one (a rounded opening, widest mid-mouth); the
    // cartoon's own lower-lip and jaw motion is dropped there, since drawn mouths give FaceMesh odd lower lips.
    const hung = ringPolygon(geometry, lo);
    this.upperInner.forEach((u, k) => {
      const t = clamp((hung[2 * (k + 1)] - x0) / (x1 - x0 || 1), 0, 1);
      hung[2 * (k + 1) + 1] = geometry[3 * u + 1] + open * width * Math.sin(Math.PI * t) ** 0.7;
    });
    const ownInner = ringPolygon(own, lo);
    // Each lower-lip point keeps its own height below the inner lip: the selfie's lip thickness.
    for (const i of this.lowerLip) {
      const below = own[3 * i + 1] - chainY(ownInner, own[3 * i]);
      geometry[3 * i + 1] = chainY(hung, geometry[3 * i]) + below;
    }
    for (let k = 1; k + 1 < lo.length; k++) geometry[3 * lo[k] + 1] = hung[2 * k + 1];
    // The jaw follows the lower lip's mid point from where it is on the selfie, fading out beside the mouth.
    const mid = lo.length >> 1;
    const jaw = hung[2 * mid + 1] - ownInner[2 * mid + 1];
    const cx = (own[3 * left] + own[3 * right]) / 2;
    const half = Math.abs(own[3 * right] - own[3 * left]) / 2;
    for (let i = 0; i < FACE_MESH_POINTS; i++) {
      if (this.lipPoints.has(i) || own[3 * i + 1] <= ownInner[2 * mid + 1]) continue;
      const w = 1 - smoothstep(half, 2.5 * half, Math.abs(own[3 * i] - cx));
      geometry[3 * i + 1] += w * (own[3 * i + 1] + jaw - geometry[3 * i + 1]);
    }
  }

  /** Inner-lip gap over mouth width, averaged over the three middle columns. */
  private mouthGap(pts: Float32Array): number {
    const mid = this.upperInner.length >> 1;
    let gap = 0;
    for (let k = mid - 1; k <= mid + 1; k++) {
      gap += (pts[3 * this.lowerInner[k + 1] + 1] - pts[3 * this.upperInner[k] + 1]) / 3;
    }
    return gap / Math.max(1e-6, mouthWidth(pts));
  }
}

/** Both eyes' mean lid gap (see lidGap). */
export function meanLidGap(landmarks: ArrayLike<number>): number {
  return (lidGap(landmarks, 0) + lidGap(landmarks, 1)) / 2;
}

const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));

/** The selfie's iris shift (eye widths along the eye line and across it) for the cartoon's gaze (step 1's reading). */
export function mapGaze(gaze: Gaze): Gaze {
  const shift = (v: number, limit: number) =>
    clamp(GAZE_GAIN * Math.sign(v) * Math.max(0, Math.abs(v) - GAZE_DEADBAND), -limit, limit);
  return { x: shift(gaze.x, MAX_GAZE[0]), y: shift(gaze.y, MAX_GAZE[1]) };
}
