import {
  type AnalysisModels,
  FaceAnalysisStage,
  type FrameAnalysis,
  type PickedTarget,
  parseTargetSpec,
  StageClock,
  type StageTimes,
  TargetNotFoundError,
  type TargetSpec,
  TargetSpecError,
} from '@tooncast/engine';
import { type DecodedFrame, MediaError, VideoReader } from '@tooncast/media';
import { CliError, EXIT } from './errors.ts';

export interface AnalyzedFrame {
  frame: DecodedFrame;
  analysis: FrameAnalysis;
  /** Per-stage ms of this frame, plus `decode` (waiting for the decoder). */
  times: StageTimes;
}

/** The user's `T,X,Y[,W,H]` pick, or a usage error saying the expected form. */
export function parseTarget(text: string): TargetSpec {
  try {
    return parseTargetSpec(text);
  } catch (e) {
    throw e instanceof TargetSpecError ? new CliError(e.message, EXIT.usage) : e;
  }
}

/** Opens a video, turning every media failure into a one-line bad-input error. */
export async function openVideo(file: string): Promise<VideoReader> {
  try {
    return await VideoReader.open(file);
  } catch (e) {
    throw asCliError(e);
  }
}

/** Finds the user's pick on its frame; a miss lists the faces that are there. */
export async function pickTargetInVideo(
  models: AnalysisModels,
  reader: VideoReader,
  spec: TargetSpec,
): Promise<PickedTarget> {
  const { durationSec } = reader.info;
  if (durationSec > 0 && spec.timeSec >= durationSec) {
    throw new CliError(`target time ${spec.timeSec}s is past the end of the video (${durationSec}s)`, EXIT.usage);
  }
  const { width, height } = reader.info;
  const p = spec.point ?? [spec.box!.x, spec.box!.y];
  if (p[0] >= width || p[1] >= height) {
    throw new CliError(`target ${p.join(',')} is outside the ${width}x${height} frame`, EXIT.usage);
  }
  const frame = await reader.frameAt(spec.timeSec).catch((e) => {
    throw asCliError(e);
  });
  try {
    return await models.pick(frame.image, spec);
  } catch (e) {
    if (e instanceof TargetNotFoundError) throw new CliError(e.message, EXIT.targetNotFound);
    throw e;
  }
}

/** Method step 1 over a whole video, frame by frame, handing each result to `onFrame` (nothing is kept). */
export async function analyzeVideo(
  models: AnalysisModels,
  reader: VideoReader,
  target: PickedTarget,
  onFrame: (f: AnalyzedFrame) => Promise<void> | void,
): Promise<void> {
  const stage = new FaceAnalysisStage(models, target);
  const clock = new StageClock();
  try {
    let waitStart = performance.now();
    for await (const frame of reader.frames()) {
      const decode = performance.now() - waitStart;
      const analysis = await stage.analyze(frame.image, frame.index, frame.timeSec, clock);
      await onFrame({ frame, analysis, times: { decode, ...clock.take() } });
      waitStart = performance.now();
    }
  } catch (e) {
    throw asCliError(e);
  }
}

function asCliError(e: unknown): unknown {
  return e instanceof MediaError ? new CliError(e.message, EXIT.badInput) : e;
}
