import type { RgbImage } from '@tooncast/shared';
import type { Gaze } from '../analysis/expression.ts';
import { chainY } from '../geometry.ts';
import { clampByte } from '../image/color.ts';
import type { FaceSpace } from '../image/faceSpace.ts';
import { featheredPolygonMask, type PixelBox, polygonBounds, shiftPolygon, strokeMask } from '../image/mask.ts';
import { sampleRgbInto } from '../image/sample.ts';
import { Scratch } from '../image/scratch.ts';
import { ringOpenness, ringPolygon, smoothstep } from './landmarkCurves.ts';
import type { SelfieFeatures } from './selfie.ts';

/** Warp stretch from which skin colour starts to replace the selfie's texture, and where it has replaced it. */
const STRETCH_PAINTED = [4, 8] as const;
/** Box radius (px) the stretch map and the painted colours are smoothed with. */
const STRETCH_SMOOTHING = 4;
/** Width (px) of the band along the lids that keeps its pixels when the iris moves. */
const LID_BAND = 0.5;
/** The colour of teeth in an opened mouth, before its shading. */
const TEETH = [228, 222, 208] as const;

/**
 * The first face image's painted parts, drawn over the warped selfie: what the selfie does not show (the mouth
 * interior, closed eyelids) and what it shows too thinly to stretch (the edge-on side of a turned face).
 */
export class FacePainter {
  private readonly scratch = new Scratch();

  constructor(private readonly space: FaceSpace) {}

