import type { RgbImage } from '@tooncast/shared';
import { type Affine, invertAffine } from '../geometry.ts';
import { boxBlurFloat, boxBlurRgb } from '../image/blur.ts';
import { clampByte, colorStats, transferColor } from '../image/color.ts';
import { checkLandmarks } from '../image/faceSpace.ts';
import { featheredPolygonMask, type PixelBox, polygonBounds, shiftPolygon } from '../image/mask.ts';
import { sampleRgbInto } from '../image/sample.ts';
import { Scratch } from '../image/scratch.ts';

/** Where the stylized face goes: the face-space → frame map and the target's landmarks in frame pixels. */
export interface FacePlacement {
  faceToFrame: Affine;
  /** The target face's 468 xyz landmarks in frame pixels. */
  landmarks: Float32Array;
}

export interface CompositorOptions {
  /** Inward feather of the face-oval mask, as a fraction of the oval's width. */
  feather?: number;
  /** 0…1: how far the face's colours move to the character's, matched in the band just inside the oval. */
  harmonize?: number;
  /** Two-band blend: low frequencies cross over a wider band than details, so no seam or halo shows. */
  twoBand?: boolean;
}

const DEFAULTS: Required<CompositorOptions> = { feather: 0.08, harmonize: 0.8, twoBand: true };

/**
 * Method step 4: puts the stylized face back into the cartoon frame. The face is mapped to frame space, masked by
 * the character's face oval with a distance-feathered edge, colour-matched to the character's face in the band
 * inside the oval, and blended (optionally two-band). Only the oval's bounding box is touched; with no face the
 * frame passes through unchanged (the same object).
 */
export class Compositor {
  private readonly options: Required<CompositorOptions>;
  private readonly scratch = new Scratch();

  constructor(
    private readonly faceOval: readonly number[],
    options: CompositorOptions = {},
  ) {
    this.options = { ...DEFAULTS, ...options };
    const { feather, harmonize } = this.options;
    if (!(feather > 0 && feather < 0.5 && harmonize >= 0 && harmonize <= 1)) {
      throw new RangeError(`bad compositor options ${JSON.stringify(this.options)}`);
    }
    if (faceOval.length < 3) throw new RangeError('the face oval needs at least 3 landmarks');
  }

  /**
   * @param out where to write the result (may be `frame` itself, for in-place compositing); by default a copy.
   */
  composite(
    frame: RgbImage,
    face: RgbImage | undefined,
    placement: FacePlacement | undefined,
    out?: RgbImage,
  ): RgbImage {
    if (out && (out.width !== frame.width || out.height !== frame.height)) {
      throw new RangeError('compositor: out differs in size from the frame');
    }
    if (!face || !placement) {
      if (out && out !== frame) out.data.set(frame.data);
      return out ?? frame;
    }
    checkLandmarks(placement.landmarks, 'placement landmarks');
    const poly = this.faceOval.flatMap((i) => [placement.landmarks[3 * i], placement.landmarks[3 * i + 1]]);
    const box = polygonBounds(poly, frame.width, frame.height, 1);
    const bw = box.x1 - box.x0;
    const bh = box.y1 - box.y0;
    if (bw < 3 || bh < 3) return this.composite(frame, undefined, undefined, out);
    const ovalWidth = Math.max(bw, bh);
    const feather = Math.max(1.5, this.options.feather * ovalWidth);
    const n = bw * bh;
    const s = this.scratch;
    const mask = featheredPolygonMask(bw, bh, shiftPolygon(poly, box.x0, box.y0), feather, {
      out: s.floats('mask', n),
      dist: s.floats('dist', n),
    });
    const character = crop(frame, box, s.bytes('character', 3 * n));
    const warped = this.warpIntoBox(face, placement.faceToFrame, box, mask.data, character);
    const harmonized = this.options.harmonize > 0 ? this.harmonize(warped, character, mask.data) : warped;
    const result = out ?? { width: frame.width, height: frame.height, data: frame.data.slice() };
    if (out && out !== frame) out.data.set(frame.data);
    if (this.options.twoBand) {
      const r = Math.max(1, Math.round(feather / 2));
      const soft = boxBlurFloat(mask, r, { width: bw, height: bh, data: s.floats('soft', n) }, s.floats('softTmp', n));
      const tmp = s.bytes('lowTmp', 3 * n);
      const lowC = boxBlurRgb(character, r, { width: bw, height: bh, data: s.bytes('lowC', 3 * n) }, tmp);
      const lowF = boxBlurRgb(harmonized, r, { width: bw, height: bh, data: s.bytes('lowF', 3 * n) }, tmp);
      blendTwoBand(result, box, character, harmonized, mask.data, soft.data, lowC.data, lowF.data);
    } else {
      blendFeathered(result, box, character, harmonized, mask.data);
    }
    return result;
  }

