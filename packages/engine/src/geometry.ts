/** Plain 2-D geometry shared by the stages: points, boxes and affine maps between frame and face spaces. */

export type Point = [number, number];

export interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** x' = a·x + b·y + c, y' = d·x + e·y + f, stored as [a, b, c, d, e, f]. */
export type Affine = readonly [number, number, number, number, number, number];

export function applyAffine(m: Affine, x: number, y: number): Point {
  return [m[0] * x + m[1] * y + m[2], m[3] * x + m[4] * y + m[5]];
}

export function invertAffine(m: Affine): Affine {
  const det = m[0] * m[4] - m[1] * m[3];
  if (Math.abs(det) < 1e-12) throw new RangeError('affine map is singular');
  const a = m[4] / det;
  const b = -m[1] / det;
  const d = -m[3] / det;
  const e = m[0] / det;
  return [a, b, -(a * m[2] + b * m[5]), d, e, -(d * m[2] + e * m[5])];
}

/** The map that applies `first`, then `second`. */
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

/** Scale of an affine map (geometric mean of its axis scales), e.g. to move a length between spaces. */
export function affineScale(m: Affine): number {
  return Math.sqrt(Math.abs(m[0] * m[4] - m[1] * m[3]));
}

/**
 * Least-squares similarity (rotation, uniform scale, translation) taking `from[i]` to `to[i]`: the alignment of a
 * face to a canonical template, robust to expression because it fits many points at once.
 */
export function fitSimilarity(from: readonly Point[], to: readonly Point[]): Affine {
  const n = from.length;
  if (n < 2 || to.length !== n) throw new RangeError('similarity fit needs at least two matching points');
  let fx = 0;
  let fy = 0;
  let tx = 0;
  let ty = 0;
  for (let i = 0; i < n; i++) {
    fx += from[i][0];
    fy += from[i][1];
    tx += to[i][0];
    ty += to[i][1];
  }
  fx /= n;
  fy /= n;
  tx /= n;
  ty /= n;
  let sxx = 0;
  let sxy = 0;
  let norm = 0;
  for (let i = 0; i < n; i++) {
    const ax = from[i][0] - fx;
    const ay = from[i][1] - fy;
    const bx = to[i][0] - tx;
    const by = to[i][1] - ty;
    sxx += ax * bx + ay * by;
    sxy += ax * by - ay * bx;
    norm += ax * ax + ay * ay;
  }
  if (norm < 1e-12) throw new RangeError('similarity fit needs distinct points');
  const a = sxx / norm;
  const b = sxy / norm;
  return [a, -b, tx - (a * fx - b * fy), b, a, ty - (b * fx + a * fy)];
}

export function iou(p: Box, q: Box): number {
  const ix = Math.max(0, Math.min(p.x + p.w, q.x + q.w) - Math.max(p.x, q.x));
  const iy = Math.max(0, Math.min(p.y + p.h, q.y + q.h) - Math.max(p.y, q.y));
  const inter = ix * iy;
  const union = p.w * p.h + q.w * q.h - inter;
  return union > 0 ? inter / union : 0;
}

export function boxContains(b: Box, x: number, y: number): boolean {
  return x >= b.x && x <= b.x + b.w && y >= b.y && y <= b.y + b.h;
}

export function boxCenter(b: Box): Point {
  return [b.x + b.w / 2, b.y + b.h / 2];
}

/** y of a left-to-right-ish chain (flat xy) at column x (linear between its points; clamped at its ends). */
export function chainY(chain: ArrayLike<number>, x: number): number {
  const n = chain.length >> 1;
  let best = chain[1];
  let bestGap = Number.POSITIVE_INFINITY;
  for (let i = 0; i + 1 < n; i++) {
    const x0 = chain[2 * i];
    const x1 = chain[2 * i + 2];
    const lo = Math.min(x0, x1);
    const hi = Math.max(x0, x1);
    if (x >= lo && x <= hi) {
      const t = hi > lo ? (x - x0) / (x1 - x0) : 0;
      return chain[2 * i + 1] + t * (chain[2 * i + 3] - chain[2 * i + 1]);
    }
    const gap = Math.min(Math.abs(x - x0), Math.abs(x - x1));
    if (gap < bestGap) {
      bestGap = gap;
      best = Math.abs(x - x0) < Math.abs(x - x1) ? chain[2 * i + 1] : chain[2 * i + 3];
    }
  }
  return best;
}
