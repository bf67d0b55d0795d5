import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createFloatMap, createRgbImage, type RgbImage } from '@tooncast/shared';
import { Compositor } from '../src/composite/index.ts';
import { type Affine, applyAffine } from '../src/geometry.ts';
import {
  boxBlurFloat,
  createFaceSpace,
  fillPolygon,
  syntheticLandmarks,
  texturedImage,
  transformPoints,
} from '../src/image/index.ts';
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

  describe("the character's own eyes and brows are covered, never shown beside the new face's", () => {
    const blue = [20, 60, 200];
    const ring = (lm: Float32Array, idx: readonly number[]) => idx.flatMap((i) => [lm[3 * i], lm[3 * i + 1]]);
    const features = [contours.rightEye, contours.leftEye, contours.rightBrow, contours.leftBrow];
    /** The flat cartoon face with its eyes and brows (as `lm` places them) painted blue, and where they are. */
    const painted = (lm: Float32Array) => {
      const marks = createFloatMap(W, H);
      for (const idx of features) fillPolygon(marks, ring(lm, idx), 1);
      const data = frame.data.slice();
      for (let k = 0; k < W * H; k++) if (marks.data[k] > 0) data.set(blue, 3 * k);
      return { character: { width: W, height: H, data }, marks: marks.data };
    };
    // Exact colours: no harmony, no occluder model, one band (unless a case says otherwise).
    const exact = { harmonize: 0, twoBand: false, occlusion: false };
    const colour = [90, 140, 220];

    for (const twoBand of [false, true]) {
      it(`inside the feather band of the oval (${twoBand ? 'two bands' : 'one band'})`, () => {
        const { character, marks } = painted(landmarks);
        // A band so wide that the eyes and brows lie in it, where the face is blended with the character; with two
        // bands, the low band's weight is blurred as well.
        const out = new Compositor(contours, { ...exact, twoBand, feather: 0.45 }).composite(character, face, {
          faceToFrame,
          landmarks,
        });
        let blended = 0;
        for (let k = 0; k < W * H; k++) {
          const p = [out.data[3 * k], out.data[3 * k + 1], out.data[3 * k + 2]];
          if (marks[k] > 0) assert.ok(dist(p, colour) < 3, `a feature pixel shows ${p}, not the face's ${colour}`);
          else if (dist(p, colour) > 3 && dist(p, [240, 200, 60]) > 3 && dist(p, px(frame, k % W, (k / W) | 0)) > 3) {
            blended++;
          }
        }
        assert.ok(blended > 2000, `only ${blended} skin pixels blended: the band no longer feathers`);
      });
    }

    it('a little out of the oval, and not at all far from it', () => {
      // FaceMesh's oval on a turned head is too tight on the far side: here the oval is shrunk round its centre, so
      // the eyes and brows stick out of it; and the left brow's ring is moved far off the face (a failed fit).
      const lm = landmarks.slice();
      const oval = contours.faceOval;
      const [cx, cy] = [0, 1].map((a) => oval.reduce((sum, i) => sum + lm[3 * i + a], 0) / oval.length);
      for (const i of oval) {
        lm[3 * i] = cx + 0.6 * (lm[3 * i] - cx);
        lm[3 * i + 1] = cy + 0.6 * (lm[3 * i + 1] - cy);
      }
      for (const i of contours.leftBrow) lm[3 * i] -= 150;
      const { character, marks } = painted(lm);
      const out = new Compositor(contours, exact).composite(character, face, { faceToFrame, landmarks: lm });
      const inOval = fillPolygon(createFloatMap(W, H), ring(lm, oval), 1);
      const nearOval = boxBlurFloat(inOval, 4).data;
      const farBrow = fillPolygon(createFloatMap(W, H), ring(lm, contours.leftBrow), 1).data;
      let out4 = 0;
      for (let k = 0; k < W * H; k++) {
        const p = [out.data[3 * k], out.data[3 * k + 1], out.data[3 * k + 2]];
        if (farBrow[k] > 0) assert.deepEqual(p, blue, 'a ring far off the oval was painted over');
        else if (marks[k] > 0 && inOval.data[k] === 0 && nearOval[k] > 0) {
          out4++;
          assert.ok(dist(p, colour) < 3, `a feature pixel out of the oval shows ${p}, not the face's ${colour}`);
        }
      }
      assert.ok(out4 > 20, `only ${out4} feature pixels lie just out of the shrunk oval`);
    });

    it("a turned head's far eye at a cartoon eye's size, though FaceMesh folded its ring to a sliver", () => {
      // The oval shrunk round its centre, so the eyes stick out of it; the far eye's ring squashed to a fifth of
      // its width, while the cartoon's eyeball there (painted blue) is as wide as the near eye.
      const lm = landmarks.slice();
      const oval = contours.faceOval;
      const mean = (idx: readonly number[], a: number) => idx.reduce((sum, i) => sum + lm[3 * i + a], 0) / idx.length;
      const [cx, cy] = [0, 1].map((a) => mean(oval, a));
      for (const i of oval) {
        lm[3 * i] = cx + 0.6 * (lm[3 * i] - cx);
        lm[3 * i + 1] = cy + 0.6 * (lm[3 * i + 1] - cy);
      }
      const far = contours.rightEye;
      const [ex, ey] = [0, 1].map((a) => mean(far, a));
      for (const i of far) lm[3 * i] = ex + 0.2 * (lm[3 * i] - ex);
      const nearXs = contours.leftEye.map((i) => lm[3 * i]);
      // The near eye's half-width, less a pixel: the compositor's disc is a polygon inside that circle.
      const radius = (Math.max(...nearXs) - Math.min(...nearXs)) / 2 - 1;
      const eyeball = createFloatMap(W, H);
      const data = frame.data.slice();
      for (let y = 0; y < H; y++) {
        for (let x = 0; x < W; x++) {
          if (Math.hypot(x - ex, y - ey) >= radius) continue;
          eyeball.data[y * W + x] = 1;
          data.set(blue, 3 * (y * W + x));
        }
      }
      const out = new Compositor(contours, exact).composite({ width: W, height: H, data }, face, {
        faceToFrame,
        landmarks: lm,
      });
      // In the oval, or just out of it (as far as the cover reaches).
      const nearOval = boxBlurFloat(fillPolygon(createFloatMap(W, H), ring(lm, oval), 1), 4).data;
      let covered = 0;
      for (let k = 0; k < W * H; k++) {
        if (eyeball.data[k] === 0 || nearOval[k] === 0) continue;
        covered++;
        const p = [out.data[3 * k], out.data[3 * k + 1], out.data[3 * k + 2]];
        assert.ok(dist(p, colour) < 3, `an eyeball pixel shows ${p}, not the face's ${colour}`);
      }
      assert.ok(covered > 50, `only ${covered} eyeball pixels lie in or near the oval`);
    });
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
