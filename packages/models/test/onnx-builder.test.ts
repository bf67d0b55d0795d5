import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadConfig } from '@tooncast/shared';
import ort from 'onnxruntime-node';
import { float, OnnxGraphBuilder } from '../src/onnx/index.ts';
import { createSessionFromBytes } from '../src/session.ts';

test('a built graph (conv filter, clamp, float attribute, renamed output) runs in onnxruntime as computed by hand', async () => {
  const g = new OnnxGraphBuilder('box-blur');
  const x = g.input('image', [1, 1, 'h', 'w']);
  const kernel = g.initializer('kernel', new Float32Array(9).fill(1 / 9), [1, 1, 3, 3]);
  const blurred = g.op('Conv', [x, kernel], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] });
  const clamped = g.op('Clip', [g.op('Mul', [blurred, g.scalar(2)]), g.scalar(0), g.scalar(1)]);
  const shifted = g.op('Add', [clamped, g.scalar(-0.5)]);
  g.output(g.op('LeakyRelu', [shifted], { alpha: float(0.5) }), [1, 1, 'h', 'w'], 'styled');
  const session = await createSessionFromBytes(g.toBytes(), loadConfig());
  assert.deepEqual(session.inputNames, ['image']);
  assert.deepEqual(session.outputNames, ['styled']);

  // 4×4 image with ones in the top-left 3×3 block: y = leaky(clip(2 · mean3×3) - 0.5).
  const image = new Float32Array(16);
  for (const i of [0, 1, 2, 4, 5, 6, 8, 9, 10]) image[i] = 1;
  const out = (await session.run({ image: new ort.Tensor('float32', image, [1, 1, 4, 4]) }))['styled']!;
  assert.deepEqual(out.dims, [1, 1, 4, 4]);
  const y = out.data as Float32Array;
  const expect = (i: number, v: number) => assert.ok(Math.abs(y[i]! - v) < 1e-6, `pixel ${i}: ${y[i]} ≠ ${v}`);
  expect(5, 0.5); // 9 ones → 2 → clamped to 1
  expect(0, (4 / 9) * 2 - 0.5); // corner sees 4 ones
  expect(15, 0.5 * ((1 / 9) * 2 - 0.5)); // sees one 1; negative → slope 0.5
});

test('bad graphs are refused with a clear error', () => {
  const g = new OnnxGraphBuilder('bad');
  g.input('x', [1]);
  assert.throws(() => g.input('x', [1]), /already used/);
  assert.throws(() => g.initializer('w', new Float32Array(3), [2, 2]), /3 values, dims say 4/);
  assert.throws(() => g.node('LeakyRelu', ['x'], { alpha: 0.5 }), /not an integer; use float\(\)/);
  g.output('y', [1]);
  assert.throws(() => g.toBytes(), /output "y" is produced by no node/);
});
