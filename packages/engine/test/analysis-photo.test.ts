import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { ORGANS } from '../src/analysis/contour.ts';
import type { AnalysisModels } from '../src/analysis/stage.ts';
import { FaceAnalysisStage } from '../src/analysis/stage.ts';
import { TargetNotFoundError } from '../src/analysis/target.ts';
import { StageClock } from '../src/timing.ts';
import { fixture, loadPng, openAnalysisModels } from './support.ts';

// The astronaut portrait: eyes near (200,110) and (245,110), mouth near (222,145) — read off the photo.
const photo = loadPng(fixture('selfies', 'astronaut.png'));
let models: AnalysisModels;
before(async () => {
  models = await openAnalysisModels();
});

test('the detector finds the one face, keypoints in MediaPipe order', async () => {
  const faces = await models.detector.detectFrame(photo);
  assert.equal(faces.length, 1);
  const [rightEye, leftEye, nose, mouth] = faces[0].keypoints;
  assert.ok(rightEye[0] > 185 && rightEye[0] < 215 && rightEye[1] > 95 && rightEye[1] < 125, `right eye ${rightEye}`);
  assert.ok(leftEye[0] > 230 && leftEye[0] < 260 && leftEye[1] > 95 && leftEye[1] < 125, `left eye ${leftEye}`);
  assert.ok(nose[1] > rightEye[1] && mouth[1] > nose[1], 'nose below the eyes, mouth below the nose');
});

test('a click on the face picks it; landmarks, irises and the contour figure land on the organs', async () => {
  const picked = await models.pick(photo, { timeSec: 0, point: [222, 120] });
  const stage = new FaceAnalysisStage(models, picked);
  const a = await stage.analyze(photo, 0, 0, new StageClock());
  assert.equal(a.state, 'tracking');
  const f = a.face!;
  const at = (i: number) => [f.landmarks[3 * i], f.landmarks[3 * i + 1]];
  const rightEyeCentre = [(at(33)[0] + at(133)[0]) / 2, (at(33)[1] + at(133)[1]) / 2];
  assert.ok(Math.hypot(rightEyeCentre[0] - 200, rightEyeCentre[1] - 110) < 10, `right eye at ${rightEyeCentre}`);
  assert.ok(Math.hypot(at(13)[0] - 222, at(13)[1] - 145) < 12, `upper inner lip at ${at(13)}`);
  assert.ok(f.expression.mouthOpen < 0.25, 'a smile with closed lips is not an open mouth');
  assert.ok(f.expression.eyeOpenRight > 0.15 && f.expression.eyeOpenLeft > 0.15, 'eyes are open');
  const [ri, li] = f.irises;
  assert.ok(Math.hypot(ri.center[0] - rightEyeCentre[0], ri.center[1] - rightEyeCentre[1]) < 6, 'iris inside the eye');
  assert.ok(
    ri.radius > 2 && ri.radius < 10 && li.radius > 2 && li.radius < 10,
    `iris radii ${ri.radius}, ${li.radius}`,
  );
  // Every organ drew something into its own channel of the face-space figure.
  const plane = f.contour.size * f.contour.size;
  ORGANS.forEach((organ, c) => {
    const ink = f.contour.planes.subarray(c * plane, (c + 1) * plane).reduce((s, v) => s + v, 0);
    assert.ok(ink > 20, `${organ} channel has ink ${ink}`);
  });
});

test('a click away from any face is refused with the faces that were found', async () => {
  await assert.rejects(models.pick(photo, { timeSec: 0, point: [40, 450] }), (e: unknown) => {
    assert.ok(e instanceof TargetNotFoundError);
    assert.equal(e.faces.length, 1);
    assert.match(e.message, /faces found there: \d+,\d+,\d+x\d+/);
    return true;
  });
});
