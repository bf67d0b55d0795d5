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

  test('iris: the iris centre is on the pupil of the cropped eye', async () => {
    const eye = (await run('iris'))['Identity:0']!.data as Float32Array;
    const [x, y] = [eye[213]!, eye[214]!]; // first iris point: centre
    const [ix, iy] = [RIGHT_EYE[0] + (x * RIGHT_EYE[2]) / 64, RIGHT_EYE[1] + (y * RIGHT_EYE[2]) / 64];
    assert.ok(Math.hypot(ix - 203, iy - 103) < 6, `iris centre at ${ix},${iy}`);
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
