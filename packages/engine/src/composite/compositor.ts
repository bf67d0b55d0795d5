import type { FloatMap, RgbImage } from '@tooncast/shared';
import { type Affine, invertAffine } from '../geometry.ts';
import { boxBlurFloat, boxBlurRgb } from '../image/blur.ts';
import { clampByte, colorStats } from '../image/color.ts';
import { checkLandmarks, type FaceContours } from '../image/faceSpace.ts';
import {
  distanceToOutline,
  featheredPolygonMask,
  fillPolygon,
  type PixelBox,
  polygonBounds,
  shiftPolygon,
} from '../image/mask.ts';
import { sampleRgbInto } from '../image/sample.ts';
import { Scratch } from '../image/scratch.ts';
import { applyHarmony, harmonyBetween, NO_HARMONY } from './harmony.ts';
import { FaceAppearance, FaceFeatureMap, occluderMask } from './occlusion.ts';

/** Where the stylized face goes: the face-space → frame map and the target's landmarks in frame pixels. */
export interface FacePlacement {
  faceToFrame: Affine;
  /** The target face's 468 xyz landmarks in frame pixels. */
  landmarks: Float32Array;
}

export interface CompositorOptions {
  /** Inward feather of the face-oval mask, as a fraction of the oval's width. */
  feather?: number;
  /**
   * 0…1: how far the face's mean colour moves to the character's face (luma by a bounded gain, chroma by a bounded
   * shift), applied to the low-frequency band only so the face keeps its own contrast.
   */
  harmonize?: number;
  /** Two-band blend: low frequencies cross over a wider band than details, so no seam or halo shows. */
  twoBand?: boolean;
  /** Leave pixels of the face oval alone whose colour the character's face never shows (props in front of it). */
  occlusion?: boolean;
}

const DEFAULTS: Required<CompositorOptions> = { feather: 0.08, harmonize: 0.4, twoBand: true, occlusion: true };

/** Share of the face's skin judged covered above which a frame counts as "the face looks all unlike itself". */
const ALL_COVERED = 0.8;
/**
 * Frames in a row that look so (half a second at 24 fps) after which the character's look is learnt again: its
 * colours moved (a grade, a light) beyond what the model follows, and nothing would be replaced any more.
 */
const RELEARN_AFTER = 12;

/**
 * The organ rings the compositor needs: the oval it replaces; the mouth and eyes, which may change colour; and with
 * them the brows, which the new face must cover wholly.
 */
export type CompositorContours = Pick<
  FaceContours,
  'faceOval' | 'outerLips' | 'rightEye' | 'leftEye' | 'rightBrow' | 'leftBrow'
>;

/**
 * Method step 4: puts the stylized face back into the cartoon frame. The face is mapped to frame space, masked by
 * the character's face oval with a distance-feathered edge, raised over the character's own features (which may
 * stick out of the oval a little), minus whatever covers the face (an occluder mask from a colour model of the
 * character's own face), colour-matched to the character in its low frequencies, and blended (optionally two-band).
 * Only the oval's bounding box (grown over those features) differs from the frame; with no face the frame passes
 * through unchanged (the same object).
 *
 * Ownership: unless the caller passes `out`, the returned frame is the compositor's own buffer, valid until the
 * next `composite` call (copy it to keep it longer). A session composites frame after frame, so no full frame is
 * allocated per call. The compositor is stateful (the character's face appearance): one per followed character.
 */
export class Compositor {
  private readonly options: Required<CompositorOptions>;
  private readonly scratch = new Scratch();
  private readonly appearance = new FaceAppearance();
  private features?: FaceFeatureMap;
  /** Frames in a row on which the occluder covered nearly all of the face's skin. */
  private allCovered = 0;

  /** The character's mouth and eyes (which may change colour), and its brows: the features the new face covers. */
  private readonly organRings: readonly (readonly number[])[];
  private readonly browRings: readonly (readonly number[])[];
  /** The eyes again, for their discs (see eyeDiscs). */
  private readonly eyeRings: readonly (readonly number[])[];

