/**
 * A small z-buffered triangle rasterizer working on a supersampled tile. Each triangle carries a material and per-corner
 * attributes (light, colour, two pattern coordinates) interpolated with barycentric weights; the material's shader turns
 * them into a colour per sample. The tile is then box-filtered down and blended onto the frame (anti-aliased edges).
 */
import type { RgbImage } from '@tooncast/shared';

/** Attributes per corner: light, r, g, b, p, q. */
export const ATTRS = 6;

/**
 * Turns interpolated attributes into a colour; returning false discards the sample (cut-outs such as a hairline).
 * `null` = plain Gouraud (light × colour), the fast path.
 */
export type Shader = ((a: Float32Array, out: Float32Array) => boolean) | null;

export interface Tile {
  /** Frame-pixel position of the tile's top-left corner. */
  readonly x0: number;
  readonly y0: number;
  /** Size in frame pixels. */
  readonly w: number;
  readonly h: number;
  /** Samples per frame pixel along each axis. */
  readonly ss: number;
  readonly sw: number;
  readonly sh: number;
  readonly depth: Float32Array;
  readonly rgb: Float32Array;
  /** Material id per sample, 0 = empty. */
  readonly material: Uint8Array;
}

// Sample buffers are reused between tiles (a clip renders thousands); a tile is only valid until the next createTile.
let pool = { depth: new Float32Array(0), rgb: new Float32Array(0), material: new Uint8Array(0) };

export function createTile(x0: number, y0: number, w: number, h: number, ss: number): Tile {
  const sw = w * ss;
  const sh = h * ss;
  const n = sw * sh;
  if (pool.depth.length < n) {
    pool = { depth: new Float32Array(n), rgb: new Float32Array(n * 3), material: new Uint8Array(n) };
  }
  const depth = pool.depth.subarray(0, n).fill(Number.NEGATIVE_INFINITY);
  const material = pool.material.subarray(0, n).fill(0);
  return { x0, y0, w, h, ss, sw, sh, depth, rgb: pool.rgb.subarray(0, n * 3), material };
}

const interp = new Float32Array(ATTRS);
const colour = new Float32Array(3);

/**
 * Draw one triangle. xs/ys are frame pixels, zs larger = nearer, attrs holds 3 × ATTRS values. Samples nearer than
 * what is stored win. `facing` culls back faces: +1 draws only triangles whose screen winding is positive, -1 only
 * negative ones, 0 draws both.
 */
