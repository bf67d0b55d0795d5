import type { RgbImage } from '@tooncast/shared';
import * as ort from 'onnxruntime-node';
import type { Point } from '../geometry.ts';
import type { Iris } from './contour.ts';
import type { Landmarks } from './mesh.ts';
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

/** An iris in its eye's crop: centre and radius in crop pixels (0..64), so it can follow the eye between runs. */
export type EyeIris = { x: number; y: number; radius: number };

/**
 * MediaPipe Iris: each eye cropped upright along the eye line, the left one mirrored because the model was trained
 * on right eyes. Stateless; shared by every analysed video of a process.
 */
export class IrisEstimator {
  private readonly inputName: string;

  constructor(private readonly session: ort.InferenceSession) {
    this.inputName = session.inputNames[0];
  }

  /** The irises of the given eyes (0 = right, 1 = left), in eye-crop pixels, in one batch. */
  async estimate(frame: RgbImage, landmarks: Landmarks, eyes: readonly number[]): Promise<EyeIris[]> {
    const plane = INPUT * INPUT * 3;
    // A fresh input per call, as in FaceDetector: concurrent sessions must not share it.
    const batch = new Float32Array(eyes.length * plane);
    eyes.forEach((e, b) => {
      const crop = batch.subarray(b * plane, (b + 1) * plane);
      sampleRoi(frame, eyeRoi(landmarks, e), INPUT, 1 / 255, 0, crop);
      if (EYES[e].mirror) mirrorRows(crop, INPUT);
    });
    const out = await this.session.run({
      [this.inputName]: new ort.Tensor('float32', batch, [eyes.length, INPUT, INPUT, 3]),
    });
    const data = out[this.session.outputNames[0]].data as Float32Array;
    return eyes.map((e, b) => {
      const point = (k: number): Point => {
        const o = (b * POINTS + IRIS_OFFSET + k) * 3;
        return [EYES[e].mirror ? INPUT - data[o] : data[o], data[o + 1]];
      };
      const [x, y] = point(0);
      let radius = 0;
      for (let k = 1; k <= 4; k++) {
        const p = point(k);
        radius += Math.hypot(p[0] - x, p[1] - y) / 4;
      }
      return { x, y, radius };
    });
  }
}

/**
 * The irises of one followed face. The model runs on one eye per frame, in turn, and the other eye's iris keeps its
 * place in that eye's crop: each iris is refreshed at half the frame rate (gaze moves slower than that) for half the
 * cost, and every frame costs the same, which is what the frame budget's p95 needs.
 */
export class IrisTracker {
  private last: (EyeIris | undefined)[] = [undefined, undefined];
  private turn = 0;

  constructor(private readonly estimator: IrisEstimator) {}

  /** Right, then left iris in frame pixels. */
  async track(frame: RgbImage, landmarks: Landmarks): Promise<Iris[]> {
    const missing = [0, 1].filter((e) => !this.last[e]);
    const eyes = missing.length ? missing : [this.turn];
    this.turn = 1 - this.turn;
    const found = await this.estimator.estimate(frame, landmarks, eyes);
    eyes.forEach((e, k) => {
      this.last[e] = found[k];
    });
    return [0, 1].map((e) => toFrame(eyeRoi(landmarks, e), this.last[e]!));
  }

  /** Forgets the irises (the face was lost: the next one may be another). */
  reset(): void {
    this.last = [undefined, undefined];
  }
}

function toFrame(roi: Roi, iris: EyeIris): Iris {
  const m = roiToFrame(roi, INPUT);
  return {
    center: [m[0] * iris.x + m[1] * iris.y + m[2], m[3] * iris.x + m[4] * iris.y + m[5]],
    radius: iris.radius * (roi.size / INPUT),
  };
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
