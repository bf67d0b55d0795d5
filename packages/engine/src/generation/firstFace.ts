import type { FloatMap, RgbImage } from '@tooncast/shared';
import { fitAffine } from '../image/affine.ts';
import { clampByte } from '../image/color.ts';
import { checkLandmarks, FACE_MESH_POINTS, type FaceSpace } from '../image/faceSpace.ts';
import { featheredPolygonMask, type PixelBox, polygonBounds, shiftPolygon, strokeMask } from '../image/mask.ts';
import { warpFace } from '../image/meshWarp.ts';
import { applyRotation, fitRigid3d, fitRigid3dToImage } from '../image/rigid3d.ts';
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
  /** The character's inner-lip gap over mouth width at rest (RestingMouth); by default the neutral landmarks'. */
  restingMouthGap?: number;
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
const LIPS_GROUP = GROUPS.indexOf('lips');
/** The outer mouth corners (right, left). */
const MOUTH_CORNERS = [61, 291] as const;
/**
 * Mouth-corner height above the lip line over mouth width: the band of a relaxed human mouth (a selfie's own
 * height is kept inside it, a broad smile comes down to its top), and a real mouth's range.
 */
const RELAXED_CORNER_LIFT = [-0.03, 0.05] as const;
const MIN_CORNER_LIFT = -0.1;
const MAX_CORNER_LIFT = 0.15;
/** Cheek beside a mouth corner that moves with it, in mouth widths. */
const CORNER_REACH = 0.45;
/** Outline strips stretched beyond this take their texture from further in (see textureSource). */
const EDGE_STRETCH = 1.5;
/** At most this share of the way to the next ring in. */
const MAX_EDGE_INSET = 0.8;
/** Warp stretch from which skin colour starts to replace the selfie's texture, and where it has replaced it. */
const STRETCH_PAINTED = [4, 8] as const;
/**
 * Head turn (sine of the yaw) over which that painting fades in: a frontal face keeps its own texture wherever the
 * outline fit widens it (painting there costs identity and time), a turned one gets its edge-on side painted.
 */
const TURN_PAINTED = [0.25, 0.4] as const;
/** Box radius (px) the stretch map and the painted colours are smoothed with. */
const STRETCH_SMOOTHING = 4;
/** How far inside the outline (share of the face space) the outline fit's leftover shift fades out. */
const OUTLINE_FADE = 0.16;
/** The mouth's place in MeshFaceGenerator.organs. */
const MOUTH_ORGAN = 3;
/** Furthest the mouth moves toward the cartoon's, in mouth widths. */
const MAX_MOUTH_SHIFT = 0.2;
/** Radius (in mouth widths) of the Gaussian by which the face around the mouth moves with it. */
const MOUTH_REACH = 0.9;
/** How many outline points each organ centre (eyes, nose base, mouth) counts as in the outline fit. */
const ORGAN_WEIGHT = 1;

/** The inner lips' middle points (upper, lower). */
const INNER_LIP_MIDDLE = [13, 14] as const;

/** How far the mouth corners sit above the lip line (the inner lips' meeting point), over the mouth width. */
function cornerLift(pts: Float32Array): number {
  const [left, right] = MOUTH_CORNERS;
  const [upper, lower] = INNER_LIP_MIDDLE;
  const width = Math.hypot(pts[3 * left] - pts[3 * right], pts[3 * left + 1] - pts[3 * right + 1]);
  const line = (pts[3 * upper + 1] + pts[3 * lower + 1]) / 2;
  return width > 1e-3 ? (line - (pts[3 * left + 1] + pts[3 * right + 1]) / 2) / width : 0;
}

