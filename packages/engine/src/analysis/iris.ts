import type { RgbImage } from '@tooncast/shared';
import * as ort from 'onnxruntime-node';
import type { Point } from '../geometry.ts';
import type { Iris } from './contour.ts';
import { LANDMARK_COUNT, type Landmarks } from './mesh.ts';
import { type Roi, roiToFrame, sampleRoi } from './roi.ts';

const INPUT = 64;
/** The iris model returns 71 eye-contour points, then the iris centre and four points on its rim. */
const IRIS_OFFSET = 71;
const POINTS = 76;
/** Eye corners (outer, inner) of the right and the left eye. */
const EYES = [
  { outer: 33, inner: 133, mirror: false },
  { outer: 263, inner: 362, mirror: true },
] as const;
/** Crop side relative to the corner distance (MediaPipe's iris crop). */
const EYE_CROP_SCALE = 2.3;

/**
 * MediaPipe Iris on both eyes in one batch: each eye cropped upright along the eye line, the left one mirrored
 * because the model was trained on right eyes.
 */
export class IrisEstimator {
  private readonly input = new Float32Array(2 * INPUT * INPUT * 3);
  private readonly inputName: string;

  constructor(private readonly session: ort.InferenceSession) {
    this.inputName = session.inputNames[0];
  }

  /** Right, then left iris in frame pixels. */
  async estimate(frame: RgbImage, landmarks: Landmarks): Promise<Iris[]> {
    const rois = EYES.map(({ outer, inner }) => eyeRoi(landmarks, outer, inner));
    const plane = INPUT * INPUT * 3;
    rois.forEach((roi, e) => {
      const crop = this.input.subarray(e * plane, (e + 1) * plane);
      sampleRoi(frame, roi, INPUT, 1 / 255, 0, crop);
      if (EYES[e].mirror) mirrorRows(crop, INPUT);
    });
    const out = await this.session.run({
      [this.inputName]: new ort.Tensor('float32', this.input, [2, INPUT, INPUT, 3]),
    });
    const data = out[this.session.outputNames[0]].data as Float32Array;
    return rois.map((roi, e) => {
      const m = roiToFrame(roi, INPUT);
      const point = (k: number): Point => {
        const o = (e * POINTS + IRIS_OFFSET + k) * 3;
        const x = EYES[e].mirror ? INPUT - data[o] : data[o];
        return [m[0] * x + m[1] * data[o + 1] + m[2], m[3] * x + m[4] * data[o + 1] + m[5]];
      };
      const center = point(0);
      let radius = 0;
      for (let k = 1; k <= 4; k++) {
        const p = point(k);
        radius += Math.hypot(p[0] - center[0], p[1] - center[1]) / 4;
      }
      return { center, radius };
    });
  }
}

function eyeRoi(lm: Landmarks, outer: number, inner: number): Roi {
  if (outer >= LANDMARK_COUNT || inner >= LANDMARK_COUNT) throw new RangeError('eye corner index out of range');
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
