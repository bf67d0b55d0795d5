import {
  type AnalysisModels,
  ExpressionMapper,
  FaceAnalysisStage,
  type FrameAnalysis,
  type Landmarks,
  StageClock,
} from '@tooncast/engine';
import {
  type CharacterTruth,
  type ClipSpec,
  createClipRenderer,
  type FrameTruth,
  nme,
  renderClip,
  targetPointAt,
} from '@tooncast/synth';
import { pearson } from '../stats.ts';

const EXPRESSIONS = ['mouthOpen', 'eyeOpenLeft', 'eyeOpenRight'] as const;
type Expression = (typeof EXPRESSIONS)[number];

/** How step 1 did on a synthetic clip, against its ground truth. */
export interface SyntheticScore {
  /** Frames analysed. */
  frames: number;
  /** Frames where the target is visible (the denominator of the detection rate). */
  visibleFrames: number;
  detectionRate: number;
  /** Landmark error over the NME subset / inter-ocular distance, on visible frames where the target was found. */
  nme: { mean: number; p95: number; max: number };
  /** Frames whose reported face was nearer the distractor than the target. */
  distractorTaken: number;
  /** Frames reported found while the target was not visible (a wrong face, or a hallucination). */
  foundWhileInvisible: number;
  /** Per re-entry after leaving the frame: how many frames after it became visible again it was found. */
  reacquireLatency: number[];
  /** Pearson r of step 1's expression readings against the script, on visible frames where the target was found. */
  expression: Record<Expression, number>;
  /**
   * Pearson r of the eye openings step 2 puts on the selfie (ExpressionMapper, against the learnt open lid gap)
   * against the script, on the same frames.
   */
  mappedEyes: Record<'eyeOpenLeft' | 'eyeOpenRight', number>;
}

export interface SyntheticRunOptions {
  /** Sees each frame's analysis (e.g. for timing). */
  onFrame?: (a: FrameAnalysis, ms: number, cpuMs: number) => void;
  /**
   * Only these frames are analysed and scored, at these times (s), as a live worker sees them (see liveSchedule);
   * every frame at its own time when absent.
   */
  seen?: ReadonlyMap<number, number>;
  /** The frame the user clicks on (see clickTarget). */
  clickAt?: (truths: readonly FrameTruth[]) => number;
  /**
   * Only `frames` frames from the clicked one on are analysed, as a live session started from the paused frame runs
   * them, and the first `settle` of them are not scored.
   */
  fromClick?: { frames: number; settle: number };
}

/**
 * The clip's ground truth and its target as the owner picks it: a click on the target's face in the first frame
 * where it is fully visible (pickFrame), or in the frame `clickAt` chooses from the truths.
 */
export async function clickTarget(
  models: AnalysisModels,
  spec: ClipSpec,
  clickAt: (truths: readonly FrameTruth[]) => number = pickFrame,
) {
  const truths: FrameTruth[] = [];
  for (const f of renderClip(spec)) truths.push(f.truth);
  const clickIndex = clickAt(truths);
  const click = targetPointAt(truths, clickIndex);
  const clickImage = createClipRenderer(spec).render(clickIndex).image;
  const target = await models.pick(clickImage, { timeSec: clickIndex / spec.fps, point: [click.x, click.y] });
  return { truths, target, clickIndex };
}

/**
 * The clip's frames a run looks at, with their times: every frame (below `limit`) at its own time, or with `seen` only
 * those frames at those times (s), as a live worker sees them (see liveSchedule).
 */
export function* framesAsSeen(spec: ClipSpec, seen?: ReadonlyMap<number, number>, limit = Number.POSITIVE_INFINITY) {
  for (const { image, truth } of renderClip(spec)) {
    if (truth.index >= limit) return;
    const timeSec = seen ? seen.get(truth.index) : truth.timeSec;
    if (timeSec !== undefined) yield { image, truth, timeSec };
  }
}

/** The frame the user "clicks" on: the first one where the target is fully visible. */
export function pickFrame(truths: readonly FrameTruth[]): number {
  const i = truths.findIndex((f) => f.characters.some((c) => c.id === 'target' && c.visible && c.occluded === 0));
  if (i < 0) throw new Error('the target is never fully visible in this clip');
  return truths[i].index;
}

/**
 * Runs method step 1 over a synthetic clip as the product would (click on the target, then every frame in order)
 * and scores it against the clip's ground truth.
 */
