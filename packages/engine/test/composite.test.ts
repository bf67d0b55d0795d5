import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createRgbImage, type RgbImage } from '@tooncast/shared';
import { Compositor } from '../src/composite/index.ts';
import { type Affine, applyAffine } from '../src/geometry.ts';
import { createFaceSpace, syntheticLandmarks, texturedImage, transformPoints } from '../src/image/index.ts';
import { loadFaceTopology } from '../src/topology.ts';

const topology = await loadFaceTopology();
const space = createFaceSpace(topology, 192);
const faceToFrame: Affine = [0.9, 0.12, 250, -0.12, 0.9, 60];
const landmarks = transformPoints(faceToFrame, syntheticLandmarks(space));
const contours = space.contours;
const W = 640;
const H = 360;

const px = (img: RgbImage, x: number, y: number) =>
  Array.from(img.data.slice((y * img.width + x) * 3, (y * img.width + x) * 3 + 3));
const dist = (p: number[], q: readonly number[]) => Math.hypot(p[0] - q[0], p[1] - q[1], p[2] - q[2]);
/** The cartoon frame: texture everywhere, the character's face oval painted flat. */
function cartoonFrame(skin: [number, number, number]): RgbImage {
  const frame = texturedImage(W, H, 4);
  const c = new Compositor(contours, { harmonize: 0, twoBand: false, feather: 0.01 });
  return c.composite(frame, createRgbImage(192, 192, skin), { faceToFrame, landmarks });
}
const centre = applyAffine(faceToFrame, space.template[2 * 4], space.template[2 * 4 + 1]).map(Math.round) as [
  number,
  number,
];

