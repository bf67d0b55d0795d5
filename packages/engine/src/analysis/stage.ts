import type { Config, RgbImage } from '@tooncast/shared';
import type * as ort from 'onnxruntime-node';
import type { Box } from '../geometry.ts';
import { createFaceSpace, type FaceSpace } from '../image/faceSpace.ts';
import type { StageClock } from '../timing.ts';
import { loadFaceTopology } from '../topology.ts';
import { type ContourFigure, ContourFigureBuilder, type Iris, ORGANS } from './contour.ts';
import { FaceDetector } from './detector.ts';
import { type ExpressionMeasures, type Gaze, measureExpression, measureGaze } from './expression.ts';
import { keepShape, OneEuroFilter } from './filter.ts';
import { IRIS_INPUT_LENGTH, IrisEstimator } from './iris.ts';
import { LipReader } from './lips.ts';
import { FaceMeshEstimator, type Landmarks } from './mesh.ts';
import { OpenEyes } from './openEyes.ts';
import { type PickedTarget, pickTarget, type TargetSpec } from './target.ts';
import { type TargetIdentity, TargetTracker, type TrackingState } from './tracker.ts';

/** Default side of the face space: large enough for a 640×360 frame's faces, small enough for 30 fps on one core. */
export const FACE_SPACE_SIZE = 192;

/** The ONNX sessions step 1 needs, created once per process by the caller (CLI or worker). */
export interface AnalysisSessions {
  /** BlazeFace 256 (whole frames). */
  detector: ort.InferenceSession;
  facemesh: ort.InferenceSession;
  iris: ort.InferenceSession;
}

/** The character's face in one frame: the output of method step 1. */
export interface CartoonFace {
  box: Box;
  /** Filtered landmarks with the iris model's eye rings, 468 × (x, y, z), frame pixels. */
  landmarks: Landmarks;
  presence: number;
  irises: Iris[];
  contour: ContourFigure;
  expression: ExpressionMeasures;
  /** Both eyes' mean lid gap (see lidGap) with the eyes open: the character's, learnt from the clicked frame on. */
  openLidGap: number;
  gaze: Gaze;
}

export interface FrameAnalysis {
  index: number;
  timeSec: number;
  state: TrackingState;
  detectorRan: boolean;
  /** The face jumped since the last frame (a cut): step 2's history must not carry over. */
  jumped: boolean;
  face?: CartoonFace;
}

/** Models and helpers shared by every analysed video of a process. */
export class AnalysisModels {
  readonly detector: FaceDetector;
  readonly mesh: FaceMeshEstimator;
  readonly iris: IrisEstimator;
  readonly contour: ContourFigureBuilder;

  constructor(
    sessions: AnalysisSessions,
    /** The face space contour figures are rasterized in: the one the generation steps work in. */
    readonly space: FaceSpace,
    readonly options: Config['analysis'],
  ) {
    this.detector = new FaceDetector(sessions.detector, 256, { minScore: options.detectorMinScore, nmsIou: 0.3 });
    this.mesh = new FaceMeshEstimator(sessions.facemesh);
    this.iris = new IrisEstimator(sessions.iris);
    this.contour = new ContourFigureBuilder(space);
  }

  /** Opens the step-1 models through the caller's session factory (the engine itself reads no files). */
  static async open(
    openSession: (name: 'blazeface256' | 'facemesh' | 'iris') => Promise<ort.InferenceSession>,
    options: Config['analysis'],
    faceSpaceSize = FACE_SPACE_SIZE,
  ): Promise<AnalysisModels> {
    const [detector, facemesh, iris, topology] = await Promise.all([
      openSession('blazeface256'),
      openSession('facemesh'),
      openSession('iris'),
      loadFaceTopology(),
    ]);
    return new AnalysisModels({ detector, facemesh, iris }, createFaceSpace(topology, faceSpaceSize), options);
  }

