import type { RgbImage } from '@tooncast/shared';
import * as ort from 'onnxruntime-node';
import { type Landmarks, roiFromLandmarks } from '../analysis/mesh.ts';
import { sampleRoi } from '../analysis/roi.ts';

/** A face descriptor: 1024 non-negative values, compared by cosine. */
export type IdentityEmbedding = Float32Array;

const INPUT = 224;
const DESCRIPTOR = 1024;
/**
 * Crop side over the landmark box's larger side. human feeds FaceRes the detector box enlarged 1.4×; BlazeFace's
 * box stops at the brows, the mesh reaches the hairline, so about 1.3× the mesh box frames the same head. It is
 * also the share of the face space a generated face fills (margin 0.12): its crop needs no padding.
 */
export const IDENTITY_CROP_SCALE = 1.3;

/**
 * Who a face is, by FaceRes (HSE, shipped with @vladmandic/human as `faceres`): the eye-levelled square around
 * the face's landmarks, 224×224 RGB in 0…255, to its 1024-d global-pooling descriptor. Used to check that the
 * generated faces are the selfie's person; the same crop rule for every image keeps descriptors comparable.
 */
export class IdentityEmbedder {
  private readonly inputName: string;
  private readonly outputName: string;
  private readonly input = new Float32Array(INPUT * INPUT * 3);

  constructor(
    private readonly session: ort.InferenceSession,
    private readonly cropScale = IDENTITY_CROP_SCALE,
  ) {
    this.inputName = session.inputNames[0];
    const descriptor = session.outputMetadata.find(
      (m) => m.isTensor && m.shape[m.shape.length - 1] === DESCRIPTOR && m.shape.length === 2,
    );
    if (!descriptor) {
      throw new Error(`identity model has no ${DESCRIPTOR}-value output (outputs: ${session.outputNames.join(', ')})`);
    }
    this.outputName = descriptor.name;
  }

  /** The descriptor of the face whose 468 landmarks (image pixels) are given. */
  async embed(image: RgbImage, landmarks: Landmarks): Promise<IdentityEmbedding> {
    sampleRoi(image, roiFromLandmarks(landmarks, this.cropScale), INPUT, 1, 0, this.input);
    const feeds = { [this.inputName]: new ort.Tensor('float32', this.input, [1, INPUT, INPUT, 3]) };
    const out = await this.session.run(feeds, [this.outputName]);
    return Float32Array.from(out[this.outputName].data as Float32Array);
  }
}

/** Cosine of the angle between two descriptors (1 = same direction); NaN when one is all zeros. */
export function cosineSimilarity(a: IdentityEmbedding, b: IdentityEmbedding): number {
  if (a.length !== b.length) throw new RangeError(`descriptors differ in length: ${a.length} vs ${b.length}`);
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i++) {
    ab += a[i] * b[i];
    aa += a[i] * a[i];
    bb += b[i] * b[i];
  }
  return ab / Math.sqrt(aa * bb);
}