  /**
   * The face, sampled through frame → face space, where the mask covers the box; elsewhere the character's own
   * pixels, so low-pass filtering near the edge never pulls in a colour that is not there.
   */
  private warpIntoBox(
    face: RgbImage,
    faceToFrame: Affine,
    box: PixelBox,
    mask: Float32Array,
    character: RgbImage,
  ): RgbImage {
    const m = invertAffine(faceToFrame);
    const bw = box.x1 - box.x0;
    const bh = box.y1 - box.y0;
    const out = { width: bw, height: bh, data: this.scratch.bytes('warped', character.data.length) };
    out.data.set(character.data);
    for (let y = 0, k = 0; y < bh; y++) {
      const fy = y + box.y0;
      for (let x = 0; x < bw; x++, k++) {
        if (mask[k] <= 0) continue;
        const fx = x + box.x0;
        sampleRgbInto(face, m[0] * fx + m[1] * fy + m[2], m[3] * fx + m[4] * fy + m[5], out.data, k * 3);
      }
    }
    return out;
  }

  /** Matches the face's colour statistics to the character's in the band just inside the oval edge. */
  private harmonize(face: RgbImage, character: RgbImage, mask: Float32Array): RgbImage {
    const band = { width: face.width, height: face.height, data: this.scratch.floats('band', mask.length) };
    for (let k = 0; k < mask.length; k++) band.data[k] = mask[k] > 0.3 && mask[k] < 0.97 ? 1 : 0;
    const target = colorStats(character, band);
    const source = colorStats(face, band);
    if (target.weight < 8 || source.weight < 8) return face;
    const out = { width: face.width, height: face.height, data: this.scratch.bytes('harmonized', face.data.length) };
    return transferColor(face, source, target, { strength: this.options.harmonize, maxGain: 1.5 }, out);
  }
}

function crop(img: RgbImage, box: PixelBox, data: Uint8Array): RgbImage {
  const bw = box.x1 - box.x0;
  const bh = box.y1 - box.y0;
  for (let y = 0; y < bh; y++) {
    const from = ((box.y0 + y) * img.width + box.x0) * 3;
    data.set(img.data.subarray(from, from + bw * 3), y * bw * 3);
  }
  return { width: bw, height: bh, data };
}

function blendFeathered(out: RgbImage, box: PixelBox, character: RgbImage, face: RgbImage, mask: Float32Array): void {
  const bw = box.x1 - box.x0;
  for (let k = 0; k < mask.length; k++) {
    const a = mask[k];
    if (a <= 0) continue;
    const o = (((k / bw) | 0) + box.y0) * out.width * 3 + ((k % bw) + box.x0) * 3;
    for (let c = 0; c < 3; c++) {
      const bg = character.data[k * 3 + c];
      out.data[o + c] = clampByte(bg + a * (face.data[k * 3 + c] - bg));
    }
  }
}

/**
 * Two-band ("Laplacian-lite") blend: the low-pass parts of face and character are mixed with a softened mask,
 * the detail parts with the sharp one, so colour crosses over gradually while lines stay crisp.
 */
function blendTwoBand(
  out: RgbImage,
  box: PixelBox,
  character: RgbImage,
  face: RgbImage,
  mask: Float32Array,
  soft: Float32Array,
  lowC: Uint8Array,
  lowF: Uint8Array,
): void {
  const bw = box.x1 - box.x0;
  for (let k = 0; k < mask.length; k++) {
    const a = mask[k];
    if (a <= 0) continue;
    // Soft weight only inside the oval, so the face's colour never spills past the character's outline.
    const s = Math.min(a, soft[k]);
    const o = (((k / bw) | 0) + box.y0) * out.width * 3 + ((k % bw) + box.x0) * 3;
    for (let c = 0; c < 3; c++) {
      const lc = lowC[k * 3 + c];
      const lf = lowF[k * 3 + c];
      const hc = character.data[k * 3 + c] - lc;
      const hf = face.data[k * 3 + c] - lf;
      out.data[o + c] = clampByte(lc + s * (lf - lc) + hc + a * (hf - hc));
    }
  }
}
