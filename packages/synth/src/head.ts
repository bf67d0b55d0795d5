/**
 * The 3-D toon head: the 468 face-mesh vertices lifted from their canonical unwrapped UV positions onto a rounded
 * head shape with facial relief, plus expression deformations (jaw drop, eyelid closing, brow raise) and a rigid pose.
 * Units: 1 = face height (forehead landmark 10 to chin 152); x right, y down, z towards the camera.
 */
import { CANONICAL_UV, LANDMARK, LANDMARK_COUNT, ORGANS } from './topology.ts';

export interface Expression {
  /** 0 closed … 1 fully open jaw. */
  mouthOpen: number;
  /** 1 open … 0 closed, subject's right eye (image left when frontal). */
  eyeOpenRight: number;
  /** 1 open … 0 closed, subject's left eye. */
  eyeOpenLeft: number;
  /** 0 rest … 1 raised. */
  browRaise: number;
}

export interface Pose {
  /** Radians; positive yaw turns the face towards image right, positive pitch tilts the chin down, roll is clockwise. */
  yaw: number;
  pitch: number;
  roll: number;
}

const V_CENTER = 0.53;
const V_SPAN = 0.847; // v of landmark 152 minus v of landmark 10
const HEAD_RADIUS = 0.45;
const WRAP = Math.PI * 0.92; // UV u span 0…1 covers this angle around the head

const gauss = (d2: number, s: number) => Math.exp(-d2 / (2 * s * s));

// Relief amplitudes (face heights).
const NOSE_BRIDGE = 0.05;
const NOSE_TIP = 0.15;
const EYE_SOCKET = 0.06;
const BROW_RIDGE = 0.035;
const LIPS = 0.065;
const CHIN = 0.06;
const LOWER_ROUND = 1.0;
const LOWER_SCALE = 0.92;
const JAW_DROP = 0.12;

/**
 * Depth relief on top of the rounded head: nose ridge and tip, eye sockets, brow ridge, lips, chin. Amplitudes were
 * tuned so FaceMesh's landmarks on turned heads land where the projected vertices are (a human-like profile).
 */
function relief(u: number, v: number): number {
  const du = u - 0.5;
  let z = 0;
  // Nose: a ridge from the bridge (v .36) growing to the tip (v .55), then falling off under the tip.
  const along = Math.min(Math.max((v - 0.36) / 0.19, 0), 1);
  const under = v > 0.56 ? gauss((v - 0.56) ** 2, 0.025) : 1;
  const noseWidth = 0.035 + 0.03 * along;
  z +=
    (NOSE_BRIDGE + NOSE_TIP * along ** 1.5) *
    gauss(du * du, noseWidth) *
    (v > 0.33 ? under : gauss((v - 0.33) ** 2, 0.03));
  // Nostril wings.
  z += 0.025 * gauss((Math.abs(du) - 0.06) ** 2 + (v - 0.57) ** 2, 0.03);
  // Eye sockets and brow ridge.
  for (const eu of [0.35, 0.65]) {
    z -= EYE_SOCKET * gauss((u - eu) ** 2 + ((v - 0.385) * 1.3) ** 2, 0.06);
    z += BROW_RIDGE * gauss((u - eu) ** 2 * 0.3 + (v - 0.29) ** 2, 0.03);
  }
  // Lips and chin.
  z += LIPS * gauss(du * du * 0.6 + (v - 0.69) ** 2, 0.045);
  z += CHIN * gauss(du * du + (v - 0.9) ** 2, 0.06);
  return z;
}

function buildNeutral(): Float32Array {
  const out = new Float32Array(LANDMARK_COUNT * 3);
  for (let i = 0; i < LANDMARK_COUNT; i++) {
    const [u, v] = CANONICAL_UV[i];
    const theta = (u - 0.5) * WRAP;
    let y = (v - V_CENTER) / V_SPAN;
    // The unwrapped layout's lower face is long for FaceMesh's taste: shorten it below the mouth.
    const yMouth = (0.69 - V_CENTER) / V_SPAN;
    if (y > yMouth) y = yMouth + (y - yMouth) * LOWER_SCALE;
    // Vertical rounding: forehead and chin recede (the jaw less).
    const g = Math.sqrt(Math.max(0.05, 1 - ((y - 0.02) / (y > 0 ? LOWER_ROUND : 0.78)) ** 2));
    const r = HEAD_RADIUS * (0.93 + 0.07 * g);
    out[i * 3] = r * Math.sin(theta);
    out[i * 3 + 1] = y;
    out[i * 3 + 2] = r * Math.cos(theta) * g + relief(u, v) * Math.cos(theta) ** 2;
  }
  return out;
}

/** Neutral head vertices (468 × xyz). */
export const NEUTRAL_HEAD: Float32Array = buildNeutral();

const clamp01 = (x: number) => Math.min(Math.max(x, 0), 1);

