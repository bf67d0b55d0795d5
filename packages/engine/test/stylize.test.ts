import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { OnnxGraphBuilder } from '@tooncast/models';
import { createRgbImage, loadConfig, type RgbImage } from '@tooncast/shared';
import ort from 'onnxruntime-node';
import { texturedImage } from '../src/image/index.ts';
import {
  BuiltinStylizer,
  DEFAULT_STYLIZER_PARAMS,
  paletteTint,
  stylizerFromConfig,
  stylizerParams,
  UserStylizer,
} from '../src/stylize/index.ts';

const stylizer = await BuiltinStylizer.create();
const S = 192;
const at = (img: RgbImage, x: number, y: number, c = 0) => img.data[(y * img.width + x) * 3 + c];
const luma = (img: RgbImage, x: number, y: number) =>
  0.299 * at(img, x, y, 0) + 0.587 * at(img, x, y, 1) + 0.114 * at(img, x, y, 2);
/** A result kept past the next call: the stylizer's output buffer is reused. */
const styled = async (img: RgbImage, params = DEFAULT_STYLIZER_PARAMS) => {
  const out = await stylizer.stylize(img, params);
  return { ...out, data: out.data.slice() };
};

/** Left half dark, right half light: one vertical edge at x = S/2. */
function stepImage(): RgbImage {
  const img = createRgbImage(S, S, [200, 170, 150]);
  for (let y = 0; y < S; y++) img.data.fill(60, y * S * 3, (y * S + S / 2) * 3);
  return img;
}

