import { createFloatMap, type FloatMap, type RgbImage } from '@tooncast/shared';
import { affineScale } from '../geometry.ts';
import { transformPoints } from '../image/affine.ts';
import { gaussianBlurRgb } from '../image/blur.ts';
import { type ColorStats, colorStats } from '../image/color.ts';
import { type FaceSpace, frameToFaceSpace } from '../image/faceSpace.ts';
import { featheredPolygonMask, fillPolygon } from '../image/mask.ts';
import { warpAffine } from '../image/warpAffine.ts';

/**
 * What step 2 knows about the user's selfie, all in the face space. Computed once per selfie.
 */
export interface SelfieFeatures {
  /** Face-space size these features were computed for. */
  readonly size: number;
  /** The selfie's 468 FaceMesh landmarks in face space, xyz interleaved (z scaled like x, y). */
  readonly landmarks3d: Float32Array;
  /** The selfie aligned into the face space (size×size). */
  readonly crop: RgbImage;
  /** Skin: the face oval without eyes, brows and lips, feathered; [0, 1]. */
  readonly skinMask: FloatMap;
  /** Colour statistics of the skin, for colour matching later in the pipeline. */
  readonly skinStats: ColorStats;
  /** Mean skin and lip colours (RGB), for synthesizing eyelids and the mouth interior. */
  readonly skinColor: readonly [number, number, number];
  readonly lipColor: readonly [number, number, number];
  /** Identity embedding (e.g. the face-description model's vector) for generators that use one. */
  readonly embedding?: Float32Array;
}

/** Aligns a selfie photo into the face space and measures what the first face generator needs from it. */
export function prepareSelfieFeatures(
  space: FaceSpace,
  photo: RgbImage,
  landmarks: Float32Array,
  embedding?: Float32Array,
): SelfieFeatures {
  const toFace = frameToFaceSpace(space, landmarks);
  const scale = affineScale(toFace);
  // Shrinking a large photo by more than 2× aliases; blur it first by the amount the resampling drops.
  const source = scale < 0.5 ? gaussianBlurRgb(photo, 0.5 / scale - 0.5) : photo;
  const crop = warpAffine(source, toFace, space.size, space.size);
  const landmarks3d = transformPoints(toFace, landmarks);
  const poly = (ring: readonly number[]) => ring.flatMap((i) => [landmarks3d[3 * i], landmarks3d[3 * i + 1]]);
  const c = space.contours;
  const skinMask = featheredPolygonMask(space.size, space.size, poly(c.faceOval), space.size / 24);
  for (const organ of [c.rightEye, c.leftEye, c.rightBrow, c.leftBrow, c.outerLips])
    fillPolygon(skinMask, poly(organ), 0);
  const lips = fillPolygon(createFloatMap(space.size, space.size), poly(c.outerLips), 1);
  fillPolygon(lips, poly(c.innerLips), 0);
  const skinStats = colorStats(crop, skinMask);
  if (skinStats.weight < 16) throw new RangeError('selfie landmarks enclose no skin: is the face inside the photo?');
  const lipStats = colorStats(crop, lips);
  return {
    size: space.size,
    landmarks3d,
    crop,
    skinMask,
    skinStats,
    skinColor: meanRgb(skinStats),
    lipColor: lipStats.weight > 0 ? meanRgb(lipStats) : meanRgb(skinStats),
    embedding,
  };
}

/** Back from the opponent-space mean to RGB. */
function meanRgb(s: ColorStats): [number, number, number] {
  const [l, a, b] = s.mean;
  const sum = 2 * l + (2 * b) / 3;
  return [(sum + a) / 2, (sum - a) / 2, l - (2 * b) / 3];
}
