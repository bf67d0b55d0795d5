import { MOUTH_CORNERS } from '../analysis/mesh.ts';
import { polygonArea } from '../image/mask.ts';

/** Distance between the mouth corners in the image plane (xyz points). */
export function mouthWidth(pts: Float32Array): number {
  const [right, left] = MOUTH_CORNERS;
  return Math.hypot(pts[3 * right] - pts[3 * left], pts[3 * right + 1] - pts[3 * left + 1]);
}

/** Landmark ring → flat polygon (xy) in face-space pixels (indices into xyz points). */
export function ringPolygon(pts: Float32Array, ring: readonly number[]): Float32Array {
  const out = new Float32Array(ring.length * 2);
  ring.forEach((i, k) => {
    out[2 * k] = pts[3 * i];
    out[2 * k + 1] = pts[3 * i + 1];
  });
  return out;
}

/** Openness of a closed organ ring: |area| / width², width between the ring's first point and point `cornerB`. */
export function ringOpenness(pts: Float32Array, ring: readonly number[], cornerB: number): number {
  const poly = ringPolygon(pts, ring);
  const w = Math.hypot(poly[0] - poly[2 * cornerB], poly[1] - poly[2 * cornerB + 1]);
  return w > 1e-3 ? Math.abs(polygonArea(poly)) / (w * w) : 0;
}

export function smoothstep(e0: number, e1: number, x: number): number {
  const t = Math.max(0, Math.min(1, (x - e0) / (e1 - e0)));
  return t * t * (3 - 2 * t);
}
