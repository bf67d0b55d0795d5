import type { Config, RgbImage } from '@tooncast/shared';
import type { Landmarks } from '../analysis/mesh.ts';
import type { FaceSpace } from '../image/faceSpace.ts';
import { stylizerParams } from './fromConfig.ts';
import { DEFAULT_STYLIZER_PARAMS, paletteTint, type StylizerParams } from './stylizer.ts';

/** How far the face's skin moves towards the character's when no configuration says. */
const DEFAULT_TINT_STRENGTH = 0.3;

/**
 * The stylizer's parameters for one character, read off its face once per session: the palette leans towards the
 * character's skin tone, and ink lines are as dark as the character's own outline is against its skin. Line weight
 * and colour levels come from the configuration.
 */
export function characterStyle(
  space: FaceSpace,
  frame: RgbImage,
  landmarks: Landmarks,
  selfieSkin: readonly [number, number, number],
  config?: Config['face'],
): StylizerParams {
  const c = space.contours;
  const oval = c.faceOval;
  // Skin: points a quarter of the way from the oval to the nose tip (cheeks, forehead, jaw — inside any outline).
  const nose = 1;
  const nx = landmarks[3 * nose];
  const ny = landmarks[3 * nose + 1];
  const skin = meanAt(
    frame,
    oval.map((i) => mix(landmarks, i, nx, ny, 0.25)),
  );
  // Outline: just outside the oval (a cartoon's ink line sits on or beyond the face edge).
  const outline = minLumaAt(
    frame,
    oval.map((i) => mix(landmarks, i, nx, ny, -0.06)),
  );
  const skinLuma = luma(skin);
  const darkness = skinLuma > 0 ? Math.min(1, Math.max(0.2, (skinLuma - outline) / skinLuma)) : 0.75;
  const base = config
    ? stylizerParams(config, selfieSkin, skin)
    : { ...DEFAULT_STYLIZER_PARAMS, tint: paletteTint(selfieSkin, skin, DEFAULT_TINT_STRENGTH) };
  return { ...base, outlineDarkness: darkness };
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

/** The darker half's mean luma: an ink line covers part of the ring, background the rest. */
function minLumaAt(img: RgbImage, points: [number, number][]): number {
  const values = points
    .map(([x, y]) => pixelIndex(img, x, y))
    .filter((i) => i >= 0)
    .map((i) => luma([img.data[i], img.data[i + 1], img.data[i + 2]]))
    .sort((a, b) => a - b);
  const half = values.slice(0, Math.max(1, values.length >> 1));
  return values.length ? half.reduce((s, v) => s + v, 0) / half.length : 0;
}

function pixelIndex(img: RgbImage, x: number, y: number): number {
  const px = Math.round(x);
  const py = Math.round(y);
  return px < 0 || py < 0 || px >= img.width || py >= img.height ? -1 : (py * img.width + px) * 3;
}

function luma([r, g, b]: readonly number[]): number {
  return 0.299 * r + 0.587 * g + 0.114 * b;
}
