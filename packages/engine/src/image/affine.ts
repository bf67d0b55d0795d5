/**
 * 2×3 affine matrices, row-major: x' = m[0]·x + m[1]·y + m[2], y' = m[3]·x + m[4]·y + m[5].
 * A matrix always maps the space named first to the one named second (e.g. frameToFace).
 */
export type Affine = readonly [number, number, number, number, number, number];

export const IDENTITY_AFFINE: Affine = [1, 0, 0, 0, 1, 0];

export function applyAffine(m: Affine, x: number, y: number): [number, number] {
  return [m[0] * x + m[1] * y + m[2], m[3] * x + m[4] * y + m[5]];
}

export function invertAffine(m: Affine): Affine {
  const det = m[0] * m[4] - m[1] * m[3];
  if (!Number.isFinite(det) || Math.abs(det) < 1e-12) throw new RangeError('affine matrix is singular');
  const a = m[4] / det;
  const b = -m[1] / det;
  const d = -m[3] / det;
  const e = m[0] / det;
  return [a, b, -(a * m[2] + b * m[5]), d, e, -(d * m[2] + e * m[5])];
}

/** The matrix that applies `first`, then `second`. */
export function composeAffine(second: Affine, first: Affine): Affine {
  return [
    second[0] * first[0] + second[1] * first[3],
    second[0] * first[1] + second[1] * first[4],
    second[0] * first[2] + second[1] * first[5] + second[2],
    second[3] * first[0] + second[4] * first[3],
    second[3] * first[1] + second[4] * first[4],
    second[3] * first[2] + second[4] * first[5] + second[5],
  ];
}

/** Uniform scale of a (near-)similarity matrix: sqrt of its determinant. */
export function affineScale(m: Affine): number {
  return Math.sqrt(Math.abs(m[0] * m[4] - m[1] * m[3]));
}

/**
 * Least-squares similarity (rotation, uniform scale, translation) taking points `src` to `dst` (Umeyama in 2-D).
 * Points are read with the given stride (2 for xy, 3 for xyz landmarks); `indices` restricts the fit to a subset.
 */
export function fitSimilarity(
  src: ArrayLike<number>,
  dst: ArrayLike<number>,
  options: { srcStride?: number; dstStride?: number; indices?: ArrayLike<number> } = {},
): Affine {
  const ss = options.srcStride ?? 2;
  const ds = options.dstStride ?? 2;
  const count = options.indices ? options.indices.length : Math.floor(src.length / ss);
  if (count < 2 || (!options.indices && Math.floor(dst.length / ds) !== count)) {
    throw new RangeError(`fitSimilarity needs ≥2 matching points, got ${count} and ${Math.floor(dst.length / ds)}`);
  }
  const at = (k: number) => (options.indices ? options.indices[k] : k);
  let sx = 0;
  let sy = 0;
  let dx = 0;
  let dy = 0;
  for (let k = 0; k < count; k++) {
    const i = at(k);
    sx += src[i * ss];
    sy += src[i * ss + 1];
    dx += dst[i * ds];
    dy += dst[i * ds + 1];
  }
  sx /= count;
  sy /= count;
  dx /= count;
  dy /= count;
  let a = 0; // Σ (s·d)
  let b = 0; // Σ (s × d)
  let n = 0; // Σ |s|²
  for (let k = 0; k < count; k++) {
    const i = at(k);
    const px = src[i * ss] - sx;
    const py = src[i * ss + 1] - sy;
    const qx = dst[i * ds] - dx;
    const qy = dst[i * ds + 1] - dy;
    a += px * qx + py * qy;
    b += px * qy - py * qx;
    n += px * px + py * py;
  }
  if (n < 1e-12) throw new RangeError('fitSimilarity: source points are all identical');
  const c = a / n;
  const s = b / n;
  return [c, -s, dx - (c * sx - s * sy), s, c, dy - (s * sx + c * sy)];
}

/** Applies an affine matrix to every point of a strided point array (z, if present, is scaled by the matrix scale). */
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
