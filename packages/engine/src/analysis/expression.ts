import type { Iris } from './contour.ts';
import { EYES } from './iris.ts';
import type { Landmarks } from './mesh.ts';

/** Scalar expression measures read off 468 landmarks: the quantities the generator must reproduce. */
export interface ExpressionMeasures {
  /** Inner-lip gap over mouth width. */
  mouthOpen: number;
  /** Lid gap over eye width, per eye (right = the person's right, left of the image). */
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
    eyeOpenRight: dist(lm, 159, 145) / dist(lm, 33, 133),
    eyeOpenLeft: dist(lm, 386, 374) / dist(lm, 263, 362),
    browRaise: (dist(lm, 105, 159) + dist(lm, 334, 386)) / 2 / iod,
    roll: Math.atan2(lm[3 * 263 + 1] - lm[3 * 33 + 1], lm[3 * 263] - lm[3 * 33]),
  };
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
