import type { FloatMap, RgbImage } from '@tooncast/shared';
import type { Gaze } from '../analysis/expression.ts';
import { MOUTH_CORNERS } from '../analysis/mesh.ts';
import { fitAffine } from '../image/affine.ts';
import { checkLandmarks, FACE_MESH_POINTS, type FaceSpace } from '../image/faceSpace.ts';
import { warpFace } from '../image/meshWarp.ts';
import { applyRotation, fitRigid3d, fitRigid3dToImage } from '../image/rigid3d.ts';
import { Scratch } from '../image/scratch.ts';
import type { PlanarTensor } from '../image/tensor.ts';
import { ExpressionMapper, type MappedExpression, mapGaze } from './expressionMap.ts';
import { FacePainter } from './facePainter.ts';
import { mouthWidth, smoothstep } from './landmarkCurves.ts';
import type { SelfieFeatures } from './selfie.ts';

/** What the first generative model is asked to draw: the target face's expression and pose, in the face space. */
export interface FirstFaceInput {
  /** The target (cartoon) face's 468 xyz landmarks in face space. */
  landmarks: Float32Array;
  /** The same character's neutral reference landmarks in face space (needed by the built-in generator). */
  neutralLandmarks?: Float32Array;
  /**
   * The character's mean lid gap with its eyes open (step 1's, learnt over the frames; see lidGap): how far the
   * cartoon's eyes are shut is read against it. The neutral landmarks' own when absent.
   */
  openLidGap?: number;
  /** Where the target's eyes look (step 1's reading; the built-in generator moves the irises there). */
  gaze?: Gaze;
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
  /** Move the irises where the target's eyes look. */
  followGaze?: boolean;
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
 * Neutral-face turns (radians) the fit does not tell from a frontal one: it reads 3.6° for the synthetic
 * character's frontal head and 32° / −28° for its heads turned 26° / −24°.
 */
const NEUTRAL_TURN_IGNORED = (8 * Math.PI) / 180;
/**
 * Largest neutral-face nod (radians) taken. The fit reads 5–10° on the synthetic character's heads and 27° on the
 * bunny's, whose drawn proportions (eyes high over a long snout) read as a nod too: taken whole, its new face
 * looked up at the sky.
 */
const NEUTRAL_NOD_TAKEN = (10 * Math.PI) / 180;
const LIPS_GROUP = GROUPS.indexOf('lips');
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
/**
 * Head turn (sine of the yaw) over which that painting fades in: a frontal face keeps its own texture wherever the
 * outline fit widens it (painting there costs identity and time), a turned one gets its edge-on side painted.
 */
const TURN_PAINTED = [0.25, 0.4] as const;
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
  const width = mouthWidth(pts);
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
 *    smile relaxes before the cartoon's smile or frown is added); the pose is then applied, after the neutral
 *    face's own turn and nod against the selfie (neutralPose);
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
  /** Per neutral face (one per session) and selfie: its pose (see neutralPose), fitted once. */
  private readonly neutralPoses = new WeakMap<Float32Array, { own: Float32Array; pose: number[] }>();
  private readonly mapper: ExpressionMapper;
  private readonly painter: FacePainter;
  /** Organs whose centres the outline fit lays onto the cartoon's, and the layout points it fits (weighted). */
  private readonly organs: (readonly number[])[];
  private readonly layoutIndex: number[];
  private readonly outlineWeights: Float32Array;
  private readonly mouthReach: Float32Array;

