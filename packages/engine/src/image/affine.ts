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

/**
 * Least-squares general affine map (6 degrees of freedom) taking strided points `src` onto `dst` over `indices`;
 * used to stretch one face outline onto another.
 */
export function fitAffine(
  src: ArrayLike<number>,
  dst: ArrayLike<number>,
  indices: ArrayLike<number>,
  stride = 3,
): Affine {
  // Normal equations: [Σxx Σxy Σx; Σxy Σyy Σy; Σx Σy n] · [a b c]ᵀ = [Σx·u Σy·u Σu]ᵀ (and the same for v).
  const m = new Float64Array(9);
  const bu = new Float64Array(3);
  const bv = new Float64Array(3);
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k] * stride;
    const p = [src[i], src[i + 1], 1];
    for (let r = 0; r < 3; r++) {
      for (let c = 0; c < 3; c++) m[3 * r + c] += p[r] * p[c];
      bu[r] += p[r] * dst[i];
      bv[r] += p[r] * dst[i + 1];
    }
  }
  const det =
    m[0] * (m[4] * m[8] - m[5] * m[7]) - m[1] * (m[3] * m[8] - m[5] * m[6]) + m[2] * (m[3] * m[7] - m[4] * m[6]);
  if (!(Math.abs(det) > 1e-9)) throw new RangeError('fitAffine: points are collinear or too few');
  const solve = (b: Float64Array) =>
    [0, 1, 2].map((col) => {
      const mc = Array.from(m);
      for (let r = 0; r < 3; r++) mc[3 * r + col] = b[r];
      return (
        (mc[0] * (mc[4] * mc[8] - mc[5] * mc[7]) -
          mc[1] * (mc[3] * mc[8] - mc[5] * mc[6]) +
          mc[2] * (mc[3] * mc[7] - mc[4] * mc[6])) /
        det
      );
    });
  const [a, b, c] = solve(bu);
  const [d, e, f] = solve(bv);
  return [a, b, c, d, e, f];
}