  constructor(
    private readonly contours: CompositorContours,
    options: CompositorOptions = {},
  ) {
    // An option given as undefined keeps its default (spreading it would erase the default).
    const given = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined));
    this.options = { ...DEFAULTS, ...given };
    const { feather, harmonize } = this.options;
    if (!(feather > 0 && feather < 0.5 && harmonize >= 0 && harmonize <= 1)) {
      throw new RangeError(`bad compositor options ${JSON.stringify(this.options)}`);
    }
    if (contours.faceOval.length < 3) throw new RangeError('the face oval needs at least 3 landmarks');
    this.organRings = [contours.outerLips, contours.rightEye, contours.leftEye];
    this.browRings = [contours.rightBrow, contours.leftBrow];
    this.eyeRings = [contours.rightEye, contours.leftEye];
  }

  /**
   * Forgets the character's look (its colours and where its own features are): after a cut the character may be lit
   * and graded otherwise; it is learnt again over the next frames, as on the first.
   */
  reset(): void {
    this.appearance.forget();
    this.features = undefined;
    this.allCovered = 0;
  }

  /**
   * @param out where to write the result (may be `frame` itself, for in-place compositing); by default the
   *   compositor's own buffer (see the class comment).
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
    const lm = placement.landmarks;
    const ring = (idx: readonly number[]) => idx.flatMap((i) => [lm[3 * i], lm[3 * i + 1]]);
    const poly = ring(this.contours.faceOval);
    const oval = polygonBounds(poly, frame.width, frame.height, 1);
    const ovalWidth = Math.max(oval.x1 - oval.x0, oval.y1 - oval.y0);
    if (Math.min(oval.x1 - oval.x0, oval.y1 - oval.y0) < 3) return this.composite(frame, undefined, undefined, out);
    const feather = Math.max(1.5, this.options.feather * ovalWidth);
    // In frame pixels, once a frame.
    const organRings = this.organRings.map(ring);
    // Covered besides them: the brows, and the eyes at their full size (a turned head's far eye ring folds to a sliver
    // in FaceMesh's fit, while a cartoon's eyeball keeps its size and shows beside the new face).
    const coveredRings = [...this.browRings.map(ring), ...eyeDiscs(...this.eyeRings.map(ring))];
    const featureRings = [...organRings, ...coveredRings];
    // Features deep inside the oval are under a whole mask already (the usual frontal face): nothing to cover.
    const nearEdge = featureRings.some((r) => nearOutline(r, poly, 2 * feather));
    const box = nearEdge ? this.boxWithFeatures(oval, poly, featureRings, feather, frame) : oval;
    const bw = box.x1 - box.x0;
    const bh = box.y1 - box.y0;
    const n = bw * bh;
    const s = this.scratch;
    // Also the distance to the oval's outline, where under `feather` (coverFeatures reaches that far out of it).
    const outlineDistance = s.floats('dist', n);
    const mask = featheredPolygonMask(bw, bh, shiftPolygon(poly, box.x0, box.y0), feather, {
      out: s.floats('mask', n),
      dist: outlineDistance,
    }).data;
    const organs = { width: bw, height: bh, data: s.floats('organs', n, true) };
    for (const r of organRings) fillPolygon(organs, shiftPolygon(r, box.x0, box.y0), 1);
    const cover = nearEdge ? this.coverFeatures(mask, organs, coveredRings, box, outlineDistance, feather) : undefined;
    const character = crop(frame, box, s.bytes('character', 3 * n));
    const toFace = invertAffine(placement.faceToFrame);
    const alpha = this.options.occlusion
      ? this.unoccluded(character, mask, organs, box, feather, toFace, face.width)
      : mask;
    const warped = this.warpIntoBox(face, toFace, box, mask, character);
    const harmony =
      this.options.harmonize > 0
        ? harmonyBetween(
            colorStats(warped, { width: bw, height: bh, data: alpha }),
            colorStats(character, { width: bw, height: bh, data: alpha }),
            this.options.harmonize,
          )
        : NO_HARMONY;
    const result = out ?? { width: frame.width, height: frame.height, data: s.bytes('output', frame.data.length) };
    if (result !== frame) result.data.set(frame.data);
    if (this.options.twoBand) {
      const r = Math.max(1, Math.round(feather / 2));
      const soft = boxBlurFloat(
        { width: bw, height: bh, data: alpha },
        r,
        { width: bw, height: bh, data: s.floats('soft', n) },
        s.floats('softTmp', n),
      );
      // The blur pulls the low band's weight down near the oval's edge; over the features it stays whole, or the
      // cartoon's eye colour would tint the new face's.
      if (cover) for (let k = 0; k < n; k++) if (cover[k] > soft.data[k]) soft.data[k] = cover[k];
      const tmp = s.bytes('lowTmp', 3 * n);
      const lowC = boxBlurRgb(character, r, { width: bw, height: bh, data: s.bytes('lowC', 3 * n) }, tmp);
      const lowF = boxBlurRgb(warped, r, { width: bw, height: bh, data: s.bytes('lowF', 3 * n) }, tmp);
      // Harmonizing the low band moves the face's overall colour and light, not its detail.
      const lowH = s.bytes('lowH', 3 * n);
      lowH.set(lowF.data);
      applyHarmony(lowH, harmony);
      blendTwoBand(result, box, character, warped, alpha, soft.data, lowC.data, lowF.data, lowH);
    } else {
      applyHarmony(warped.data, harmony);
      blendFeathered(result, box, character, warped, alpha);
    }
    return result;
  }

  /**
   * The oval's box, grown to take in the character's features and the `margin` round them where they come near
   * the oval's edge, by `margin` px out of it at most (see coverFeatures). Usually they do not: the oval's box.
   */
  private boxWithFeatures(
    oval: PixelBox,
    poly: number[],
    featureRings: number[][],
    margin: number,
    frame: RgbImage,
  ): PixelBox {
    const pad = Math.ceil(margin) + 1;
    const f = polygonBounds(featureRings.flat(), frame.width, frame.height, pad);
    const reach = polygonBounds(poly, frame.width, frame.height, pad);
    return {
      x0: Math.max(reach.x0, Math.min(oval.x0, f.x0)),
      y0: Math.max(reach.y0, Math.min(oval.y0, f.y0)),
      x1: Math.min(reach.x1, Math.max(oval.x1, f.x1)),
      y1: Math.min(reach.y1, Math.max(oval.y1, f.y1)),
    };
  }

  /**
   * Raises the mask to 1 over the character's own features (`organs`: mouth and eyes; `coveredRings`: brows, eye
   * discs), and to a ramp `margin` px wide around them, inside the oval and up to `margin` px out of it. FaceMesh's
   * oval hugs a turned head too tightly on its far side: the far eye and brow lie in the feather band or stick out of
   * the oval, and the cartoon's own eye would show beside the new face's as a ghost. `outlineDistance`: each pixel's
   * distance to the oval's outline where under `margin`. Returns the cover applied (0 elsewhere).
   */
  private coverFeatures(
    mask: Float32Array,
    organs: FloatMap,
    coveredRings: number[][],
    box: PixelBox,
    outlineDistance: Float32Array,
    margin: number,
  ): Float32Array {
    const s = this.scratch;
    const n = mask.length;
    const { width: bw, height: bh } = organs;
    const features = { width: bw, height: bh, data: s.floats('features', n) };
    features.data.set(organs.data);
    for (const r of coveredRings) fillPolygon(features, shiftPolygon(r, box.x0, box.y0), 1);
    // A box blur is half its height at a feature's straight edge: twice it covers the edge and ramps down outside.
    const spread = boxBlurFloat(
      features,
      margin,
      { width: bw, height: bh, data: s.floats('featuresSpread', n) },
      s.floats('featuresTmp', n),
    ).data;
    const filled = features.data;
    const applied = s.floats('featureCover', n, true);
    for (let k = 0; k < n; k++) {
      const cover = Math.max(filled[k], Math.min(1, 2 * spread[k]));
      if (cover <= mask[k]) continue;
      // Out of the oval only near it: a ring far off is a failed fit, not a feature.
      if (mask[k] > 0 || outlineDistance[k] < margin) {
        mask[k] = cover;
        applied[k] = cover;
      }
    }
    return applied;
  }

  /**
   * The oval mask minus occluders: pixels whose colour the character's skin (the face without its mouth and eyes)
   * does not show. Features — mouth and eyes, and wherever the first frame showed non-skin colours (FaceFeatureMap,
   * for the drawn features FaceMesh's rings miss) — are not learnt, and count as covered only where an occluder
   * found on the skin reaches into them. The colour model learns from what it keeps, following slow light changes.
   */
  private unoccluded(
    character: RgbImage,
    mask: Float32Array,
    organs: FloatMap,
    box: PixelBox,
    feather: number,
    toFace: Affine,
    faceSize: number,
  ): Float32Array {
    const { width: bw, height: bh } = character;
    const n = bw * bh;
    const s = this.scratch;
    const skin = s.floats('skin', n);
    for (let k = 0; k < n; k++) skin[k] = mask[k] >= 1 && organs.data[k] === 0 ? 1 : 0;
    this.features ??= new FaceFeatureMap(faceSize);
    if (!this.features.ready) {
      // Learning the character's face: its skin palette, and where it shows other colours.
      this.appearance.learn(character, skin);
      const inner = s.floats('inner', n);
      for (let k = 0; k < n; k++) inner[k] = mask[k] >= 1 ? 1 : 0;
      const nonSkin = this.appearance.unlike(character, mask, s.floats('unlike', n), true);
      this.features.learn(nonSkin, inner, bw, box.x0, box.y0, toFace);
      return mask;
    }
    const unlike = this.appearance.unlike(character, mask, s.floats('unlike', n));
    this.features.mark(organs.data, mask, bw, box.x0, box.y0, toFace);
    // Features count as covered only where an occluder on the skin continues into them: unlike pixels connected to
    // a dense patch of unlike skin (stray unlike pixels, about 1 % of the skin, never form one).
    const work = { tmp: s.floats('occluderTmp', n), vote: s.floats('vote', n) };
    const raw = s.floats('unlikeRaw', n);
    raw.set(unlike);
    for (let k = 0; k < n; k++) if (organs.data[k] > 0) unlike[k] = 0;
    const density = boxBlurFloat(
      { width: bw, height: bh, data: unlike },
      feather / 3,
      { width: bw, height: bh, data: s.floats('density', n) },
      work.tmp,
    ).data;
    floodInto(unlike, raw, organs.data, density, character, s.ints('queue', 2 * n));
    const occluder = occluderMask(unlike, bw, bh, feather / 3, { ...work, out: s.floats('occluder', n) });
    const alpha = s.floats('alpha', n);
    let faceSkin = 0;
    let covered = 0;
    for (let k = 0; k < n; k++) {
      const o = occluder ? occluder[k] : 0;
      alpha[k] = mask[k] * (1 - o);
      if (skin[k] > 0) {
        faceSkin++;
        covered += o;
      }
      skin[k] = mask[k] >= 1 && organs.data[k] === 0 && o < 0.05 ? 1 : 0;
    }
    // The model learns only from what it keeps: a face that turned all unlike it would never be replaced again.
    this.allCovered = faceSkin > 0 && covered > ALL_COVERED * faceSkin ? this.allCovered + 1 : 0;
    if (this.allCovered >= RELEARN_AFTER) {
      this.reset();
      return mask;
    }
    this.appearance.learn(character, skin);
    return alpha;
  }

  /**
   * The face, sampled through frame → face space, where the mask covers the box; elsewhere the character's own
   * pixels, so low-pass filtering near the edge never pulls in a colour that is not there.
   */
  private warpIntoBox(face: RgbImage, m: Affine, box: PixelBox, mask: Float32Array, character: RgbImage): RgbImage {
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
}

