import { chainY } from '../geometry.ts';
import type { Iris } from './contour.ts';
import { EYELID_LANDMARKS, EYES } from './iris.ts';
import type { Landmarks } from './mesh.ts';

/** Scalar expression measures read off 468 landmarks: the quantities the generator must reproduce. */
export interface ExpressionMeasures {
  /** Inner-lip gap over mouth width. */
  mouthOpen: number;
  /** Lid gap over the upper lid's span, per eye (right = the person's right, left of the image): see lidGap. */
  eyeOpenRight: number;
  eyeOpenLeft: number;
  /** Brow-to-eye distance over inter-ocular distance. */
  browRaise: number;
  /** Roll of the eye line, radians. */
  roll: number;
}

const dist = (lm: Landmarks, a: number, b: number) => Math.hypot(lm[3 * a] - lm[3 * b], lm[3 * a + 1] - lm[3 * b + 1]);

export function interOcular(lm: Landmarks): number {
  // Distance between the eye centres, each the midpoint of its corners.
  const rx = (lm[3 * 33] + lm[3 * 133]) / 2;
  const ry = (lm[3 * 33 + 1] + lm[3 * 133 + 1]) / 2;
  const lx = (lm[3 * 263] + lm[3 * 362]) / 2;
  const ly = (lm[3 * 263 + 1] + lm[3 * 362 + 1]) / 2;
  return Math.hypot(lx - rx, ly - ry);
}

export function measureExpression(lm: Landmarks): ExpressionMeasures {
  const iod = interOcular(lm);
  return {
    mouthOpen: dist(lm, 13, 14) / dist(lm, 61, 291),
    eyeOpenRight: lidGap(lm, 0),
    eyeOpenLeft: lidGap(lm, 1),
    browRaise: (dist(lm, 105, 159) + dist(lm, 334, 386)) / 2 / iod,
    roll: Math.atan2(lm[3 * 263 + 1] - lm[3 * 33 + 1], lm[3 * 263] - lm[3 * 33]),
  };
}

/** Points of the eye ring (EYELID_LANDMARKS) on the lower lid, corner to corner; the upper lid's follow. */
const LOWER_LID = 9;

/**
 * Lid gap of an eye (0 = right, 1 = left), measured across the eye line (outer corner to outer corner): the mean
 * height of the lower lid below each upper-lid point, over the upper lid's span. Not the gap at one pair of points
 * over the corners' distance: FaceMesh's corners shift as the head turns (on drawn eyes they sit ~15 % outside the
 * lids). On the turning synthetic head an open eye's reading varies by 6–7 % (coefficient of variation) instead of
 * 8 % on the cartoon and 4–5 % instead of 8 % on the generated faces, and step 1's blinks follow the script at
 * r 0.94 / 0.93 instead of 0.92 / 0.89.
 */
export function lidGap(lm: ArrayLike<number>, eye: 0 | 1): number {
  const ring = EYELID_LANDMARKS[eye];
  const lx = lm[3 * 263] - lm[3 * 33];
  const ly = lm[3 * 263 + 1] - lm[3 * 33 + 1];
  const norm = Math.hypot(lx, ly) || 1;
  // Coordinates along the eye line (u) and across it (v, down).
  const u = (i: number) => (lm[3 * i] * lx + lm[3 * i + 1] * ly) / norm;
  const v = (i: number) => (lm[3 * i + 1] * lx - lm[3 * i] * ly) / norm;
  const lower = ring.slice(0, LOWER_LID).flatMap((i) => [u(i), v(i)]);
  const upper = ring.slice(LOWER_LID);
  let gap = 0;
  let u0 = Number.POSITIVE_INFINITY;
  let u1 = Number.NEGATIVE_INFINITY;
  for (const i of upper) {
    gap += Math.max(0, chainY(lower, u(i)) - v(i)) / upper.length;
    u0 = Math.min(u0, u(i));
    u1 = Math.max(u1, u(i));
  }
  return u1 > u0 ? gap / (u1 - u0) : 0;
}

/** Where the eyes look: the irises' offset from the eyes' centres, in eye widths (x: image right, y: down). */
export interface Gaze {
  x: number;
  y: number;
}

/**
 * The mean over both eyes of the iris centre's offset from the midpoint of the eye's corners, along the eye line
 * (image left to right) and across it, over the corner distance: both eyes move together, and one reading of a
 * small drawn eye is noisy.
 */
export function measureGaze(lm: Landmarks, irises: readonly Iris[]): Gaze {
  let x = 0;
  let y = 0;
  EYES.forEach(({ outer: a, inner: b }, e) => {
    const [left, right] = lm[3 * a] < lm[3 * b] ? [a, b] : [b, a];
    const ux = lm[3 * right] - lm[3 * left];
    const uy = lm[3 * right + 1] - lm[3 * left + 1];
    const w2 = Math.max(1e-6, ux * ux + uy * uy);
    const dx = irises[e].center[0] - (lm[3 * left] + lm[3 * right]) / 2;
    const dy = irises[e].center[1] - (lm[3 * left + 1] + lm[3 * right + 1]) / 2;
    x += (dx * ux + dy * uy) / w2 / 2;
    y += (dy * ux - dx * uy) / w2 / 2;
  });
  return { x, y };
}
