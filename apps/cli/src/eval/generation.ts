/**
 * How method step 2 does (issue 3, "Generation engine"): identity of the generated real faces, the expression they
 * carry over from the driver, their temporal stability with and without optical-flow fusion, and what fusion costs
 * in expression lag. Runs the whole pipeline twice in lockstep on the same frames, once with fusion and once
 * without, so every difference between the two runs is fusion's.
 */

import { createRequire } from 'node:module';
import path from 'node:path';
import {
  type AnalysisModels,
  type Box,
  backwardWarp,
  boxBlurFloat,
  cosineSimilarity,
  type Detection,
  DisFlowEstimator,
  type ExpressionMeasures,
  type EyeReading,
  type FaceImages,
  type Flow,
  type FusionOptions,
  fillPolygon,
  type Gaze,
  type IdentityEmbedder,
  type IdentityEmbedding,
  invertAffine,
  iou,
  type Landmarks,
  landmarkBounds,
  measureExpression,
  measureGaze,
  type PickedTarget,
  type PipelineModels,
  roiFromDetection,
  roiFromLandmarks,
  type SelfieFeatures,
  sampleFloat,
  type TargetSpec,
  ToonPipeline,
  toGray,
  transformPoints,
  warpAffine,
  wholeFrameRoi,
} from '@tooncast/engine';
import { readImage, VideoReader } from '@tooncast/media';
import { createFloatMap, type FloatMap, type RgbImage } from '@tooncast/shared';
import type { ClipSpec, FrameTruth } from '@tooncast/synth';
import { pearson } from '../stats.ts';
import { clickTarget, framesAsSeen } from './synthetic.ts';

/** Largest per-frame change of a scripted expression value for a pair of frames to count as "still". */
const STILL_EXPRESSION = 0.01;
/** Largest covered share of the face for a frame to count as unoccluded (an organ under the ball shows no expression). */
const UNOCCLUDED = 0.02;
/** The contours whose surroundings count as the expression organs in the split E_warp, and that surrounding, px. */
const ORGAN_RINGS = ['outerLips', 'rightEye', 'leftEye', 'rightBrow', 'leftBrow'] as const;
const ORGAN_MARGIN = 6;

/** The expression measures compared between the driver and the generated face. */
export const EXPRESSION_SERIES = ['mouthOpen', 'eyeOpenLeft', 'eyeOpenRight'] as const;
export type ExpressionSeries = (typeof EXPRESSION_SERIES)[number];
type Expression = Record<ExpressionSeries, number>;

/** The face images of one frame of one run (copies: the pipeline reuses its buffers). */
export interface RunFaces {
  first: RgbImage;
  final: RgbImage;
  stylized: RgbImage;
}

/**
 * The driver's ground truth in one frame (synthetic clips only): its scripted expression, head pose (degrees) and
 * the share of its face something in front covers.
 */
export type DriverTruth = Expression & { yaw: number; pitch: number; roll: number; occluded: number };

/** One frame of the driving video; `truth` when the clip has ground truth (the target's, undefined = not visible). */
export interface DriverFrame {
  image: RgbImage;
  index: number;
  timeSec: number;
  truth?: { visible: boolean; expression?: DriverTruth };
}

/** One frame where the target is visible and both runs replaced its face. */
export interface GenerationFrame {
  index: number;
  truth?: DriverTruth;
  /** The expression read off step 1's landmarks of the cartoon (the driver on real clips). */
  cartoon: ExpressionMeasures;
  /** Where step 1 read the cartoon's eyes look. */
  cartoonGaze: Gaze;
  /** The cartoon frame's face region in the face space (the input of the temporal measure). */
  input: RgbImage;
  /** The region the compositor replaces (the cartoon's face oval) in the face space: 1 inside. */
  region: FloatMap;
  /** The part of `region` near the expression organs (lips, eyes, brows; 6 px around them): 1 inside. */
  organs: FloatMap;
  fused: RunFaces;
  plain: RunFaces;
  /** Mean weight fusion gave the second face image inside the region (0 on the first two frames). */
  secondWeight: number;
}

export interface GenerationRun {
  frames: GenerationFrame[];
  /** Frames played, and those where the target was visible (all, without ground truth). */
  clipFrames: number;
  visibleFrames: number;
}

export interface GenerationRunOptions {
  /** Options of the fused run's fusion (the engine's defaults otherwise), to compare variants. */
  fusionOptions?: FusionOptions;
}

/**
 * Plays frames through two pipelines in lockstep, with and without fusion, for the picked target, and keeps the
 * face images of every frame where the target is visible and both replaced it.
 */