/** Sides of the polygon standing for an eye's disc. */
const DISC_SIDES = 16;

/**
 * A disc round each eye ring's centre, as wide as the wider eye ring: what a turned cartoon eye covers, whatever
 * FaceMesh made of its ring.
 */
export function eyeDiscs(...eyes: number[][]): number[][] {
  const extent = (r: number[], axis: 0 | 1) => {
    const v = r.filter((_, i) => i % 2 === axis);
    return { min: Math.min(...v), max: Math.max(...v) };
  };
  const boxes = eyes.map((r) => ({ x: extent(r, 0), y: extent(r, 1) }));
  const radius = Math.max(...boxes.map(({ x }) => (x.max - x.min) / 2));
  return boxes.map(({ x, y }) => {
    const cx = (x.min + x.max) / 2;
    const cy = (y.min + y.max) / 2;
    return Array.from({ length: DISC_SIDES }, (_, k) => {
      const a = (2 * Math.PI * k) / DISC_SIDES;
      return [cx + radius * Math.cos(a), cy + radius * Math.sin(a)];
    }).flat();
  });
}

/** Largest colour difference (sum over RGB) from the seed pixel that a flood from an occluder spreads over. */
const FLOOD_TOLERANCE = 90;

/**
 * Grows `unlike` from its dense skin pixels (density over 1/3) into connected `feature` pixels that are `raw`-ly
 * unlike too and close in colour to the seed the flood started from (4-neighbour region growing; comparing with the
 * seed, not the neighbour, so soft edges are no bridge): the occluder continues over the mouth, the lips beside it
 * do not join.
 */
