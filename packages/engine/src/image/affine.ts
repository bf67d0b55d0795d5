import { type Affine, affineScale, fitSimilarity, type Point } from '../geometry.ts';

/**
 * The similarity taking strided landmark points (stride 3 for xyz) onto 2-D template points (xy pairs), optionally
 * fitted on a subset of indices.
 */
export function fitLandmarkSimilarity(
  landmarks: ArrayLike<number>,
  template: ArrayLike<number>,
  indices?: ArrayLike<number>,
  stride = 3,
): Affine {
  const count = indices ? indices.length : Math.floor(landmarks.length / stride);
  if (!indices && template.length / 2 !== count) {
    throw new RangeError(`landmarks (${count} points) and template (${template.length / 2}) differ in length`);
  }
  const from: Point[] = [];
  const to: Point[] = [];
  for (let k = 0; k < count; k++) {
    const i = indices ? indices[k] : k;
    from.push([landmarks[i * stride], landmarks[i * stride + 1]]);
    to.push([template[2 * i], template[2 * i + 1]]);
  }
  return fitSimilarity(from, to);
}

/** Applies an affine map to every point of a strided array; z (if present) is scaled by the map's scale. */
export function transformPoints(m: Affine, points: ArrayLike<number>, stride = 3): Float32Array {
  const out = new Float32Array(points.length);
  const scale = affineScale(m);
  for (let i = 0; i + stride <= points.length; i += stride) {
    const x = points[i];
    const y = points[i + 1];
    out[i] = m[0] * x + m[1] * y + m[2];
    out[i + 1] = m[3] * x + m[4] * y + m[5];
    for (let k = 2; k < stride; k++) out[i + k] = points[i + k] * scale;
  }
  return out;
}