export async function runGeneration(
  models: PipelineModels,
  selfie: SelfieFeatures,
  target: PickedTarget,
  source: AsyncIterable<DriverFrame> | Iterable<DriverFrame>,
  options: GenerationRunOptions = {},
): Promise<GenerationRun> {
  const fused = new ToonPipeline(models, selfie, target, { fusion: true, fusionOptions: options.fusionOptions });
  const plain = new ToonPipeline(models, selfie, target, { fusion: false });
  const size = models.analysis.space.size;
  const oval = models.analysis.space.contours.faceOval;
  const frames: GenerationFrame[] = [];
  let clipFrames = 0;
  let visibleFrames = 0;
  for await (const { image, index, timeSec, truth } of source) {
    // Everything of the fused run is copied before the plain run reuses the shared models' buffers (the stylizer's).
    const a = await fused.process(image, index, timeSec);
    const seen = a.face && a.analysis.face ? fusedFrame(image, a.face, a.analysis.face) : undefined;
    const b = await plain.process(image, index, timeSec);
    clipFrames++;
    const visible = truth?.visible ?? true;
    if (visible) visibleFrames++;
    if (!(visible && seen && b.face)) continue;
    frames.push({ index, truth: truth?.expression, ...seen, plain: copyFaces(b.face) });
  }
  function fusedFrame(
    image: RgbImage,
    face: FaceImages,
    cartoon: { landmarks: Landmarks; expression: ExpressionMeasures; gaze: Gaze },
  ) {
    const toFace = invertAffine(face.faceToFrame);
    const landmarks = transformPoints(toFace, cartoon.landmarks);
    const polygon = (ring: readonly number[]) => ring.flatMap((i) => [landmarks[3 * i], landmarks[3 * i + 1]]);
    const region = fillPolygon(createFloatMap(size, size), polygon(oval), 1);
    const organs = createFloatMap(size, size);
    for (const ring of ORGAN_RINGS) fillPolygon(organs, polygon(models.analysis.space.contours[ring]), 1);
    const near = boxBlurFloat(boxBlurFloat(organs, ORGAN_MARGIN / 2), ORGAN_MARGIN / 2);
    for (let k = 0; k < near.data.length; k++) organs.data[k] = near.data[k] > 1e-3 ? region.data[k] : 0;
    return {
      cartoon: { ...cartoon.expression },
      cartoonGaze: { ...cartoon.gaze },
      input: warpAffine(image, toFace, size, size),
      region,
      organs,
      fused: copyFaces(face),
      secondWeight: face.secondWeight ? regionMean(face.secondWeight, region) : 0,
    };
  }
  return { frames, clipFrames, visibleFrames };
}

/**
 * A synthetic clip (its first `maxFrames`, or all), the user clicking on the target in the first frame it is fully
 * visible, as the product would.
 */
export async function runGenerationOnClip(
  models: PipelineModels,
  selfie: SelfieFeatures,
  spec: ClipSpec,
  options: GenerationRunOptions & {
    maxFrames?: number;
    seen?: ReadonlyMap<number, number>;
    /** The frame the user clicks the target on (see clickTarget). */
    clickAt?: (truths: readonly FrameTruth[]) => number;
  } = {},
): Promise<GenerationRun> {
  const { target } = await clickTarget(models.analysis, spec, options.clickAt);
  function* source(): Generator<DriverFrame> {
    for (const { image, truth, timeSec } of framesAsSeen(spec, options.seen, options.maxFrames)) {
      const c = truth.characters.find((x) => x.id === 'target')!;
      const { mouthOpen, eyeOpenLeft, eyeOpenRight, yaw, pitch, roll, occluded } = c;
      const expression = { mouthOpen, eyeOpenLeft, eyeOpenRight, yaw, pitch, roll, occluded };
      yield { image, index: truth.index, timeSec, truth: { visible: c.visible, expression } };
    }
  }
  return runGeneration(models, selfie, target, source(), options);
}

/** A segment of a real video, without ground truth: step 1's reading of the character is the driver. */
export async function runGenerationOnVideo(
  models: PipelineModels,
  selfie: SelfieFeatures,
  file: string,
  pick: TargetSpec,
  segment: { startSec: number; frames: number },
  options: GenerationRunOptions = {},
): Promise<GenerationRun> {
  const reader = await VideoReader.open(file);
  const target = await models.analysis.pick((await reader.frameAt(pick.timeSec)).image, pick);
  async function* source(): AsyncGenerator<DriverFrame> {
    for await (const frame of reader.frames({ startSec: segment.startSec })) {
      if (frame.index >= segment.frames) return;
      yield frame;
    }
  }
  return runGeneration(models, selfie, target, source(), options);
}

