import {
  type FaceGenerator,
  type FirstFaceInput,
  type PipelineModels,
  resizeFloat,
  type SelfieFeatures,
} from '@tooncast/engine';
import type { RgbImage } from '@tooncast/shared';
import { type ClipSpec, createRandom } from '@tooncast/synth';
import { generatedExpressions, lagBehind, runGenerationOnClip, warpingErrors } from './generation.ts';

/** Side of the noise grid over the face: patches of light and shade about a sixth of the face across. */
const CELLS = 6;

/**
 * A generator that flickers as one making each frame on its own (a neural one) does: the wrapped generator's face
 * plus a smooth noise field drawn afresh for each frame (uniform values in ±`amplitude` grey levels on a coarse
 * grid, resized bilinearly, the same in every channel: patches of light and shade that come and go). The field is
 * seeded by the frame's landmarks, so the fused and the plain run of one frame get the same flicker, and runs repeat.
 */
export class FlickeringGenerator implements FaceGenerator {
  constructor(
    private readonly inner: FaceGenerator,
    private readonly amplitude: number,
  ) {}

  async generate(input: FirstFaceInput, selfie: SelfieFeatures): Promise<RgbImage> {
    const face = await this.inner.generate(input, selfie);
    const random = createRandom(landmarkHash(input.landmarks));
    const grid = Float32Array.from({ length: CELLS * CELLS }, () => (2 * random() - 1) * this.amplitude);
    const shift = resizeFloat({ width: CELLS, height: CELLS, data: grid }, face.width, face.height).data;
    const data = Uint8Array.from(face.data);
    for (let k = 0; k < data.length; k++) data[k] = Math.min(255, Math.max(0, data[k] + shift[(k / 3) | 0] + 0.5));
    return { width: face.width, height: face.height, data };
  }
}

/** FNV-1a over the landmarks' bits. */
function landmarkHash(landmarks: Float32Array): number {
  const bits = new Uint32Array(landmarks.buffer, landmarks.byteOffset, landmarks.length);
  let h = 0x811c9dc5;
  for (const b of bits) h = Math.imul(h ^ b, 0x01000193) >>> 0;
  return h;
}

export interface FlickerRemoval {
  amplitude: number;
  /** E_warp of the final faces with the generator flickering, without and with fusion. */
  plainFinal: number;
  fusedFinal: number;
  /** Fused over plain E_warp with the flicker. */
  finalRatio: number;
  /** Of the E_warp the flicker adds to each run (over the steady generator's), the share fusion removes. */
  removedShare: number;
  /** Frames the fused run's mouth opening trails the plain run's. */
  mouthLag: number;
}

/**
 * Fusion on a flickering generator: the step-2 runs of `runGenerationOnClip` again with the models' generator made to
 * flicker, against the steady generator's E_warp of the same frames (`steady`). The built-in generator barely
 * flickers, so fused over plain E_warp mostly measures how a different face follows the cartoon's motion; this
 * isolates what fusion is for, a generator's frame-to-frame instability.
 */
export async function flickerRemoval(
  models: PipelineModels,
  selfie: SelfieFeatures,
  spec: ClipSpec,
  steady: { plainFinal: number; fusedFinal: number },
  options: { amplitude: number; maxFrames?: number },
): Promise<FlickerRemoval> {
  const flickering = { ...models, generator: new FlickeringGenerator(models.generator, options.amplitude) };
  const { frames } = await runGenerationOnClip(flickering, selfie, spec, { maxFrames: options.maxFrames });
  const { output } = warpingErrors(frames, { plainFinal: (f) => f.plain.final, fusedFinal: (f) => f.fused.final });
  const n = frames[frames.length - 1].index + 1;
  const mouth = async (pick: 'fused' | 'plain') =>
    (
      await generatedExpressions(
        models.analysis,
        frames.map((f) => ({ index: f.index, face: f[pick].final })),
        n,
      )
    ).mouthOpen;
  return {
    amplitude: options.amplitude,
    plainFinal: output.plainFinal,
    fusedFinal: output.fusedFinal,
    finalRatio: output.fusedFinal / output.plainFinal,
    removedShare: 1 - (output.fusedFinal - steady.fusedFinal) / (output.plainFinal - steady.plainFinal),
    mouthLag: lagBehind(await mouth('fused'), await mouth('plain')),
  };
}
