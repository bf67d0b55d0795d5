import type { FloatMap, RgbImage } from '@tooncast/shared';
import { fitAffine } from '../image/affine.ts';
import { clampByte } from '../image/color.ts';
import { checkLandmarks, FACE_MESH_POINTS, type FaceSpace } from '../image/faceSpace.ts';
import { featheredPolygonMask, type PixelBox, polygonBounds, shiftPolygon, strokeMask } from '../image/mask.ts';
import { warpFace } from '../image/meshWarp.ts';
import { applyRotation, fitRigid3d } from '../image/rigid3d.ts';
import { sampleRgbInto } from '../image/sample.ts';
import { Scratch } from '../image/scratch.ts';
import type { PlanarTensor } from '../image/tensor.ts';
import { ExpressionMapper, type MappedExpression } from './expressionMap.ts';
import { chainY, ringOpenness, ringPolygon, smoothstep } from './landmarkCurves.ts';
import type { SelfieFeatures } from './selfie.ts';

/** What the first generative model is asked to draw: the target face's expression and pose, in the face space. */
export interface FirstFaceInput {
  /** The target (cartoon) face's 468 xyz landmarks in face space. */
  landmarks: Float32Array;
  /** The same character's neutral reference landmarks in face space (needed by the built-in generator). */
  neutralLandmarks?: Float32Array;
  /** The contour figure rasterized in the face-space layout, values in [0, 1] (needed by ONNX generators). */
  contourFigure?: PlanarTensor | FloatMap | RgbImage;
}

/** The patent's first generative model: contour figure + selfie features → first face image (face space). */
export interface FaceGenerator {
  generate(input: FirstFaceInput, selfie: SelfieFeatures): Promise<RgbImage>;
}

export interface MeshFaceGeneratorOptions {
  /** Draw a mouth interior where the target opens the mouth wider than the selfie does. */
  synthesizeMouth?: boolean;
  /** Draw closed eyelids (skin and a lash line) as far as the target closes its eyes. */
  synthesizeBlink?: boolean;
  /**
   * Stretch the generated face onto the target's face outline (an affine fit of the outlines, then the outline
   * points snapped), so it fills the character's face oval that the compositor replaces.
   */
  fitTargetOutline?: boolean;
}

/** Organ groups whose expression deltas are normalized by the organ's own size. */
const GROUPS = ['rightEyebrow', 'leftEyebrow', 'rightEye', 'leftEye', 'lips'] as const;
const FACE_GROUP = GROUPS.length;

/**
 * The built-in first face generator, geometric rather than learned:
 * 1. the cartoon's head pose relative to its neutral reference (3-D similarity on expression-stable points);
 * 2. its expression = pose-free landmarks minus the neutral ones, scaled per organ (a cartoon eye twice the size
 *    of the selfie's moves its lid twice as far) and added to the selfie's landmarks, except eye and mouth
 *    openings, which are set absolutely (ExpressionMapper: a shut cartoon eye shuts the selfie's, a closed cartoon
 *    mouth closes the selfie's even if it smiles with teeth); the pose is then applied;
 * 3. the selfie crop is mesh-warped onto that geometry;
 * 4. what the selfie does not show is painted: a mouth interior (dark cavity, upper-teeth band, tongue hint) when
 *    the mouth opens wider than in the selfie, and skin-coloured lids with a lash line when an eye closes.
 */
export class MeshFaceGenerator implements FaceGenerator {
  private readonly group = new Uint8Array(FACE_MESH_POINTS).fill(FACE_GROUP);
  private readonly stable: number[];
  private readonly options: Required<MeshFaceGeneratorOptions>;
  private readonly scratch = new Scratch();
  private readonly mapper: ExpressionMapper;

