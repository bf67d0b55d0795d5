import { createRgbImage, type RgbImage } from '@tooncast/shared';
import { BORDER_POINTS, checkLandmarks, FACE_MESH_POINTS, type FaceSpace } from './faceSpace.ts';
import { sampleRgbInto } from './sample.ts';

/** Depth offset that puts folded triangles behind every front-facing one (face-space depths are ≪ this). */
const FOLDED = 1e5;
/** Depth of backdrop triangles (any vertex of depth +∞): behind every face triangle, folded ones included. */
const BACKDROP = 1e7;

export interface MeshWarpOptions {
  srcStride?: number;
  dstStride?: number;
  out?: RgbImage;
  /**
   * Per-vertex depth of the destination (smaller = nearer, stride 1, |depth| < 1e4, or +∞ for backdrop points).
   * With it, where triangles overlap the nearest one wins (a z-buffer); triangles whose orientation flipped
   * between source and destination — the far side of a turned head, folded over — lie behind every unfolded one;
   * triangles touching a backdrop point lie behind all of those, so what surrounds the face (hair, background)
   * never covers any of it.
   */
  dstDepth?: ArrayLike<number>;
  /** Work buffer for the z-buffer (out's pixel count); allocated when absent. */
  depthBuffer?: Float32Array;
  /**
   * Filled with each drawn pixel's stretch (out's pixel count; 0 where nothing or a backdrop triangle was drawn):
   * how many times its triangle magnifies the source along the direction it magnifies most.
   */
  stretch?: Float32Array;
  /** Only the first this many triangles record their stretch (default all). */
  stretchTriangles?: number;
}

/**
 * Piecewise-affine warp: every destination triangle is filled by sampling `src` through the affine map taking that
 * triangle's destination vertices onto its source vertices. Points are xy pairs read with the given strides.
 * Pixels covered by no triangle keep `out`'s content (a copy of `src` when `out` is not given).
 */
export function meshWarp(
  src: RgbImage,
  srcPts: ArrayLike<number>,
  dstPts: ArrayLike<number>,
  triangles: ArrayLike<number>,
  options: MeshWarpOptions = {},
): RgbImage {
  const ss = options.srcStride ?? 2;
  const ds = options.dstStride ?? 2;
  const out = options.out ?? { width: src.width, height: src.height, data: src.data.slice() };
  const w = out.width;
  const h = out.height;
  const data = out.data;
  const depth = options.dstDepth;
  const zbuf = depth ? (options.depthBuffer ?? new Float32Array(w * h)).fill(Number.POSITIVE_INFINITY) : undefined;
  if (zbuf && zbuf.length !== w * h) throw new RangeError('meshWarp: depth buffer has the wrong size');
  const stretch = options.stretch?.fill(0);
  if (stretch && stretch.length !== w * h) throw new RangeError('meshWarp: stretch map has the wrong size');
  const stretchEnd = 3 * (options.stretchTriangles ?? triangles.length);
  for (let t = 0; t < triangles.length; t += 3) {
    const a = triangles[t];
    const b = triangles[t + 1];
    const c = triangles[t + 2];
    const x0 = dstPts[a * ds];
    const y0 = dstPts[a * ds + 1];
    const x1 = dstPts[b * ds];
    const y1 = dstPts[b * ds + 1];
    const x2 = dstPts[c * ds];
    const y2 = dstPts[c * ds + 1];
    const det = (x1 - x0) * (y2 - y0) - (x2 - x0) * (y1 - y0);
    if (!(Math.abs(det) > 1e-9)) continue;
    // Barycentric coordinates (l1, l2) as affine functions of (x, y); source position = s0 + l1·(s1−s0) + l2·(s2−s0).
    const inv = 1 / det;
    const l1x = (y2 - y0) * inv;
    const l1y = -(x2 - x0) * inv;
    const l2x = -(y1 - y0) * inv;
    const l2y = (x1 - x0) * inv;
    const u0 = srcPts[a * ss];
    const v0 = srcPts[a * ss + 1];
    const ux1 = srcPts[b * ss] - u0;
    const vy1 = srcPts[b * ss + 1] - v0;
    const ux2 = srcPts[c * ss] - u0;
    const vy2 = srcPts[c * ss + 1] - v0;
    // A fold: the triangle is mirrored relative to its source, so it shows its back. It goes behind the unfolded
    // triangles, filling only what none of them covers.
    const backdrop = depth && !(Math.max(depth[a], depth[b], depth[c]) < Number.POSITIVE_INFINITY);
    const back = depth && det * (ux1 * vy2 - ux2 * vy1) < 0 ? FOLDED : 0;
    const z0 = depth ? (backdrop ? BACKDROP : depth[a] + back) : 0;
    const dz1 = depth && !backdrop ? depth[b] + back - z0 : 0;
    const dz2 = depth && !backdrop ? depth[c] + back - z0 : 0;
    const magnify =
      stretch && !backdrop && t < stretchEnd ? triangleStretch(ux1, ux2, vy1, vy2, l1x, l1y, l2x, l2y) : 0;
    const minX = Math.max(0, Math.ceil(Math.min(x0, x1, x2)));
    const maxX = Math.min(w - 1, Math.floor(Math.max(x0, x1, x2)));
    const minY = Math.max(0, Math.ceil(Math.min(y0, y1, y2)));
    const maxY = Math.min(h - 1, Math.floor(Math.max(y0, y1, y2)));
    const eps = -1e-6;
    for (let y = minY; y <= maxY; y++) {
      const dy = y - y0;
      for (let x = minX; x <= maxX; x++) {
        const dx = x - x0;
        const l1 = l1x * dx + l1y * dy;
        const l2 = l2x * dx + l2y * dy;
        if (l1 < eps || l2 < eps || l1 + l2 > 1 - eps) continue;
        const p = y * w + x;
        if (zbuf) {
          const z = z0 + l1 * dz1 + l2 * dz2;
          if (z >= zbuf[p]) continue;
          zbuf[p] = z;
        }
        sampleRgbInto(src, u0 + l1 * ux1 + l2 * ux2, v0 + l1 * vy1 + l2 * vy2, data, p * 3);
        if (stretch) stretch[p] = magnify;
      }
    }
  }
  return out;
}