/**
 * The built-in first face generator, geometric rather than learned:
 * 1. the cartoon's head pose relative to its neutral reference: the 3-D similarity whose image best matches the
 *    cartoon's expression-stable points, turning the neutral face given the selfie's own depth;
 * 2. its expression = what that pose does not explain, undone into the pose-free face, scaled per organ (a cartoon
 *    eye twice the size of the selfie's moves its lid twice as far) and added to the selfie's landmarks, except
 *    eye and mouth openings and mouth-corner height, which are set absolutely (ExpressionMapper: a shut cartoon eye
 *    shuts the selfie's, a closed cartoon mouth closes the selfie's even if it smiles with teeth; a broad selfie
 *    smile relaxes before the cartoon's smile or frown is added); the pose is then applied;
 * 3. the face is laid onto the cartoon's outline and organs, and its mouth moved toward the cartoon's;
 * 4. the selfie crop is mesh-warped onto that geometry, nearest triangles in front, folded ones behind and what
 *    surrounds the selfie's face behind those;
 * 5. what the selfie does not show is painted: a mouth interior (dark cavity, upper-teeth band, tongue hint) when
 *    the mouth opens wider than in the selfie, and skin-coloured lids with a lash line when an eye closes.
 */
export class MeshFaceGenerator implements FaceGenerator {
  private readonly group = new Uint8Array(FACE_MESH_POINTS).fill(FACE_GROUP);
  private readonly stable: number[];
  private readonly options: Required<MeshFaceGeneratorOptions>;
  private readonly scratch = new Scratch();
  private readonly mapper: ExpressionMapper;
  /** Organs whose centres the outline fit lays onto the cartoon's, and the layout points it fits (weighted). */
  private readonly organs: (readonly number[])[];
  private readonly layoutIndex: number[];
  private readonly outlineWeights: Float32Array;
  private readonly mouthReach: Float32Array;

  constructor(
    readonly space: FaceSpace,
    options: MeshFaceGeneratorOptions = {},
  ) {
    this.options = { synthesizeMouth: true, synthesizeBlink: true, fitTargetOutline: true, ...options };
    this.mapper = new ExpressionMapper(space);
    const a = space.topology.annotations;
    this.outlineWeights = MeshFaceGenerator.outlineWeights(space);
    for (const [name, idx] of Object.entries(a)) {
      const g = GROUPS.findIndex((p) => name.startsWith(p));
      // 'rightEyebrow…' also starts with 'rightEye': the brow entries come first in GROUPS, so they win.
      if (g >= 0) for (const i of idx) if (i < FACE_MESH_POINTS && this.group[i] === FACE_GROUP) this.group[i] = g;
    }
    const { faceOval } = space.contours;
    // Centres of all an organ's points, not its corners: a cartoon draws its organs at other sizes, about much
    // the same centres.
    const members = (g: number) => [...this.group.keys()].filter((i) => this.group[i] === g);
    this.organs = [
      members(GROUPS.indexOf('rightEye')),
      members(GROUPS.indexOf('leftEye')),
      a.noseBottom,
      members(LIPS_GROUP),
    ];
    this.mouthReach = MeshFaceGenerator.mouthReach(space, this.organs[MOUTH_ORGAN], this.outlineWeights);
    this.layoutIndex = [
      ...faceOval.keys(),
      ...this.organs.flatMap((_, k) => Array<number>(ORGAN_WEIGHT).fill(faceOval.length + k)),
    ];
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
    const { geometry, expression, turn } = this.mapGeometry(input, selfie);
    const size = this.space.size;
    // Only a turned head shows the side of the face the selfie sees edge-on (see paintStretched).
    const sideShown = smoothstep(TURN_PAINTED[0], TURN_PAINTED[1], turn);
    const stretch = sideShown > 0 ? this.scratch.floats('stretch', size * size) : undefined;
    const img = warpFace(this.space, selfie.crop, this.textureSource(selfie.landmarks3d, geometry), geometry, {
      depth: this.scratch.floats('depth', size * size),
      stretch,
    });
    if (stretch) this.paintStretched(img, stretch, selfie.skinColor, sideShown);
    if (this.options.synthesizeMouth) this.paintMouth(img, geometry, selfie);
    if (this.options.synthesizeBlink) {
      this.paintEyelid(img, geometry, 'right', expression.eyeOpen[0]);
      this.paintEyelid(img, geometry, 'left', expression.eyeOpen[1]);
    }
    return img;
  }