export async function scoreSyntheticClip(
  models: AnalysisModels,
  spec: ClipSpec,
  { onFrame, seen, clickAt, fromClick }: SyntheticRunOptions = {},
): Promise<SyntheticScore> {
  const { target: picked, clickIndex } = await clickTarget(models, spec, clickAt);
  const stage = new FaceAnalysisStage(models, picked);
  const clock = new StageClock();
  const mapper = new ExpressionMapper(models.space);
  const mapped = { eyeOpenLeft: [] as number[], eyeOpenRight: [] as number[] };
  const first = fromClick ? clickIndex : 0;
  const end = fromClick ? clickIndex + fromClick.frames : Number.POSITIVE_INFINITY;
  const scoredFrom = first + (fromClick?.settle ?? 0);
  let analysed = 0;

  const errors: number[] = [];
  let visible = 0;
  let found = 0;
  let distractorTaken = 0;
  let foundWhileInvisible = 0;
  const reacquireLatency: number[] = [];
  const series = () => Object.fromEntries(EXPRESSIONS.map((k) => [k, [] as number[]])) as Record<Expression, number[]>;
  const read = series();
  const scripted = series();
  let awaitingReentry: number | undefined; // frame the target became visible again after leaving
  let wasVisible = false;
  let leftFrame = false;
  for (const { image, truth, timeSec } of framesAsSeen(spec, seen, end)) {
    if (truth.index < first) continue;
    analysed++;
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    const a = await stage.analyze(image, truth.index, timeSec, clock);
    const cpu = process.cpuUsage(c0);
    onFrame?.(a, performance.now() - t0, (cpu.user + cpu.system) / 1000);
    clock.take();
    const target = truth.characters.find((c) => c.id === 'target')!;
    const distractor = truth.characters.find((c) => c.id === 'distractor');
    if (!target.visible && target.inFrame < 0.5) leftFrame = true;
    if (target.visible && !wasVisible && leftFrame) {
      awaitingReentry = truth.index;
      leftFrame = false;
    }
    wasVisible = target.visible;
    if (target.visible) visible++;
    if (!a.face) continue;
    const predicted = toPoints(a.face.landmarks);
    if (distractor && nearer(predicted, distractor, target)) distractorTaken++;
    if (!target.visible) {
      foundWhileInvisible++;
      continue;
    }
    found++;
    errors.push(nme(predicted, target.landmarks));
    if (truth.index >= scoredFrom) {
      for (const k of EXPRESSIONS) {
        read[k].push(a.face.expression[k]);
        scripted[k].push(target[k]);
      }
      const { eyeOpen } = mapper.read(a.face.landmarks, picked.landmarks, a.face.openLidGap);
      mapped.eyeOpenRight.push(eyeOpen[0]);
      mapped.eyeOpenLeft.push(eyeOpen[1]);
    }
    if (awaitingReentry !== undefined) {
      reacquireLatency.push(truth.index - awaitingReentry);
      awaitingReentry = undefined;
    }
  }
  if (awaitingReentry !== undefined) reacquireLatency.push(Number.POSITIVE_INFINITY);
  const sorted = [...errors].sort((p, q) => p - q);
  return {
    frames: analysed,
    visibleFrames: visible,
    detectionRate: visible ? found / visible : 0,
    nme: {
      mean: errors.reduce((s, e) => s + e, 0) / Math.max(1, errors.length),
      p95: sorted[Math.floor(0.95 * (sorted.length - 1))] ?? Number.NaN,
      max: sorted[sorted.length - 1] ?? Number.NaN,
    },
    distractorTaken,
    foundWhileInvisible,
    reacquireLatency,
    expression: Object.fromEntries(EXPRESSIONS.map((k) => [k, pearson(read[k], scripted[k])])) as Record<
      Expression,
      number
    >,
    mappedEyes: {
      eyeOpenLeft: pearson(mapped.eyeOpenLeft, scripted.eyeOpenLeft),
      eyeOpenRight: pearson(mapped.eyeOpenRight, scripted.eyeOpenRight),
    },
  };
}

function toPoints(lm: Landmarks): [number, number][] {
  return Array.from({ length: lm.length / 3 }, (_, i) => [lm[3 * i], lm[3 * i + 1]]);
}

/** Whether the predicted face sits nearer the distractor's landmarks than the target's (mean point distance). */
function nearer(predicted: [number, number][], distractor: CharacterTruth, target: CharacterTruth): boolean {
  const mean = (c: CharacterTruth) =>
    predicted.reduce((s, p, i) => s + Math.hypot(p[0] - c.landmarks[i][0], p[1] - c.landmarks[i][1]), 0) /
    predicted.length;
  return mean(distractor) < mean(target);
}