/** 1 / the smaller singular value of the destination→source Jacobian (source edges × barycentric gradients). */
function triangleStretch(
  ux1: number,
  ux2: number,
  vy1: number,
  vy2: number,
  l1x: number,
  l1y: number,
  l2x: number,
  l2y: number,
): number {
  const a = ux1 * l1x + ux2 * l2x;
  const b = ux1 * l1y + ux2 * l2y;
  const c = vy1 * l1x + vy2 * l2x;
  const d = vy1 * l1y + vy2 * l2y;
  const sum = a * a + b * b + c * c + d * d;
  const det = a * d - b * c;
  const small = Math.sqrt(Math.max(0, (sum - Math.sqrt(Math.max(0, sum * sum - 4 * det * det))) / 2));
  return 1 / Math.max(small, 1e-6);
}

/** Landmarks (468×3) plus the 16 fixed crop-border points, as xy pairs for the face-space cover triangulation. */
export function withBorder(space: FaceSpace, landmarks: ArrayLike<number>): Float32Array {
  checkLandmarks(landmarks);
  const out = new Float32Array((FACE_MESH_POINTS + BORDER_POINTS) * 2);
  for (let i = 0; i < FACE_MESH_POINTS; i++) {
    out[2 * i] = landmarks[3 * i];
    out[2 * i + 1] = landmarks[3 * i + 1];
  }
  out.set(space.border, FACE_MESH_POINTS * 2);
  return out;
}

/**
 * Mesh-warps a face-space crop from one landmark geometry to another (xyz landmarks), covering the whole crop.
 * The destination's z orders overlapping triangles (nearest wins) and puts folded ones behind, so a turned head
 * hides its far side; the crop-border ring (hair, background) lies behind every face triangle. `stretch`, when
 * given, receives the FaceMesh triangles' stretch per pixel (see MeshWarpOptions.stretch).
 */
export function warpFace(
  space: FaceSpace,
  crop: RgbImage,
  from: ArrayLike<number>,
  to: ArrayLike<number>,
  buffers: { depth?: Float32Array; stretch?: Float32Array } = {},
): RgbImage {
  if (crop.width !== space.size || crop.height !== space.size) {
    throw new RangeError(`warpFace: crop is ${crop.width}x${crop.height}, face space is ${space.size}²`);
  }
  const depth = new Float32Array(FACE_MESH_POINTS + BORDER_POINTS).fill(Number.POSITIVE_INFINITY);
  for (let i = 0; i < FACE_MESH_POINTS; i++) depth[i] = to[3 * i + 2];
  return meshWarp(crop, withBorder(space, from), withBorder(space, to), space.cover, {
    out: createRgbImage(space.size, space.size),
    dstDepth: depth,
    depthBuffer: buffers.depth,
    stretch: buffers.stretch,
    // The mesh proper comes first in the cover; the mouth-hole triangles after it stretch whenever a mouth opens.
    stretchTriangles: space.topology.triangles.length / 3,
  });
}