describe('stylize: built-in ONNX stylizer', () => {
  it('keeps a flat image flat (no lines, colour kept up to quantization)', async () => {
    const out = await stylizer.stylize(createRgbImage(S, S, [128, 128, 128]));
    const first = out.data.slice(0, 3);
    assert.ok(
      out.data.every((v, i) => Math.abs(v - first[i % 3]) <= 1),
      'flat image got structure',
    );
    assert.ok(Math.abs(first[0] - 128) <= 3, `flat grey became ${first}`);
  });

  it("calls that overlap (one process's sessions share the stylizer) each stylize their own face", async () => {
    const faces = [stepImage(), texturedImage(S, S, 7)];
    const alone: RgbImage[] = [];
    for (const face of faces) alone.push(await styled(face));
    const together = await Promise.all(faces.map((face) => stylizer.stylize(face)));
    for (const [i, out] of together.entries()) {
      assert.deepEqual(out.data, alone[i].data, `face ${i} came out as another`);
    }
  });

  it('inks strong edges, by outline darkness, wider with line weight', async () => {
    const step = stepImage();
    const base = { ...DEFAULT_STYLIZER_PARAMS, levels: 255 };
    const none = await styled(step, { ...base, outlineDarkness: 0 });
    const thin = await styled(step, { ...base, outlineDarkness: 1, lineWeight: 0 });
    const thick = await styled(step, { ...base, outlineDarkness: 1, lineWeight: 1 });
    const darkCols = (img: RgbImage) =>
      Array.from({ length: 20 }, (_, k) => S / 2 - 10 + k).filter((x) => luma(img, x, 96) < 0.5 * luma(none, x, 96))
        .length;
    assert.ok(darkCols(none) === 0);
    assert.ok(darkCols(thin) >= 1, 'no ink line at the edge');
    assert.ok(
      darkCols(thick) > darkCols(thin),
      `line weight did not widen the line (${darkCols(thin)} → ${darkCols(thick)})`,
    );
    assert.ok(Math.abs(luma(thin, 20, 96) - luma(none, 20, 96)) < 2, 'flat area away from the edge was inked');
  });

  it('smooths texture but keeps edges', async () => {
    const noisy = createRgbImage(S, S);
    let seed = 3;
    for (let i = 0; i < noisy.data.length; i++) {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      noisy.data[i] = 150 + (seed % 17) - 8;
    }
    const out = await stylizer.stylize(noisy, { ...DEFAULT_STYLIZER_PARAMS, levels: 255, outlineDarkness: 0 });
    const std = (img: RgbImage) => {
      const v = Array.from({ length: 100 * 100 }, (_, k) => at(img, 40 + (k % 100), 40 + Math.floor(k / 100)));
      const m = v.reduce((a, b) => a + b, 0) / v.length;
      return Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / v.length);
    };
    assert.ok(std(out) < 0.5 * std(noisy), `noise std ${std(noisy)} → ${std(out)}`);
    const edge = await stylizer.stylize(stepImage(), { ...DEFAULT_STYLIZER_PARAMS, levels: 255, outlineDarkness: 0 });
    assert.ok(luma(edge, S / 2 + 3, 96) - luma(edge, S / 2 - 4, 96) > 100, 'the edge was blurred away');
  });

  it('sharpens what the smoothing keeps by the detail strength, flat areas untouched', async () => {
    // A soft step (a sigmoid 8 px wide), as a face's feature edge comes out of the smoothing.
    const soft = createRgbImage(S, S);
    for (let y = 0; y < S; y++) {
      for (let x = 0; x < S; x++) {
        soft.data.fill(Math.round(60 + 120 / (1 + Math.exp((S / 2 - x) / 2))), (y * S + x) * 3);
      }
    }
    const plain = { ...DEFAULT_STYLIZER_PARAMS, levels: 255, outlineDarkness: 0 };
    const slope = (img: RgbImage) => luma(img, S / 2 + 2, 96) - luma(img, S / 2 - 2, 96);
    const none = slope(await stylizer.stylize(soft, plain));
    const crisp = await stylizer.stylize(soft, { ...plain, detail: 2 });
    assert.ok(slope(crisp) > 1.08 * none, `edge slope ${none} → ${slope(crisp)}`);
    assert.ok(
      Math.abs(luma(crisp, 20, 96) - 60) <= 2 && Math.abs(luma(crisp, S - 20, 96) - 180) <= 2,
      'flat areas moved',
    );
    await assert.rejects(stylizer.stylize(soft, { ...plain, detail: -1 }), /bad stylizer parameters/);
  });

  it('quantizes luminance into a staircase of the requested number of levels', async () => {
    const ramp = createRgbImage(S, S);
    for (let y = 0; y < S; y++) {
      for (let x = 0; x < S; x++) ramp.data.fill(Math.round((x / (S - 1)) * 255), (y * S + x) * 3, (y * S + x) * 3 + 3);
    }
    const out = await stylizer.stylize(ramp, { ...DEFAULT_STYLIZER_PARAMS, levels: 4, outlineDarkness: 0 });
    const steps = Array.from({ length: S - 17 }, (_, k) => luma(out, 9 + k, 96) - luma(out, 8 + k, 96));
    // Staircase: the steepest quarter of the columns carries most of the rise (a plain ramp: a quarter of it).
    const sorted = steps.map(Math.abs).sort((p, q) => q - p);
    const total = sorted.reduce((p, q) => p + q, 0);
    const steepQuarter = sorted.slice(0, sorted.length / 4).reduce((p, q) => p + q, 0) / total;
    assert.ok(steepQuarter > 0.5, `the steepest quarter carries only ${Math.round(steepQuarter * 100)}% of the rise`);
    // Plateaus sit at the level values: the middle of the ramp (y ≈ 0.5) maps near 0.5·255.
    assert.ok(Math.abs(luma(out, S / 2, 96) - 127.5) < 20, `mid-ramp luma ${luma(out, S / 2, 96)}`);
  });

  it('tints the palette towards the character’s skin tone', async () => {
    const tint = paletteTint([200, 160, 140], [240, 160, 100], 1);
    assert.deepEqual(tint, [40, 0, -40]);
    const out = await styled(createRgbImage(S, S, [150, 128, 128]), {
      ...DEFAULT_STYLIZER_PARAMS,
      levels: 255,
      tint,
    });
    const ref = await styled(createRgbImage(S, S, [150, 128, 128]), {
      ...DEFAULT_STYLIZER_PARAMS,
      levels: 255,
    });
    assert.ok(
      Math.abs(at(out, 9, 9, 0) - at(ref, 9, 9, 0) - 40) <= 2 &&
        Math.abs(at(out, 9, 9, 2) - at(ref, 9, 9, 2) + 40) <= 2,
    );
    assert.throws(() => paletteTint([0, 0, 0], [0, 0, 0], 2), /strength/);
    // onnxruntime-node copies every output into a new buffer: a call allocates the face's bytes and no more (a
    // float32 planar output was four times that, every frame, and drove full garbage collections).
    const face = createRgbImage(S, S, [150, 128, 128]);
    let grown = 0;
    let before = process.memoryUsage().arrayBuffers;
    for (let i = 0; i < 20; i++) {
      await stylizer.stylize(face);
      const now = process.memoryUsage().arrayBuffers;
      grown += Math.max(0, now - before);
      before = now;
    }
    assert.ok(grown / 20 <= 1.2 * 3 * S * S, `${Math.round(grown / 20)} bytes of buffers per call for ${3 * S * S}`);
    await assert.rejects(stylizer.stylize(ref, { ...DEFAULT_STYLIZER_PARAMS, levels: 0 }), /bad stylizer parameters/);
  });
});

