import type { RgbImage } from '@tooncast/shared';
import type { Landmarks } from './mesh.ts';

/**
 * The appearance cue that keeps the chosen character apart from others: mean colours of small patches anchored on
 * landmarks inside the face (forehead, cheeks, nose, chin — not the outline, which shows background when the head
 * turns) plus two patches above the forehead (hair or headwear). Anchored on landmarks, it follows pose and framing.
 */
export type AppearanceSignature = Float32Array;

const SKIN_ANCHORS = [151, 9, 108, 337, 50, 280, 205, 425, 36, 266, 195, 4, 18, 199];
const FOREHEAD = 10;
const CHIN = 152;
/** Hair patches: above the forehead by this fraction of the forehead–chin distance. */
const HAIR_OFFSETS = [0.2, 0.35];
/** Share of patches that count: the worst ones are dropped, so an occluder or a stray patch cannot decide. */
const KEPT_SHARE = 0.75;
/** Largest brightness change put down to lighting rather than to a different character. */
const MAX_GAIN = 1.35;
/** Share of the hair patches in the distance. */
const HAIR_WEIGHT = 0.4;

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
 * How unlike two signatures are. The light falling on a character changes (dappled shade, a passing cloud), so `a`
 * is first brought to `b`'s brightness — but by a gain of at most ±MAX_GAIN, since a darker-skinned character is
 * not a lit-differently one. Patches are compared by mean absolute channel difference (in [0,1]); the skin patches'
 * best KEPT_SHARE are averaged (an occluder cannot decide) and blended with the hair patches, the most telling cue
 * between characters. Patches outside the frame (NaN) are skipped. 0 = identical.
 */
export function appearanceDistance(a: AppearanceSignature, b: AppearanceSignature): number {
  const ma = brightness(a, b);
  const mb = brightness(b, a);
  if (!(ma > 0 && mb > 0)) return Number.POSITIVE_INFINITY;
  const gain = Math.min(MAX_GAIN, Math.max(1 / MAX_GAIN, mb / ma));
  const skin: number[] = [];
  const hair: number[] = [];
  for (let p = 0; p < a.length; p += 3) {
    if (Number.isNaN(a[p]) || Number.isNaN(b[p])) continue;
    let d = 0;
    for (let c = 0; c < 3; c++) d += Math.abs(a[p + c] * gain - b[p + c]);
    (p / 3 < SKIN_ANCHORS.length ? skin : hair).push(d / 3 / 255);
  }
  if (!skin.length) return Number.POSITIVE_INFINITY;
  skin.sort((x, y) => x - y);
  const kept = Math.max(1, Math.round(skin.length * KEPT_SHARE));
  const skinDistance = skin.slice(0, kept).reduce((s, d) => s + d, 0) / kept;
  if (!hair.length) return skinDistance;
  const hairDistance = hair.reduce((s, d) => s + d, 0) / hair.length;
  return (1 - HAIR_WEIGHT) * skinDistance + HAIR_WEIGHT * hairDistance;
}

/** Mean channel value of `s` over the patches both signatures have. */
function brightness(s: AppearanceSignature, other: AppearanceSignature): number {
  let sum = 0;
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    if (Number.isNaN(s[i]) || Number.isNaN(other[i])) continue;
    sum += s[i];
    n++;
  }
  return n ? sum / n : 0;
}

/**
 * Slow blend of the signature toward what is seen now, so lighting changes do not lose the target. A patch the
 * signature lacks (off the frame when it was taken) is taken as seen.
 */
export function blendAppearance(into: AppearanceSignature, seen: AppearanceSignature, rate: number): void {
  for (let i = 0; i < into.length; i++) {
    if (Number.isNaN(seen[i])) continue;
    into[i] = Number.isNaN(into[i]) ? seen[i] : into[i] + (seen[i] - into[i]) * rate;
  }
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