  constructor(
    readonly space: FaceSpace,
    options: MeshFaceGeneratorOptions = {},
  ) {
    this.options = { synthesizeMouth: true, synthesizeBlink: true, fitTargetOutline: true, ...options };
    this.mapper = new ExpressionMapper(space);
    const a = space.topology.annotations;
    for (const [name, idx] of Object.entries(a)) {
      const g = GROUPS.findIndex((p) => name.startsWith(p));
      // 'rightEyebrow…' also starts with 'rightEye': the brow entries come first in GROUPS, so they win.
      if (g >= 0) for (const i of idx) if (i < FACE_MESH_POINTS && this.group[i] === FACE_GROUP) this.group[i] = g;
    }
    // Pose from points expressions barely move: the upper face outline, the nose, the eye corners.
    const noseY = space.template[2 * a.noseTip[0] + 1];
    const c = space.contours;
    this.stable = [
      ...c.faceOval.filter((i) => space.template[2 * i + 1] < noseY),
      ...['midwayBetweenEyes', 'noseTip', 'noseBottom', 'noseRightCorner', 'noseLeftCorner'].flatMap((n) => a[n] ?? []),
      c.rightEye[0],
      c.rightEye[a.rightEyeLower0.length - 1],
      c.leftEye[0],
      c.leftEye[a.leftEyeLower0.length - 1],
    ];
  }

  async generate(input: FirstFaceInput, selfie: SelfieFeatures): Promise<RgbImage> {
    return this.generateSync(input, selfie);
  }

  generateSync(input: FirstFaceInput, selfie: SelfieFeatures): RgbImage {
    if (selfie.size !== this.space.size) {
      throw new RangeError(
        `selfie features are for a ${selfie.size}² face space, the generator's is ${this.space.size}²`,
      );
    }
    const { geometry, expression } = this.mapGeometry(input, selfie);
    const size = this.space.size;
    const img = warpFace(
      this.space,
      selfie.crop,
      selfie.landmarks3d,
      geometry,
      this.scratch.floats('depth', size * size),
    );
    if (this.options.synthesizeMouth) this.paintMouth(img, geometry, selfie);
    if (this.options.synthesizeBlink) {
      this.paintEyelid(img, geometry, 'right', expression.eyeOpen[0]);
      this.paintEyelid(img, geometry, 'left', expression.eyeOpen[1]);
    }
    return img;
  }

  /** The selfie's landmarks carrying the target's expression and head pose (face space, xyz). */
  targetGeometry(input: FirstFaceInput, selfie: SelfieFeatures): Float32Array {
    return this.mapGeometry(input, selfie).geometry;
  }

  private mapGeometry(
    input: FirstFaceInput,
    selfie: SelfieFeatures,
  ): { geometry: Float32Array; expression: MappedExpression } {
    const target = input.landmarks;
    const neutral = input.neutralLandmarks;
    checkLandmarks(target, 'target landmarks');
    if (!neutral) throw new RangeError('the built-in face generator needs the character’s neutral landmarks');
    checkLandmarks(neutral, 'neutral landmarks');
    const own = selfie.landmarks3d;
    const pose = fitRigid3d(neutral, target, this.stable);
    const r = pose.rotation;
    const [tx, ty, tz] = pose.translation;
    const inv = 1 / pose.scale;
    const scale = this.groupScales(neutral, own);
    const out = new Float32Array(own.length);
    // Expression: target with the pose undone (Rᵀ(T − t)/s), minus neutral, scaled per organ, added to the selfie;
    // then the eye and mouth openings are set absolutely (see ExpressionMapper).
    for (let i = 0; i < FACE_MESH_POINTS; i++) {
      const dx = target[3 * i] - tx;
      const dy = target[3 * i + 1] - ty;
      const dz = target[3 * i + 2] - tz;
      const px = (r[0] * dx + r[3] * dy + r[6] * dz) * inv;
      const py = (r[1] * dx + r[4] * dy + r[7] * dz) * inv;
      const pz = (r[2] * dx + r[5] * dy + r[8] * dz) * inv;
      const g = this.group[i];
      out[3 * i] = own[3 * i] + (px - neutral[3 * i]) * scale[2 * g];
      out[3 * i + 1] = own[3 * i + 1] + (py - neutral[3 * i + 1]) * scale[2 * g + 1];
      out[3 * i + 2] = own[3 * i + 2] + (pz - neutral[3 * i + 2]) * scale[2 * g];
    }
    // Openings are read in the face space with the pose on, as step 1 measures them: a lid gap over eye width
    // follows a blink better there than after the pose is undone with FaceMesh's rough depths.
    const expression = this.mapper.read(target, neutral);
    this.mapper.apply(out, own, expression);
    // Pose: the motion that took the neutral cartoon to the target, applied about the selfie's own centre.
    const cs = this.centroid(own);
    const cn = this.centroid(neutral);
    const moved = applyRotation(r, cn[0], cn[1], cn[2]);
    const shift = [0, 1, 2].map((k) => pose.scale * moved[k] + pose.translation[k] - cn[k]);
    for (let i = 0; i < FACE_MESH_POINTS; i++) {
      const q = applyRotation(r, out[3 * i] - cs[0], out[3 * i + 1] - cs[1], out[3 * i + 2] - cs[2]);
      for (let k = 0; k < 3; k++) out[3 * i + k] = pose.scale * q[k] + cs[k] + shift[k];
    }
    if (this.options.fitTargetOutline) this.fitOutline(out, target);
    return { geometry: out, expression };
  }

