import { OnnxDataType, OnnxGraphBuilder } from '@tooncast/models';

/** Names of the built-in stylizer graph's inputs and output. */
export const STYLIZER_IO = {
  image: 'image',
  tint: 'tint',
  outlineDarkness: 'outline_darkness',
  lineWeight: 'line_weight',
  levels: 'levels',
  detail: 'detail',
  output: 'stylized',
} as const;

const LUMA = [0.299, 0.587, 0.114];

/** Normalized 1-D Gaussian taps (odd length). */
function gaussianTaps(radius: number, sigma: number): number[] {
  const taps = Array.from({ length: 2 * radius + 1 }, (_, i) => Math.exp(-((i - radius) ** 2) / (2 * sigma * sigma)));
  const sum = taps.reduce((a, b) => a + b, 0);
  return taps.map((t) => t / sum);
}

/**
 * The built-in cartoon stylizer as an ONNX graph (method step 3), made of plain conv/elementwise ops so it runs
 * on any ONNX runtime:
 * 1. edge-preserving smoothing: two passes of a separable Gaussian whose result is blended back towards the input
 *    where the local contrast is high (a conv approximation of a bilateral filter) — flat skin, crisp features —
 *    then an unsharp mask of `detail` strength on what is left (the features);
 * 2. colour quantization: luminance on a soft staircase of `levels` steps, the shift applied to all channels;
 * 3. palette tint: an additive RGB shift towards the target character's skin tone;
 * 4. ink lines: Sobel magnitude of the smoothed luminance through a steep sigmoid, thickened by a 3×3 max-pool
 *    in proportion to `line_weight`, darkening the colour by `outline_darkness`.
 * Inputs: `image` float32 [1, 3, H, W] in [−1, 1]; `tint` [1, 3, 1, 1] (shift in [0, 1] colour units);
 * `outline_darkness`, `line_weight`, `levels`, `detail` float32 [1]. Output `stylized` uint8 [1, H, W, 3]: the
 * face's interleaved RGB bytes (onnxruntime-node copies every output into a new buffer, even a pre-allocated one;
 * these bytes are a quarter of planar float32, and need no conversion after).
 * H and W are symbolic, so one graph serves any face-space size.
 */
