import type { FloatMap, RgbImage } from '@tooncast/shared';
import { downsampleFloat2, resizeFloat, toGray } from '../image/gray.ts';
import { sampleFloat } from '../image/sample.ts';
import { Scratch } from '../image/scratch.ts';

/**
 * Dense optical flow on the grid of the first image: prev(x, y) ≈ next(x + dx, y + dy).
 * So `backwardWarp(next, flow)` reproduces `prev`. An estimator may be set to return a coarser grid (a pyramid
 * level, see DisFlowOptions.fullResolution); the vectors are then in that grid's pixels.
 */
export interface Flow {
  readonly dx: FloatMap;
  readonly dy: FloatMap;
}

export interface FlowEstimator {
  /** The returned flow may live in the estimator's work buffers: valid until its next estimate() call. */
  estimate(prev: RgbImage, next: RgbImage): Flow;
}

export interface DisFlowOptions {
  /** Square patch side in pixels. */
  patchSize?: number;
  /** Distance between patch origins (smaller: more overlapping patches, smoother and slower). */
  stride?: number;
  /** Finest pyramid level searched (0 = full resolution, 1 = half, upsampled after); the speed/precision knob. */
  finestLevel?: number;
  /** The pyramid stops before a level's shorter side would drop below this. */
  coarsestSize?: number;
  /** Gauss-Newton iterations per patch. */
  iterations?: number;
  /** false: return the flow on the finest level searched, without the final upsampling (for consumers that sample). */
  fullResolution?: boolean;
}

const DEFAULTS: Required<DisFlowOptions> = {
  patchSize: 8,
  stride: 5,
  finestLevel: 1,
  coarsestSize: 16,
  iterations: 6,
  fullResolution: true,
};

/**
 * The grey pyramids of the last few images estimated. A face image takes part in two consecutive frames' flows (and
 * in both directions), so its pyramid is built once; the pyramid of the image used least recently is rebuilt in
 * place for the next one, so steady-state frames allocate none (their garbage made a full collection every ~10
 * frames). Images must not be modified after being estimated.
 */
export class PyramidMemo {
  private readonly entries: { image: RgbImage; levels: FloatMap[] }[] = [];

  /** Three: the fusion's two images of this frame and the one that leaves its history. */
  constructor(private readonly capacity = 3) {}

  /** The pyramid of `image`, built by `build` (given the evicted pyramid's buffers, if any) when not held. */
  get(image: RgbImage, build: (evicted?: FloatMap[]) => FloatMap[]): FloatMap[] {
    const i = this.entries.findIndex((e) => e.image === image);
    if (i >= 0) {
      const [hit] = this.entries.splice(i, 1);
      this.entries.push(hit);
      return hit.levels;
    }
    const evicted = this.entries.length >= this.capacity ? this.entries.shift() : undefined;
    const levels = build(evicted?.levels);
    this.entries.push({ image, levels });
    return levels;
  }
}

/**
 * Dense Inverse Search (Kroeger et al., ECCV 2016) without the variational refinement: coarse-to-fine, each patch
 * of the first image is aligned into the second by inverse-compositional Gauss-Newton on mean-normalized intensity
 * (robust to global brightness change), with the better of its own and its left/upper neighbour's flow as the start;
 * patch flows are then averaged per pixel, weighted by how well each explains that pixel.
 */
export class DisFlowEstimator implements FlowEstimator {
  readonly options: Required<DisFlowOptions>;
  private readonly scratch = new Scratch();

  /** @param pyramids the grey pyramids of recent images, shared with this estimator's variants. */
  constructor(
    options: DisFlowOptions = {},
    private readonly pyramids = new PyramidMemo(),
  ) {
    this.options = { ...DEFAULTS, ...options };
    const { patchSize, stride, iterations, finestLevel, coarsestSize } = this.options;
    if (!(patchSize >= 4 && stride >= 1 && stride <= patchSize && iterations >= 1 && finestLevel >= 0)) {
      throw new RangeError(`bad DIS options ${JSON.stringify(this.options)}`);
    }
    if (coarsestSize < patchSize) throw new RangeError('DIS coarsestSize must be at least patchSize');
  }

  /** A variant of this estimator (e.g. stopping at a coarser level) sharing its pyramid memo. */
  variant(options: DisFlowOptions): DisFlowEstimator {
    return new DisFlowEstimator({ ...this.options, ...options }, this.pyramids);
  }

  estimate(prev: RgbImage, next: RgbImage): Flow {
    if (prev.width !== next.width || prev.height !== next.height) {
      throw new RangeError(`flow needs equal sizes, got ${prev.width}x${prev.height} and ${next.width}x${next.height}`);
    }
    const a = this.pyramid(prev);
    const b = this.pyramid(next);
    const finest = Math.min(this.options.finestLevel, a.length - 1);
    let flow: Flow | undefined;
    for (let level = a.length - 1; level >= finest; level--) {
      const { width, height } = a[level];
      const init = this.flowBuffers(`init${level}`, width, height, !flow);
      if (flow) upsampleFlow(flow, width, height, init);
      flow = this.refineLevel(a[level], b[level], init, this.flowBuffers(`flow${level}`, width, height, true));
    }
    if (finest === 0 || !this.options.fullResolution) return flow!;
    return upsampleFlow(flow!, prev.width, prev.height, this.flowBuffers('out', prev.width, prev.height, false));
  }