export function drawTriangle(
  tile: Tile,
  xs: readonly number[],
  ys: readonly number[],
  zs: readonly number[],
  attrs: Float32Array,
  material: number,
  shader: Shader,
  facing = 0,
): void {
  const s = tile.ss;
  const ax = (xs[0] - tile.x0) * s;
  const ay = (ys[0] - tile.y0) * s;
  const bx = (xs[1] - tile.x0) * s;
  const by = (ys[1] - tile.y0) * s;
  const cx = (xs[2] - tile.x0) * s;
  const cy = (ys[2] - tile.y0) * s;
  const area = (bx - ax) * (cy - ay) - (by - ay) * (cx - ax);
  if (Math.abs(area) < 1e-9 || facing * area < 0) return;
  const minX = Math.max(0, Math.floor(Math.min(ax, bx, cx)));
  const maxX = Math.min(tile.sw - 1, Math.ceil(Math.max(ax, bx, cx)));
  const minY = Math.max(0, Math.floor(Math.min(ay, by, cy)));
  const maxY = Math.min(tile.sh - 1, Math.ceil(Math.max(ay, by, cy)));
  if (minX > maxX || minY > maxY) return;
  const inv = 1 / area;
  // Barycentric weights are linear in x: w = base + step * x along a row.
  const s0 = -(cy - by) * inv;
  const s1 = -(ay - cy) * inv;
  const { depth, rgb, material: mat, sw } = tile;
  // Gouraud fast path: interpolate light-premultiplied colours directly.
  const r0 = attrs[0] * attrs[1];
  const g0 = attrs[0] * attrs[2];
  const c0 = attrs[0] * attrs[3];
  const r1 = attrs[ATTRS] * attrs[ATTRS + 1];
  const g1 = attrs[ATTRS] * attrs[ATTRS + 2];
  const c1 = attrs[ATTRS] * attrs[ATTRS + 3];
  const r2 = attrs[2 * ATTRS] * attrs[2 * ATTRS + 1];
  const g2 = attrs[2 * ATTRS] * attrs[2 * ATTRS + 2];
  const c2 = attrs[2 * ATTRS] * attrs[2 * ATTRS + 3];
  for (let py = minY; py <= maxY; py++) {
    const sy = py + 0.5;
    const b0 = ((bx - 0.5) * (cy - sy) - (by - sy) * (cx - 0.5)) * inv;
    const b1 = ((cx - 0.5) * (ay - sy) - (cy - sy) * (ax - 0.5)) * inv;
    // Row span where all three weights are >= 0 (each weight is base + step * px).
    let lo = minX;
    let hi = maxX;
    const b2 = 1 - b0 - b1;
    const s2 = -s0 - s1;
    if (s0 > 0) lo = Math.max(lo, Math.ceil(-b0 / s0 - 1e-9));
    else if (s0 < 0) hi = Math.min(hi, Math.floor(-b0 / s0 + 1e-9));
    else if (b0 < 0) continue;
    if (s1 > 0) lo = Math.max(lo, Math.ceil(-b1 / s1 - 1e-9));
    else if (s1 < 0) hi = Math.min(hi, Math.floor(-b1 / s1 + 1e-9));
    else if (b1 < 0) continue;
    if (s2 > 0) lo = Math.max(lo, Math.ceil(-b2 / s2 - 1e-9));
    else if (s2 < 0) hi = Math.min(hi, Math.floor(-b2 / s2 + 1e-9));
    else if (b2 < 0) continue;
    for (let px = lo; px <= hi; px++) {
      const w0 = b0 + s0 * px;
      const w1 = b1 + s1 * px;
      const w2 = 1 - w0 - w1;
      if (w0 < 0 || w1 < 0 || w2 < 0) continue;
      const z = w0 * zs[0] + w1 * zs[1] + w2 * zs[2];
      const k = py * sw + px;
      if (z <= depth[k]) continue;
      if (shader === null) {
        depth[k] = z;
        mat[k] = material;
        rgb[k * 3] = w0 * r0 + w1 * r1 + w2 * r2;
        rgb[k * 3 + 1] = w0 * g0 + w1 * g1 + w2 * g2;
        rgb[k * 3 + 2] = w0 * c0 + w1 * c1 + w2 * c2;
        continue;
      }
      for (let a = 0; a < ATTRS; a++) interp[a] = w0 * attrs[a] + w1 * attrs[ATTRS + a] + w2 * attrs[2 * ATTRS + a];
      if (!shader(interp, colour)) continue;
      depth[k] = z;
      mat[k] = material;
      rgb[k * 3] = colour[0];
      rgb[k * 3 + 1] = colour[1];
      rgb[k * 3 + 2] = colour[2];
    }
  }
}

/**
 * Box-filter the tile onto the frame. For the materials flagged in `counted` it measures the covered area in frame
 * pixels (inside the frame and in total) and returns the coverage per tile pixel (row-major, tile.w × tile.h).
 */
export function compositeTile(
  tile: Tile,
  frame: RgbImage,
  counted: (material: number) => boolean,
): { areaInFrame: number; areaTotal: number; coverage: Float32Array } {
  const { ss, sw, rgb, material } = tile;
  const norm = 1 / (ss * ss);
  const coverage = new Float32Array(tile.w * tile.h);
  const d = frame.data as Uint8Array;
  let areaInFrame = 0;
  let areaTotal = 0;
  for (let ty = 0; ty < tile.h; ty++) {
    const fy = tile.y0 + ty;
    const rowIn = fy >= 0 && fy < frame.height;
    for (let tx = 0; tx < tile.w; tx++) {
      const fx = tile.x0 + tx;
      const inFrame = rowIn && fx >= 0 && fx < frame.width;
      let n = 0;
      let nc = 0;
      let r = 0;
      let g = 0;
      let b = 0;
      for (let sy = 0; sy < ss; sy++) {
        let k = (ty * ss + sy) * sw + tx * ss;
        for (let sx = 0; sx < ss; sx++, k++) {
          const m = material[k];
          if (m === 0) continue;
          n++;
          if (counted(m)) nc++;
          r += rgb[k * 3];
          g += rgb[k * 3 + 1];
          b += rgb[k * 3 + 2];
        }
      }
      if (nc > 0) {
        areaTotal += nc * norm;
        if (inFrame) {
          areaInFrame += nc * norm;
          coverage[ty * tile.w + tx] = nc * norm;
        }
      }
      if (n === 0 || !inFrame) continue;
      const cov = n * norm;
      const o = (fy * frame.width + fx) * 3;
      d[o] = Math.min(255, d[o] * (1 - cov) + (r / n) * cov);
      d[o + 1] = Math.min(255, d[o + 1] * (1 - cov) + (g / n) * cov);
      d[o + 2] = Math.min(255, d[o + 2] * (1 - cov) + (b / n) * cov);
    }
  }
  return { areaInFrame, areaTotal, coverage };
}