function regionMean(map: FloatMap, region: FloatMap): number {
  let s = 0;
  let n = 0;
  for (let k = 0; k < region.data.length; k++) {
    s += map.data[k] * region.data[k];
    n += region.data[k];
  }
  return n ? s / n : 0;
}

function copyFaces(f: { firstFace: RgbImage; finalFace: RgbImage; stylizedFace: RgbImage }): RunFaces {
  const copy = (img: RgbImage): RgbImage => ({ width: img.width, height: img.height, data: img.data.slice() });
  return { first: copy(f.firstFace), final: copy(f.finalFace), stylized: copy(f.stylizedFace) };
}

/**
 * A generated face image (face space, the face filling about 3/4 of it) read as step 1 reads the cartoon, so driver
 * and generated series come from one reader: FaceMesh on the whole image, again on the crop its landmarks give,
 * then the iris model's eyelids. Undefined when FaceMesh does not see a face there.
 */
export async function readGeneratedFace(models: AnalysisModels, face: RgbImage): Promise<EyeReading | undefined> {
  const first = await models.mesh.estimate(face, wholeFrameRoi(face.width, face.height));
  const refined = await models.mesh.estimate(face, roiFromLandmarks(first.landmarks));
  const best = refined.presence >= first.presence ? refined : first;
  if (best.presence < models.options.minPresence) return undefined;
  return models.iris.estimate(face, best.landmarks);
}

/** A face found in a photo: its landmarks (photo pixels) and descriptor. */
export interface PhotoFace {
  photo: string;
  landmarks: Landmarks;
  /** Larger side of the landmark box, px. */
  size: number;
}

/** Photos are scanned in overlapping square tiles of this side: BlazeFace-256 misses small faces in a whole photo. */
const TILE = 512;
/** Faces smaller than this (landmark box, px) are too blurred to make a fair distractor for FaceRes. */
const MIN_PHOTO_FACE = 64;

/** Every clearly visible face in a photo (group photos included): the distractors of the identity test. */
export async function facesInPhoto(models: AnalysisModels, photo: RgbImage, name: string): Promise<PhotoFace[]> {
  const detections: Detection[] = [];
  for (let y = 0; y < photo.height; y += TILE / 2) {
    for (let x = 0; x < photo.width; x += TILE / 2) {
      const roi = { cx: x + TILE / 2, cy: y + TILE / 2, size: TILE, angle: 0 };
      detections.push(...(await models.detector.detectInRoi(photo, roi)));
      if (x + TILE >= photo.width) break;
    }
    if (y + TILE >= photo.height) break;
  }
  detections.sort((p, q) => q.score - p.score);
  const faces: PhotoFace[] = [];
  const boxes: Box[] = [];
  for (const d of detections) {
    if (boxes.some((b) => iou(b, d.box) > 0.2)) continue;
    boxes.push(d.box);
    const first = await models.mesh.estimate(photo, roiFromDetection(d));
    const refined = await models.mesh.estimate(photo, roiFromLandmarks(first.landmarks));
    if (refined.presence < models.options.minPresence) continue;
    const box = landmarkBounds(refined.landmarks);
    const size = Math.max(box.w, box.h);
    if (size < MIN_PHOTO_FACE) continue;
    if (faces.some((f) => iou(landmarkBounds(f.landmarks), box) > 0.3)) continue;
    faces.push({ photo: name, landmarks: refined.landmarks, size });
  }
  return faces;
}

export interface IdentityScore {
  /** Generated faces FaceMesh found (the crop needs landmarks) over those offered. */
  measured: number;
  offered: number;
  /** Cosine between the selfie and each generated face. */
  selfieCosine: { mean: number; min: number };
  /** Cosine between each generated face and its nearest distractor. */
  nearestDistractorCosine: { mean: number; max: number };
  /** Share of generated faces whose nearest face among the selfie and the distractors is the selfie. */
  rank1: number;
}

/** Identity of generated faces against the selfie, and rank-1 identification among distractor faces. */
export async function scoreIdentity(
  models: AnalysisModels,
  embedder: IdentityEmbedder,
  selfie: IdentityEmbedding,
  distractors: readonly IdentityEmbedding[],
  faces: readonly RgbImage[],
): Promise<IdentityScore> {
  const selfieCos: number[] = [];
  const nearest: number[] = [];
  let hits = 0;
  for (const face of faces) {
    const read = await readGeneratedFace(models, face);
    if (!read) continue;
    const e = await embedder.embed(face, read.landmarks);
    const s = cosineSimilarity(e, selfie);
    const d = Math.max(...distractors.map((x) => cosineSimilarity(e, x)));
    selfieCos.push(s);
    nearest.push(d);
    if (s > d) hits++;
  }
  return {
    measured: selfieCos.length,
    offered: faces.length,
    selfieCosine: { mean: mean(selfieCos), min: Math.min(...selfieCos) },
    nearestDistractorCosine: { mean: mean(nearest), max: Math.max(...nearest) },
    rank1: selfieCos.length ? hits / selfieCos.length : 0,
  };
}