  private flowBuffers(name: string, width: number, height: number, zero: boolean): Flow {
    return {
      dx: { width, height, data: this.scratch.floats(`${name}x`, width * height, zero) },
      dy: { width, height, data: this.scratch.floats(`${name}y`, width * height, zero) },
    };
  }

  private pyramid(img: RgbImage): FloatMap[] {
    return this.pyramids.get(img, (old) => {
      // The evicted pyramid's buffers, when its image had this size (then it has as many levels).
      const reuse = old && old[0].width === img.width && old[0].height === img.height ? old : undefined;
      // Intensities in 0…255 so the densification weight 1/max(1, |error|) has its usual meaning.
      const base = toGray(img, reuse?.[0]);
      for (let i = 0; i < base.data.length; i++) base.data[i] *= 255;
      const levels = [base];
      while (
        Math.min(levels[levels.length - 1].width, levels[levels.length - 1].height) >=
        2 * this.options.coarsestSize
      ) {
        levels.push(downsampleFloat2(levels[levels.length - 1], reuse?.[levels.length].data));
      }
      return levels;
    });
  }

  /** One pyramid level: patch search from `init`, densified into `out` (zeroed). */
  private refineLevel(prev: FloatMap, next: FloatMap, init: Flow, out: Flow): Flow {
    const { patchSize: ps, stride, iterations } = this.options;
    const w = prev.width;
    const h = prev.height;
    const size = Math.min(ps, w, h);
    const xs = patchOrigins(w, size, stride);
    const ys = patchOrigins(h, size, stride);
    const pu = this.scratch.floats('pu', xs.length * ys.length);
    const pv = this.scratch.floats('pv', xs.length * ys.length);
    const n = size * size;
    const tpl = this.scratch.floats('tpl', n);
    const gx = this.scratch.floats('gx', n);
    const gy = this.scratch.floats('gy', n);
    const warped = this.scratch.floats('warped', n);
    const p = prev.data;
    for (let j = 0; j < ys.length; j++) {
      for (let i = 0; i < xs.length; i++) {
        const x0 = xs[i];
        const y0 = ys[j];
        // Template, its gradients (central differences, clamped) and their means for mean-normalized matching.
        let mgx = 0;
        let mgy = 0;
        for (let y = 0, k = 0; y < size; y++) {
          const row = (y0 + y) * w;
          const up = (y0 + y > 0 ? y0 + y - 1 : 0) * w;
          const down = (y0 + y < h - 1 ? y0 + y + 1 : h - 1) * w;
          for (let x = 0; x < size; x++, k++) {
            const xx = x0 + x;
            const l = xx > 0 ? xx - 1 : 0;
            const r = xx < w - 1 ? xx + 1 : w - 1;
            tpl[k] = p[row + xx];
            gx[k] = 0.5 * (p[row + r] - p[row + l]);
            gy[k] = 0.5 * (p[down + xx] - p[up + xx]);
            mgx += gx[k];
            mgy += gy[k];
          }
        }
        mgx /= n;
        mgy /= n;
        let hxx = 1e-3;
        let hxy = 0;
        let hyy = 1e-3;
        for (let k = 0; k < n; k++) {
          gx[k] -= mgx;
          gy[k] -= mgy;
          hxx += gx[k] * gx[k];
          hxy += gx[k] * gy[k];
          hyy += gy[k] * gy[k];
        }
        const det = hxx * hyy - hxy * hxy;
        // Start from the best of: the coarser level's flow here, the left and the upper neighbour's result.
        const c = (y0 + (size >> 1)) * w + x0 + (size >> 1);
        let u = init.dx.data[c];
        let v = init.dy.data[c];
        let best = patchCost(next, tpl, warped, x0 + u, y0 + v, size);
        const idx = j * xs.length + i;
        // The two neighbours by index (no array per patch: this runs for hundreds of patches a frame).
        const left = i > 0 ? idx - 1 : -1;
        const upper = j > 0 ? idx - xs.length : -1;
        for (let n = 0; n < 2; n++) {
          const nb = n === 0 ? left : upper;
          if (nb < 0) continue;
          const cost = patchCost(next, tpl, warped, x0 + pu[nb], y0 + pv[nb], size);
          if (cost < best) {
            best = cost;
            u = pu[nb];
            v = pv[nb];
          }
        }
        for (let it = 0; it < iterations && det > 1e-6; it++) {
          // Mean-normalized residual e = I(x+u) − T − mean(I(x+u) − T); the Gauss-Newton step solves H·Δ = Σ g·e.
          // Σ g̃·(e − ē) = Σ g̃·e because g̃ has zero mean, so ē needs no second pass.
          samplePatch(next, x0 + u, y0 + v, size, warped);
          let bx = 0;
          let by = 0;
          for (let k = 0; k < n; k++) {
            const e = warped[k] - tpl[k];
            bx += gx[k] * e;
            by += gy[k] * e;
          }
          const du = (hyy * bx - hxy * by) / det;
          const dv = (hxx * by - hxy * bx) / det;
          u -= du;
          v -= dv;
          if (du * du + dv * dv < 1e-4) break;
        }
        // A patch may not run away by more than its own size per level: that is a failed, textureless match.
        const sx = u - init.dx.data[c];
        const sy = v - init.dy.data[c];
        if (sx * sx + sy * sy > size * size) {
          u = init.dx.data[c];
          v = init.dy.data[c];
        }
        pu[idx] = u;
        pv[idx] = v;
      }
    }
    return densify(
      prev,
      next,
      xs,
      ys,
      size,
      pu,
      pv,
      out,
      this.scratch.floats('weight', prev.data.length, true),
      warped,
    );
  }
}

