import type { RgbImage } from '@tooncast/shared';
import { MeshFaceGenerator } from '../generation/firstFace.ts';
import { DisFlowEstimator } from '../generation/flow.ts';
import { FaceFusion, FusionHistory } from '../generation/fusion.ts';
import { prepareSelfieFeatures } from '../generation/selfie.ts';
import { transformPoints } from '../image/affine.ts';
import type { FaceSpace } from '../image/faceSpace.ts';
import { syntheticFace, syntheticLandmarks, texturedImage } from '../image/synthetic.ts';
import { type StageTiming, timeStage, timeStageAsync } from '../image/timing.ts';
import { warpAffine } from '../image/warpAffine.ts';
import type { Stylizer } from '../stylize/stylizer.ts';
import { Compositor } from './compositor.ts';

export interface FaceStagesTimings {
  faceSize: number;
  firstFace: StageTiming;
  /** Step 2's temporal part as a whole (two flows, warp, weights, blend). */
  fusion: StageTiming;
  /** Its parts: the prediction flow and the consistency flow. */
  predictionFlow: StageTiming;
  consistencyFlow: StageTiming;
  stylize: StageTiming;
  composite: StageTiming;
  /** Sum of the stage medians (wall, ms). */
  totalMedianMs: number;
}

/**
 * Times steps 2–4 on synthetic input at the given face-space size, composited into a 640×360 frame: a talking
 * synthetic face (the mouth opening and closing) so fusion sees both steady and changing regions. No files.
 */
export async function benchmarkFaceStages(space: FaceSpace, stylizer: Stylizer, runs = 30): Promise<FaceStagesTimings> {
  const own = syntheticLandmarks(space);
  const toPhoto = [1.5, 0, 40, 0, 1.5, 30] as const;
  const photo = warpAffine(syntheticFace(space, own), toPhoto, 400, 400);
  const selfie = prepareSelfieFeatures(space, photo, transformPoints(toPhoto, own));
  const generator = new MeshFaceGenerator(space);
  const a = space.topology.annotations;
  const lower = new Set([...a.lipsLowerInner.slice(1, -1), ...a.lipsLowerOuter.slice(1, -1), ...a.lipsLowerSemiInner]);
  const target = (t: number) => {
    const out = own.slice();
    for (const i of lower) out[3 * i + 1] += 6 * (1 + Math.sin(t / 3));
    return out;
  };
  const faceToFrame = [1.1, 0.05, 220, -0.05, 1.1, 40] as const;
  const frame = texturedImage(640, 360, 5);
  const frameLandmarks = transformPoints(faceToFrame, own);
  const compositor = new Compositor(space.contours.faceOval);
  const fusion = new FaceFusion();
  const history = new FusionHistory();
  let t = 0;
  const generate = () => generator.generateSync({ landmarks: target(t++), neutralLandmarks: own }, selfie);
  history.push(generate());
  history.push(generate());
  const firstFace = timeStage(generate, runs);
  // Fusion is timed on pre-generated first face images, so its figure excludes generation.
  const firsts = Array.from({ length: runs + 5 }, generate);
  let next = 0;
  const fusionTiming = timeStage(() => fusion.fuse(firsts[next++], history), runs);
  const last = history.last!;
  const beforeLast = history.beforeLast!;
  const predictionFlow = timeStage(() => new DisFlowEstimator().estimate(last, beforeLast), runs);
  const consistencyFlow = timeStage(() => new DisFlowEstimator({ finestLevel: 2 }).estimate(beforeLast, last), runs);
  let styled: RgbImage = last;
  const stylize = await timeStageAsync(async () => {
    styled = await stylizer.stylize(last);
  }, runs);
  const composite = timeStage(
    () => compositor.composite(frame, styled, { faceToFrame, landmarks: frameLandmarks }),
    runs,
  );
  return {
    faceSize: space.size,
    firstFace,
    fusion: fusionTiming,
    predictionFlow,
    consistencyFlow,
    stylize,
    composite,
    totalMedianMs: firstFace.medianMs + fusionTiming.medianMs + stylize.medianMs + composite.medianMs,
  };
}
