import type { RgbImage } from '@tooncast/shared';
import type { Landmarks } from './mesh.ts';

/**
 * The appearance cue that keeps the chosen character apart from others: mean colours of small patches anchored on
 * expression-stable landmarks (forehead, cheeks, nose, jaw, temples) plus two patches above the forehead (hair or
 * headwear). Anchored on landmarks, it does not change with head pose or the ROI's framing.
 */
export type AppearanceSignature = Float32Array;

const SKIN_ANCHORS = [10, 151, 109, 338, 50, 280, 205, 425, 1, 4, 152, 172, 397, 127, 356];
const FOREHEAD = 10;
const CHIN = 152;
/** Hair patches: above the forehead by this fraction of the forehead–chin distance. */
const HAIR_OFFSETS = [0.25, 0.4];

export function appearanceOf(frame: RgbImage, lm: Landmarks): AppearanceSignature {
  const fx = lm[3 * FOREHEAD];
  const fy = lm[3 * FOREHEAD + 1];
  const ux = fx - lm[3 * CHIN];
  const uy = fy - lm[3 * CHIN + 1];
  const faceLen = Math.hypot(ux, uy);
  const radius = Math.max(1, Math.round(faceLen * 0.03));
  const points: [number, number][] = SKIN_ANCHORS.map((i) => [lm[3 * i], lm[3 * i + 1]]);
  for (const k of HAIR_OFFSETS) points.push([fx + ux * k, fy + uy * k]);
  const sig = new Float32Array(points.length * 3);
  points.forEach(([x, y], p) => {
    patchMean(frame, x, y, radius, sig, p * 3);
  });
  return sig;
}

/**
 * Mean absolute difference of the two signatures after each is divided by its own mean brightness, so the cue
 * compares colours and their layout, not the light falling on the character (dappled shade, a passing cloud).
 * Patches outside the frame (NaN) are skipped. 0 = identical; different characters score ≳ 0.3.
 */
export function appearanceDistance(a: AppearanceSignature, b: AppearanceSignature): number {
  let ma = 0;
  let mb = 0;
  let n = 0;
  for (let i = 0; i < a.length; i++) {
    if (Number.isNaN(a[i]) || Number.isNaN(b[i])) continue;
    ma += a[i];
    mb += b[i];
    n++;
  }
  if (!n || ma <= 0 || mb <= 0) return Number.POSITIVE_INFINITY;
  let sum = 0;
  for (let i = 0; i < a.length; i++) {
    if (Number.isNaN(a[i]) || Number.isNaN(b[i])) continue;
    sum += Math.abs(a[i] / ma - b[i] / mb);
  }
  return sum;
}

/** Slow blend of the signature toward what is seen now, so lighting changes do not lose the target. */
export function blendAppearance(into: AppearanceSignature, seen: AppearanceSignature, rate: number): void {
  for (let i = 0; i < into.length; i++) if (!Number.isNaN(seen[i])) into[i] += (seen[i] - into[i]) * rate;
}

function patchMean(frame: RgbImage, cx: number, cy: number, r: number, out: Float32Array, o: number): void {
  const x0 = Math.round(cx) - r;
  const y0 = Math.round(cy) - r;
  if (x0 < 0 || y0 < 0 || x0 + 2 * r >= frame.width || y0 + 2 * r >= frame.height) {
    out.fill(Number.NaN, o, o + 3);
    return;
  }
  let r0 = 0;
  let g0 = 0;
  let b0 = 0;
  for (let y = y0; y <= y0 + 2 * r; y++) {
    for (let x = x0; x <= x0 + 2 * r; x++) {
      const i = (y * frame.width + x) * 3;
      r0 += frame.data[i];
      g0 += frame.data[i + 1];
      b0 += frame.data[i + 2];
    }
  }
  const n = (2 * r + 1) ** 2;
  out[o] = r0 / n;
  out[o + 1] = g0 / n;
  out[o + 2] = b0 / n;
}
