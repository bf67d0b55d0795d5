import type { RgbImage } from '@tooncast/shared';
import * as ort from 'onnxruntime-node';
import { type Roi, roiAroundPoints, roiToFrame, sampleRoi } from './roi.ts';

export const LANDMARK_COUNT = 468;
/** FaceMesh's outer mouth corners (right, left). */
export const MOUTH_CORNERS = [61, 291] as const;
const INPUT = 192;
/** Size of FaceMesh's input tensor, for callers that keep their own input buffer. */
export const MESH_INPUT_LENGTH = INPUT * INPUT * 3;

/** 468 landmarks as x, y, z triples in frame pixels (z in the same scale as x, smaller = closer to the camera). */
export type Landmarks = Float32Array;

export interface MeshResult {
  landmarks: Landmarks;
  /** Probability that the crop holds a face (FaceMesh's face flag). */
  presence: number;
  /** The model input, NHWC in [0,1], reused by the identity cue so the crop is sampled once. */
  crop: Float32Array;
}

/** MediaPipe FaceMesh on a rotated ROI: 192×192 RGB crop in [0,1] → 468 points in crop pixels + face flag. */
export class FaceMeshEstimator {
  private readonly inputName: string;
  private readonly meshName: string;
  private readonly flagName: string;

  constructor(private readonly session: ort.InferenceSession) {
    this.inputName = session.inputNames[0];
    const shapes = outputSizes(session);
    this.meshName = pick(shapes, LANDMARK_COUNT * 3);
    this.flagName = pick(shapes, 1);
  }

  /**
   * Landmarks in the ROI. `input` may be a caller-owned buffer of 192·192·3 floats reused frame after frame (one per
   * followed face, since calls of different faces interleave): it spares a large allocation, and the GC pause it
   * brings, on every frame.
   */
  async estimate(frame: RgbImage, roi: Roi, input?: Float32Array): Promise<MeshResult> {
    const crop = sampleRoi(frame, roi, INPUT, 1 / 255, 0, input);
    const out = await this.session.run({ [this.inputName]: new ort.Tensor('float32', crop, [1, INPUT, INPUT, 3]) });
    const raw = out[this.meshName].data as Float32Array;
    const flag = (out[this.flagName].data as Float32Array)[0];
    const m = roiToFrame(roi, INPUT);
    const zScale = roi.size / INPUT;
    const landmarks = new Float32Array(LANDMARK_COUNT * 3);
    for (let i = 0; i < LANDMARK_COUNT; i++) {
      const x = raw[3 * i];
      const y = raw[3 * i + 1];
      landmarks[3 * i] = m[0] * x + m[1] * y + m[2];
      landmarks[3 * i + 1] = m[3] * x + m[4] * y + m[5];
      landmarks[3 * i + 2] = raw[3 * i + 2] * zScale;
    }
    // The converted graph may end before or after the sigmoid; a probability is what callers compare.
    const presence = flag >= 0 && flag <= 1 ? flag : 1 / (1 + Math.exp(-flag));
    return { landmarks, presence, crop };
  }
}

/** Right and left eye outer corners: their line sets the ROI rotation (MediaPipe's rule). */
const EYE_OUTER_RIGHT = 33;
const EYE_OUTER_LEFT = 263;

/** The ROI for the next frame from this frame's landmarks: upright on the eye line, 1.5× the face. */
export function roiFromLandmarks(landmarks: Landmarks, scale = 1.5): Roi {
  const angle = Math.atan2(
    landmarks[3 * EYE_OUTER_LEFT + 1] - landmarks[3 * EYE_OUTER_RIGHT + 1],
    landmarks[3 * EYE_OUTER_LEFT] - landmarks[3 * EYE_OUTER_RIGHT],
  );
  const xs = new Float32Array(LANDMARK_COUNT);
  const ys = new Float32Array(LANDMARK_COUNT);
  for (let i = 0; i < LANDMARK_COUNT; i++) {
    xs[i] = landmarks[3 * i];
    ys[i] = landmarks[3 * i + 1];
  }
  return roiAroundPoints(xs, ys, angle, scale);
}

function outputSizes(session: ort.InferenceSession): Map<string, number> {
  const sizes = new Map<string, number>();
  for (const meta of session.outputMetadata) {
    if (!meta.isTensor) continue;
    sizes.set(
      meta.name,
      meta.shape.reduce<number>((p, d) => p * (typeof d === 'number' && d > 0 ? d : 1), 1),
    );
  }
  return sizes;
}

function pick(sizes: Map<string, number>, size: number): string {
  for (const [name, s] of sizes) if (s === size) return name;
  throw new Error(`FaceMesh model has no output of ${size} values (outputs: ${[...sizes.keys()].join(', ')})`);
}
