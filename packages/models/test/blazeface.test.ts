import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { createLogger, loadConfig } from '@tooncast/shared';
import ort from 'onnxruntime-node';
import { buildModels } from '../src/build-models.ts';
import { createSession } from '../src/session.ts';
import { BLAZEFACE_ANCHOR_HEADS, MODEL_SPECS } from '../src/specs.ts';
import { cropResize, loadAstronaut } from './face-fixture.ts';

const config = loadConfig();

// Hand-measured on astronaut.png (512×512): face box x 175..275, y 70..180; eye centres (203, 103), (246, 103).
const FACE_BOX = { x: 175, y: 70, w: 100, h: 110 };
const EYES = [
  [203, 103],
  [246, 103],
];

interface Detection {
  score: number;
  box: { x: number; y: number; w: number; h: number };
  keypoints: number[][];
}

/**
 * Decodes BlazeFace outputs exactly as MODEL_SPECS / BLAZEFACE_ANCHOR_HEADS document (the check of that
 * documentation; the production decoder lives in the engine), in image pixels of `region` [x, y, side].
 */
function decode(out: ort.InferenceSession.OnnxValueMapType, size: number, region: number[]): Detection[] {
  const [rx, ry, side] = region as [number, number, number];
  const dets: Detection[] = [];
  for (const head of BLAZEFACE_ANCHOR_HEADS) {
    const scores = out[head.scores]!.data as Float32Array;
    const regs = out[head.regressors]!.data as Float32Array;
    for (let i = 0; i < head.count; i++) {
      const score = 1 / (1 + Math.exp(-scores[i]!));
      if (score < 0.5) continue;
      const cell = Math.floor(i / head.anchorsPerCell);
      const ax = ((cell % head.cellsPerSide) + 0.5) / head.cellsPerSide;
      const ay = (Math.floor(cell / head.cellsPerSide) + 0.5) / head.cellsPerSide;
      const r = regs.subarray(16 * i, 16 * i + 16);
      const [cx, cy, w, h] = [ax + r[0]! / size, ay + r[1]! / size, r[2]! / size, r[3]! / size];
      dets.push({
        score,
        box: { x: rx + (cx - w / 2) * side, y: ry + (cy - h / 2) * side, w: w * side, h: h * side },
        keypoints: [0, 1, 2, 3, 4, 5].map((k) => [
          rx + (ax + r[4 + 2 * k]! / size) * side,
          ry + (ay + r[5 + 2 * k]! / size) * side,
        ]),
      });
    }
  }
  return dets.sort((a, b) => b.score - a.score);
}

function iou(a: Detection['box'], b: Detection['box']): number {
  const ix = Math.max(0, Math.min(a.x + a.w, b.x + b.w) - Math.max(a.x, b.x));
  const iy = Math.max(0, Math.min(a.y + a.h, b.y + b.h) - Math.max(a.y, b.y));
  return (ix * iy) / (a.w * a.h + b.w * b.h - ix * iy);
}

/** Faces = groups of overlapping detections (IoU > 0.3 with the group's best), as MediaPipe's NMS forms them. */
function faces(dets: Detection[]): Detection[] {
  const kept: Detection[] = [];
  for (const d of dets) if (!kept.some((k) => iou(k.box, d.box) > 0.3)) kept.push(d);
  return kept;
}

before(async () => {
  await buildModels(config, createLogger('models-test', 'warn'), ['blazeface128', 'blazeface256']);
});

for (const [name, size, region, use] of [
  ['blazeface256', 256, [0, 0, 512], 'the whole frame'],
  ['blazeface128', 128, [120, 20, 210], 'a crop around the face'],
] as const) {
  test(`${name} on ${use} finds exactly the astronaut's face with the documented anchor decoding`, async () => {
    const session = await createSession(name, config);
    const spec = MODEL_SPECS[name];
    assert.deepEqual(session.inputNames, [spec.input.name]);
    const x = cropResize(loadAstronaut(), [...region], size).map((v) => v / 0.5 - 1);
    const out = await session.run({ [spec.input.name]: new ort.Tensor('float32', x, spec.input.shape) });
    for (const o of spec.outputs) assert.deepEqual(out[o.name]!.dims, o.shape);
    const found = faces(decode(out, size, [...region]));
    assert.equal(found.length, 1, `faces: ${JSON.stringify(found.map((f) => f.box))}`);
    const face = found[0]!;
    assert.ok(iou(face.box, FACE_BOX) >= 0.5, `box ${JSON.stringify(face.box)} IoU ${iou(face.box, FACE_BOX)}`);
    for (const [k, [ex, ey]] of EYES.entries()) {
      const [kx, ky] = face.keypoints[k]!;
      assert.ok(Math.hypot(kx! - ex!, ky! - ey!) < 10, `eye ${k} at ${kx},${ky}, expected ${ex},${ey}`);
    }
  });
}
