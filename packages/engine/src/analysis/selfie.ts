import type { RgbImage } from '@tooncast/shared';
import type { Box } from '../geometry.ts';
import { roiFromDetection } from './detector.ts';
import { measureExpression } from './expression.ts';
import { type Landmarks, roiFromLandmarks } from './mesh.ts';
import type { AnalysisModels } from './stage.ts';
import { landmarkBounds } from './tracker.ts';

/** Why a selfie cannot be used, each with a message the web app can show as it is. */
export type SelfieProblem = 'no-face' | 'several-faces' | 'face-too-small' | 'not-frontal' | 'too-dark' | 'too-blurred';

export class SelfieError extends Error {
  override name = 'SelfieError';
  constructor(
    readonly problem: SelfieProblem,
    message: string,
  ) {
    super(message);
  }
}

export interface SelfieQuality {
  /**
   * Head size, px: the landmark box's larger side × HEAD_PER_MESH. FaceMesh's points stop at the brows' top and the
   * chin; the head a person sees (and sizes a photo by) reaches past them.
   */
  faceSize: number;
  yawDeg: number;
  rollDeg: number;
  /** Mean luma of the face, 0–255. */
  brightness: number;
  /** Mean absolute Laplacian of the face's luma (higher = sharper). */
  sharpness: number;
}

export interface SelfieAnalysis {
  landmarks: Landmarks;
  box: Box;
  quality: SelfieQuality;
  /** Usable, but the user may want to know (e.g. smaller faces were ignored). */
  warnings: string[];
}

/** The limits a selfie must meet; the face generator warps this face, so it must be big, frontal, lit and sharp. */
export const SELFIE_LIMITS = {
  minFaceSize: 128,
  maxYawDeg: 30,
  maxRollDeg: 30,
  minBrightness: 45,
  minSharpness: 5,
  /** A second face at least this share of the largest one's area makes the choice ambiguous. */
  dominance: 0.5,
  /** Inner-lip gap over mouth width above which the selfie's own open mouth would show through every expression. */
  maxNeutralMouthOpen: 0.12,
} as const;

/**
 * Method step 2's input check: exactly one dominant face (or the largest, with a warning), big enough, roughly
 * frontal, lit and sharp. Throws a SelfieError whose message says what to change.
 */
export async function analyzeSelfie(models: AnalysisModels, photo: RgbImage): Promise<SelfieAnalysis> {
  const detections = (await models.detector.detectFrame(photo)).sort((a, b) => b.box.w * b.box.h - a.box.w * a.box.h);
  if (!detections.length)
    throw new SelfieError('no-face', 'no face was found in the selfie: face the camera in good light');
  const [main, second] = detections;
  const area = (d: (typeof detections)[number]) => d.box.w * d.box.h;
  if (second && area(second) >= SELFIE_LIMITS.dominance * area(main)) {
    throw new SelfieError(
      'several-faces',
      `${detections.length} faces of similar size in the selfie: use a photo of you alone`,
    );
  }
  const warnings = detections.length > 1 ? [`${detections.length - 1} smaller face(s) in the photo were ignored`] : [];
  const first = await models.mesh.estimate(photo, roiFromDetection(main));
  const refined = await models.mesh.estimate(photo, roiFromLandmarks(first.landmarks));
  const mesh = refined.presence >= first.presence ? refined : first;
  if (mesh.presence < models.options.minPresence) {
    throw new SelfieError(
      'no-face',
      'the face in the selfie is not clear enough to read: face the camera in good light',
    );
  }
  const landmarks = mesh.landmarks;
  const box = landmarkBounds(landmarks);
  const quality = measure(photo, landmarks, box);
  const L = SELFIE_LIMITS;
  if (quality.faceSize < L.minFaceSize) {
    throw new SelfieError(
      'face-too-small',
      `the face is ${Math.round(quality.faceSize)} px tall, it needs ${L.minFaceSize} px: come closer or use a larger photo`,
    );
  }
  if (Math.abs(quality.yawDeg) > L.maxYawDeg || Math.abs(quality.rollDeg) > L.maxRollDeg) {
    throw new SelfieError('not-frontal', 'the face is turned or tilted: look straight into the camera');
  }
  if (quality.brightness < L.minBrightness) throw new SelfieError('too-dark', 'the face is too dark: find more light');
  if (quality.sharpness < L.minSharpness) throw new SelfieError('too-blurred', 'the selfie is blurred: hold still');
  // Expressions are added to the selfie's own face: an open mouth there keeps every generated mouth open.
  if (measureExpression(landmarks).mouthOpen > L.maxNeutralMouthOpen) {
    warnings.push('your mouth is open in the selfie: a neutral, closed-mouth face follows the character best');
  }
  return { landmarks, box, quality, warnings };
}

/** Head size over the landmark box's larger side (forehead above the mesh, ears beside it). */
const HEAD_PER_MESH = 1.25;

function measure(photo: RgbImage, lm: Landmarks, box: Box): SelfieQuality {
  const [r, l] = [33, 263];
  const dx = lm[3 * l] - lm[3 * r];
  const dy = lm[3 * l + 1] - lm[3 * r + 1];
  const dz = lm[3 * l + 2] - lm[3 * r + 2];
  const deg = (rad: number) => (rad * 180) / Math.PI;
  const { brightness, sharpness } = lumaStats(photo, box);
  return {
    faceSize: Math.max(box.w, box.h) * HEAD_PER_MESH,
    yawDeg: deg(Math.atan2(dz, Math.hypot(dx, dy))),
    rollDeg: deg(Math.atan2(dy, dx)),
    brightness,
    sharpness,
  };
}

/** Mean luma and mean |Laplacian| over the central half of the face box (skin, eyes, mouth; no background). */
function lumaStats(photo: RgbImage, box: Box): { brightness: number; sharpness: number } {
  const { width: w, height: h, data } = photo;
  const x0 = Math.max(1, Math.round(box.x + box.w / 4));
  const x1 = Math.min(w - 2, Math.round(box.x + (3 * box.w) / 4));
  const y0 = Math.max(1, Math.round(box.y + box.h / 4));
  const y1 = Math.min(h - 2, Math.round(box.y + (3 * box.h) / 4));
  const luma = (x: number, y: number) => {
    const i = (y * w + x) * 3;
    return 0.299 * data[i] + 0.587 * data[i + 1] + 0.114 * data[i + 2];
  };
  let sum = 0;
  let lap = 0;
  let n = 0;
  for (let y = y0; y <= y1; y++) {
    for (let x = x0; x <= x1; x++) {
      const c = luma(x, y);
      sum += c;
      lap += Math.abs(luma(x - 1, y) + luma(x + 1, y) + luma(x, y - 1) + luma(x, y + 1) - 4 * c);
      n++;
    }
  }
  return n ? { brightness: sum / n, sharpness: lap / n } : { brightness: 0, sharpness: 0 };
}
