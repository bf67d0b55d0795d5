import type { Affine } from '../geometry.ts';
import type { FaceTopology } from '../topology.ts';
import { fitLandmarkSimilarity } from './affine.ts';

export const FACE_MESH_POINTS = 468;

/** Closed organ contours as landmark index rings (built from the topology's corner-to-corner halves). */
export interface FaceContours {
  faceOval: readonly number[];
  innerLips: readonly number[];
  outerLips: readonly number[];
  rightEye: readonly number[];
  leftEye: readonly number[];
  rightBrow: readonly number[];
  leftBrow: readonly number[];
}

/**
 * The face space: a square canonical crop in which every face-level stage (generation, fusion, stylizer) works.
 * The canonical FaceMesh layout (UV468) is scaled into the crop so a frontal face spans `1 − 2·margin` of it.
 */
export interface FaceSpace {
  readonly size: number;
  readonly topology: FaceTopology;
  readonly contours: FaceContours;
  /** Canonical 468 landmark positions in the crop, xy interleaved. */
  readonly template: Float32Array;
  /** Triangles covering the whole crop: the mesh, its holes (mouth) and a ring to 16 border points (468…483). */
  readonly cover: Uint16Array;
  /** Positions of the border points 468…483 (xy), fixed at the crop edge. */
  readonly border: Float32Array;
  /** Per face-oval point (in `contours.faceOval` order): its mesh neighbour one ring further in. */
  readonly ovalInward: Uint16Array;
}

export const BORDER_POINTS = 16;

export function createFaceSpace(topology: FaceTopology, size = 192, margin = 0.12): FaceSpace {
  if (!Number.isInteger(size) || size < 32)
    throw new RangeError(`face space size must be an integer ≥ 32, got ${size}`);
  if (!(margin >= 0 && margin < 0.45)) throw new RangeError(`face space margin must be in [0, 0.45), got ${margin}`);
  if (topology.uv.length !== FACE_MESH_POINTS)
    throw new RangeError(`face topology has ${topology.uv.length} points, not 468`);
  // Same layout as the analysis stage's canonical crop (uv · span + offset), so contour figures line up after a resize.
  const span = size * (1 - 2 * margin);
  const template = new Float32Array(FACE_MESH_POINTS * 2);
  topology.uv.forEach(([u, v], i) => {
    template[2 * i] = size * margin + u * span;
    template[2 * i + 1] = size * margin + v * span;
  });
  const border = borderRing(size);
  const contours = faceContours(topology);
  return {
    size,
    topology,
    contours,
    template,
    border,
    cover: coverTriangles(topology.triangles, template, border),
    ovalInward: inwardNeighbours(topology.triangles, template, contours.faceOval),
  };
}

/** For each outline point, the mesh neighbour off the outline that lies most toward the face centre. */
function inwardNeighbours(triangles: Uint16Array, template: Float32Array, oval: readonly number[]): Uint16Array {
  const onOval = new Set(oval);
  let cx = 0;
  let cy = 0;
  for (const i of oval) {
    cx += template[2 * i] / oval.length;
    cy += template[2 * i + 1] / oval.length;
  }
  return Uint16Array.from(oval, (i) => {
    const [ox, oy] = [cx - template[2 * i], cy - template[2 * i + 1]];
    const len = Math.hypot(ox, oy);
    let best = i;
    let bestCos = -2;
    for (let t = 0; t < triangles.length; t++) {
      if (triangles[t] !== i) continue;
      const base = t - (t % 3);
      for (let k = base; k < base + 3; k++) {
        const j = triangles[k];
        if (onOval.has(j)) continue;
        const [dx, dy] = [template[2 * j] - template[2 * i], template[2 * j + 1] - template[2 * i + 1]];
        const cos = (dx * ox + dy * oy) / (Math.hypot(dx, dy) * len);
        if (cos > bestCos) [best, bestCos] = [j, cos];
      }
    }
    return best;
  });
}

function faceContours(topology: FaceTopology): FaceContours {
  const organ = (name: string) => {
    const idx = topology.annotations[name];
    if (!idx) throw new RangeError(`face topology lacks the organ "${name}"`);
    return idx;
  };
  const ring = (lower: string, upper: string) => [...organ(lower), ...[...organ(upper)].reverse()];
  return {
    faceOval: organ('silhouette'),
    innerLips: ring('lipsLowerInner', 'lipsUpperInner'),
    outerLips: ring('lipsLowerOuter', 'lipsUpperOuter'),
    rightEye: ring('rightEyeLower0', 'rightEyeUpper0'),
    leftEye: ring('leftEyeLower0', 'leftEyeUpper0'),
    rightBrow: ring('rightEyebrowLower', 'rightEyebrowUpper'),
    leftBrow: ring('leftEyebrowLower', 'leftEyebrowUpper'),
  };
}

/**
 * The similarity taking frame landmarks (468×3, frame pixels) onto the face-space template. Fitted on all points,
 * which averages out expression; the caller may pass a steadier subset.
 */
export function frameToFaceSpace(space: FaceSpace, landmarks: ArrayLike<number>, indices?: ArrayLike<number>): Affine {
  checkLandmarks(landmarks);
  return fitLandmarkSimilarity(landmarks, space.template, indices);
}

export function checkLandmarks(landmarks: ArrayLike<number>, name = 'landmarks'): void {
  if (landmarks.length !== FACE_MESH_POINTS * 3) {
    throw new RangeError(`${name} must hold 468 xyz points (1404 numbers), got ${landmarks.length}`);
  }
}