  /**
   * Where the warp takes each point's texture from: the selfie's landmarks, except that an outline point whose
   * strip to the next ring in is stretched more than EDGE_STRETCH takes it from further in. A turned head shows its
   * near side (and the outline fit may widen either side) far larger than the frontal selfie, where that strip is
   * a few pixels of grazing skin, highlight and background: stretched, they smear; the cheek beside them does not.
   */
  private textureSource(own: Float32Array, geometry: Float32Array): Float32Array {
    const src = this.scratch.floats('source', own.length);
    src.set(own);
    const { faceOval } = this.space.contours;
    faceOval.forEach((i, k) => {
      const j = this.space.ovalInward[k];
      const stretch =
        Math.hypot(geometry[3 * i] - geometry[3 * j], geometry[3 * i + 1] - geometry[3 * j + 1]) /
        Math.max(1e-3, Math.hypot(own[3 * i] - own[3 * j], own[3 * i + 1] - own[3 * j + 1]));
      const inset = Math.min(MAX_EDGE_INSET, Math.max(0, 1 - EDGE_STRETCH / stretch));
      src[3 * i] += inset * (own[3 * j] - own[3 * i]);
      src[3 * i + 1] += inset * (own[3 * j + 1] - own[3 * i + 1]);
    });
    return src;
  }

