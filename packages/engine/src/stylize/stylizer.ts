import type { RgbImage } from '@tooncast/shared';
import ort from 'onnxruntime-node';
import { planarToRgb, rgbToPlanar } from '../image/tensor.ts';
import { resizeRgb } from '../image/warpAffine.ts';
import { buildStylizerGraph, STYLIZER_IO } from './graph.ts';

/** Per-character stylizer parameters: fed as graph inputs, so they change without rebuilding the graph. */
export interface StylizerParams {
  /** Additive RGB shift (0…255 units) towards the character's skin tone; see `paletteTint`. */
  tint: readonly [number, number, number];
  /** 0 = no ink lines, 1 = black lines. */
  outlineDarkness: number;
  /** 0 = thin (1 px) lines, 1 = about 3 px. */
  lineWeight: number;
  /** Luminance steps of the colour quantization (e.g. 6; large = almost none). */
  levels: number;
  /** Strength of the unsharp mask on the smoothed face (0 = none; 1 doubles what a 5-tap blur takes away). */
  detail: number;
}

export const DEFAULT_STYLIZER_PARAMS: StylizerParams = {
  tint: [0, 0, 0],
  outlineDarkness: 0.75,
  lineWeight: 0.3,
  levels: 8,
  detail: 0,
};

/**
 * Method step 3: a final face image in, the cartoon-style face image out (same size). The result may live in the
 * stylizer's own buffer, valid until its next `stylize` call: copy it to keep it longer.
 */
export interface Stylizer {
  stylize(face: RgbImage, params?: StylizerParams): Promise<RgbImage>;
}

/**
 * The shift that moves a face's skin colour `strength` of the way to the character's skin colour (both RGB 0…255),
 * so the stylized face borrows the character's palette.
 */
export function paletteTint(
  faceSkin: readonly [number, number, number],
  characterSkin: readonly [number, number, number],
  strength = 0.5,
): [number, number, number] {
  if (!(strength >= 0 && strength <= 1))
    throw new RangeError(`palette tint strength must be in [0, 1], got ${strength}`);
  return [0, 1, 2].map((c) => strength * (characterSkin[c] - faceSkin[c])) as [number, number, number];
}

function checkParams(p: StylizerParams): void {
  const ok =
    p.tint.length === 3 &&
    p.tint.every((v) => Number.isFinite(v) && Math.abs(v) <= 255) &&
    p.outlineDarkness >= 0 &&
    p.outlineDarkness <= 1 &&
    p.lineWeight >= 0 &&
    p.lineWeight <= 1 &&
    p.levels >= 1 &&
    p.levels <= 255 &&
    p.detail >= 0 &&
    p.detail <= 4;
  if (!ok) throw new RangeError(`bad stylizer parameters ${JSON.stringify(p)}`);
}

/** The built-in stylizer: our generated graph (see buildStylizerGraph) in an onnxruntime session. */
export class BuiltinStylizer implements Stylizer {
  /**
   * Input buffers no call is using. One process's sessions share the stylizer and their calls interleave, and
   * onnxruntime reads a run's input only later (on a setImmediate): each call takes a buffer of its own and gives it
   * back after its run, so no face is stylized from another session's pixels, and none is allocated per frame.
   */
  private readonly spareInputs: Float32Array[] = [];

  private constructor(private readonly session: ort.InferenceSession) {}

  /**
   * Builds the graph in memory and opens it (no files); pass the project's session options (thread count). Its graph
   * optimization stops at 'extended': the 'all' level's blocked layout (NCHWc, channels in blocks of 8) pads this
   * graph's one- and three-channel maps and reorders them around every conv: 1.9 ms a 192 px face against 1.2.
   */
  static async create(
    options: ort.InferenceSession.SessionOptions = { intraOpNumThreads: 1 },
  ): Promise<BuiltinStylizer> {
    const session = await ort.InferenceSession.create(buildStylizerGraph(), {
      ...options,
      graphOptimizationLevel: 'extended',
    });
    return new BuiltinStylizer(session);
  }

  async stylize(face: RgbImage, params: StylizerParams = DEFAULT_STYLIZER_PARAMS): Promise<RgbImage> {
    checkParams(params);
    const { width: w, height: h } = face;
    const scalar = (v: number) => new ort.Tensor('float32', Float32Array.of(v), [1]);
    // The output is the face's bytes, in the buffer onnxruntime returns.
    const spare = this.spareInputs.findIndex((b) => b.length === 3 * w * h);
    const input = rgbToPlanar(face, spare >= 0 ? this.spareInputs.splice(spare, 1)[0] : undefined);
    const tint = Float32Array.from(params.tint, (v) => v / 255);
    try {
      const out = await this.session.run({
        [STYLIZER_IO.image]: new ort.Tensor('float32', input, [1, 3, h, w]),
        [STYLIZER_IO.tint]: new ort.Tensor('float32', tint, [1, 3, 1, 1]),
        [STYLIZER_IO.outlineDarkness]: scalar(params.outlineDarkness),
        [STYLIZER_IO.lineWeight]: scalar(params.lineWeight),
        [STYLIZER_IO.levels]: scalar(params.levels),
        [STYLIZER_IO.detail]: scalar(params.detail),
      });
      return { width: w, height: h, data: out[STYLIZER_IO.output].data as Uint8Array };
    } finally {
      this.spareInputs.push(input);
    }
  }
}

/**
 * Any user-supplied image-to-image ONNX model as the stylizer, chosen by configuration. Contract: one float32
 * input [1, 3, H, W] RGB in [−1, 1], first output the same shape and range. A model with fixed H×W gets the face
 * resized to it and back (pass `modelSize`). Per-character parameters do not apply to it.
 */
export class UserStylizer implements Stylizer {
  private readonly input: string;

  constructor(
    private readonly session: ort.InferenceSession,
    private readonly modelSize?: number,
  ) {
    if (session.inputNames.length !== 1) {
      throw new Error(`a user stylizer takes exactly one image input, this model has ${session.inputNames.length}`);
    }
    this.input = session.inputNames[0];
  }

  async stylize(face: RgbImage): Promise<RgbImage> {
    const s = this.modelSize;
    const src = s && (face.width !== s || face.height !== s) ? resizeRgb(face, s, s) : face;
    const result = await this.session.run({
      [this.input]: new ort.Tensor('float32', rgbToPlanar(src), [1, 3, src.height, src.width]),
    });
    const out = result[this.session.outputNames[0]];
    if (out.type !== 'float32' || out.dims.join('x') !== `1x3x${src.height}x${src.width}`) {
      throw new Error(
        `user stylizer output is ${out.type} ${out.dims.join('x')}, expected float32 1x3x${src.height}x${src.width}`,
      );
    }
    const img = planarToRgb(out.data as Float32Array, src.width, src.height);
    return src === face ? img : resizeRgb(img, face.width, face.height);
  }
}