  constructor(
    readonly space: FaceSpace,
    options: MeshFaceGeneratorOptions = {},
  ) {
    this.options = {
      synthesizeMouth: true,
      synthesizeBlink: true,
      followGaze: true,
      fitTargetOutline: true,
      ...options,
    };
    this.mapper = new ExpressionMapper(space);
    this.painter = new FacePainter(space);
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
    // Only a turned head shows the side of the face the selfie sees edge-on (see FacePainter.paintStretched).
    const sideShown = smoothstep(TURN_PAINTED[0], TURN_PAINTED[1], turn);
    const stretch = sideShown > 0 ? this.scratch.floats('stretch', size * size) : undefined;
    const img = warpFace(this.space, selfie.crop, this.textureSource(selfie.landmarks3d, geometry), geometry, {
      depth: this.scratch.floats('depth', size * size),
      stretch,
    });
    if (stretch) this.painter.paintStretched(img, stretch, selfie.skinColor, sideShown);
    if (this.options.synthesizeMouth) this.painter.paintMouth(img, geometry, selfie);
    if (this.options.followGaze && input.gaze) this.painter.shiftIrises(img, geometry, mapGaze(input.gaze));
    if (this.options.synthesizeBlink) {
      this.painter.paintEyelid(img, geometry, 'right', expression.eyeOpen[0]);
      this.painter.paintEyelid(img, geometry, 'left', expression.eyeOpen[1]);
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
    const neutralPose = this.neutralPose(own, neutral, deep);
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
    const expression = this.mapper.read(target, neutral, input.openLidGap);
    this.mapper.apply(out, own, expression);
    // Smile and frown are read with the pose undone: a nod moves the corners against the lip line too.
    this.setMouthCorners(out, cornerLift(own), cornerLift(poseFree) - cornerLift(deep));
    // Pose: the motion that took the neutral cartoon to the target, applied about the selfie's own centre.
    const cs = this.centroid(own);
    const cn = this.centroid(deep);
    const moved = applyRotation(r, cn[0], cn[1], cn[2]);
    const shift = [0, 1, 2].map((k) => pose.scale * moved[k] + pose.translation[k] - cn[k]);
    for (let i = 0; i < FACE_MESH_POINTS; i++) {
      const t = applyRotation(neutralPose, out[3 * i] - cs[0], out[3 * i + 1] - cs[1], out[3 * i + 2] - cs[2]);
      const q = applyRotation(r, t[0], t[1], t[2]);
      for (let k = 0; k < 3; k++) out[3 * i + k] = pose.scale * q[k] + cs[k] + shift[k];
    }
    if (this.options.fitTargetOutline) this.fitOutline(out, target);
    this.placeMouth(out, target);
    // How far the head is turned left or right: the sine of the yaw (the z row against x of the whole rotation,
    // the neutral face's pose, then the cartoon's).
    const yaw = r[6] * neutralPose[0] + r[7] * neutralPose[3] + r[8] * neutralPose[6];
    return { geometry: out, expression, turn: Math.abs(yaw) };
  }

  /**
   * How the clicked (neutral) face is turned and nodded against the selfie, as a rotation the selfie takes before
   * the cartoon's motion from its neutral face. The neutral face is the clicked frame's, and its pose was the
   * selfie's straight ahead: after a click on a head turned aside the new face looked away whenever the character
   * faced the camera, and any nod between the drawn face and the selfie was left to the expression and the outline
   * fit, which squashed the face (synthetic clip, 96 frames, identity: a frontal click 0.81, now 0.82; a click on a
   * head turned 26° 0.73, with the turn alone 0.76, now 0.81; BBB 0.70, now 0.72). Measured by fitting the selfie's
   * 3-D landmarks to the neutral face's image, so the selfie's own slight turn is its straight ahead; the first
   * NEUTRAL_TURN_IGNORED of the turn are not taken, nor a nod beyond NEUTRAL_NOD_TAKEN, nor the tilt (the face
   * space levels the eyes already, and the fit's tilt of the bunny, −12°, set the new mouth askew). Fitted on a
   * session's first frame, then kept with its neutral face.
   */
  private neutralPose(own: Float32Array, neutral: Float32Array, deep: Float32Array): number[] {
    const known = this.neutralPoses.get(neutral);
    if (known?.own === own) return known.pose;
    // The fit's rotation as tilt · nod · turn (about z, x, y); the turn and nod are read off it.
    const r = fitRigid3dToImage(own, neutral, this.stable, fitRigid3d(own, deep, this.stable)).rotation;
    const turn = Math.atan2(r[6], r[8]);
    const nod = Math.asin(Math.max(-1, Math.min(1, -r[7])));
    const turnTaken = Math.sign(turn) * Math.max(0, Math.abs(turn) - NEUTRAL_TURN_IGNORED);
    const nodTaken = Math.sign(nod) * Math.min(Math.abs(nod), NEUTRAL_NOD_TAKEN);
    const [ca, sa] = [Math.cos(turnTaken), Math.sin(turnTaken)];
    const [cb, sb] = [Math.cos(nodTaken), Math.sin(nodTaken)];
    const pose = [ca, 0, -sa, sb * sa, cb, sb * ca, cb * sa, -sb, cb * ca];
    this.neutralPoses.set(neutral, { own, pose });
    return pose;
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
    const limit = MAX_MOUTH_SHIFT * mouthWidth(geometry);
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
    const width = mouthWidth(geometry);
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
}