  /**
   * The patent's click: which face the user means, or a TargetNotFoundError listing the faces there are. Its
   * landmarks carry the iris model's eyelids, as every analysed frame's do: they are the neutral face expressions
   * are read against.
   */
  async pick(frame: RgbImage, spec: TargetSpec): Promise<PickedTarget> {
    const picked = await pickTarget(frame, spec, this.detector, this.mesh, this.options.minPresence);
    const { landmarks } = await this.iris.estimate(frame, picked.landmarks);
    // The neutral face's lips are closed: openings are read as height beyond the rest (LipReader), which one
    // frame does not know yet.
    const { height } = this.lipReader().refine(frame, landmarks);
    return { ...picked, landmarks, mouthHeight: height };
  }

  /** A LipReader for one video: it learns that character's mouth at rest, never above `pickedHeight`. */
  lipReader(pickedHeight?: number): LipReader {
    const a = this.space.topology.annotations;
    return new LipReader(a.lipsUpperInner, a.lipsLowerInner, pickedHeight);
  }
}

/**
 * Method step 1 for one video and one chosen character: each frame, follow the character's face, read its
 * keypoints, irises and eyelids, and connect them into the contour figure. Large buffers (FaceMesh and iris inputs,
 * the figure's raster) are reused frame after frame — a frame's `contour.planes` holds until the next analyze() —
 * which keeps garbage-collection pauses out of the per-frame time.
 */
export class FaceAnalysisStage {
  private readonly tracker: TargetTracker;
  /** The contour figure's raster, reused: a frame's figure is valid until the next analyze() call. */
  private readonly planes: Float32Array;
  private readonly irisInput = new Float32Array(IRIS_INPUT_LENGTH);
  /** Every lip landmark: their shape is read unfiltered (see keepShape). */
  private readonly lips: number[];
  private readonly lipReader: LipReader;
  private readonly openEyes: OpenEyes;

  constructor(
    private readonly models: AnalysisModels,
    identity: TargetIdentity & Pick<PickedTarget, 'landmarks' | 'mouthHeight'>,
  ) {
    this.planes = new Float32Array(ORGANS.length * models.space.size * models.space.size);
    const a = models.space.topology.annotations;
    this.lips = [...new Set(Object.entries(a).flatMap(([name, idx]) => (name.startsWith('lips') ? idx : [])))];
    this.lipReader = models.lipReader(identity.mouthHeight);
    this.openEyes = new OpenEyes(measureExpression(identity.landmarks));
    const o = models.options;
    this.tracker = new TargetTracker(
      models.detector,
      models.mesh,
      new OneEuroFilter({ minCutoff: o.filterMinCutoff, beta: o.filterBeta, derivativeCutoff: 1 }),
      identity,
      {
        minPresence: o.minPresence,
        maxAppearanceDistance: o.maxAppearanceDistance,
        maxCandidates: 4,
        appearanceRate: 0.02,
      },
    );
  }

  async analyze(frame: RgbImage, index: number, timeSec: number, clock: StageClock): Promise<FrameAnalysis> {
    const step = await clock.timeAsync('track', () => this.tracker.step(frame, timeSec));
    if (!step.face) {
      return { index, timeSec, state: step.state, detectorRan: step.detectorRan, jumped: false };
    }
    const { box, presence, raw } = step.face;
    keepShape(step.face.landmarks, raw, this.lips);
    const { irises, landmarks } = await clock.timeAsync('iris', () =>
      this.models.iris.estimate(frame, step.face!.landmarks, this.irisInput),
    );
    clock.time('lips', () => this.lipReader.refine(frame, landmarks));
    const contour = clock.time('contour', () => this.models.contour.build(landmarks, irises, this.planes));
    const expression = measureExpression(landmarks);
    const openLidGap = this.openEyes.read(expression);
    const gaze = measureGaze(landmarks, irises);
    const face = { box, landmarks, presence, irises, contour, expression, openLidGap, gaze };
    return { index, timeSec, state: step.state, detectorRan: step.detectorRan, jumped: step.jumped, face };
  }
}
