import type { RgbImage } from '@tooncast/shared';
import * as ort from 'onnxruntime-node';
import type { Point } from '../geometry.ts';
import type { Iris } from './contour.ts';
import type { Landmarks } from './mesh.ts';
import { type Roi, roiToFrame, sampleRoi } from './roi.ts';

const INPUT = 64;
/** Floats of the iris model's input: both eyes' crops. */
export const IRIS_INPUT_LENGTH = 2 * INPUT * INPUT * 3;
/** The iris model returns 71 eye-contour points, then the iris centre and four points on its rim. */
const IRIS_OFFSET = 71;
const POINTS = 76;
/**
 * FaceMesh's eye ring of each eye (right, left): the lower lid corner to corner, then the upper lid. The iris model's
 * first 16 contour points are these, in this order (MediaPipe's landmark refinement maps them the same way).
 */
export const EYELID_LANDMARKS = [
  [33, 7, 163, 144, 145, 153, 154, 155, 133, 246, 161, 160, 159, 158, 157, 173],
  [263, 249, 390, 373, 374, 380, 381, 382, 362, 466, 388, 387, 386, 385, 384, 398],
] as const;
/**
 * The ring points taken from the iris model: all but the corners. FaceMesh's corners stay, since the eye line, the
 * eye crops and the face-space alignment hang on them (landmark NME on the synthetic clip: 0.044 with FaceMesh's
 * lids, 0.046 with the model's lids, 0.048 with its corners too).
 */
const LID_POINTS = [1, 2, 3, 4, 5, 6, 7, 9, 10, 11, 12, 13, 14, 15];
/** Eye corners (outer, inner) of the right and the left eye, in the order the iris model's readings come. */
export const EYES = [
  { outer: 33, inner: 133, mirror: false },
  { outer: 263, inner: 362, mirror: true },
] as const;
/**
 * Crop side relative to FaceMesh's corner distance. MediaPipe crops 2.3×; on drawn eyes FaceMesh's corners sit
 * ~15 % outside the lids' own (the model's corners), and a tighter crop gives the lids more pixels: a blink on the
 * synthetic character reads at r ≈ 0.9 against its script here, 0.75–0.83 at 2.3.
 */
const EYE_CROP_SCALE = 1.8;

/** What the iris model reads on both eyes of a face, in frame pixels. */
export interface EyeReading {
  /** Right, then left iris. */
  irises: Iris[];
  /**
   * The face's landmarks with both eyelids (the eye rings but their corners) replaced by the iris model's eyelid
   * contour (z kept): on drawn eyes FaceMesh's own lid points barely follow a blink, the iris model's, made for the
   * eye region, do.
   */
  landmarks: Landmarks;
}

/**
 * MediaPipe Iris on both eyes of a face in one batch: each eye cropped upright along the eye line, the left one
 * mirrored because the model was trained on right eyes. Both eyes every frame, since a blink lasts only a few
 * frames. Stateless; shared by every analysed video of a process.
 */
export class IrisEstimator {
  private readonly inputName: string;

  constructor(private readonly session: ort.InferenceSession) {
    this.inputName = session.inputNames[0];
  }

  /**
   * `input` (IRIS_INPUT_LENGTH floats) is the caller's, reused frame after frame: sessions run concurrently and
   * must not share one.
   */
  async estimate(
    frame: RgbImage,
    landmarks: Landmarks,
    input = new Float32Array(IRIS_INPUT_LENGTH),
  ): Promise<EyeReading> {
    const plane = INPUT * INPUT * 3;
    const rois = [0, 1].map((e) => eyeRoi(landmarks, e));
    rois.forEach((roi, e) => {
      const crop = input.subarray(e * plane, (e + 1) * plane);
      sampleRoi(frame, roi, INPUT, 1 / 255, 0, crop);
      if (EYES[e].mirror) mirrorRows(crop, INPUT);
    });
    const out = await this.session.run({ [this.inputName]: new ort.Tensor('float32', input, [2, INPUT, INPUT, 3]) });
    const data = out[this.session.outputNames[0]].data as Float32Array;
    const refined = Float32Array.from(landmarks);
    const irises = rois.map((roi, e) => {
      const m = roiToFrame(roi, INPUT);
      const point = (k: number): Point => {
        const o = (e * POINTS + k) * 3;
        const x = EYES[e].mirror ? INPUT - data[o] : data[o];
        const y = data[o + 1];
        return [m[0] * x + m[1] * y + m[2], m[3] * x + m[4] * y + m[5]];
      };
      for (const k of LID_POINTS) {
        const i = EYELID_LANDMARKS[e][k];
        [refined[3 * i], refined[3 * i + 1]] = point(k);
      }
      const center = point(IRIS_OFFSET);
      let radius = 0;
      for (let k = 1; k <= 4; k++) {
        const p = point(IRIS_OFFSET + k);
        radius += Math.hypot(p[0] - center[0], p[1] - center[1]) / 4;
      }
      return { center, radius };
    });
    return { irises, landmarks: refined };
  }
}

function eyeRoi(lm: Landmarks, eye: number): Roi {
  const { outer, inner } = EYES[eye];
  const ox = lm[3 * outer];
  const oy = lm[3 * outer + 1];
  const ix = lm[3 * inner];
  const iy = lm[3 * inner + 1];
  // Angle of the eye seen left to right in the image, whichever corner is on the left.
  const angle = ox < ix ? Math.atan2(iy - oy, ix - ox) : Math.atan2(oy - iy, ox - ix);
  return { cx: (ox + ix) / 2, cy: (oy + iy) / 2, size: Math.hypot(ix - ox, iy - oy) * EYE_CROP_SCALE, angle };
}

function mirrorRows(hwc: Float32Array, size: number): void {
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size / 2; x++) {
      const a = (y * size + x) * 3;
      const b = (y * size + size - 1 - x) * 3;
      for (let c = 0; c < 3; c++) {
        const t = hwc[a + c];
        hwc[a + c] = hwc[b + c];
        hwc[b + c] = t;
      }
    }
  }
}
