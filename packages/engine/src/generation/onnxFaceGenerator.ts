import type { FloatMap, RgbImage } from '@tooncast/shared';
import ort from 'onnxruntime-node';
import type { FaceSpace } from '../image/faceSpace.ts';
import { type PlanarTensor, planarToRgb, resizePlanar, rgbToPlanar } from '../image/tensor.ts';
import { resizeRgb } from '../image/warpAffine.ts';
import type { FaceGenerator, FirstFaceInput } from './firstFace.ts';
import type { SelfieFeatures } from './selfie.ts';

/**
 * The tensor contract of an ONNX first face generator (so a learned model replaces the built-in one by config):
 * - input `contour`  float32 [1, C, S, S]: the contour figure in the face-space layout, one channel per organ
 *   (C = 7 for the analysis stage's figure; 1 for a single-plane figure), line = 1 → +1, background → −1;
 * - input `selfie`   float32 [1, 3, S, S]: the aligned selfie crop, RGB in [−1, 1];
 * - input `landmarks` float32 [1, 468, 3] (optional; fed only if the graph declares it): the target landmarks in
 *   face space, x and y mapped to [−1, 1] across the crop, z by the same scale;
 * - output (the first one) float32 [1, 3, S, S]: the first face image, RGB in [−1, 1].
 * S is the model's own size (`modelSize`); inputs and output are resized from and to the face space as needed.
 */
export const FACE_GENERATOR_INPUTS = { contour: 'contour', selfie: 'selfie', landmarks: 'landmarks' } as const;

export class OnnxFaceGenerator implements FaceGenerator {
  private readonly modelSize: number;
  private readonly selfieTensors = new WeakMap<SelfieFeatures, ort.Tensor>();

  constructor(
    readonly space: FaceSpace,
    private readonly session: ort.InferenceSession,
    options: { modelSize?: number } = {},
  ) {
    this.modelSize = options.modelSize ?? space.size;
    for (const name of [FACE_GENERATOR_INPUTS.contour, FACE_GENERATOR_INPUTS.selfie]) {
      if (!session.inputNames.includes(name)) {
        throw new Error(`face generator model lacks the input "${name}" (has ${session.inputNames.join(', ')})`);
      }
    }
    if (session.outputNames.length === 0) throw new Error('face generator model has no output');
  }

  async generate(input: FirstFaceInput, selfie: SelfieFeatures): Promise<RgbImage> {
    if (!input.contourFigure) throw new RangeError('an ONNX face generator needs the contour figure');
    const s = this.modelSize;
    const contour = resizePlanar(asPlanar(input.contourFigure), s, s);
    const signed = new Float32Array(contour.data.length);
    for (let i = 0; i < signed.length; i++) signed[i] = contour.data[i] * 2 - 1;
    const feeds: Record<string, ort.Tensor> = {
      [FACE_GENERATOR_INPUTS.contour]: new ort.Tensor('float32', signed, [1, contour.channels, s, s]),
      [FACE_GENERATOR_INPUTS.selfie]: this.selfieTensor(selfie),
    };
    if (this.session.inputNames.includes(FACE_GENERATOR_INPUTS.landmarks)) {
      const k = 2 / this.space.size;
      const lm = input.landmarks.map((v, i) => (i % 3 === 2 ? v * k : v * k - 1));
      feeds[FACE_GENERATOR_INPUTS.landmarks] = new ort.Tensor('float32', lm, [1, lm.length / 3, 3]);
    }
    const result = await this.session.run(feeds);
    const out = result[this.session.outputNames[0]];
    const dims = out.dims.join('x');
    if (dims !== `1x3x${s}x${s}` || out.type !== 'float32') {
      throw new Error(`face generator output is ${out.type} ${dims}, expected float32 1x3x${s}x${s}`);
    }
    const img = planarToRgb(out.data as Float32Array, s, s);
    return s === this.space.size ? img : resizeRgb(img, this.space.size, this.space.size);
  }

  /** The selfie tensor changes only with the selfie: computed once per SelfieFeatures object. */
  private selfieTensor(selfie: SelfieFeatures): ort.Tensor {
    let t = this.selfieTensors.get(selfie);
    if (!t) {
      const s = this.modelSize;
      const crop = selfie.crop.width === s ? selfie.crop : resizeRgb(selfie.crop, s, s);
      t = new ort.Tensor('float32', rgbToPlanar(crop), [1, 3, s, s]);
      this.selfieTensors.set(selfie, t);
    }
    return t;
  }
}

/** A contour figure as a planar tensor in [0, 1]: planar tensors pass through, maps become 1 or 3 channels. */
export function asPlanar(figure: PlanarTensor | FloatMap | RgbImage): PlanarTensor {
  if ('channels' in figure) return figure;
  if (figure.data instanceof Float32Array)
    return { channels: 1, width: figure.width, height: figure.height, data: figure.data };
  const plane = figure.width * figure.height;
  const data = new Float32Array(3 * plane);
  for (let i = 0; i < plane; i++) for (let c = 0; c < 3; c++) data[c * plane + i] = figure.data[3 * i + c] / 255;
  return { channels: 3, width: figure.width, height: figure.height, data };
}
