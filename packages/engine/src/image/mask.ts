import type { FloatMap } from '@tooncast/shared';

/** A closed polygon as flat [x0, y0, x1, y1, …] pixel-centre coordinates. */
export type Polygon = ArrayLike<number>;

export interface PixelBox {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/** Integer bounding box [x0, x1) × [y0, y1) of a polygon grown by `margin`, clipped to width×height. */
export function polygonBounds(poly: Polygon, width: number, height: number, margin = 0): PixelBox {
  let minX = Number.POSITIVE_INFINITY;
  let minY = Number.POSITIVE_INFINITY;
  let maxX = Number.NEGATIVE_INFINITY;
  let maxY = Number.NEGATIVE_INFINITY;
  for (let i = 0; i + 1 < poly.length; i += 2) {
    minX = Math.min(minX, poly[i]);
    maxX = Math.max(maxX, poly[i]);
    minY = Math.min(minY, poly[i + 1]);
    maxY = Math.max(maxY, poly[i + 1]);
  }
  return {
    x0: Math.max(0, Math.floor(minX - margin)),
    y0: Math.max(0, Math.floor(minY - margin)),
    x1: Math.min(width, Math.ceil(maxX + margin) + 1),
    y1: Math.min(height, Math.ceil(maxY + margin) + 1),
  };
}

function checkPolygon(poly: Polygon): number {
  const n = poly.length >> 1;
  if (n < 3 || poly.length % 2 !== 0) throw new RangeError(`polygon needs ≥3 xy points, got ${poly.length} numbers`);
  for (let i = 0; i < poly.length; i++) {
    if (!Number.isFinite(poly[i])) throw new RangeError(`polygon coordinate ${i} is not finite`);
  }
  return n;
}

/** Scanline fill (even–odd rule, pixel centres) of a polygon with `value` into `out`. */
export function fillPolygon(out: FloatMap, poly: Polygon, value = 1): FloatMap {
  const n = checkPolygon(poly);
  const box = polygonBounds(poly, out.width, out.height);
  const xs = new Float64Array(n);
  for (let y = box.y0; y < box.y1; y++) {
    let count = 0;
    for (let i = 0, j = n - 1; i < n; j = i++) {
      const yi = poly[2 * i + 1];
      const yj = poly[2 * j + 1];
      if (yi > y !== yj > y) xs[count++] = poly[2 * i] + ((y - yi) / (yj - yi)) * (poly[2 * j] - poly[2 * i]);
    }
    const row = xs.subarray(0, count).sort();
    for (let k = 0; k + 1 < count; k += 2) {
      const a = Math.max(0, Math.ceil(row[k]));
      const b = Math.min(out.width - 1, Math.ceil(row[k + 1]) - 1);
      out.data.fill(value, y * out.width + a, y * out.width + b + 1);
    }
  }
  return out;
}

/**
 * Lowers `dist` (per pixel, initialised to `reach`) to the exact distance to the nearest segment of a polyline,
 * visiting only pixels within `reach` of each segment.
 */
function nearestSegmentDistance(
  dist: Float32Array,
  width: number,
  height: number,
  pts: Polygon,
  closed: boolean,
  reach: number,
): void {
  const n = pts.length >> 1;
  for (let i = closed ? 0 : 1, j = closed ? n - 1 : 0; i < n; j = i++) {
    const ax = pts[2 * j];
    const ay = pts[2 * j + 1];
    const ex = pts[2 * i] - ax;
    const ey = pts[2 * i + 1] - ay;
    const len2 = ex * ex + ey * ey || 1;
    const x0 = Math.max(0, Math.floor(Math.min(ax, ax + ex) - reach));
    const x1 = Math.min(width - 1, Math.ceil(Math.max(ax, ax + ex) + reach));
    const y0 = Math.max(0, Math.floor(Math.min(ay, ay + ey) - reach));
    const y1 = Math.min(height - 1, Math.ceil(Math.max(ay, ay + ey) + reach));
    for (let y = y0; y <= y1; y++) {
      for (let x = x0; x <= x1; x++) {
        const d = segmentDistance(x, y, ax, ay, ex, ey, len2);
        const k = y * width + x;
        if (d < dist[k]) dist[k] = d;
      }
    }
  }
}

/** Distance from (x, y) to the segment from (ax, ay) along (ex, ey), whose squared length is `len2`. */
function segmentDistance(x: number, y: number, ax: number, ay: number, ex: number, ey: number, len2: number): number {
  const t = Math.max(0, Math.min(1, ((x - ax) * ex + (y - ay) * ey) / len2));
  const dx = x - ax - t * ex;
  const dy = y - ay - t * ey;
  return Math.sqrt(dx * dx + dy * dy);
}

/** Distance from (x, y) to a closed polygon's outline (for a few pixels; see nearestSegmentDistance for many). */
export function distanceToOutline(poly: Polygon, x: number, y: number): number {
  const n = checkPolygon(poly);
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0, j = n - 1; i < n; j = i++) {
    const ax = poly[2 * j];
    const ay = poly[2 * j + 1];
    const ex = poly[2 * i] - ax;
    const ey = poly[2 * i + 1] - ay;
    best = Math.min(best, segmentDistance(x, y, ax, ay, ex, ey, ex * ex + ey * ey || 1));
  }
  return best;
}