/**
 * Per frame index, the expression FaceMesh and the iris model read on the generated faces, and where their eyes
 * look along the eye line (NaN where they read none).
 */
export async function generatedExpressions(
  models: AnalysisModels,
  faces: readonly { index: number; face: RgbImage }[],
  clipFrames: number,
): Promise<Record<ExpressionSeries | 'gazeX', number[]>> {
  const out = { ...emptySeries(clipFrames), gazeX: new Array<number>(clipFrames).fill(Number.NaN) };
  for (const { index, face } of faces) {
    const read = await readGeneratedFace(models, face);
    if (!read) continue;
    const m = measureExpression(read.landmarks);
    for (const k of EXPRESSION_SERIES) out[k][index] = m[k];
    out.gazeX[index] = measureGaze(read.landmarks, read.irises).x;
  }
  return out;
}

export function emptySeries(n: number): Record<ExpressionSeries, number[]> {
  const s = () => new Array<number>(n).fill(Number.NaN);
  return { mouthOpen: s(), eyeOpenLeft: s(), eyeOpenRight: s() };
}

/**
 * The shift (frames) by which `late` trails `early`: the lag L in [−maxLag, maxLag] maximizing the correlation of
 * late[t] with early[t − L]. Positive = `late` shows the expression later.
 */
export function lagBehind(late: readonly number[], early: readonly number[], maxLag = 6): number {
  let best = 0;
  let bestR = Number.NEGATIVE_INFINITY;
  for (let lag = -maxLag; lag <= maxLag; lag++) {
    const shifted = late.map((_, t) => early[t - lag] ?? Number.NaN);
    const r = pearson(late, shifted);
    // Ties go to the smaller shift, so a flat series reports no lag.
    if (r > bestR + 1e-9 || (Math.abs(r - bestR) <= 1e-9 && Math.abs(lag) < Math.abs(best))) {
      bestR = r;
      best = lag;
    }
  }
  return best;
}

export interface WarpErrors<K extends string> {
  pairs: number;
  /** Share of the face region the consistency check kept. */
  keptShare: number;
  /** E_warp of the input itself. */
  input: number;
  output: Record<K, number>;
}

/** The input flows of consecutive frame pairs (both directions), computed once for every E_warp over a run. */
export class PairFlows {
  private readonly pairs = new WeakMap<GenerationFrame, { forward: Flow; backward: Flow }>();

  constructor(private readonly flow = new DisFlowEstimator({ finestLevel: 0 })) {}

  get(a: GenerationFrame, b: GenerationFrame): { forward: Flow; backward: Flow } {
    let p = this.pairs.get(a);
    if (!p) {
      p = {
        forward: copyFlow(this.flow.estimate(a.input, b.input)),
        backward: copyFlow(this.flow.estimate(b.input, a.input)),
      };
      this.pairs.set(a, p);
    }
    return p;
  }
}

export interface WarpingErrorOptions {
  /** Which consecutive pairs count (all by default). */
  counts?: (a: GenerationFrame, b: GenerationFrame) => boolean;
  /** The part of the face measured (the replaced region by default). */
  regionOf?: (f: GenerationFrame) => FloatMap;
  /** The input flows, shared between the E_warp figures of one run. */
  flows?: PairFlows;
}

/**
 * Warping error E_warp (Lai et al., ECCV 2018) of several output sequences that share one input sequence: per pair
 * of consecutive frames, the flow is computed on the INPUT frames (t → t+1 and back), pixels whose flow is not
 * forward–backward consistent (occlusions, failed matches) are left out, and output t+1 warped back to t is compared
 * with output t: Σ over RGB (in [0,1]) of squared differences, averaged over the kept pixels, then over the pairs.
 * Also returns the input's own E_warp (the floor the flow's errors set).
 */
