import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { RgbImage } from '@tooncast/shared';
import { type Gaze, measureGaze } from '../src/analysis/expression.ts';
import { roiFromLandmarks } from '../src/analysis/mesh.ts';
import { wholeFrameRoi } from '../src/analysis/roi.ts';
import type { AnalysisModels } from '../src/analysis/stage.ts';
import { MeshFaceGenerator, mapGaze, prepareSelfieFeatures, type SelfieFeatures } from '../src/generation/index.ts';
import { createFaceSpace, meanAbsDiff } from '../src/image/index.ts';
import { loadFaceTopology } from '../src/topology.ts';
import { fixture, loadPng, openAnalysisModels } from './support.ts';

/** The gaze (step 1) and the new face looking where the character looks (step 2), read back by the real models. */
const space = createFaceSpace(await loadFaceTopology(), 192);
let models: AnalysisModels;
let selfie: SelfieFeatures;

before(async () => {
  models = await openAnalysisModels();
  const photo = loadPng(fixture('selfies', 'astronaut.png'));
  const picked = await models.pick(photo, { timeSec: 0, point: [222, 120] });
  selfie = prepareSelfieFeatures(space, photo, picked.landmarks);
});

/** FaceMesh and the iris model on a generated face, as step 1 reads a frame. */
async function readGaze(face: RgbImage): Promise<Gaze> {
  const first = await models.mesh.estimate(face, wholeFrameRoi(face.width, face.height));
  const mesh = await models.mesh.estimate(face, roiFromLandmarks(first.landmarks));
  const { landmarks, irises } = await models.iris.estimate(face, mesh.landmarks);
  return measureGaze(landmarks, irises);
}

describe('gaze', () => {
  it('is read as the irises’ offset from the eyes’ centres in eye widths, along a tilted eye line', () => {
    const lm = new Float32Array(468 * 3);
    // Eyes 40 px wide on a line tilted by 30°, both irises 8 px further along it and 4 px across (down-right).
    const [c, s] = [Math.cos(Math.PI / 6), Math.sin(Math.PI / 6)];
    const place = (i: number, x: number, y: number) => lm.set([100 + c * x - s * y, 100 + s * x + c * y, 0], 3 * i);
    place(33, -80, 0);
    place(133, -40, 0);
    place(362, 40, 0);
    place(263, 80, 0);
    const iris = (x: number) => ({
      center: [100 + c * (x + 8) - s * 4, 100 + s * (x + 8) + c * 4] as const,
      radius: 8,
    });
    const g = measureGaze(
      lm,
      [iris(-60), iris(60)].map((i) => ({ ...i, center: [...i.center] as [number, number] })),
    );
    assert.ok(Math.abs(g.x - 0.2) < 1e-6 && Math.abs(g.y - 0.1) < 1e-6, JSON.stringify(g));
  });

  it('moves the new face’s irises where the character looks; a glance within the reading’s noise does not', async () => {
    const generator = new MeshFaceGenerator(space);
    const own = selfie.landmarks3d;
    const look = (x: number) =>
      generator.generateSync({ landmarks: own, neutralLandmarks: own, gaze: { x, y: 0 } }, selfie);
    const ahead = look(0);
    const [right, left] = [await readGaze(look(0.2)), await readGaze(look(-0.2))];
    const straight = await readGaze(ahead);
    const shift = mapGaze({ x: 0.2, y: 0 }).x;
    assert.ok(shift > 0.2, `a clear glance maps to a clear shift: ${shift}`);
    assert.ok(right.x - straight.x > 0.5 * shift, `looking right reads ${right.x}, ahead ${straight.x}`);
    assert.ok(straight.x - left.x > 0.5 * shift, `looking left reads ${left.x}, ahead ${straight.x}`);
    assert.equal(meanAbsDiff(look(0.05), ahead, 0), 0, 'a small reading moved the irises');
  });
});