const smoothstep01 = (t: number) => (t >= 1 ? 1 : t <= 0 ? 0 : t * t * (3 - 2 * t));

/**
 * Polygon mask with a distance-based inward feather: 1 deeper than `feather` px inside the edge, falling smoothly
 * to 0 on the edge, 0 outside. Distances are exact (to the polygon's segments) and only computed near the edge:
 * `work.dist` is left holding each pixel's distance to the outline where under `feather`, inside or out (`feather`
 * elsewhere).
 */
export function featheredPolygonMask(
  width: number,
  height: number,
  poly: Polygon,
  feather: number,
  work?: { out: Float32Array; dist: Float32Array },
): FloatMap {
  checkPolygon(poly);
  const data = work ? work.out.fill(0) : new Float32Array(width * height);
  const mask = fillPolygon({ width, height, data }, poly, 1);
  if (!(feather > 0)) return mask;
  const dist = (work?.dist ?? new Float32Array(width * height)).fill(feather);
  nearestSegmentDistance(dist, width, height, poly, true, feather);
  const inv = 1 / feather;
  const m = mask.data;
  for (let k = 0; k < m.length; k++) if (m[k] > 0) m[k] = smoothstep01(dist[k] * inv);
  return mask;
}

/** A soft line along an open polyline: 1 on the line, falling smoothly to 0 at `radius` px from it. */
export function strokeMask(
  width: number,
  height: number,
  polyline: Polygon,
  radius: number,
  work?: { out: Float32Array; dist: Float32Array },
): FloatMap {
  if (polyline.length < 4 || polyline.length % 2 !== 0) throw new RangeError('strokeMask needs ≥2 xy points');
  if (!(radius > 0)) throw new RangeError(`strokeMask radius must be positive, got ${radius}`);
  const dist = (work?.dist ?? new Float32Array(width * height)).fill(radius);
  nearestSegmentDistance(dist, width, height, polyline, false, radius);
  const out = work?.out ?? new Float32Array(width * height);
  for (let k = 0; k < dist.length; k++) out[k] = smoothstep01(1 - dist[k] / radius);
  return { width, height, data: out };
}

/** A polygon shifted by (−x0, −y0): into the coordinates of a box-sized work area. */
export function shiftPolygon(poly: Polygon, x0: number, y0: number): Float32Array {
  const out = new Float32Array(poly.length);
  for (let i = 0; i < poly.length; i += 2) {
    out[i] = poly[i] - x0;
    out[i + 1] = poly[i + 1] - y0;
  }
  return out;
}

/** Signed area of a polygon (positive when clockwise in image coordinates, y down). */
export function polygonArea(poly: Polygon): number {
  const n = poly.length >> 1;
  let a = 0;
  for (let i = 0, j = n - 1; i < n; j = i++) a += poly[2 * j] * poly[2 * i + 1] - poly[2 * i] * poly[2 * j + 1];
  return a / 2;
}
