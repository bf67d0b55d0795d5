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
import { contourFrame, lumaThumbnail } from './contour-view.ts';
import { decodeImage, decodeIntoFrame } from './decode-image.ts';
import type { FrameInfo, FrameProcessor, TargetPoint } from './frame-processor.ts';
import type { PictureRect } from './media/picture-rect.ts';

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
 * paused frame the stream starts from. The page sends that frame, and the character is picked on it while the
 * stream starts, so the first live frames only track it. Without it (older pages) or when the character is not
 * found on it, the character is picked on the live frames instead, which pass through unchanged until it is found.
 */
export class EngineProcessor implements FrameProcessor {
  private selfie?: SelfieFeatures;
  private target?: TargetPoint;
  private pipeline?: ToonPipeline;
  /** The pick on the clicked frame, while it runs: the first live frames wait for it. */
  private picking?: Promise<void>;
  private pickAttempts = 0;
  private contourListener?: (frame: ContourFrame) => void;

  constructor(
    private readonly models: PipelineModels,
    private readonly log: Logger,
    /** Fusion switch and stylizer settings, from the configuration. */
    private readonly options: PipelineOptions,
    /** The live frames' size: the clicked frame is fitted into it, so the character looks as it will live. */
    private readonly frameSize: Config['live']['frameSize'],
  ) {}

  async open(selfie: Uint8Array, target: TargetPoint): Promise<void> {
    this.target = target;
    const photo = await decodeImage(selfie);
    // Throws SelfieError (e.g. code 'no-face'), which the worker reports to the sfu.
    const analysis = await analyzeSelfie(this.models.analysis, photo);
    this.selfie = prepareSelfieFeatures(this.models.analysis.space, photo, analysis.landmarks);
    // Opening does not wait for the pick (run beside the selfie's analysis, it slowed that down): it runs while the
    // stream comes up, a few hundred ms after the session is claimed, and the first frame waits for what is left.
    if (target.frame) this.picking = this.pickOnClickedFrame(target.frame);
  }

  async process(frame: RgbImage, info: FrameInfo): Promise<RgbImage> {
    await this.picking;
    if (!this.pipeline) {
      if (!(await this.pickOnLiveFrame(frame, info))) return frame;
    }
    // The owner page matches the thumbnail against the original clip frames: taken before the face goes in.
    const thumbnail = this.contourListener && lumaThumbnail(frame, info.picture);
    const result = await this.pipeline!.process(frame, info.index, info.timeSec, { inPlace: true });
    if (thumbnail) this.contourListener?.(contourFrame(thumbnail, result.analysis, info));
    return result.output;
  }

  /** Between frames: what the next frame's fusion needs is computed now (see ToonPipeline.prepareNextFrame). */
  prepareNextFrame(): void {
    this.pipeline?.prepareNextFrame();
  }

  watchContours(listener: ((frame: ContourFrame) => void) | undefined): void {
    this.contourListener = listener;
  }

  /** The click (normalized on the clip's picture) in frame pixels, where the picture sits in the frame. */
  private clickOn(picture: PictureRect, timeSec: number) {
    const { x, y } = this.target!;
    return { timeSec, point: [picture.x + x * picture.width, picture.y + y * picture.height] as [number, number] };
  }

  /** Builds the pipeline from the character on the clicked frame; if that fails, the live frames pick it. */
  private async pickOnClickedFrame(bytes: Uint8Array): Promise<void> {
    try {
      const { image, picture } = await decodeIntoFrame(bytes, this.frameSize);
      const picked = await this.models.analysis.pick(image, this.clickOn(picture, this.target!.timeSeconds));
      this.pipeline = new ToonPipeline(this.models, this.selfie!, picked, this.options);
      this.log.info('target character found on the clicked frame');
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'no target character from the clicked frame; trying live frames');
    }
  }

  private async pickOnLiveFrame(frame: RgbImage, info: FrameInfo): Promise<boolean> {
    this.pickAttempts++;
    try {
      const picked = await this.models.analysis.pick(frame, this.clickOn(info.picture, info.timeSec));
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