function borderRing(size: number): Float32Array {
  const lo = -0.5;
  const hi = size - 0.5;
  const per = BORDER_POINTS / 4;
  const out = new Float32Array(BORDER_POINTS * 2);
  for (let k = 0; k < per; k++) {
    const t = lo + ((hi - lo) * k) / per;
    const u = hi - ((hi - lo) * k) / per;
    out[2 * k] = t; // top edge, left → right
    out[2 * k + 1] = lo;
    out[2 * (per + k)] = hi; // right edge, top → bottom
    out[2 * (per + k) + 1] = t;
    out[2 * (2 * per + k)] = u; // bottom edge, right → left
    out[2 * (2 * per + k) + 1] = hi;
    out[2 * (3 * per + k)] = lo; // left edge, bottom → top
    out[2 * (3 * per + k) + 1] = u;
  }
  return out;
}

/** Boundary loops of a triangle mesh (edges used by exactly one triangle), as vertex index cycles. */
function boundaryLoops(tri: Uint16Array): number[][] {
  const count = new Map<number, number>();
  const key = (a: number, b: number) => (a < b ? a * 65536 + b : b * 65536 + a);
  for (let t = 0; t < tri.length; t += 3) {
    for (const [a, b] of [
      [tri[t], tri[t + 1]],
      [tri[t + 1], tri[t + 2]],
      [tri[t + 2], tri[t]],
    ]) {
      count.set(key(a, b), (count.get(key(a, b)) ?? 0) + 1);
    }
  }
  const next = new Map<number, number[]>();
  for (const [k, c] of count) {
    if (c !== 1) continue;
    const a = Math.floor(k / 65536);
    const b = k % 65536;
    next.set(a, [...(next.get(a) ?? []), b]);
    next.set(b, [...(next.get(b) ?? []), a]);
  }
  const seen = new Set<number>();
  const loops: number[][] = [];
  for (const start of next.keys()) {
    if (seen.has(start)) continue;
    const loop = [start];
    seen.add(start);
    let prev = -1;
    let cur = start;
    for (;;) {
      const cand = next.get(cur)!.find((v) => v !== prev && !seen.has(v));
      if (cand === undefined) break;
      loop.push(cand);
      seen.add(cand);
      prev = cur;
      cur = cand;
    }
    loops.push(loop);
  }
  return loops;
}

/** Zips two chains sorted by a key into a triangle strip (advance the chain whose next key is smaller). */
function zip(a: number[], b: number[], keyA: number[], keyB: number[], out: number[]): void {
  let i = 0;
  let j = 0;
  while (i < a.length - 1 || j < b.length - 1) {
    if (j >= b.length - 1 || (i < a.length - 1 && keyA[i + 1] <= keyB[j + 1])) {
      out.push(a[i], a[i + 1], b[j]);
      i++;
    } else {
      out.push(a[i], b[j + 1], b[j]);
      j++;
    }
  }
}

function coverTriangles(triangles: Uint16Array, template: Float32Array, border: Float32Array): Uint16Array {
  const out = Array.from(triangles);
  const loops = boundaryLoops(triangles);
  let cx = 0;
  let cy = 0;
  for (let i = 0; i < FACE_MESH_POINTS; i++) {
    cx += template[2 * i] / FACE_MESH_POINTS;
    cy += template[2 * i + 1] / FACE_MESH_POINTS;
  }
  const extent = (loop: number[]) => {
    const xs = loop.map((v) => template[2 * v]);
    return Math.max(...xs) - Math.min(...xs);
  };
  loops.sort((p, q) => extent(q) - extent(p));
  const [outer, ...holes] = loops;
  // Holes (the mouth) are wide and flat: split at the left/right extremes and zip the two lips together.
  for (const hole of holes) {
    const xs = hole.map((v) => template[2 * v]);
    const left = xs.indexOf(Math.min(...xs));
    const rot = [...hole.slice(left), ...hole.slice(0, left)];
    const right = rot.findIndex((v) => template[2 * v] === Math.max(...xs));
    const chainA = rot.slice(0, right + 1);
    const chainB = [rot[0], ...rot.slice(right).reverse()];
    zip(
      chainA,
      chainB,
      chainA.map((v) => template[2 * v]),
      chainB.map((v) => template[2 * v]),
      out,
    );
  }
  // The outside ring: face outline and crop border merged by angle around the face centre.
  const angle = (x: number, y: number) => Math.atan2(y - cy, x - cx);
  const byAngle = (ids: number[], pos: (v: number) => [number, number]) => {
    const sorted = ids.map((v) => ({ v, a: angle(...pos(v)) })).sort((p, q) => p.a - q.a);
    return {
      ids: [...sorted.map((s) => s.v), sorted[0].v],
      keys: [...sorted.map((s) => s.a), sorted[0].a + 2 * Math.PI],
    };
  };
  const face = byAngle(outer, (v) => [template[2 * v], template[2 * v + 1]]);
  const ring = byAngle(
    Array.from({ length: BORDER_POINTS }, (_, k) => FACE_MESH_POINTS + k),
    (v) => [border[2 * (v - FACE_MESH_POINTS)], border[2 * (v - FACE_MESH_POINTS) + 1]],
  );
  zip(face.ids, ring.ids, face.keys, ring.keys, out);
  return Uint16Array.from(out);
}