function patchOrigins(length: number, size: number, stride: number): Int32Array {
  const last = length - size;
  const count = Math.floor(last / stride) + 1 + (last % stride ? 1 : 0);
  const out = new Int32Array(count);
  for (let k = 0; k < count; k++) out[k] = Math.min(k * stride, last);
  return out;
}

/**
 * The size×size patch of `img` whose top-left sample sits at (px, py), bilinear. One translation per patch means
 * one set of bilinear weights, so the inside case is a plain 4-tap loop; patches touching the border clamp.
 */
function samplePatch(img: FloatMap, px: number, py: number, size: number, out: Float32Array): void {
  const w = img.width;
  const ix = Math.floor(px);
  const iy = Math.floor(py);
  if (ix < 0 || iy < 0 || ix + size >= w || iy + size >= img.height) {
    for (let y = 0, k = 0; y < size; y++) for (let x = 0; x < size; x++, k++) out[k] = sampleFloat(img, px + x, py + y);
    return;
  }
  const fx = px - ix;
  const fy = py - iy;
  const w00 = (1 - fx) * (1 - fy);
  const w01 = fx * (1 - fy);
  const w10 = (1 - fx) * fy;
  const w11 = fx * fy;
  const d = img.data;
  for (let y = 0, k = 0; y < size; y++) {
    let i = (iy + y) * w + ix;
    for (let x = 0; x < size; x++, k++, i++) out[k] = w00 * d[i] + w01 * d[i + 1] + w10 * d[i + w] + w11 * d[i + w + 1];
  }
}

/** Mean-normalized SSD between the template and the patch of `next` at (px, py). */
function patchCost(next: FloatMap, tpl: Float32Array, buf: Float32Array, px: number, py: number, size: number): number {
  samplePatch(next, px, py, size, buf);
  let s = 0;
  let s2 = 0;
  for (let k = 0; k < tpl.length; k++) {
    const e = buf[k] - tpl[k];
    s += e;
    s2 += e * e;
  }
  return s2 - (s * s) / tpl.length;
}

function densify(
  prev: FloatMap,
  next: FloatMap,
  xs: Int32Array,
  ys: Int32Array,
  size: number,
  pu: Float32Array,
  pv: Float32Array,
  out: Flow,
  sw: Float32Array,
  warped: Float32Array,
): Flow {
  const w = prev.width;
  const su = out.dx.data;
  const sv = out.dy.data;
  for (let j = 0; j < ys.length; j++) {
    for (let i = 0; i < xs.length; i++) {
      const idx = j * xs.length + i;
      const u = pu[idx];
      const v = pv[idx];
      samplePatch(next, xs[i] + u, ys[j] + v, size, warped);
      for (let y = ys[j], q = 0; y < ys[j] + size; y++) {
        for (let x = xs[i]; x < xs[i] + size; x++, q++) {
          const k = y * w + x;
          const e = Math.abs(warped[q] - prev.data[k]);
          const wt = 1 / Math.max(e, 1);
          su[k] += wt * u;
          sv[k] += wt * v;
          sw[k] += wt;
        }
      }
    }
  }
  for (let k = 0; k < su.length; k++) {
    su[k] /= sw[k];
    sv[k] /= sw[k];
  }
  return out;
}

/** Resamples a flow field to a new size (bilinear, pixel-centre aligned), scaling the vectors by the size ratio. */
export function upsampleFlow(flow: Flow, width: number, height: number, out?: Flow): Flow {
  return {
    dx: resizeFloat(flow.dx, width, height, width / flow.dx.width, out?.dx.data),
    dy: resizeFloat(flow.dy, width, height, height / flow.dy.height, out?.dy.data),
  };
}
