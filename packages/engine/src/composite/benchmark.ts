import type { RgbImage } from '@tooncast/shared';
import { MeshFaceGenerator } from '../generation/firstFace.ts';
import { FaceFusion, FusionHistory } from '../generation/fusion.ts';
import { prepareSelfieFeatures } from '../generation/selfie.ts';
import { transformPoints } from '../image/affine.ts';
import type { FaceSpace } from '../image/faceSpace.ts';
import { syntheticFace, syntheticLandmarks, texturedImage } from '../image/synthetic.ts';
import { type StageTiming, summarizeTimes } from '../image/timing.ts';
import { warpAffine } from '../image/warpAffine.ts';
import type { Stylizer } from '../stylize/stylizer.ts';
import { Compositor } from './compositor.ts';

export interface FaceStagesTimings {
  faceSize: number;
  frames: number;
  /** Step 2, first generative model. */
  firstFace: StageTiming;
  /** Step 2, temporal part: two optical flows, warp, weights, blend. */
  fusion: StageTiming;
  /** Step 3. */
  stylize: StageTiming;
  /** Step 4, into a reused 640×360 output frame. */
  composite: StageTiming;
  /** Steps 2–4 per frame, end to end. */
  chain: StageTiming;
}

/**
 * Runs steps 2–4 frame after frame on synthetic input, as the pipeline does, and times every stage: a talking
 * synthetic face (mouth opening and closing) on a 640×360 frame, so fusion meets both steady and changing regions.
 * No files; the first 5 frames warm up and are not counted.
 */
export async function benchmarkFaceStages(
  space: FaceSpace,
  stylizer: Stylizer,
  frames = 60,
): Promise<FaceStagesTimings> {
  const own = syntheticLandmarks(space);
  const toPhoto = [1.5, 0, 40, 0, 1.5, 30] as const;
  const photo = warpAffine(syntheticFace(space, own), toPhoto, 400, 400);
  const selfie = prepareSelfieFeatures(space, photo, transformPoints(toPhoto, own));
  const generator = new MeshFaceGenerator(space);
  const a = space.topology.annotations;
  const lower = new Set([...a.lipsLowerInner.slice(1, -1), ...a.lipsLowerOuter.slice(1, -1), ...a.lipsLowerSemiInner]);
  const faceToFrame = [1.1, 0.05, 220, -0.05, 1.1, 40] as const;
  const frame = texturedImage(640, 360, 5);
  const frameLandmarks = transformPoints(faceToFrame, own);
  // A reused output frame, as a pipeline that streams frames out would keep (a fresh 640×360 copy costs ~2 ms).
  const output = { width: frame.width, height: frame.height, data: new Uint8Array(frame.data.length) };
  const compositor = new Compositor(space.contours);
  const fusion = new FaceFusion();
  const history = new FusionHistory();
  const times = {
    firstFace: [] as number[],
    fusion: [] as number[],
    stylize: [] as number[],
    composite: [] as number[],
  };
  const cpu = { firstFace: [] as number[], fusion: [] as number[], stylize: [] as number[], composite: [] as number[] };
  const chain: number[] = [];
  const chainCpu: number[] = [];
  const warmup = 5;
  for (let t = 0; t < frames + warmup; t++) {
    const target = own.slice();
    for (const i of lower) target[3 * i + 1] += 6 * (1 + Math.sin(t / 3));
    const stamps: number[] = [performance.now()];
    const cpuStamps: number[] = [cpuMs()];
    const mark = () => {
      stamps.push(performance.now());
      cpuStamps.push(cpuMs());
    };
    const first = generator.generateSync({ landmarks: target, neutralLandmarks: own }, selfie);
    mark();
    const { finalFace } = fusion.fuse(first, history);
    mark();
    const styled: RgbImage = await stylizer.stylize(finalFace);
    mark();
    compositor.composite(frame, styled, { faceToFrame, landmarks: frameLandmarks }, output);
    mark();
    if (t < warmup) continue;
    (['firstFace', 'fusion', 'stylize', 'composite'] as const).forEach((stage, k) => {
      times[stage].push(stamps[k + 1] - stamps[k]);
      cpu[stage].push(cpuStamps[k + 1] - cpuStamps[k]);
    });
    chain.push(stamps[4] - stamps[0]);
    chainCpu.push(cpuStamps[4] - cpuStamps[0]);
  }
  return {
    faceSize: space.size,
    frames,
    firstFace: summarizeTimes(times.firstFace, cpu.firstFace),
    fusion: summarizeTimes(times.fusion, cpu.fusion),
    stylize: summarizeTimes(times.stylize, cpu.stylize),
    composite: summarizeTimes(times.composite, cpu.composite),
    chain: summarizeTimes(chain, chainCpu),
  };
}

function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}
