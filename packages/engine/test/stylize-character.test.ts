import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfig, type RgbImage } from '@tooncast/shared';
import type { Affine } from '../src/geometry.ts';
import {
  createFaceSpace,
  fillPolygon,
  strokeMask,
  syntheticLandmarks,
  texturedImage,
  transformPoints,
} from '../src/image/index.ts';
import { characterStyle } from '../src/stylize/index.ts';
import { loadFaceTopology } from '../src/topology.ts';

/** The stylizer follows the character's own drawing: ink lines and colour levels read off its face. */
const space = createFaceSpace(await loadFaceTopology(), 192);
const faceToFrame: Affine = [0.9, 0.1, 240, -0.1, 0.9, 50];
const landmarks = transformPoints(faceToFrame, syntheticLandmarks(space));
const oval = space.contours.faceOval.flatMap((i) => [landmarks[3 * i], landmarks[3 * i + 1]]);
const W = 640;
const H = 360;
const face = loadConfig().face;
const selfieSkin: [number, number, number] = [200, 160, 140];

/** The character's face painted into a textured background: shade(x, y) gives its skin luma. */
function character(shade: (x: number, y: number) => number, ink: boolean): RgbImage {
  const img = texturedImage(W, H, 3);
  const inside = fillPolygon({ width: W, height: H, data: new Float32Array(W * H) }, oval, 1).data;
  const line = ink ? strokeMask(W, H, [...oval, oval[0], oval[1]], 2).data : undefined;
  for (let k = 0; k < W * H; k++) {
    if (inside[k] > 0) {
      const l = shade(k % W, Math.floor(k / W));
      img.data.set([l, l * 0.82, l * 0.67], 3 * k);
    }
    if (line && line[k] > 0) for (let c = 0; c < 3; c++) img.data[3 * k + c] *= 1 - line[k];
  }
  return img;
}

describe('stylize: the character’s own style', () => {
  it('an inked, flat-shaded cartoon: dark lines, the configured colour levels', () => {
    const style = characterStyle(
      space,
      character(() => 235, true),
      landmarks,
      selfieSkin,
      face,
    );
    assert.ok(style.outlineDarkness > 0.6, `outline darkness ${style.outlineDarkness}`);
    assert.equal(style.levels, face.colorLevels);
    assert.equal(style.detail, 0, 'a flat cartoon is not sharpened');
  });

  it('a smoothly shaded character without ink: faint lines, many more levels, crisp features', () => {
    const [cx, cy] = [landmarks[3], landmarks[4]];
    const smooth = character((x, y) => 235 - 1.6 * Math.hypot(x - cx + 20, y - cy + 30), false);
    const style = characterStyle(space, smooth, landmarks, selfieSkin, face);
    assert.ok(style.outlineDarkness < 0.25, `outline darkness ${style.outlineDarkness}`);
    assert.ok(style.levels >= 2.5 * face.colorLevels, `levels ${style.levels}`);
    assert.ok(style.detail > 1.5, `detail ${style.detail}`);
  });

  it('a dark background behind an uninked face is no outline', () => {
    const img = character(() => 235, false);
    const inside = fillPolygon({ width: W, height: H, data: new Float32Array(W * H) }, oval, 1).data;
    for (let k = 0; k < W * H; k++) if (inside[k] === 0) img.data.set([30, 25, 20], 3 * k);
    const style = characterStyle(space, img, landmarks, selfieSkin, face);
    assert.ok(style.outlineDarkness < 0.25, `outline darkness ${style.outlineDarkness}`);
  });
});