/** Per-vertex weights of each expression, precomputed once. */
const jawWeight = new Float32Array(LANDMARK_COUNT);
const upperLipLift = new Float32Array(LANDMARK_COUNT);
const mouthCorner = new Float32Array(LANDMARK_COUNT);
const browWeight = new Float32Array(LANDMARK_COUNT);
{
  const lower = new Set([
    ...ORGANS.lipsLowerInner,
    ...ORGANS.lipsLowerSemiInner,
    ...ORGANS.lipsLowerSemiOuter,
    ...ORGANS.lipsLowerOuter,
  ]);
  const upper = new Set([...ORGANS.lipsUpperInner, ...ORGANS.lipsUpperSemiInner]);
  const corners = new Set([61, 291, 78, 308, 76, 306, 62, 292, 146, 375, 95, 324]);
  const brows = new Set([
    ...ORGANS.rightEyebrowUpper,
    ...ORGANS.rightEyebrowLower,
    ...ORGANS.leftEyebrowUpper,
    ...ORGANS.leftEyebrowLower,
  ]);
  const vMouth = CANONICAL_UV[LANDMARK.lowerLipInner][1];
  for (let i = 0; i < LANDMARK_COUNT; i++) {
    const [u, v] = CANONICAL_UV[i];
    const side = clamp01(1 - (Math.abs(u - 0.5) - 0.2) / 0.28);
    let w = clamp01((v - vMouth) / 0.09) * side;
    if (lower.has(i)) w = 1;
    if (corners.has(i)) w = 0.45;
    jawWeight[i] = w;
    if (upper.has(i) && !corners.has(i)) upperLipLift[i] = 1;
    if (corners.has(i) || lower.has(i) || upper.has(i)) mouthCorner[i] = 1;
    if (brows.has(i)) browWeight[i] = 1;
    else if (v < 0.33) browWeight[i] = clamp01(0.33 - v < 0.12 ? 1 - (0.33 - v) / 0.2 : 0.4) * 0.6;
  }
}

interface LidRig {
  upper: readonly (readonly number[])[]; // upper lid rows: index lists, closest to the lid margin first
  rowWeights: readonly number[];
  lower: readonly number[];
}
const LIDS: Record<'right' | 'left', LidRig> = {
  right: {
    upper: [ORGANS.rightEyeUpper0, ORGANS.rightEyeUpper1, ORGANS.rightEyeUpper2],
    rowWeights: [1, 0.95, 0.5],
    lower: ORGANS.rightEyeLower0,
  },
  left: {
    upper: [ORGANS.leftEyeUpper0, ORGANS.leftEyeUpper1, ORGANS.leftEyeUpper2],
    rowWeights: [1, 0.95, 0.5],
    lower: ORGANS.leftEyeLower0,
  },
};

/** y of the lower lid polyline at x (model units). */
function lowerLidY(p: Float32Array, lower: readonly number[], x: number): number {
  const pts = lower.map((i) => [p[i * 3], p[i * 3 + 1]] as const).sort((a, b) => a[0] - b[0]);
  if (x <= pts[0][0]) return pts[0][1];
  for (let k = 1; k < pts.length; k++) {
    if (x <= pts[k][0]) {
      const t = (x - pts[k - 1][0]) / (pts[k][0] - pts[k - 1][0] || 1);
      return pts[k - 1][1] + t * (pts[k][1] - pts[k - 1][1]);
    }
  }
  return pts[pts.length - 1][1];
}

function closeLid(p: Float32Array, rig: LidRig, closed: number): void {
  if (closed <= 0) return;
  const margin = rig.upper[0];
  // Overshoot a little past the lower lid and bulge forward so the closed lid covers the whole opening.
  const drops = margin.map((i) => (lowerLidY(p, rig.lower, p[i * 3]) - p[i * 3 + 1]) * 1.06 * closed);
  rig.upper.forEach((row, r) => {
    row.forEach((i, k) => {
      p[i * 3 + 1] += drops[Math.min(k, drops.length - 1)] * rig.rowWeights[r];
      p[i * 3 + 2] += 0.012 * closed * rig.rowWeights[r];
    });
  });
}

/** Neutral head deformed by an expression (model space). */
export function deformHead(e: Expression): Float32Array {
  const p = Float32Array.from(NEUTRAL_HEAD);
  const open = clamp01(e.mouthOpen);
  const raise = clamp01(e.browRaise);
  for (let i = 0; i < LANDMARK_COUNT; i++) {
    const j = jawWeight[i] * open;
    p[i * 3 + 1] += JAW_DROP * j - 0.012 * open * upperLipLift[i] - 0.06 * raise * browWeight[i];
    p[i * 3 + 2] -= 0.04 * j;
    p[i * 3] *= 1 - 0.07 * open * mouthCorner[i];
  }
  closeLid(p, LIDS.right, 1 - clamp01(e.eyeOpenRight));
  closeLid(p, LIDS.left, 1 - clamp01(e.eyeOpenLeft));
  return p;
}

/** Rotation matrix (row-major 3×3) for a pose: roll ∘ pitch ∘ yaw. */
export function poseMatrix(pose: Pose): Float64Array {
  const [cy, sy] = [Math.cos(pose.yaw), Math.sin(pose.yaw)];
  const [cp, sp] = [Math.cos(pose.pitch), Math.sin(pose.pitch)];
  const [cr, sr] = [Math.cos(pose.roll), Math.sin(pose.roll)];
  // Yaw about y (positive: nose to +x), pitch about x (positive: nose down = +y), roll about z (clockwise on screen).
  const ry = [cy, 0, sy, 0, 1, 0, -sy, 0, cy];
  const rx = [1, 0, 0, 0, cp, sp, 0, -sp, cp];
  const rz = [cr, -sr, 0, sr, cr, 0, 0, 0, 1];
  const mul = (a: number[], b: number[]) => {
    const m = new Array<number>(9).fill(0);
    for (let r = 0; r < 3; r++)
      for (let c = 0; c < 3; c++) for (let k = 0; k < 3; k++) m[r * 3 + c] += a[r * 3 + k] * b[k * 3 + c];
    return m;
  };
  return Float64Array.from(mul(rz, mul(rx, ry)));
}