export function warpingErrors<K extends string>(
  frames: readonly GenerationFrame[],
  outputs: Record<K, (f: GenerationFrame) => RgbImage>,
  options: WarpingErrorOptions = {},
): WarpErrors<K> {
  const { counts = () => true, regionOf = (f) => f.region, flows = new PairFlows() } = options;
  const keys = Object.keys(outputs) as K[];
  let input = 0;
  const sums = new Map<K, number>(keys.map((k) => [k, 0]));
  let pairs = 0;
  let kept = 0;
  let area = 0;
  for (let i = 0; i + 1 < frames.length; i++) {
    const a = frames[i];
    const b = frames[i + 1];
    if (b.index !== a.index + 1 || !counts(a, b)) continue;
    const { forward, backward } = flows.get(a, b);
    const region = regionOf(a);
    const mask = consistentRegion(forward, backward, region);
    let n = 0;
    for (let k = 0; k < mask.length; k++) n += mask[k];
    for (let k = 0; k < region.data.length; k++) area += region.data[k];
    kept += n;
    if (!n) continue;
    pairs++;
    input += maskedError(a.input, backwardWarp(b.input, forward), mask) / n;
    for (const k of keys) {
      const pick = outputs[k];
      sums.set(k, sums.get(k)! + maskedError(pick(a), backwardWarp(pick(b), forward), mask) / n);
    }
  }
  const average = (sum: number) => (pairs ? sum / pairs : Number.NaN);
  return {
    pairs,
    keptShare: area ? kept / area : 0,
    input: average(input),
    output: Object.fromEntries(keys.map((k) => [k, average(sums.get(k)!)])) as Record<K, number>,
  };
}

/**
 * Jitter of an output's own motion: the flow of the output itself between consecutive frames (forward–backward
 * consistent pixels of the region), and its change from one pair to the next, followed along the motion:
 * mean |f(t+1→t+2)(x + f(t→t+1)(x)) − f(t→t+1)(x)|², px². Steady motion and steady expression change score 0, back-and-
 * forth jitter scores high; unlike E_warp, blur does not lower it.
 */
export function motionJitter(
  frames: readonly GenerationFrame[],
  pick: (f: GenerationFrame) => RgbImage,
  flow = new DisFlowEstimator({ finestLevel: 0 }),
): number {
  let sum = 0;
  let n = 0;
  let previous: { flow: Flow; mask: Uint8Array; index: number } | undefined;
  for (let i = 0; i + 1 < frames.length; i++) {
    const a = frames[i];
    const b = frames[i + 1];
    if (b.index !== a.index + 1) {
      previous = undefined;
      continue;
    }
    const forward = copyFlow(flow.estimate(pick(a), pick(b)));
    const mask = consistentRegion(forward, flow.estimate(pick(b), pick(a)), a.region);
    if (previous?.index === a.index - 1) {
      const p = previous.flow;
      const { width: w, height: h } = p.dx;
      for (let y = 0, k = 0; y < h; y++) {
        for (let x = 0; x < w; x++, k++) {
          if (!previous.mask[k]) continue;
          const tx = x + p.dx.data[k];
          const ty = y + p.dy.data[k];
          const q = Math.round(ty) * w + Math.round(tx);
          if (tx < 0 || ty < 0 || tx > w - 1 || ty > h - 1 || !mask[q]) continue;
          sum +=
            (sampleFloat(forward.dx, tx, ty) - p.dx.data[k]) ** 2 +
            (sampleFloat(forward.dy, tx, ty) - p.dy.data[k]) ** 2;
          n++;
        }
      }
    }
    previous = { flow: forward, mask, index: a.index };
  }
  return n ? sum / n : Number.NaN;
}

/** Mean squared grey gradient (central differences, grey in [0,1]) inside each frame's region: how sharp a run is. */
export function sharpness(frames: readonly GenerationFrame[], pick: (f: GenerationFrame) => RgbImage): number {
  let s = 0;
  let n = 0;
  for (const f of frames) {
    const g = toGray(pick(f)).data;
    const { width: w, height: h } = f.region;
    for (let y = 1; y < h - 1; y++) {
      for (let x = 1; x < w - 1; x++) {
        const k = y * w + x;
        if (f.region.data[k] < 0.5) continue;
        s += (g[k + 1] - g[k - 1]) ** 2 + (g[k + w] - g[k - w]) ** 2;
        n++;
      }
    }
  }
  return n ? s / n : 0;
}

/** Separable [a, 1 − 2a, a] softening (a in [0, 1/3]), edges replicated: a blur with a continuous strength. */
export function soften(img: RgbImage, a: number): RgbImage {
  const { width: w, height: h } = img;
  const tmp = new Float32Array(img.data.length);
  const out = { width: w, height: h, data: new Uint8Array(img.data.length) };
  const c = 1 - 2 * a;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = (y * w + x) * 3;
      const l = x > 0 ? i - 3 : i;
      const r = x < w - 1 ? i + 3 : i;
      for (let ch = 0; ch < 3; ch++) tmp[i + ch] = a * (img.data[l + ch] + img.data[r + ch]) + c * img.data[i + ch];
    }
  }
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = (y * w + x) * 3;
      const u = y > 0 ? i - 3 * w : i;
      const d = y < h - 1 ? i + 3 * w : i;
      for (let ch = 0; ch < 3; ch++) out.data[i + ch] = a * (tmp[u + ch] + tmp[d + ch]) + c * tmp[i + ch] + 0.5;
    }
  }
  return out;
}