export function buildStylizerGraph(): Uint8Array {
  const g = new OnnxGraphBuilder('tooncast_stylizer');
  const image = g.input(STYLIZER_IO.image, [1, 3, 'h', 'w']);
  const tint = g.input(STYLIZER_IO.tint, [1, 3, 1, 1]);
  const darkness = g.input(STYLIZER_IO.outlineDarkness, [1]);
  const weight = g.input(STYLIZER_IO.lineWeight, [1]);
  const levels = g.input(STYLIZER_IO.levels, [1]);
  const detail = g.input(STYLIZER_IO.detail, [1]);

  const half = g.scalar(0.5, 'half');
  const one = g.scalar(1, 'one');
  const luma = g.initializer('luma', Float32Array.from(LUMA), [1, 3, 1, 1]);
  const taps = gaussianTaps(2, 1.2);
  const blurH = g.initializer('blur_h', Float32Array.from([...taps, ...taps, ...taps]), [3, 1, 1, 5]);
  const blurV = g.initializer('blur_v', Float32Array.from([...taps, ...taps, ...taps]), [3, 1, 5, 1]);
  const pad2 = g.int64s([0, 0, 2, 2, 0, 0, 2, 2], 'pad2');
  const pad1 = g.int64s([0, 0, 1, 1, 0, 0, 1, 1], 'pad1');
  const toLuma = (x: string) => g.op('Conv', [x, luma], {}, 'luma');
  const blur = (x: string) => {
    const padded = g.op('Pad', [x, pad2], { mode: 'edge' }, 'blur_pad');
    const h = g.op('Conv', [padded, blurH], { group: 3 }, 'blur_h');
    return g.op('Conv', [h, blurV], { group: 3 }, 'blur_v');
  };

  let rgb = g.op('Mul', [g.op('Add', [image, one]), half], {}, 'unit_rgb');
  // 1. Edge-preserving smoothing: keep = σ(40·(|x − blur(x)|_luma − 0.07)).
  const keepGain = g.scalar(40, 'keep_gain');
  const keepBias = g.scalar(0.07, 'keep_bias');
  for (let pass = 0; pass < 2; pass++) {
    const b = blur(rgb);
    const contrast = toLuma(g.op('Abs', [g.op('Sub', [rgb, b])]));
    const keep = g.op('Sigmoid', [g.op('Mul', [g.op('Sub', [contrast, keepBias]), keepGain])], {}, 'keep');
    rgb = g.op('Add', [b, g.op('Mul', [keep, g.op('Sub', [rgb, b])])], {}, 'smoothed');
  }
  // 1b. Unsharp mask of the smoothed face: the features the smoothing kept get the crispness of a CGI character's.
  rgb = g.op('Add', [rgb, g.op('Mul', [detail, g.op('Sub', [rgb, blur(rgb)])])], {}, 'detailed');
  // 4 (computed before quantization, on the smooth image). Ink lines from the Sobel magnitude.
  const y = toLuma(rgb);
  // One single-channel conv per direction: a sum over the channels of one two-channel conv (ReduceSum) took longer
  // than both convs.
  const paddedY = g.op('Pad', [y, pad1], { mode: 'edge' });
  const sobel = (name: string, taps: number[]) => {
    const d = g.op('Conv', [paddedY, g.initializer(name, Float32Array.from(taps), [1, 1, 3, 3])], {}, name);
    return g.op('Mul', [d, d]);
  };
  const gx = sobel('sobel_x', [-1, 0, 1, -2, 0, 2, -1, 0, 1]);
  const gy = sobel('sobel_y', [-1, -2, -1, 0, 0, 0, 1, 2, 1]);
  const mag = g.op('Sqrt', [g.op('Add', [gx, gy])]);
  const thin = g.op('Sigmoid', [g.op('Mul', [g.op('Sub', [mag, g.scalar(0.55)]), g.scalar(14)])], {}, 'line_thin');
  const thick = g.op('MaxPool', [thin], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] }, 'line_thick');
  const line = g.op('Add', [thin, g.op('Mul', [weight, g.op('Sub', [thick, thin])])], {}, 'line');
  // 2. Quantize luminance with a soft staircase, y' = (⌊yL⌋ + σ(12·(frac(yL) − ½)))/L: flat bands joined by short
  //    ramps (a hard round turns photo shading into blotches); all channels shift by y' − y, keeping the hue.
  const yl = g.op('Mul', [y, levels]);
  const step = g.op('Floor', [yl]);
  const ramp = g.op('Sigmoid', [
    g.op('Mul', [g.op('Sub', [g.op('Sub', [yl, step]), half]), g.scalar(12, 'steepness')]),
  ]);
  const yq = g.op('Div', [g.op('Add', [step, ramp]), levels]);
  rgb = g.op('Add', [rgb, g.op('Sub', [yq, y])], {}, 'quantized');
  // 3. Palette tint.
  rgb = g.op('Add', [rgb, tint], {}, 'tinted');
  rgb = g.op('Mul', [rgb, g.op('Sub', [one, g.op('Mul', [darkness, line])])], {}, 'inked');
  // Rounded to bytes: Cast truncates, so +½ first (values are clipped to [0, 255] before).
  const scaled = g.op('Add', [g.op('Mul', [rgb, g.scalar(255, 'byte_max')]), half]);
  const clipped = g.op('Clip', [scaled, g.scalar(0, 'lo'), g.scalar(255, 'hi')]);
  const interleaved = g.op('Transpose', [clipped], { perm: [0, 2, 3, 1] }, 'nhwc');
  const out = g.op('Cast', [interleaved], { to: OnnxDataType.uint8 }, 'bytes');
  g.output(out, [1, 'h', 'w', 3], STYLIZER_IO.output, 'uint8');
  return g.toBytes({ doc: 'Tooncast built-in cartoon stylizer (method step 3)' });
}