  private fitOutline(geometry: Float32Array, target: Float32Array): void {
    const oval = this.space.contours.faceOval;
    const m = fitAffine(geometry, target, oval);
    for (let i = 0; i < FACE_MESH_POINTS; i++) {
      const x = geometry[3 * i];
      const y = geometry[3 * i + 1];
      geometry[3 * i] = m[0] * x + m[1] * y + m[2];
      geometry[3 * i + 1] = m[3] * x + m[4] * y + m[5];
    }
    for (const i of oval) {
      geometry[3 * i] = target[3 * i];
      geometry[3 * i + 1] = target[3 * i + 1];
    }
  }

  /** Per group, the selfie's organ extent over the neutral cartoon's (x and y), clamped to [1/4, 4]. */
  private groupScales(neutral: Float32Array, own: Float32Array): Float32Array {
    const ext = (pts: Float32Array) => {
      const box = new Float32Array((FACE_GROUP + 1) * 4).fill(Number.NaN);
      for (let i = 0; i < FACE_MESH_POINTS; i++) {
        const b = this.group[i] * 4;
        const x = pts[3 * i];
        const y = pts[3 * i + 1];
        if (Number.isNaN(box[b])) box.set([x, x, y, y], b);
        box[b] = Math.min(box[b], x);
        box[b + 1] = Math.max(box[b + 1], x);
        box[b + 2] = Math.min(box[b + 2], y);
        box[b + 3] = Math.max(box[b + 3], y);
      }
      return box;
    };
    const bn = ext(neutral);
    const bs = ext(own);
    const out = new Float32Array((FACE_GROUP + 1) * 2);
    for (let g = 0; g <= FACE_GROUP; g++) {
      for (let k = 0; k < 2; k++) {
        const n = bn[4 * g + 2 * k + 1] - bn[4 * g + 2 * k];
        const s = bs[4 * g + 2 * k + 1] - bs[4 * g + 2 * k];
        out[2 * g + k] = n > 1e-3 && s > 1e-3 ? Math.min(4, Math.max(0.25, s / n)) : 1;
      }
    }
    return out;
  }

  private centroid(pts: Float32Array): [number, number, number] {
    const c: [number, number, number] = [0, 0, 0];
    for (const i of this.stable) for (let k = 0; k < 3; k++) c[k] += pts[3 * i + k] / this.stable.length;
    return c;
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

  private paintMouth(img: RgbImage, geometry: Float32Array, selfie: SelfieFeatures): void {
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
          let c = cavity[ch] + teeth * ([228, 222, 208][ch] * shade - cavity[ch]);
          c += tongueW * (tongue[ch] - c);
          img.data[o + ch] = clampByte(img.data[o + ch] + m * (c - img.data[o + ch]));
        }
      }
    }
  }

  /** Skin-coloured lid and a lash line over an eye as far as it closes (`open`: see MappedExpression.eyeOpen). */
  private paintEyelid(img: RgbImage, geometry: Float32Array, side: 'right' | 'left', open: number): void {
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
