/** Flat 2-D cartoon shapes with anti-aliased edges, painted straight onto a frame (scenery, props, foreground). */
import type { RgbImage } from '@tooncast/shared';
import type { Rgb } from './character.ts';

function blend(img: RgbImage, x: number, y: number, c: Rgb, a: number): void {
  const o = (y * img.width + x) * 3;
  const d = img.data as Uint8Array;
  d[o] = d[o] + (c[0] - d[o]) * a;
  d[o + 1] = d[o + 1] + (c[1] - d[o + 1]) * a;
  d[o + 2] = d[o + 2] + (c[2] - d[o + 2]) * a;
}

/** Coverage in [0, 1] of the pixel (x, y) by an ellipse, from the scaled signed distance (≈ 1 px soft edge). */
export function ellipseCoverage(x: number, y: number, cx: number, cy: number, rx: number, ry: number): number {
  const dx = (x + 0.5 - cx) / rx;
  const dy = (y + 0.5 - cy) / ry;
  const d = (Math.sqrt(dx * dx + dy * dy) - 1) * Math.min(rx, ry);
  return Math.min(Math.max(0.5 - d, 0), 1);
}

export function fillEllipse(img: RgbImage, cx: number, cy: number, rx: number, ry: number, c: Rgb, alpha = 1): void {
  const x0 = Math.max(0, Math.floor(cx - rx - 1));
  const x1 = Math.min(img.width - 1, Math.ceil(cx + rx + 1));
  const y0 = Math.max(0, Math.floor(cy - ry - 1));
  const y1 = Math.min(img.height - 1, Math.ceil(cy + ry + 1));
  for (let y = y0; y <= y1; y++) {
    for (let x = x0; x <= x1; x++) {
      const a = ellipseCoverage(x, y, cx, cy, rx, ry);
      if (a > 0) blend(img, x, y, c, a * alpha);
    }
  }
}

/** Convex polygon (clockwise or counter-clockwise). */
export function fillConvex(img: RgbImage, pts: readonly (readonly [number, number])[], c: Rgb): void {
  const xs = pts.map((p) => p[0]);
  const ys = pts.map((p) => p[1]);
  const x0 = Math.max(0, Math.floor(Math.min(...xs) - 1));
  const x1 = Math.min(img.width - 1, Math.ceil(Math.max(...xs) + 1));
  const y0 = Math.max(0, Math.floor(Math.min(...ys) - 1));
  const y1 = Math.min(img.height - 1, Math.ceil(Math.max(...ys) + 1));
  let area = 0;
  for (let i = 0; i < pts.length; i++) {
    const [ax, ay] = pts[i];
    const [bx, by] = pts[(i + 1) % pts.length];
    area += ax * by - bx * ay;
  }
  const sign = area > 0 ? 1 : -1;
  // Per edge: origin and unit direction (oriented so the inside is on the positive side).
  const edges = new Float64Array(pts.length * 4);
  pts.forEach((a, i) => {
    const b = pts[(i + 1) % pts.length];
    const len = Math.hypot(b[0] - a[0], b[1] - a[1]) || 1;
    edges.set([a[0], a[1], (sign * (b[0] - a[0])) / len, (sign * (b[1] - a[1])) / len], i * 4);
  });
  for (let y = y0; y <= y1; y++) {
    for (let x = x0; x <= x1; x++) {
      let d = Number.POSITIVE_INFINITY;
      for (let e = 0; e < edges.length; e += 4) {
        d = Math.min(d, edges[e + 2] * (y + 0.5 - edges[e + 1]) - edges[e + 3] * (x + 0.5 - edges[e]));
      }
      const a = Math.min(Math.max(d + 0.5, 0), 1);
      if (a > 0) blend(img, x, y, c, a);
    }
  }
}
