/** Ground-truth types and the metrics helpers that go with them (NME subset, inter-ocular distance, click point). */
import { LANDMARK } from './topology.ts';

export interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface CharacterTruth {
  id: 'target' | 'distractor';
  /** Face at least half inside the frame and less than half covered by a prop. */
  visible: boolean;
  /** Fraction of the face area (skin mesh, eyes, mouth) inside the frame. */
  inFrame: number;
  /** Fraction of the face area covered by a prop. */
  occluded: number;
  /** Bounding box of the 468 landmarks, frame pixels (may extend past the frame edges). */
  box: Box;
  /** The 468 face-mesh vertices projected to frame pixels, same indices as FaceMesh output. */
  landmarks: [number, number][];
  /** Scripted expression values in [0, 1] (eye-open: 1 = open; sides are the subject's, as in MediaPipe naming). */
  mouthOpen: number;
  eyeOpenLeft: number;
  eyeOpenRight: number;
  browRaise: number;
  /** Head pose in degrees: yaw > 0 turns the face to image right, pitch > 0 chin down, roll > 0 clockwise. */
  yaw: number;
  pitch: number;
  roll: number;
}

export interface FrameTruth {
  index: number;
  timeSec: number;
  characters: CharacterTruth[];
}

/**
 * Landmarks for NME against FaceMesh: points with a clear meaning on any face — eye corners and lid midpoints, brow
 * arcs, nose bridge/tip/base/wings, mouth corners and lip midpoints, chin. The jaw and cheek silhouette is left out:
 * on a turned toon head its position depends on the shape, not on the face.
 */
export const NME_LANDMARK_INDICES: readonly number[] = [
  33, 133, 362, 263, 159, 145, 386, 374, 70, 105, 107, 336, 334, 300, 168, 6, 1, 2, 98, 327, 61, 291, 0, 17, 13, 14,
  152,
];

/** Distance between the outer eye corners (landmarks 33 and 263), the NME normalizer. */
export function interOcular(landmarks: readonly (readonly [number, number])[]): number {
  const a = landmarks[LANDMARK.rightEyeOuter];
  const b = landmarks[LANDMARK.leftEyeOuter];
  if (!a || !b) throw new Error('interOcular needs the 468 face-mesh landmarks');
  return Math.hypot(a[0] - b[0], a[1] - b[1]);
}

/** Mean landmark error over NME_LANDMARK_INDICES divided by the truth's inter-ocular distance. */
export function nme(
  predicted: readonly (readonly [number, number])[],
  truth: readonly (readonly [number, number])[],
): number {
  if (predicted.length < 468 || truth.length < 468) throw new Error('nme needs 468 landmarks on both sides');
  let sum = 0;
  for (const i of NME_LANDMARK_INDICES) sum += Math.hypot(predicted[i][0] - truth[i][0], predicted[i][1] - truth[i][1]);
  return sum / NME_LANDMARK_INDICES.length / interOcular(truth);
}

/** Mouth opening measured on landmarks: inner-lip gap over mouth width. */
export function mouthOpenRatio(landmarks: readonly (readonly [number, number])[]): number {
  const d = (a: number, b: number) => Math.hypot(landmarks[a][0] - landmarks[b][0], landmarks[a][1] - landmarks[b][1]);
  return d(LANDMARK.upperLipInner, LANDMARK.lowerLipInner) / d(LANDMARK.mouthRight, LANDMARK.mouthLeft);
}

/** Eye opening measured on landmarks (lid gap over eye width), subject's left and right eye. */
export function eyeOpenRatios(landmarks: readonly (readonly [number, number])[]): { left: number; right: number } {
  const d = (a: number, b: number) => Math.hypot(landmarks[a][0] - landmarks[b][0], landmarks[a][1] - landmarks[b][1]);
  return {
    right: d(LANDMARK.rightEyeTop, LANDMARK.rightEyeBottom) / d(LANDMARK.rightEyeOuter, LANDMARK.rightEyeInner),
    left: d(LANDMARK.leftEyeTop, LANDMARK.leftEyeBottom) / d(LANDMARK.leftEyeInner, LANDMARK.leftEyeOuter),
  };
}

/**
 * A point to click on the target in frame `frameIndex` (the nose bridge), for tests and the demo's character pick.
 * Throws when the target is not visible there.
 */
export function targetPointAt(truths: readonly FrameTruth[], frameIndex: number): { x: number; y: number } {
  const frame = truths.find((f) => f.index === frameIndex);
  if (!frame) throw new Error(`no ground truth for frame ${frameIndex}`);
  const target = frame.characters.find((c) => c.id === 'target');
  if (!target?.visible) throw new Error(`the target is not visible in frame ${frameIndex}`);
  const [x, y] = target.landmarks[LANDMARK.noseBridge];
  return { x, y };
}

/** Ground truth as a JSON-ready object (landmarks rounded to 0.01 px); the CLI writes it to a file. */
export function truthToJson(truths: readonly FrameTruth[], spec: object): string {
  const r = (v: number) => Math.round(v * 100) / 100;
  return JSON.stringify({
    spec,
    landmarkCount: 468,
    nmeLandmarkIndices: NME_LANDMARK_INDICES,
    frames: truths.map((f) => ({
      ...f,
      characters: f.characters.map((c) => ({
        ...c,
        box: { x: r(c.box.x), y: r(c.box.y), w: r(c.box.w), h: r(c.box.h) },
        landmarks: c.landmarks.map(([x, y]) => [r(x), r(y)]),
      })),
    })),
  });
}