  /**
   * Where the warp magnifies the selfie more than a few times — the side of a turned face, which the frontal
   * selfie shows only edge-on — its few pixels become streaks: there the face takes its own colours smoothed
   * (a box blur of the warped face, half-way to the mean skin so a background-tinged edge does not show through).
   * The stretch map is smoothed too, so the painted area has no triangle edges. `strength` scales it all (0–1).
   */
  private paintStretched(img: RgbImage, stretch: Float32Array, skin: readonly number[], strength: number): void {
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

  /** The selfie's landmarks carrying the target's expression and head pose (face space, xyz). */
  targetGeometry(input: FirstFaceInput, selfie: SelfieFeatures): Float32Array {
    return this.mapGeometry(input, selfie).geometry;
  }

  private mapGeometry(
    input: FirstFaceInput,
    selfie: SelfieFeatures,
  ): { geometry: Float32Array; expression: MappedExpression; turn: number } {
    const target = input.landmarks;
    const neutral = input.neutralLandmarks;
    checkLandmarks(target, 'target landmarks');
    if (!neutral) throw new RangeError('the built-in face generator needs the character’s neutral landmarks');
    checkLandmarks(neutral, 'neutral landmarks');
    const own = selfie.landmarks3d;
    // The pose is fitted on the cartoon's neutral face given the selfie's depth, to the target's image positions:
    // a drawn face is shallower than a real one (FaceMesh reads the bunny's at ⅔ of the astronaut's), so its own
    // 3-D rotation, put on the selfie, turns the real face much further than the cartoon looks turned.
    const deep = this.withOwnDepth(neutral, own);
    const pose = fitRigid3dToImage(deep, target, this.stable, fitRigid3d(deep, target, this.stable));
    const r = pose.rotation;
    const [tx, ty] = pose.translation;
    const inv = 1 / pose.scale;
    const scale = this.groupScales(neutral, own);
    const out = new Float32Array(own.length);
    // Expression: what the posed neutral does not explain in the image, turned back into the pose-free face
    // (Rᵀe/s), scaled per organ and added to the selfie; then the eye and mouth openings are set absolutely (see
    // ExpressionMapper).
    const poseFree = this.scratch.floats('poseFree', own.length);
    for (let i = 0; i < FACE_MESH_POINTS; i++) {
      const [mx, my] = applyRotation(r, deep[3 * i], deep[3 * i + 1], deep[3 * i + 2]);
      const ex = (target[3 * i] - pose.scale * mx - tx) * inv;
      const ey = (target[3 * i + 1] - pose.scale * my - ty) * inv;
      const dx = r[0] * ex + r[3] * ey;
      const dy = r[1] * ex + r[4] * ey;
      const g = this.group[i];
      poseFree[3 * i] = deep[3 * i] + dx;
      poseFree[3 * i + 1] = deep[3 * i + 1] + dy;
      out[3 * i] = own[3 * i] + dx * scale[2 * g];
      out[3 * i + 1] = own[3 * i + 1] + dy * scale[2 * g + 1];
      out[3 * i + 2] = own[3 * i + 2] + (r[2] * ex + r[5] * ey) * scale[2 * g];
    }
    // Openings are read in the face space with the pose on, as step 1 measures them: a lid gap over eye width
    // follows a blink better there than after the pose is undone with FaceMesh's rough depths.
    const expression = this.mapper.read(target, neutral, input.restingMouthGap);
    this.mapper.apply(out, own, expression);
    // Smile and frown are read with the pose undone: a nod moves the corners against the lip line too.
    this.setMouthCorners(out, cornerLift(own), cornerLift(poseFree) - cornerLift(deep));
    // Pose: the motion that took the neutral cartoon to the target, applied about the selfie's own centre.
    const cs = this.centroid(own);
    const cn = this.centroid(deep);
    const moved = applyRotation(r, cn[0], cn[1], cn[2]);
    const shift = [0, 1, 2].map((k) => pose.scale * moved[k] + pose.translation[k] - cn[k]);
    for (let i = 0; i < FACE_MESH_POINTS; i++) {
      const q = applyRotation(r, out[3 * i] - cs[0], out[3 * i + 1] - cs[1], out[3 * i + 2] - cs[2]);
      for (let k = 0; k < 3; k++) out[3 * i + k] = pose.scale * q[k] + cs[k] + shift[k];
    }
    if (this.options.fitTargetOutline) this.fitOutline(out, target);
    this.placeMouth(out, target);
    // How far the head is turned left or right: the sine of the yaw (the rotation's z row against x).
    return { geometry: out, expression, turn: Math.abs(r[6]) };
  }

  /**
   * Lays the face onto the cartoon's: one affine taking the outline and the organ centres (eyes, nose base, mouth)
   * onto the cartoon's, then the outline snapped exactly, its leftover shift fading out over the
   * cheeks (OUTLINE_FADE) so no single row of triangles takes it all — a cartoon whose far cheek reaches past a
   * real face's outline gets a wider cheek, not one smeared strip.
   */
  private fitOutline(geometry: Float32Array, target: Float32Array): void {
    const oval = this.space.contours.faceOval;
    const m = fitAffine(this.layout(geometry, 'layoutFrom'), this.layout(target, 'layoutTo'), this.layoutIndex, 2);
    for (let i = 0; i < FACE_MESH_POINTS; i++) {
      const x = geometry[3 * i];
      const y = geometry[3 * i + 1];
      geometry[3 * i] = m[0] * x + m[1] * y + m[2];
      geometry[3 * i + 1] = m[3] * x + m[4] * y + m[5];
    }
    const rest = this.scratch.floats('outlineRest', 2 * oval.length);
    oval.forEach((i, k) => {
      rest[2 * k] = target[3 * i] - geometry[3 * i];
      rest[2 * k + 1] = target[3 * i + 1] - geometry[3 * i + 1];
    });
    const w = this.outlineWeights;
    const n = oval.length;
    for (let i = 0; i < FACE_MESH_POINTS; i++) {
      if (w[i * n] < 0) continue;
      let dx = 0;
      let dy = 0;
      for (let k = 0; k < n; k++) {
        dx += w[i * n + k] * rest[2 * k];
        dy += w[i * n + k] * rest[2 * k + 1];
      }
      geometry[3 * i] += dx;
      geometry[3 * i + 1] += dy;
    }
  }

  /**
   * Puts the mouth where the cartoon's is: the lip centre moves onto the cartoon's, at most MAX_MOUTH_SHIFT mouth
   * widths (a drawn mouth may sit right under a short nose, a real one cannot); the face around it moves by
   * `mouthReach` — the nose base much of the way, so the lips keep clear of it, the eyes and outline hardly.
   */
  private placeMouth(geometry: Float32Array, target: Float32Array): void {
    const lips = this.organs[MOUTH_ORGAN];
    let dx = 0;
    let dy = 0;
    for (const i of lips) {
      dx += (target[3 * i] - geometry[3 * i]) / lips.length;
      dy += (target[3 * i + 1] - geometry[3 * i + 1]) / lips.length;
    }
    const [left, right] = MOUTH_CORNERS;
    const width = Math.hypot(
      geometry[3 * left] - geometry[3 * right],
      geometry[3 * left + 1] - geometry[3 * right + 1],
    );
    const limit = MAX_MOUTH_SHIFT * width;
    const length = Math.hypot(dx, dy);
    if (length > limit) {
      dx *= limit / length;
      dy *= limit / length;
    }
    for (let i = 0; i < FACE_MESH_POINTS; i++) {
      geometry[3 * i] += this.mouthReach[i] * dx;
      geometry[3 * i + 1] += this.mouthReach[i] * dy;
    }
  }

  /** Per point, how much of the mouth's shift it takes: 1 on the lips, Gaussian around them, 0 on the outline. */
  private static mouthReach(space: FaceSpace, lips: readonly number[], outline: Float32Array): Float32Array {
    const t = space.template;
    const xs = lips.map((i) => t[2 * i]);
    const cx = lips.reduce((p, i) => p + t[2 * i], 0) / lips.length;
    const cy = lips.reduce((p, i) => p + t[2 * i + 1], 0) / lips.length;
    const radius = MOUTH_REACH * (Math.max(...xs) - Math.min(...xs));
    const onLips = new Set(lips);
    const n = space.contours.faceOval.length;
    return Float32Array.from({ length: FACE_MESH_POINTS }, (_, i) => {
      if (onLips.has(i)) return 1;
      // Points the outline fit moves keep still here, fading in as the outline's pull fades out.
      let pulled = 0;
      if (outline[i * n] >= 0) for (let k = 0; k < n; k++) pulled += outline[i * n + k];
      const d = Math.hypot(t[2 * i] - cx, t[2 * i + 1] - cy) / radius;
      return Math.exp(-d * d) * (1 - pulled);
    });
  }

  /** The outline points, then the organ centres (xy, stride 2) the outline fit lays onto the cartoon's. */
  private layout(pts: Float32Array, name: string): Float32Array {
    const oval = this.space.contours.faceOval;
    const out = this.scratch.floats(name, 2 * (oval.length + this.organs.length), true);
    oval.forEach((i, k) => {
      out[2 * k] = pts[3 * i];
      out[2 * k + 1] = pts[3 * i + 1];
    });
    this.organs.forEach((ring, k) => {
      for (const i of ring) {
        out[2 * (oval.length + k)] += pts[3 * i] / ring.length;
        out[2 * (oval.length + k) + 1] += pts[3 * i + 1] / ring.length;
      }
    });
    return out;
  }

  /**
   * Per point, the share of each outline point's leftover shift it takes (row i × outline point k): Gaussian in
   * the canonical layout, normalized, times a fade from 1 on the outline to 0 at OUTLINE_FADE inside it; −1 marks
   * points too far in to move.
   */
  private static outlineWeights(space: FaceSpace): Float32Array {
    const oval = space.contours.faceOval;
    const t = space.template;
    const n = oval.length;
    const fade = OUTLINE_FADE * space.size;
    const out = new Float32Array(FACE_MESH_POINTS * n);
    for (let i = 0; i < FACE_MESH_POINTS; i++) {
      const d = oval.map((j) => Math.hypot(t[2 * i] - t[2 * j], t[2 * i + 1] - t[2 * j + 1]));
      const near = Math.min(...d);
      const keep = 1 - smoothstep(0, fade, near);
      if (keep <= 0) {
        out[i * n] = -1;
        continue;
      }
      if (near === 0) {
        out[i * n + d.indexOf(0)] = 1; // an outline point lands exactly on the cartoon's
        continue;
      }
      const sigma = 0.3 * fade;
      const g = d.map((v) => Math.exp(-(((v - near) / sigma) ** 2) - (v / sigma) ** 2 / 4));
      const sum = g.reduce((p, q) => p + q, 0);
      g.forEach((v, k) => {
        out[i * n + k] = (keep * v) / sum;
      });
    }
    return out;
  }

  /**
   * Smile and frown, absolutely like the openings: the mouth corners are set at a relaxed height (the selfie's
   * own, brought into RELAXED_CORNER_LIFT) plus the cartoon's change from its own neutral face — a broadly smiling
   * selfie does not keep smiling while the cartoon frowns — within a real mouth's range. Lip points follow their
   * corner by (x offset / half width)²; the cheek beside a corner follows it, fading out over CORNER_REACH mouth
   * widths. Pose-free geometry, in place.
   */
  private setMouthCorners(geometry: Float32Array, ownLift: number, cartoonChange: number): void {
    const relaxed = Math.min(RELAXED_CORNER_LIFT[1], Math.max(RELAXED_CORNER_LIFT[0], ownLift));
    const want = Math.min(MAX_CORNER_LIFT, Math.max(MIN_CORNER_LIFT, relaxed + cartoonChange));
    const [left, right] = MOUTH_CORNERS;
    const width = Math.hypot(
      geometry[3 * left] - geometry[3 * right],
      geometry[3 * left + 1] - geometry[3 * right + 1],
    );
    const drop = (cornerLift(geometry) - want) * width;
    if (!(width > 1e-3) || Math.abs(drop) < 1e-3) return;
    const cx = (geometry[3 * left] + geometry[3 * right]) / 2;
    const reach = CORNER_REACH * width;
    for (let i = 0; i < FACE_MESH_POINTS; i++) {
      const x = geometry[3 * i];
      const y = geometry[3 * i + 1];
      let share: number;
      if (this.group[i] === LIPS_GROUP) share = Math.min(1, ((x - cx) / (width / 2)) ** 2);
      else {
        const d = Math.min(
          Math.hypot(x - geometry[3 * left], y - geometry[3 * left + 1]),
          Math.hypot(x - geometry[3 * right], y - geometry[3 * right + 1]),
        );
        share = 1 - smoothstep(0, reach, d);
      }
      geometry[3 * i + 1] += share * drop;
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

  /** The cartoon's neutral landmarks with the selfie's depths (scaled by the two faces' size ratio). */
  private withOwnDepth(neutral: Float32Array, own: Float32Array): Float32Array {
    const spread = (pts: Float32Array) => {
      const [cx, cy] = this.centroid(pts);
      let sum = 0;
      // Organ points (the eye corners) are drawn at another scale on a cartoon: the face's own points only.
      for (const i of this.stable) {
        if (this.group[i] === FACE_GROUP) sum += (pts[3 * i] - cx) ** 2 + (pts[3 * i + 1] - cy) ** 2;
      }
      return Math.sqrt(sum);
    };
    const k = spread(neutral) / Math.max(1e-6, spread(own));
    const zn = this.centroid(neutral)[2];
    const zs = this.centroid(own)[2];
    const out = this.scratch.floats('deep', neutral.length);
    out.set(neutral);
    for (let i = 0; i < FACE_MESH_POINTS; i++) out[3 * i + 2] = zn + (own[3 * i + 2] - zs) * k;
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