/**
 * The softening of the plain run's final faces that makes them as sharp as the fused run's (bisection on `soften`'s
 * strength; 0 when the fused faces are the sharper). E_warp rewards blur (a blurred face differs less from its warped
 * neighbour), so fused E_warp is also compared with plain E_warp at equal sharpness.
 */
export function matchingSoftening(frames: readonly GenerationFrame[]): number {
  const target = sharpness(frames, (f) => f.fused.final);
  let lo = 0;
  let hi = 1 / 3;
  if (sharpness(frames, (f) => f.plain.final) <= target) return 0;
  for (let it = 0; it < 10; it++) {
    const mid = (lo + hi) / 2;
    if (sharpness(frames, (f) => soften(f.plain.final, mid)) > target) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

function copyFlow(f: Flow): Flow {
  return { dx: { ...f.dx, data: f.dx.data.slice() }, dy: { ...f.dy, data: f.dy.data.slice() } };
}

/**
 * Pixels of `region` whose forward flow lands inside the image and comes back: |w + ŵ|² ≤ 0.01(|w|² + |ŵ|²) + 0.5,
 * ŵ the backward flow at the forward flow's end (Sundaram et al., the occlusion test Lai et al. use).
 */
function consistentRegion(forward: Flow, backward: Flow, region: FloatMap): Uint8Array {
  const { width: w, height: h } = forward.dx;
  const mask = new Uint8Array(w * h);
  for (let y = 0, k = 0; y < h; y++) {
    for (let x = 0; x < w; x++, k++) {
      if (region.data[k] < 0.5) continue;
      const u = forward.dx.data[k];
      const v = forward.dy.data[k];
      const tx = x + u;
      const ty = y + v;
      if (tx < 0 || ty < 0 || tx > w - 1 || ty > h - 1) continue;
      const bu = sampleFloat(backward.dx, tx, ty);
      const bv = sampleFloat(backward.dy, tx, ty);
      const sum = (u + bu) ** 2 + (v + bv) ** 2;
      if (sum <= 0.01 * (u * u + v * v + bu * bu + bv * bv) + 0.5) mask[k] = 1;
    }
  }
  return mask;
}

function maskedError(a: RgbImage, b: RgbImage, mask: Uint8Array): number {
  let s = 0;
  for (let k = 0; k < mask.length; k++) {
    if (!mask[k]) continue;
    for (let c = 0; c < 3; c++) s += ((a.data[3 * k + c] - b.data[3 * k + c]) / 255) ** 2;
  }
  return s;
}

export function mean(values: readonly number[]): number {
  return values.length ? values.reduce((s, v) => s + v, 0) / values.length : Number.NaN;
}

/** The distractor photos: @vladmandic/face-api's demo photos (group shots, 21 faces), read from node_modules. */
export function distractorPhotos(): string[] {
  const pkg = createRequire(import.meta.url).resolve('@vladmandic/face-api/package.json');
  return [1, 2, 3, 4, 5, 6].map((i) => path.join(path.dirname(pkg), 'demo', `sample${i}.jpg`));
}

/** Descriptors of every face found in the distractor photos. */
export async function distractorEmbeddings(
  models: AnalysisModels,
  embedder: IdentityEmbedder,
  files: readonly string[] = distractorPhotos(),
): Promise<IdentityEmbedding[]> {
  const out: IdentityEmbedding[] = [];
  for (const file of files) {
    const photo = await readImage(file);
    for (const face of await facesInPhoto(models, photo, file)) out.push(await embedder.embed(photo, face.landmarks));
  }
  return out;
}

/** The user's side of the measurement: the selfie photo's descriptor and the features the generator uses. */
export interface SelfieInput {
  features: SelfieFeatures;
  embedding: IdentityEmbedding;
}

export interface GenerationScoreOptions {
  /** Identity is measured on every n-th replaced frame (FaceRes costs ~30 ms a face). */
  identityEvery?: number;
}

type WarpOutput = 'fusedFinal' | 'plainFinal' | 'fusedStylized' | 'plainStylized';
type SeriesR = Record<ExpressionSeries, number>;

export interface GenerationScore {
  clipFrames: number;
  visibleFrames: number;
  replacedFrames: number;
  distractorFaces: number;
  /** Distractors' own cosine to the selfie (how close a stranger gets). */
  distractorSelfieCosine: { mean: number; max: number };
  identity: { firstFace: IdentityScore; finalFace: IdentityScore; stylizedFace: IdentityScore };
  /**
   * Pearson r per measure between a driver and FaceMesh's reading of the generated face, both runs: `truth` = the
   * clip's scripted expression (synthetic clips), `unoccludedTruth` = the same over the frames nothing covers the
   * face in, `cartoon` = step 1's reading of the cartoon (step 2 alone).
   */
  expression: {
    fused: { truth?: SeriesR; unoccludedTruth?: SeriesR; cartoon: SeriesR };
    plain: { truth?: SeriesR; unoccludedTruth?: SeriesR; cartoon: SeriesR };
    /** Step 1 alone: its reading of the cartoon against the script. */
    cartoonVsTruth?: SeriesR;
  };
  /**
   * Mouth-opening lags in frames: the fused run behind the plain one, each behind the driver (the script, or step
   * 1's reading without ground truth).
   */
  lag: { fusedBehindPlain: number; fusedBehindDriver: number; plainBehindDriver: number };
  /** Pearson r of the generated faces' gaze along the eye line against step 1's reading of the cartoon's. */
  gazeR: { fused: number; plain: number };
  /** E_warp of the face region (face space) and fused/plain ratios; also over the pairs where the script is still. */
  warp: {
    all: WarpErrors<WarpOutput>;
    still?: WarpErrors<WarpOutput>;
    /** Fused over plain E_warp: final faces, stylized faces, final faces over the still pairs. */
    finalRatio: number;
    stylizedRatio: number;
    stillFinalRatio?: number;
    /** Fused over plain E_warp (final faces) near the expression organs (lips, eyes, brows) and elsewhere. */
    organsFinalRatio: number;
    restFinalRatio: number;
    /** Mean squared gradient of the fused final faces over the plain ones' (below 1: fusion blurs). */
    fusedOverPlainSharpness: number;
    /**
     * Fused E_warp over that of the plain final faces softened to the fused ones' sharpness: the part of the gain
     * that is temporal, not blur (E_warp rewards any blur).
     */
    sharpnessMatchedFinalRatio: number;
    /** E_warp of a face that never changes (the first replaced plain face, held) over the plain run's. */
    frozenFinalRatio: number;
    /** Fused over plain `motionJitter` of the final faces: how much of the faces' own back-and-forth motion fusion removes. */
    motionJitterRatio: number;
  };
  /** Mean weight of the second (flow-warped) face image in the face region, over the frames fusion ran on. */
  secondWeight: { mean: number };
}

/** Measures identity, expression, temporal stability and lag on a run with and without fusion. */
export async function scoreGeneration(
  models: PipelineModels,
  embedder: IdentityEmbedder,
  selfie: SelfieInput,
  distractors: readonly IdentityEmbedding[],
  run: GenerationRun,
  options: GenerationScoreOptions = {},
): Promise<GenerationScore> {
  if (distractors.length < 10) throw new Error(`rank-1 needs at least 10 distractor faces, got ${distractors.length}`);
  const { frames } = run;
  if (frames.length < 3) throw new Error(`the target's face was replaced on ${frames.length} frames only`);
  const a = models.analysis;
  const every = options.identityEvery ?? 4;
  const sampled = frames.filter((_, i) => i % every === 0);
  const identityOf = (pick: (f: GenerationFrame) => RgbImage) =>
    scoreIdentity(a, embedder, selfie.embedding, distractors, sampled.map(pick));
  const identity = {
    firstFace: await identityOf((f) => f.fused.first),
    finalFace: await identityOf((f) => f.fused.final),
    stylizedFace: await identityOf((f) => f.fused.stylized),
  };
  const n = frames[frames.length - 1].index + 1;
  const hasTruth = frames.every((f) => f.truth);
  const truth = emptySeries(n);
  const unoccludedTruth = emptySeries(n);
  const cartoon = emptySeries(n);
  const cartoonGazeX = new Array<number>(n).fill(Number.NaN);
  for (const f of frames) {
    for (const k of EXPRESSION_SERIES) {
      truth[k][f.index] = f.truth?.[k] ?? Number.NaN;
      if (f.truth && f.truth.occluded <= UNOCCLUDED) unoccludedTruth[k][f.index] = f.truth[k];
      cartoon[k][f.index] = f.cartoon[k];
      cartoonGazeX[f.index] = f.cartoonGaze.x;
    }
  }
  const readRun = (pick: (f: GenerationFrame) => RgbImage) =>
    generatedExpressions(
      a,
      frames.map((f) => ({ index: f.index, face: pick(f) })),
      n,
    );
  const generated = { fused: await readRun((f) => f.fused.final), plain: await readRun((f) => f.plain.final) };
  const against = (series: Record<ExpressionSeries, number[]>, driver: Record<ExpressionSeries, number[]>) =>
    Object.fromEntries(EXPRESSION_SERIES.map((k) => [k, pearson(driver[k], series[k])])) as SeriesR;
  const driver = hasTruth ? truth : cartoon;
  const outputs: Record<WarpOutput, (f: GenerationFrame) => RgbImage> = {
    fusedFinal: (f) => f.fused.final,
    plainFinal: (f) => f.plain.final,
    fusedStylized: (f) => f.fused.stylized,
    plainStylized: (f) => f.plain.stylized,
  };
  const flows = new PairFlows();
  const warp = warpingErrors(frames, outputs, { flows });
  // Pairs where the script holds the expression: what is left there is flicker and pose, not expression change.
  const still = hasTruth
    ? warpingErrors(frames, outputs, {
        flows,
        counts: (p, q) => EXPRESSION_SERIES.every((k) => Math.abs(p.truth![k] - q.truth![k]) < STILL_EXPRESSION),
      })
    : undefined;
  const finals = { fusedFinal: outputs.fusedFinal, plainFinal: outputs.plainFinal };
  const organs = warpingErrors(frames, finals, { flows, regionOf: (f) => f.organs });
  const rest = warpingErrors(frames, finals, {
    flows,
    regionOf: (f) => ({ ...f.region, data: f.region.data.map((v, k) => (f.organs.data[k] > 0 ? 0 : v)) }),
  });
  const softening = matchingSoftening(frames.filter((_, i) => i % 4 === 0));
  const softPlain = warpingErrors(frames, { plainFinal: (f) => soften(f.plain.final, softening) }, { flows });
  const frozen = warpingErrors(frames, { plainFinal: () => frames[0].plain.final }, { flows });
  const plainSharpness = sharpness(frames, outputs.plainFinal);
  const toSelfie = distractors.map((d) => cosineSimilarity(d, selfie.embedding));
  return {
    clipFrames: run.clipFrames,
    visibleFrames: run.visibleFrames,
    replacedFrames: frames.length,
    distractorFaces: distractors.length,
    distractorSelfieCosine: { mean: mean(toSelfie), max: Math.max(...toSelfie) },
    identity,
    expression: {
      fused: {
        ...(hasTruth && {
          truth: against(generated.fused, truth),
          unoccludedTruth: against(generated.fused, unoccludedTruth),
        }),
        cartoon: against(generated.fused, cartoon),
      },
      plain: {
        ...(hasTruth && {
          truth: against(generated.plain, truth),
          unoccludedTruth: against(generated.plain, unoccludedTruth),
        }),
        cartoon: against(generated.plain, cartoon),
      },
      ...(hasTruth && { cartoonVsTruth: against(cartoon, truth) }),
    },
    gazeR: { fused: pearson(cartoonGazeX, generated.fused.gazeX), plain: pearson(cartoonGazeX, generated.plain.gazeX) },
    lag: {
      fusedBehindPlain: lagBehind(generated.fused.mouthOpen, generated.plain.mouthOpen),
      fusedBehindDriver: lagBehind(generated.fused.mouthOpen, driver.mouthOpen),
      plainBehindDriver: lagBehind(generated.plain.mouthOpen, driver.mouthOpen),
    },
    warp: {
      all: warp,
      finalRatio: warp.output.fusedFinal / warp.output.plainFinal,
      stylizedRatio: warp.output.fusedStylized / warp.output.plainStylized,
      ...(still && { still, stillFinalRatio: still.output.fusedFinal / still.output.plainFinal }),
      organsFinalRatio: organs.output.fusedFinal / organs.output.plainFinal,
      restFinalRatio: rest.output.fusedFinal / rest.output.plainFinal,
      fusedOverPlainSharpness: sharpness(frames, outputs.fusedFinal) / plainSharpness,
      sharpnessMatchedFinalRatio: warp.output.fusedFinal / softPlain.output.plainFinal,
      frozenFinalRatio: frozen.output.plainFinal / warp.output.plainFinal,
      motionJitterRatio: motionJitter(frames, outputs.fusedFinal) / motionJitter(frames, outputs.plainFinal),
    },
    secondWeight: { mean: mean(frames.filter((f) => f.secondWeight > 0).map((f) => f.secondWeight)) },
  };
}
