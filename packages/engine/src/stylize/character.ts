import type { Config, RgbImage } from '@tooncast/shared';
import type { Landmarks } from '../analysis/mesh.ts';
import type { FaceSpace } from '../image/faceSpace.ts';
import { stylizerParams } from './fromConfig.ts';
import { DEFAULT_STYLIZER_PARAMS, paletteTint, type StylizerParams } from './stylizer.ts';

/** How far the face's skin moves towards the character's when no configuration says. */
const DEFAULT_TINT_STRENGTH = 0.15;
/** Ink lines never vanish entirely: the face's own features (eyes, nose, mouth) need a little line to read. */
const MIN_DARKNESS = 0.15;
/** A smooth-shaded character gets up to this many times the configured colour levels (almost no posterizing). */
const SMOOTH_LEVELS_FACTOR = 3;
/**
 * Unsharp-mask strength for a smooth-shaded character: a CGI character is crisp, and the smoothing leaves the new
 * face soft beside it (Big Buck Bunny: the replaced region's gradient energy 0.61 of the bunny's own face with no
 * unsharp mask, 0.81 with no stylizer at all, 0.89 at this strength).
 */
const SMOOTH_DETAIL = 2.5;

/**
 * The stylizer's parameters for one character, read off its face once per session, so the new face is drawn the
 * way the character is:
 * - palette: leans towards the character's skin tone;
 * - ink: as dark as the character's outline is — a thin line darker than both the skin inside and whatever lies
 *   outside (a CGI character without ink gets faint lines, an inked cartoon dark ones);
 * - colour levels: the configured number for a flat-shaded character (its skin falls in a few tones), up to
 *   SMOOTH_LEVELS_FACTOR times as many for a smoothly shaded one, whose faces are not posterized;
 * - detail: none for a flat-shaded character, an unsharp mask for a smoothly shaded one, as crisp as CGI.
 * Line weight comes from the configuration.
 */
export function characterStyle(
  space: FaceSpace,
  frame: RgbImage,
  landmarks: Landmarks,
  selfieSkin: readonly [number, number, number],
  config?: Config['face'],
): StylizerParams {
  const oval = space.contours.faceOval;
  // Rays from each oval point towards the nose tip (t = 0 on the oval, 1 at the nose; negative: outside).
  const nose = 1;
  const nx = landmarks[3 * nose];
  const ny = landmarks[3 * nose + 1];
  const ray = (t: number) => oval.map((i) => mix(landmarks, i, nx, ny, t));
  const skin = meanAt(frame, ray(0.25));
  const base = config
    ? stylizerParams(config, selfieSkin, skin)
    : { ...DEFAULT_STYLIZER_PARAMS, tint: paletteTint(selfieSkin, skin, DEFAULT_TINT_STRENGTH) };
  const shades = [0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5].flatMap((t) => lumasAt(frame, ray(t)));
  const smooth = 1 - flatness(shades);
  const levels = base.levels * (1 + (SMOOTH_LEVELS_FACTOR - 1) * smooth);
  return {
    ...base,
    outlineDarkness: inkDarkness(frame, ray),
    levels: Math.min(255, Math.round(levels)),
    detail: SMOOTH_DETAIL * smooth,
  };
}

/**
 * Median over the oval of how much darker the darkest pixel on the outline band (t in ±0.04) is than both the skin
 * just inside (t = 0.1) and what lies outside (t = −0.1), relative to the darker of the two. A plain edge between skin and a
 * dark background is no line: the band is then no darker than the outside.
 */
function inkDarkness(frame: RgbImage, ray: (t: number) => [number, number][]): number {
  const inside = lumasAtAll(frame, ray(0.1));
  const outside = lumasAtAll(frame, ray(-0.1));
  const band = [-0.04, -0.02, 0, 0.02, 0.04].map((t) => lumasAtAll(frame, ray(t)));
  const depth: number[] = [];
  inside.forEach((skin, k) => {
    const out = outside[k];
    const line = Math.min(...band.map((b) => b[k]));
    if (Number.isNaN(skin) || Number.isNaN(out) || Number.isNaN(line)) return;
    const darker = Math.min(skin, out);
    if (darker >= 16) depth.push(Math.max(0, darker - line) / darker);
  });
  if (!depth.length) return DEFAULT_STYLIZER_PARAMS.outlineDarkness;
  depth.sort((a, b) => a - b);
  return Math.min(1, Math.max(MIN_DARKNESS, depth[depth.length >> 1]));
}

/**
 * 0…1: how much of the skin's luma falls in its three most common 8-wide tones — near 1 for flat fills (a few
 * tones plus the drawn features), low for smooth shading that spreads over many tones.
 */
function flatness(lumas: number[]): number {
  if (lumas.length < 16) return 1;
  const bins = new Map<number, number>();
  for (const l of lumas) bins.set(l >> 3, (bins.get(l >> 3) ?? 0) + 1);
  const top = [...bins.values()].sort((a, b) => b - a).slice(0, 3);
  const share = top.reduce((a, b) => a + b, 0) / lumas.length;
  // Calibrated so that smooth shading (~30 % in the top three tones) gives 0 and flat fills (≥ 60 %) give 1.
  return Math.min(1, Math.max(0, (share - 0.3) / 0.3));
}

/** The point `t` of the way from landmark `i` towards (x, y) (negative t: beyond the landmark). */
function mix(lm: Landmarks, i: number, x: number, y: number, t: number): [number, number] {
  return [lm[3 * i] + (x - lm[3 * i]) * t, lm[3 * i + 1] + (y - lm[3 * i + 1]) * t];
}

function meanAt(img: RgbImage, points: [number, number][]): [number, number, number] {
  const sum = [0, 0, 0];
  let n = 0;
  for (const [x, y] of points) {
    const i = pixelIndex(img, x, y);
    if (i < 0) continue;
    for (let c = 0; c < 3; c++) sum[c] += img.data[i + c];
    n++;
  }
  return n ? [sum[0] / n, sum[1] / n, sum[2] / n] : [200, 170, 150];
}

/** Lumas at the points inside the image (points outside are skipped). */
function lumasAt(img: RgbImage, points: [number, number][]): number[] {
  return lumasAtAll(img, points).filter((l) => !Number.isNaN(l));
}

/** Lumas at the points, NaN where a point is outside the image (keeps the points' order). */
function lumasAtAll(img: RgbImage, points: [number, number][]): number[] {
  return points.map(([x, y]) => {
    const i = pixelIndex(img, x, y);
    return i < 0 ? Number.NaN : luma([img.data[i], img.data[i + 1], img.data[i + 2]]);
  });
}

function pixelIndex(img: RgbImage, x: number, y: number): number {
  const px = Math.round(x);
  const py = Math.round(y);
  return px < 0 || py < 0 || px >= img.width || py >= img.height ? -1 : (py * img.width + px) * 3;
}

function luma([r, g, b]: readonly number[]): number {
  return Math.round(0.299 * r + 0.587 * g + 0.114 * b);
}