  /**
   * Where the warp magnifies the selfie more than a few times — the side of a turned face, which the frontal
   * selfie shows only edge-on — its few pixels become streaks: there the face takes its own colours smoothed
   * (a box blur of the warped face, half-way to the mean skin so a background-tinged edge does not show through).
   * The stretch map is smoothed too, so the painted area has no triangle edges. `strength` scales it all (0–1).
   */
  paintStretched(img: RgbImage, stretch: Float32Array, skin: readonly number[], strength: number): void {
    const [from, to] = STRETCH_PAINTED;
    const size = this.space.size;
    // Only the box round the stretched pixels (grown by the smoothing) is smoothed and painted.
    let x0 = size;
    let y0 = size;
    let x1 = -1;
    let y1 = -1;
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        if (stretch[y * size + x] <= from) continue;
        x0 = Math.min(x0, x);
        x1 = Math.max(x1, x);
        y0 = Math.min(y0, y);
        y1 = Math.max(y1, y);
      }
    }
    if (x1 < 0) return;
    const r = STRETCH_SMOOTHING;
    const box = {
      x0: Math.max(0, x0 - 2 * r),
      y0: Math.max(0, y0 - 2 * r),
      x1: Math.min(size, x1 + 2 * r + 1),
      y1: Math.min(size, y1 + 2 * r + 1),
    };
    const bw = box.x1 - box.x0;
    const bh = box.y1 - box.y0;
    // At half resolution (the smoothing is coarse anyway): 2×2 means of the stretch (capped at `to`) and RGB, then
    // their box means over the smoothing radius from a summed-area table.
    const hw = (bw + 1) >> 1;
    const hh = (bh + 1) >> 1;
    const half = this.scratch.floats('stretchHalf', 4 * hw * hh, true);
    for (let y = 0; y < bh; y++) {
      for (let x = 0; x < bw; x++) {
        const p = (box.y0 + y) * size + box.x0 + x;
        const q = 4 * ((y >> 1) * hw + (x >> 1));
        half[q] += Math.min(to, stretch[p]) / 4;
        half[q + 1] += img.data[3 * p] / 4;
        half[q + 2] += img.data[3 * p + 1] / 4;
        half[q + 3] += img.data[3 * p + 2] / 4;
      }
    }
    const w1 = hw + 1;
    const sat = this.scratch.floats('stretchSat', 4 * w1 * (hh + 1), true);
    for (let y = 0; y < hh; y++) {
      for (let k = 0; k < 4; k++) {
        let row = 0;
        for (let x = 0; x < hw; x++) {
          row += half[4 * (y * hw + x) + k];
          const o = 4 * ((y + 1) * w1 + x + 1) + k;
          sat[o] = sat[o - 4 * w1] + row;
        }
      }
    }
    const hr = Math.max(1, r >> 1);
    for (let y = 0; y < hh; y++) {
      const ya = Math.max(0, y - hr);
      const yb = Math.min(hh, y + hr + 1);
      for (let x = 0; x < hw; x++) {
        const xa = Math.max(0, x - hr);
        const xb = Math.min(hw, x + hr + 1);
        const norm = 1 / ((xb - xa) * (yb - ya));
        for (let k = 0; k < 4; k++) {
          const window =
            sat[4 * (yb * w1 + xb) + k] -
            sat[4 * (ya * w1 + xb) + k] -
            sat[4 * (yb * w1 + xa) + k] +
            sat[4 * (ya * w1 + xa) + k];
          half[4 * (y * hw + x) + k] = window * norm;
        }
      }
    }
    const span = 1 / (to - from);
    for (let y = 0; y < bh; y++) {
      for (let x = 0; x < bw; x++) {
        const p = (box.y0 + y) * size + box.x0 + x;
        const q = 4 * ((y >> 1) * hw + (x >> 1));
        const t = (Math.max(stretch[p], half[q]) - from) * span;
        if (t <= 0) continue;
        const m = strength * (t >= 1 ? 1 : t * t * (3 - 2 * t));
        for (let c = 0; c < 3; c++) {
          const v = img.data[3 * p + c];
          img.data[3 * p + c] = clampByte(v + m * ((half[q + c + 1] + skin[c]) / 2 - v));
        }
      }
    }
  }

  /** A feathered polygon mask over just `box` (box-local indexing), in a reused buffer. */
  private boxMask(name: string, poly: Float32Array, box: PixelBox, feather: number): Float32Array {
    const bw = box.x1 - box.x0;
    const bh = box.y1 - box.y0;
    return featheredPolygonMask(bw, bh, shiftPolygon(poly, box.x0, box.y0), feather, {
      out: this.scratch.floats(name, bw * bh),
      dist: this.scratch.floats('dist', bw * bh),
    }).data;
  }

  paintMouth(img: RgbImage, geometry: Float32Array, selfie: SelfieFeatures): void {
    const a = this.space.topology.annotations;
    const ring = this.space.contours.innerLips;
    const corner = a.lipsLowerInner.length - 1;
    const open = ringOpenness(geometry, ring, corner);
    const shown = ringOpenness(selfie.landmarks3d, ring, corner);
    // Only the part of the opening the selfie does not already show gets synthesized.
    const alpha = Math.min(1, Math.max(0, (1.5 * (open - shown)) / Math.max(open, 1e-6)));
    if (open < 0.02 || alpha <= 0) return;
    const size = this.space.size;
    const poly = ringPolygon(geometry, ring);
    const box = polygonBounds(poly, size, size, 1);
    const mask = this.boxMask('mouth', poly, box, 1.5);
    const bw = box.x1 - box.x0;
    const upper = ringPolygon(geometry, [ring[0], ...a.lipsUpperInner, ring[corner]]);
    const lower = ringPolygon(geometry, a.lipsLowerInner);
    const lip = selfie.lipColor;
    const cavity = [lip[0] * 0.3, lip[1] * 0.15, lip[2] * 0.18];
    const tongue = [lip[0] * 0.8, lip[1] * 0.55, lip[2] * 0.6];
    const left = Math.min(poly[0], poly[2 * corner]);
    const right = Math.max(poly[0], poly[2 * corner]);
    for (let x = box.x0; x < box.x1; x++) {
      const yUp = chainY(upper, x);
      const yLo = chainY(lower, x);
      const height = yLo - yUp;
      const u = (x - left) / Math.max(1, right - left);
      const shade = 0.7 + 0.3 * (1 - (2 * u - 1) ** 2);
      for (let y = box.y0; y < box.y1; y++) {
        const k = y * size + x;
        const m = mask[(y - box.y0) * bw + x - box.x0] * alpha;
        if (m <= 0) continue;
        const v = height > 0.5 ? (y - yUp) / height : 0.5;
        const teeth = height > 3 ? 1 - smoothstep(0.22, 0.38, v) : 0;
        const tongueW = 0.6 * smoothstep(0.7, 0.95, v);
        const o = k * 3;
        for (let ch = 0; ch < 3; ch++) {
          let c = cavity[ch] + teeth * (TEETH[ch] * shade - cavity[ch]);
          c += tongueW * (tongue[ch] - c);
          img.data[o + ch] = clampByte(img.data[o + ch] + m * (c - img.data[o + ch]));
        }
      }
    }
  }

  /**
   * Moves each eye's iris by `shift` (eye widths along the eye line and across it): the eye opening's content moves
   * as a whole, the white of the eye fills in where it came from beyond the corners, and a thin band along the lids
   * keeps its own pixels so the lash lines stay.
   */
  shiftIrises(img: RgbImage, geometry: Float32Array, shift: Gaze): void {
    const size = this.space.size;
    const { rightEye, leftEye } = this.space.contours;
    for (const ring of [rightEye, leftEye]) {
      const poly = ringPolygon(geometry, ring);
      // The ring runs corner to corner along the lower lid first: its first point and middle are the corners.
      const corner = ring.length >> 1;
      let ux = poly[2 * corner] - poly[0];
      let uy = poly[2 * corner + 1] - poly[1];
      if (ux < 0) [ux, uy] = [-ux, -uy];
      const dx = shift.x * ux - shift.y * uy;
      const dy = shift.x * uy + shift.y * ux;
      if (Math.hypot(dx, dy) < 0.25) continue;
      const box = polygonBounds(poly, size, size, 1);
      const bw = box.x1 - box.x0;
      const bh = box.y1 - box.y0;
      if (bw <= 0 || bh <= 0) continue;
      const mask = this.boxMask('eye', poly, box, LID_BAND);
      const source = this.scratch.bytes('eyeSource', 3 * bw * bh);
      for (let y = 0; y < bh; y++)
        source.set(
          img.data.subarray(3 * ((box.y0 + y) * size + box.x0), 3 * ((box.y0 + y) * size + box.x1)),
          3 * y * bw,
        );
      const from = { width: bw, height: bh, data: source };
      const white = scleraColour(source, mask);
      const sample = new Uint8Array(3);
      for (let y = 0; y < bh; y++) {
        for (let x = 0; x < bw; x++) {
          const m = mask[y * bw + x];
          if (m <= 0) continue;
          const sx = x - dx;
          const sy = y - dy;
          const inside = sx >= 0 && sy >= 0 && sx < bw && sy < bh && mask[Math.round(sy) * bw + Math.round(sx)] >= 0.5;
          if (inside) sampleRgbInto(from, sx, sy, sample, 0);
          const o = 3 * ((box.y0 + y) * size + box.x0 + x);
          for (let c = 0; c < 3; c++) {
            const v = inside ? sample[c] : white[c];
            img.data[o + c] = clampByte(img.data[o + c] + m * (v - img.data[o + c]));
          }
        }
      }
    }
  }

  /** Skin-coloured lid and a lash line over an eye as far as it closes (`open`: see MappedExpression.eyeOpen). */
  paintEyelid(img: RgbImage, geometry: Float32Array, side: 'right' | 'left', open: number): void {
    const a = this.space.topology.annotations;
    const lowerIdx = a[`${side}EyeLower0`];
    const closed = 1 - smoothstep(0.15, 0.6, open);
    if (closed <= 0.01) return;
    const size = this.space.size;
    // Lid colour: the skin just around this eye, as the warp put it in the output.
    const around = [...a[`${side}EyeUpper2`], ...a[`${side}EyeLower2`]];
    const sample = new Uint8Array(3);
    const lid = [0, 0, 0];
    for (const i of around) {
      sampleRgbInto(img, geometry[3 * i], geometry[3 * i + 1], sample, 0);
      for (let c = 0; c < 3; c++) lid[c] += sample[c] / around.length;
    }
    // The lid spans from the crease (the Upper2 ring) down to the lid line, hiding the squeezed lashes and iris: a
    // dark line left above the lash line reads as an open upper lid.
    const poly = ringPolygon(geometry, [...a[`${side}EyeUpper2`], ...[...lowerIdx].reverse()]);
    const box = polygonBounds(poly, size, size, 2);
    const bw = box.x1 - box.x0;
    const mask = this.boxMask('lid', poly, box, 2);
    const lashLine = shiftPolygon(ringPolygon(geometry, lowerIdx), box.x0, box.y0);
    const n = bw * (box.y1 - box.y0);
    const lash = strokeMask(bw, box.y1 - box.y0, lashLine, 1.2, {
      out: this.scratch.floats('lash', n),
      dist: this.scratch.floats('dist', n),
    }).data;
    for (let y = box.y0; y < box.y1; y++) {
      for (let x = box.x0; x < box.x1; x++) {
        const k = y * size + x;
        const b = (y - box.y0) * bw + x - box.x0;
        const m = mask[b] * closed;
        const dark = 1 - 0.85 * closed * lash[b];
        if (m <= 0 && dark >= 1) continue;
        for (let c = 0; c < 3; c++) {
          const v = img.data[k * 3 + c];
          img.data[k * 3 + c] = clampByte((v + m * (lid[c] - v)) * dark);
        }
      }
    }
  }
}

/** The white of an eye: the mean of the brightest quarter of the opening's pixels (iris, lashes, shade are darker). */
function scleraColour(eye: Uint8Array, mask: Float32Array): [number, number, number] {
  const lumas: number[] = [];
  for (let k = 0; k < mask.length; k++) if (mask[k] >= 0.5) lumas.push(luma(eye, 3 * k));
  if (!lumas.length) return [230, 225, 220];
  const cut = lumas.sort((a, b) => a - b)[Math.floor(0.75 * (lumas.length - 1))];
  const sum = [0, 0, 0];
  let n = 0;
  for (let k = 0; k < mask.length; k++) {
    if (mask[k] < 0.5 || luma(eye, 3 * k) < cut) continue;
    for (let c = 0; c < 3; c++) sum[c] += eye[3 * k + c];
    n++;
  }
  return [sum[0] / n, sum[1] / n, sum[2] / n];
}

const luma = (rgb: Uint8Array, o: number) => 0.299 * rgb[o] + 0.587 * rgb[o + 1] + 0.114 * rgb[o + 2];
