import {
  analyzeSelfie,
  openPipelineModels,
  type PipelineModels,
  type PipelineOptions,
  prepareSelfieFeatures,
  type SelfieFeatures,
  syntheticFace,
  syntheticLandmarks,
  TargetNotFoundError,
  ToonPipeline,
} from '@tooncast/engine';
import { sessionOpeners } from '@tooncast/models';
import type { Config, ContourFrame, Logger, RgbImage } from '@tooncast/shared';
import { createClipRenderer, targetPointAt } from '@tooncast/synth';
import { contourFrame } from './contour-view.ts';
import type { FrameInfo, FrameProcessor, TargetPoint } from './frame-processor.ts';
import { decodeSelfie } from './selfie-image.ts';

/** Opens every model of the method once per worker process; sessions share them. */
export function openEngineModels(config: Config): Promise<PipelineModels> {
  return openPipelineModels(config, sessionOpeners(config));
}

/** Frames of the built-in synthetic clip the warm-up runs (its character faces the camera there). */
const WARM_UP_FRAMES = [24, 25, 26, 27];

/**
 * Runs the method once over a few frames of the built-in synthetic clip, with a synthetic selfie, before the first
 * session: onnxruntime's first runs and the first JIT passes cost a session's first frame ~0.2 s (more on a loaded
 * machine).
 */
export async function warmUpEngine(models: PipelineModels, options: PipelineOptions): Promise<void> {
  const { space } = models.analysis;
  const own = syntheticLandmarks(space);
  const selfie = prepareSelfieFeatures(space, syntheticFace(space, own), own);
  const renderer = createClipRenderer();
  const frames = WARM_UP_FRAMES.map((i) => renderer.render(i));
  const point = targetPointAt(
    frames.map((f) => f.truth),
    WARM_UP_FRAMES[0],
  );
  const picked = await models.analysis.pick(frames[0].image, { timeSec: 0, point: [point.x, point.y] });
  const pipeline = new ToonPipeline(models, selfie, picked, options);
  for (const [k, f] of frames.entries()) await pipeline.process(f.image, k, k / renderer.spec.fps);
}

/**
 * The generation engine behind the worker's FrameProcessor interface. The owner clicked the character on the
 * paused frame the stream starts from, so the target is picked on the first live frames; until it is found the
 * frames pass through unchanged.
 */
export class EngineProcessor implements FrameProcessor {
  private selfie?: SelfieFeatures;
  private target?: TargetPoint;
  private pipeline?: ToonPipeline;
  private pickAttempts = 0;
  private contourListener?: (frame: ContourFrame) => void;

  constructor(
    private readonly models: PipelineModels,
    private readonly log: Logger,
    /** Fusion switch and stylizer settings, from the configuration. */
    private readonly options: PipelineOptions = { fusion: true },
  ) {}

  async open(selfie: Uint8Array, target: TargetPoint): Promise<void> {
    const photo = await decodeSelfie(selfie);
    // Throws SelfieError (e.g. code 'no-face'), which the worker reports to the sfu.
    const analysis = await analyzeSelfie(this.models.analysis, photo);
    this.selfie = prepareSelfieFeatures(this.models.analysis.space, photo, analysis.landmarks);
    this.target = target;
  }

  async process(frame: RgbImage, info: FrameInfo): Promise<RgbImage> {
    if (!this.pipeline) {
      if (!(await this.pick(frame, info))) return frame;
    }
    const result = await this.pipeline!.process(frame, info.index, info.timeSec);
    this.contourListener?.(contourFrame(frame, result.analysis, info));
    return result.output;
  }

  watchContours(listener: ((frame: ContourFrame) => void) | undefined): void {
    this.contourListener = listener;
  }

  private async pick(frame: RgbImage, info: FrameInfo): Promise<boolean> {
    const { x, y } = this.target!;
    this.pickAttempts++;
    try {
      const picked = await this.models.analysis.pick(frame, {
        timeSec: info.timeSec,
        point: [x * frame.width, y * frame.height],
      });
      this.pipeline = new ToonPipeline(this.models, this.selfie!, picked, this.options);
      this.log.info({ attempts: this.pickAttempts }, 'target character found');
      return true;
    } catch (err) {
      if (!(err instanceof TargetNotFoundError)) throw err;
      if (this.pickAttempts % 24 === 1) this.log.warn({ err: err.message }, 'target character not found yet');
      return false;
    }
  }

  async close(): Promise<void> {
    this.pipeline = undefined;
  }
}
