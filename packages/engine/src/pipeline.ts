/**
 * The method in one place. Per session: the selfie's features, the chosen character, the stylizer's parameters.
 * Per frame, in order:
 *   step 1  analyze      frame ─► cartoon face (landmarks, irises) ─► contour figure (face space)
 *   step 2  firstFace    contour figure + selfie features ─► first face image
 *           fusion       from the third frame: flow(final[t−2], final[t−1]) warps final[t−1] ─► second face image;
 *                        first ⊕ second (per-pixel weights) ─► final face image        [state: FusionHistory]
 *   step 3  stylize      final face ─► cartoon-style face
 *   step 4  composite    frame + cartoon-style face ─► output frame
 * The only frame-to-frame state of the method is `history` (the last two final face images) plus step 1's tracker.
 */
import type { Config, FloatMap, RgbImage } from '@tooncast/shared';
import type ort from 'onnxruntime-node';
import { ORGANS } from './analysis/contour.ts';
import { AnalysisModels, FaceAnalysisStage, type FrameAnalysis } from './analysis/stage.ts';
import type { PickedTarget } from './analysis/target.ts';
import { Compositor } from './composite/compositor.ts';
import type { FaceGenerator } from './generation/firstFace.ts';
import { faceGeneratorFromConfig, type OpenSession } from './generation/fromConfig.ts';
import { FaceFusion, FusionHistory, type FusionOptions } from './generation/fusion.ts';
import type { SelfieFeatures } from './generation/selfie.ts';
import { type Affine, invertAffine } from './geometry.ts';
import { transformPoints } from './image/affine.ts';
import { characterStyle } from './stylize/character.ts';
import { stylizerFromConfig } from './stylize/fromConfig.ts';
import type { Stylizer, StylizerParams } from './stylize/stylizer.ts';
import { StageClock, type StageTimes } from './timing.ts';

/** Everything a process opens once and every session shares. */
export interface PipelineModels {
  analysis: AnalysisModels;
  generator: FaceGenerator;
  stylizer: Stylizer;
}

/** How the caller (CLI, worker) opens ONNX sessions: the engine itself reads no files. */
export interface SessionOpeners {
  /** One of the built face models. */
  model: (name: 'blazeface256' | 'facemesh' | 'iris') => Promise<ort.InferenceSession>;
  /** Any ONNX file (a configured generator or stylizer). */
  file: OpenSession;
  /** Options for sessions the engine builds in memory (the built-in stylizer). */
  options: ort.InferenceSession.SessionOptions;
}

/** Opens every model of the method as configured (built-in or ONNX generator and stylizer), once per process. */
export async function openPipelineModels(config: Config, open: SessionOpeners): Promise<PipelineModels> {
  const analysis = await AnalysisModels.open(open.model, config.analysis, config.face.size);
  const [generator, stylizer] = await Promise.all([
    faceGeneratorFromConfig(analysis.space, config.face, open.file),
    stylizerFromConfig(config.face, open.file, open.options),
  ]);
  return { analysis, generator, stylizer };
}

export interface PipelineOptions {
  /** The switch that turns optical-flow fusion off, so its effect can be measured. */
  fusion: boolean;
  fusionOptions?: FusionOptions;
  /** Stylizer settings (line weight, colour levels, tint strength); the character's own look adapts them. */
  style?: Config['face'];
}

/** The intermediate images of one frame, in the face space (for the debug grid and the benchmarks). */
export interface FaceImages {
  firstFace: RgbImage;
  secondFace?: RgbImage;
  secondWeight?: FloatMap;
  finalFace: RgbImage;
  stylizedFace: RgbImage;
  faceToFrame: Affine;
}

export interface PipelineFrame {
  analysis: FrameAnalysis;
  /**
   * The output frame: the input frame itself when no face was replaced or when compositing in place, else the
   * compositor's buffer. Like the stylized face in `face`, it stays valid until the next `process` call only (copy
   * it to keep it).
   */
  output: RgbImage;
  face?: FaceImages;
  times: StageTimes;
}

export class ToonPipeline {
  private readonly analysis: FaceAnalysisStage;
  private readonly fusion: FaceFusion;
  private readonly compositor: Compositor;
  /** Step 2's sequential state: the last two final face images. Reset when the character is lost or jumps (a cut). */
  readonly history = new FusionHistory();
  /** The character's neutral face (its landmarks when picked), in the face space: expressions are read against it. */
  private readonly neutral: Float32Array;
  private style?: StylizerParams;
  private readonly clock = new StageClock();

  constructor(
    private readonly models: PipelineModels,
    private readonly selfie: SelfieFeatures,
    target: PickedTarget,
    private readonly options: PipelineOptions,
  ) {
    const space = models.analysis.space;
    this.analysis = new FaceAnalysisStage(models.analysis, target);
    this.fusion = new FaceFusion({ ...options.fusionOptions, enabled: options.fusion });
    this.compositor = new Compositor(space.contours, { harmonize: options.style?.harmonize });
    this.neutral = transformPoints(models.analysis.contour.toFaceSpace(target.landmarks), target.landmarks);
  }

  /**
   * `inPlace`: the face is composited into `frame` itself, which then is the output (for a caller that gives the
   * frame up, e.g. the live worker: no frame-sized copy or allocation per frame).
   */
  async process(frame: RgbImage, index: number, timeSec: number, { inPlace = false } = {}): Promise<PipelineFrame> {
    const clock = this.clock;
    // Step 1: the character's face and its contour figure.
    const analysis = await this.analysis.analyze(frame, index, timeSec, clock);
    const cartoon = analysis.face;
    if (!cartoon || analysis.jumped) this.history.reset();
    // A cut: the character's look may differ in the new shot (a lost face that comes back keeps it).
    if (analysis.jumped) this.compositor.reset();
    if (!cartoon) return { analysis, output: frame, times: clock.take() };
    this.style ??= characterStyle(
      this.models.analysis.space,
      frame,
      cartoon.landmarks,
      this.selfie.skinColor,
      this.options.style,
    );
    const { contour } = cartoon;
    const landmarks = transformPoints(contour.toFaceSpace, cartoon.landmarks);
    const contourFigure = { channels: ORGANS.length, width: contour.size, height: contour.size, data: contour.planes };
    // Step 2: the first face image, then fusion with the flow-warped second face image.
    const firstFace = await clock.timeAsync('firstFace', () =>
      this.models.generator.generate(
        {
          landmarks,
          neutralLandmarks: this.neutral,
          openLidGap: cartoon.openLidGap,
          gaze: cartoon.gaze,
          contourFigure,
        },
        this.selfie,
      ),
    );
    const fused = clock.time('fusion', () => this.fusion.fuse(firstFace, this.history, timeSec));
    // Step 3: cartoon style.
    const stylizedFace = await clock.timeAsync('stylize', () =>
      this.models.stylizer.stylize(fused.finalFace, this.style),
    );
    // Step 4: into the frame.
    const faceToFrame = invertAffine(contour.toFaceSpace);
    const output = clock.time('composite', () =>
      this.compositor.composite(
        frame,
        stylizedFace,
        { faceToFrame, landmarks: cartoon.landmarks },
        inPlace ? frame : undefined,
      ),
    );
    return {
      analysis,
      output,
      face: { firstFace, ...fused, stylizedFace, faceToFrame },
      times: clock.take(),
    };
  }

  /**
   * Step 2's flow for the next frame (between the two last final face images), computed now: a live caller runs
   * this once its frame has left, so the next frame does not wait for it. Optional: `process` computes it otherwise.
   */
  prepareNextFrame(): void {
    this.fusion.prepare(this.history);
  }
}
