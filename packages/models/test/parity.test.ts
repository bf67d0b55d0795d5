import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import type { GraphModel } from '@tensorflow/tfjs-converter';
import { createLogger, loadConfig } from '@tooncast/shared';
import ort from 'onnxruntime-node';
import { buildModels } from '../src/build-models.ts';
import { MODEL_SOURCES, type ModelName } from '../src/catalog.ts';
import { createSession } from '../src/session.ts';
import { MODEL_SPECS } from '../src/specs.ts';
import { cropResize, loadAstronaut } from './face-fixture.ts';
import { loadReferenceModel, runReference } from './tfjs-reference.ts';

const config = loadConfig();
const TOLERANCE = 1e-3;

// Astronaut face (BlazeFace box centre ≈ (225, 126), side ≈ 104) enlarged 1.4× like human's crop; right eye crop.
const FACE: [number, number, number] = [152, 53, 146];
const RIGHT_EYE: [number, number, number] = [168, 67, 70];

/** Horizontal mirror of an NHWC RGB image. */
function mirrorRows(hwc: Float32Array, size: number): Float32Array {
  const out = new Float32Array(hwc.length);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++)
      out.set(hwc.subarray((y * size + x) * 3, (y * size + x + 1) * 3), (y * size + size - 1 - x) * 3);
  }
  return out;
}

/** Each converted model's input prepared as MODEL_SPECS documents it, from the real face. */
const faceInputs: Record<'facemesh' | 'iris' | 'emotion' | 'faceres', () => Float32Array> = {
  facemesh: () => cropResize(loadAstronaut(), FACE, 192),
  iris: () => cropResize(loadAstronaut(), RIGHT_EYE, 64),
  emotion: () => cropResize(loadAstronaut(), FACE, 64, true).map((g) => (g - 0.5) * 2),
  faceres: () => cropResize(loadAstronaut(), FACE, 224).map((v) => v * 255),
};

/** Random input in each model's documented value range. */
const randomRange: Record<keyof typeof faceInputs, [number, number]> = {
  facemesh: [0, 1],
  iris: [0, 1],
  emotion: [-1, 1],
  faceres: [0, 255],
};

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length);
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i]! - b[i]!));
  return d;
}

async function runOnnx(name: keyof typeof faceInputs, session: ort.InferenceSession, x: Float32Array, batch = 1) {
  const spec = MODEL_SPECS[name];
  const shape = spec.input.shape.map((d) => (d < 0 ? batch : d));
  return session.run({ [spec.input.name]: new ort.Tensor('float32', x, shape) });
}

before(async () => {
  await buildModels(config, createLogger('models-test', 'warn'));
});

for (const name of Object.keys(faceInputs) as (keyof typeof faceInputs)[]) {
  describe(`${name} ONNX matches the TF.js graph`, () => {
    let session: ort.InferenceSession;
    let reference: GraphModel;
    before(async () => {
      session = await createSession(name as ModelName, config);
      const source = MODEL_SOURCES[name];
      assert.equal(source.kind, 'tfjs');
      reference = await loadReferenceModel(source.modelJson);
    });

    test('names and shapes are the ones MODEL_SPECS documents', () => {
      const spec = MODEL_SPECS[name];
      assert.deepEqual(session.inputNames, [spec.input.name]);
      assert.deepEqual([...session.outputNames].sort(), spec.outputs.map((o) => o.name).sort());
    });

    test(`real face and random input agree within ${TOLERANCE}`, async () => {
      const [lo, hi] = randomRange[name];
      const random = faceInputs[name]().map(() => lo + Math.random() * (hi - lo));
      const face = faceInputs[name]();
      const shape = MODEL_SPECS[name].input.shape.map((d) => (d < 0 ? 1 : d));
      for (const [what, x] of [
        ['face', face],
        ['random', random],
      ] as const) {
        const onnx = await runOnnx(name, session, x);
        const tfjs = runReference(reference, x, shape);
        for (const out of MODEL_SPECS[name].outputs) {
          const got = onnx[out.name]!;
          assert.deepEqual(
            got.dims,
            out.shape.map((d) => (d < 0 ? 1 : d)),
            `${name} ${out.name} shape`,
          );
          const diff = maxAbsDiff(got.data as Float32Array, tfjs[out.name]!);
          assert.ok(diff <= TOLERANCE, `${name} ${out.name} on ${what} input differs by ${diff}`);
        }
      }
    });

    test('a batch of two gives each item the result it gets alone', async () => {
      const face = faceInputs[name]();
      const flipped = face.slice().reverse();
      const both = new Float32Array(face.length * 2);
      both.set(face);
      both.set(flipped, face.length);
      const batched = await runOnnx(name, session, both, 2);
      for (const [item, x] of [face, flipped].entries()) {
        const alone = await runOnnx(name, session, x);
        for (const out of MODEL_SPECS[name].outputs) {
          const single = alone[out.name]!.data as Float32Array;
          const part = (batched[out.name]!.data as Float32Array).subarray(
            item * single.length,
            (item + 1) * single.length,
          );
          assert.ok(maxAbsDiff(part, single) <= 1e-4, `${name} ${out.name} item ${item}`);
        }
      }
    });
  });
}