describe('stylize: user ONNX stylizer', () => {
  /** out = −image (a colour negative), optionally at a fixed size, optionally breaking the contract. */
  async function negative(size: number | 'h', flaw?: 'two inputs' | 'grey output'): Promise<ort.InferenceSession> {
    const g = new OnnxGraphBuilder('negative');
    const x = g.input('x', [1, 3, size, size === 'h' ? 'w' : size]);
    if (flaw === 'two inputs') g.input('y', [1]);
    const neg = g.op('Neg', [x]);
    const out = flaw === 'grey output' ? g.op('ReduceMean', [neg], { axes: [1], keepdims: 1 }) : neg;
    g.output(out, [1, flaw === 'grey output' ? 1 : 3, size, size === 'h' ? 'w' : size], 'y_out');
    return ort.InferenceSession.create(g.toBytes(), { intraOpNumThreads: 1 });
  }

  it('runs any image-to-image model in [−1, 1]', async () => {
    const img = texturedImage(S, S, 2);
    const out = await new UserStylizer(await negative('h')).stylize(img);
    assert.ok(out.data.every((v, i) => Math.abs(v - (255 - img.data[i])) <= 1));
  });

  it('resizes to a fixed-size model and back', async () => {
    const img = createRgbImage(S, S, [40, 100, 220]);
    const out = await new UserStylizer(await negative(64), 64).stylize(img);
    assert.equal(out.width, S);
    assert.deepEqual(Array.from(out.data.slice(0, 3)), [215, 155, 35]);
  });

  it('is chosen by configuration', async () => {
    const session = await negative('h');
    const open = async (file: string) => {
      assert.equal(file, '/models/negative.onnx');
      return session;
    };
    const user = await stylizerFromConfig(loadConfig({ TOONCAST_STYLIZER: '/models/negative.onnx' }).face, open);
    assert.ok(user instanceof UserStylizer);
    const img = texturedImage(32, 32, 3);
    assert.equal((await user.stylize(img)).data[0], 255 - img.data[0]);
    const face = loadConfig({ TOONCAST_LINE_WEIGHT: '0.9', TOONCAST_PALETTE_TINT: '0.5' }).face;
    assert.ok((await stylizerFromConfig(face, open)) instanceof BuiltinStylizer);
    assert.deepEqual(stylizerParams(face, [100, 100, 100], [200, 100, 0]), {
      tint: [50, 0, -50],
      outlineDarkness: 0.75,
      lineWeight: 0.9,
      levels: 8,
      detail: 0,
    });
  });

  it('refuses models that break the contract', async () => {
    const twoInputs = await negative('h', 'two inputs');
    assert.throws(() => new UserStylizer(twoInputs), /exactly one image input/);
    await assert.rejects(
      new UserStylizer(await negative('h', 'grey output')).stylize(texturedImage(32, 32)),
      /expected float32 1x3x32x32/,
    );
  });
});