describe('composite: stylized face into the cartoon frame', () => {
  const frame = cartoonFrame([240, 200, 60]);
  const face = createRgbImage(192, 192, [90, 140, 220]);

  it('passes frames without a target through untouched', () => {
    const c = new Compositor(contours);
    assert.equal(c.composite(frame, undefined, undefined), frame);
    assert.equal(c.composite(frame, face, undefined), frame);
  });

  it('places the face through the inverse map and touches nothing outside the oval', () => {
    const marked = createRgbImage(192, 192, [90, 140, 220]);
    const [mx, my] = [space.template[2 * 4], space.template[2 * 4 + 1]]; // a nose landmark
    for (let y = -2; y <= 2; y++)
      for (let x = -2; x <= 2; x++) marked.data.set([255, 0, 0], ((Math.round(my) + y) * 192 + Math.round(mx) + x) * 3);
    const out = new Compositor(contours, { harmonize: 0 }).composite(frame, marked, { faceToFrame, landmarks });
    assert.deepEqual(px(out, centre[0], centre[1]), [255, 0, 0]);
    assert.ok(dist(px(out, centre[0] + 10, centre[1] + 10), [90, 140, 220]) < 3, 'face colour inside the oval');
    let changedOutside = 0;
    const inside = new Compositor(contours, { harmonize: 0, twoBand: false }).composite(
      createRgbImage(W, H),
      createRgbImage(192, 192, [255, 255, 255]),
      { faceToFrame, landmarks },
    );
    for (let k = 0; k < W * H; k++)
      if (inside.data[k * 3] === 0 && out.data[k * 3] !== frame.data[k * 3]) changedOutside++;
    assert.equal(changedOutside, 0, 'pixels outside the oval changed');
  });

  it('feathers the edge without overshoot (no seam, no halo)', () => {
    const out = new Compositor(contours, { harmonize: 0 }).composite(frame, face, { faceToFrame, landmarks });
    const skin = [240, 200, 60];
    const colour = [90, 140, 220];
    let band = 0;
    for (let k = 0; k < W * H; k++) {
      const p = [out.data[k * 3], out.data[k * 3 + 1], out.data[k * 3 + 2]];
      const q = [frame.data[k * 3], frame.data[k * 3 + 1], frame.data[k * 3 + 2]];
      if (dist(q, skin) > 2 || dist(p, skin) < 2 || dist(p, colour) < 2) continue;
      band++;
      for (let c = 0; c < 3; c++) {
        assert.ok(
          p[c] >= Math.min(skin[c], colour[c]) - 2 && p[c] <= Math.max(skin[c], colour[c]) + 2,
          `overshoot ${p}`,
        );
      }
    }
    assert.ok(band > 200, `feather band has only ${band} pixels`);
  });

  it('harmonizes the face’s mean colour towards the character, bounded, keeping its contrast', () => {
    // A face with detail: stripes of ±40 luma around a bluish mean.
    const striped = createRgbImage(192, 192);
    for (let k = 0; k < 192 * 192; k++) {
      const v = ((k % 192) >> 2) % 2 ? 40 : -40;
      striped.data.set([90 + v, 140 + v, 220 + v], 3 * k);
    }
    const stats = (img: RgbImage) => {
      // Mean colour and luma spread over a 31×31 patch round the nose, inside the oval.
      const sum = [0, 0, 0];
      const lumas: number[] = [];
      for (let y = -15; y <= 15; y++)
        for (let x = -15; x <= 15; x++) {
          const p = px(img, centre[0] + x, centre[1] + y);
          p.forEach((v, c) => {
            sum[c] += v / 961;
          });
          lumas.push((p[0] + p[1] + p[2]) / 3);
        }
      const m = lumas.reduce((a, b) => a + b, 0) / lumas.length;
      return { mean: sum, spread: Math.sqrt(lumas.reduce((a, b) => a + (b - m) ** 2, 0) / lumas.length) };
    };
    const skin = [240, 200, 60];
    const before = stats(
      new Compositor(contours, { harmonize: 0 }).composite(frame, striped, { faceToFrame, landmarks }),
    );
    const after = stats(
      new Compositor(contours, { harmonize: 1 }).composite(frame, striped, { faceToFrame, landmarks }),
    );
    assert.ok(dist(after.mean, skin) < dist(before.mean, skin) - 40, `${before.mean} → ${after.mean}`);
    assert.ok(after.spread > 0.9 * before.spread, `contrast ${before.spread} → ${after.spread} (washed out)`);
    // Bounded: luma gain ≤ 1.25 and chroma shifts ≤ 40, so the face stays recognizably its own colour.
    const luma = (p: number[]) => (p[0] + p[1] + p[2]) / 3;
    assert.ok(luma(after.mean) <= 1.25 * luma(before.mean) + 2, `${before.mean} → ${after.mean}`);
    assert.ok(dist(after.mean, skin) > 60, `${after.mean}: the face was repainted in the character's colour`);
  });

  it('writes into a given output, the frame itself included', () => {
    const c = new Compositor(contours);
    const copy = c.composite(frame, face, { faceToFrame, landmarks });
    const inPlace = { ...frame, data: frame.data.slice() };
    assert.equal(c.composite(inPlace, face, { faceToFrame, landmarks }, inPlace), inPlace);
    assert.deepEqual(inPlace.data, copy.data);
    const target = createRgbImage(W, H);
    c.composite(frame, undefined, undefined, target);
    assert.deepEqual(target.data, frame.data, 'a frame without a face is copied unchanged');
    assert.throws(
      () => c.composite(frame, face, { faceToFrame, landmarks }, createRgbImage(10, 10)),
      /differs in size/,
    );
  });

  it('handles a face partly outside the frame', () => {
    const nearEdge: Affine = [0.9, 0, 560, 0, 0.9, -60]; // the face hangs over the right and top edges
    const lm = transformPoints(nearEdge, syntheticLandmarks(space));
    const out = new Compositor(contours).composite(frame, face, { faceToFrame: nearEdge, landmarks: lm });
    const changed = out.data.reduce((n, v, i) => n + (v !== frame.data[i] ? 1 : 0), 0);
    assert.ok(changed > 1000, `only ${changed} values changed`);
    const gone: Affine = [0.9, 0, 900, 0, 0.9, 60]; // entirely outside
    const lmGone = transformPoints(gone, syntheticLandmarks(space));
    assert.deepEqual(
      new Compositor(contours).composite(frame, face, { faceToFrame: gone, landmarks: lmGone }).data,
      frame.data,
    );
  });

  it('rejects bad options and landmarks', () => {
    assert.throws(() => new Compositor(contours, { feather: 0 }), /bad compositor options/);
    assert.doesNotThrow(() => new Compositor(contours, { harmonize: undefined }), 'undefined keeps the default');
    assert.throws(
      () => new Compositor(contours).composite(frame, face, { faceToFrame, landmarks: new Float32Array(5) }),
      /468/,
    );
  });
});