function floodInto(
  unlike: Float32Array,
  raw: Float32Array,
  feature: Float32Array,
  density: Float32Array,
  image: RgbImage,
  queue: Int32Array,
): void {
  const { width, height, data } = image;
  let tail = 0;
  for (let k = 0; k < unlike.length; k++) {
    if (unlike[k] > 0 && density[k] > 1 / 3) {
      queue[tail++] = k;
      queue[tail++] = k;
    }
  }
  const visit = (j: number, seed: number) => {
    if (feature[j] <= 0 || raw[j] <= 0 || unlike[j] !== 0) return;
    const diff =
      Math.abs(data[3 * j] - data[3 * seed]) +
      Math.abs(data[3 * j + 1] - data[3 * seed + 1]) +
      Math.abs(data[3 * j + 2] - data[3 * seed + 2]);
    if (diff > FLOOD_TOLERANCE) return;
    unlike[j] = 1;
    queue[tail++] = j;
    queue[tail++] = seed;
  };
  for (let head = 0; head < tail; head += 2) {
    const k = queue[head];
    const seed = queue[head + 1];
    const x = k % width;
    if (x > 0) visit(k - 1, seed);
    if (x < width - 1) visit(k + 1, seed);
    if (k >= width) visit(k - width, seed);
    if (k < (height - 1) * width) visit(k + width, seed);
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
 * Whether a feature ring comes within `reach` px of the oval's outline, from inside or out, judged at its points (a
 * ring is small beside the oval: between two points it comes no nearer than they do, give or take a pixel).
 */
function nearOutline(ring: number[], oval: number[], reach: number): boolean {
  for (let i = 0; i + 1 < ring.length; i += 2) if (distanceToOutline(oval, ring[i], ring[i + 1]) < reach) return true;
  return false;
}

/**
 * Two-band ("Laplacian-lite") blend: the low-pass parts of face and character are mixed with a softened mask,
 * the detail parts with the sharp one, so colour crosses over gradually while lines stay crisp. The face's low band
 * is taken harmonized (`lowH`), its detail against its own low band (`lowF`).
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
  lowH: Uint8Array,
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
      const hc = character.data[k * 3 + c] - lc;
      const hf = face.data[k * 3 + c] - lowF[k * 3 + c];
      out.data[o + c] = clampByte(lc + s * (lowH[k * 3 + c] - lc) + hc + a * (hf - hc));
    }
  }
}