// The documented pre/post-processing must make sense on the real face, not just match TF.js.
describe('documented semantics on the astronaut face', () => {
  const run = async (name: keyof typeof faceInputs) =>
    runOnnx(name, await createSession(name, config), faceInputs[name]());

  test('facemesh: face flag is a probability near 1 and the eyes land on the eyes', async () => {
    const out = await run('facemesh');
    const flag = (out['output_faceflag']!.data as Float32Array)[0]!;
    assert.ok(flag > 0.9 && flag <= 1, `faceflag ${flag}`);
    const mesh = out['output_mesh']!.data as Float32Array;
    // Mesh 159 / 386: upper lids of the subject's right / left eye; image eyes ≈ (203, 103) and (246, 103).
    const toImage = (i: number) => [
      FACE[0] + (mesh[3 * i]! * FACE[2]) / 192,
      FACE[1] + (mesh[3 * i + 1]! * FACE[2]) / 192,
    ];
    const [rx, ry] = toImage(159);
    const [lx, ly] = toImage(386);
    assert.ok(Math.hypot(rx! - 203, ry! - 101) < 8, `right eye at ${rx},${ry}`);
    assert.ok(Math.hypot(lx! - 246, ly! - 101) < 8, `left eye at ${lx},${ly}`);
  });

  test('iris: right eye as is, left eye mirrored — the contour then agrees with facemesh', async () => {
    const mesh = (await run('facemesh'))['output_mesh']!.data as Float32Array;
    const meshPoint = (i: number) => [
      FACE[0] + (mesh[3 * i]! * FACE[2]) / 192,
      FACE[1] + (mesh[3 * i + 1]! * FACE[2]) / 192,
    ];
    const session = await createSession('iris', config);
    // eyeLower0 (iris points 0..8) then eyeUpper0 (9..15) of each eye, as facemesh indices.
    const eyes = [
      { mirror: false, contour: [33, 7, 163, 144, 145, 153, 154, 155, 133, 246, 161, 160, 159, 158, 157, 173] },
      { mirror: true, contour: [263, 249, 390, 373, 374, 380, 381, 382, 362, 466, 388, 387, 386, 385, 384, 398] },
    ];
    for (const { mirror, contour } of eyes) {
      const [a, b] = [meshPoint(contour[0]!), meshPoint(contour[8]!)];
      const side = Math.abs(a[0]! - b[0]!) * 2.3;
      const region: [number, number, number] = [(a[0]! + b[0]!) / 2 - side / 2, (a[1]! + b[1]!) / 2 - side / 2, side];
      const crop = cropResize(loadAstronaut(), region, 64);
      const input = mirror ? mirrorRows(crop, 64) : crop;
      const out = (await runOnnx('iris', session, input))['Identity:0']!.data as Float32Array;
      const irisPoint = (k: number) => {
        const x = mirror ? 64 - out[3 * k]! : out[3 * k]!;
        return [region[0] + (x * side) / 64, region[1] + (out[3 * k + 1]! * side) / 64];
      };
      const errors = contour.map((m, k) =>
        Math.hypot(irisPoint(k)[0]! - meshPoint(m)[0]!, irisPoint(k)[1]! - meshPoint(m)[1]!),
      );
      const mean = errors.reduce((x, y) => x + y, 0) / errors.length;
      assert.ok(mean < 3, `${mirror ? 'left' : 'right'} eye contour is ${mean} px from facemesh`);
      const centre = irisPoint(71);
      const pupil = mirror ? [246, 103] : [203, 102]; // hand-measured
      assert.ok(Math.hypot(centre[0]! - pupil[0]!, centre[1]! - pupil[1]!) < 5, `iris centre at ${centre}`);
    }
  });

  test('emotion: the smiling astronaut is happy', async () => {
    const p = Array.from((await run('emotion'))['Identity:0']!.data as Float32Array);
    assert.ok(Math.abs(p.reduce((a, b) => a + b, 0) - 1) < 1e-4);
    assert.equal(p.indexOf(Math.max(...p)), 3, `probabilities ${p.map((v) => v.toFixed(2))}`);
  });

  test('faceres: female, adult age, 1024-d descriptor', async () => {
    const out = await run('faceres');
    assert.ok((out['gender_pred/Sigmoid:0']!.data as Float32Array)[0]! < 0.5);
    const age = Array.from(out['age_pred/Softmax:0']!.data as Float32Array);
    const argmax = age.indexOf(Math.max(...age));
    assert.ok(argmax >= 20 && argmax <= 70, `age bin ${argmax}`);
    assert.equal(out['global_pooling/Mean']!.data.length, 1024);
  });
});
