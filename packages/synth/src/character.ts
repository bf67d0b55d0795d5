/**
 * A toon character: the face-mesh head (skin, brows, lash lines, lips, eyes with iris and pupil, mouth interior with a
 * teeth hint), a skull and a hair shell, and a neck/shoulders bust, shaded with a soft toon ramp and rasterized into a
 * supersampled tile that is composited onto the frame.
 */
import type { RgbImage } from '@tooncast/shared';
import { deformHead, type Expression, NEUTRAL_HEAD, type Pose, poseMatrix } from './head.ts';
import { fillConvex, fillEllipse } from './paint.ts';
import { ATTRS, compositeTile, createTile, drawTriangle, type Shader, type Tile } from './raster.ts';
import { FACE_TRIANGLES, LANDMARK, LANDMARK_COUNT, ORGANS } from './topology.ts';

export type Rgb = readonly [number, number, number];

export interface CharacterLook {
  skin: Rgb;
  hair: Rgb;
  brows: Rgb;
  lips: Rgb;
  iris: Rgb;
  shirt: Rgb;
  /** Hair shell size relative to the skull (1 = short, 1.15 = voluminous). */
  hairVolume: number;
  /** How far down the back/sides the hair reaches (0 short … 1 shoulder length). */
  hairLength: number;
}

export interface CharacterState {
  /** Frame position of the head centre (model origin), pixels. */
  x: number;
  y: number;
  /** Face height (forehead landmark to chin) in pixels. */
  faceHeight: number;
  pose: Pose;
  expression: Expression;
}

export interface RenderedCharacter {
  /** 468 projected face-mesh vertices, frame pixels. */
  landmarks: [number, number][];
  /** Face area (skin mesh, eyes, mouth) in frame pixels, inside the frame and in total. */
  faceAreaInFrame: number;
  faceAreaTotal: number;
  /** Face coverage (0..1) per pixel of the frame rectangle faceX0, faceY0, faceW × faceH, for occlusion accounting. */
  faceCoverage: Float32Array;
  faceX0: number;
  faceY0: number;
  faceW: number;
}

const MAT_FACE = 1;
const MAT_EYE = 2;
const MAT_MOUTH = 3;
const MAT_BODY = 4;
const isFace = (m: number) => m === MAT_FACE || m === MAT_EYE || m === MAT_MOUTH;

const SUPERSAMPLING = 2;
const LASH: Rgb = [40, 24, 20];
const LIGHT = normalize([-0.35, -0.5, 0.8]);

function normalize(v: number[]): [number, number, number] {
  const n = Math.hypot(v[0], v[1], v[2]) || 1;
  return [v[0] / n, v[1] / n, v[2] / n];
}

const smoothstep = (a: number, b: number, x: number) => {
  const t = Math.min(Math.max((x - a) / (b - a), 0), 1);
  return t * t * (3 - 2 * t);
};

/** Soft toon ramp: a broad lit side, a gentle terminator and a floor of ambient light. */
function lightAt(nx: number, ny: number, nz: number): number {
  const d = nx * LIGHT[0] + ny * LIGHT[1] + nz * LIGHT[2];
  return 0.5 + 0.38 * smoothstep(-0.25, 0.45, d) + 0.17 * Math.max(d, 0);
}

/** Eye: p, q = position relative to the iris centre in iris radii; r, g, b = iris colour. */
const shadeEye: Shader = (a, out) => {
  const p = a[4];
  const q = a[5];
  const r = Math.hypot(p, q);
  let c0: number;
  let c1: number;
  let c2: number;
  if (Math.hypot(p + 0.35, q + 0.35) < 0.22) {
    c0 = c1 = c2 = 255; // catch light
  } else if (r < 0.48) {
    c0 = c1 = c2 = 18; // pupil
  } else if (r < 1) {
    const k = 0.55 + 0.45 * r;
    c0 = a[1] * k;
    c1 = a[2] * k;
    c2 = a[3] * k;
  } else {
    c0 = 246;
    c1 = 246;
    c2 = 240;
  }
  // Shadow under the upper lid.
  const lid = 0.78 + 0.22 * smoothstep(-1.4, -0.6, -q);
  out[0] = Math.min(255, c0 * a[0] * lid);
  out[1] = Math.min(255, c1 * a[0] * lid);
  out[2] = Math.min(255, c2 * a[0] * lid);
  return true;
};

/** Mouth interior: p = 0 at the upper lip … 1 at the lower lip. Teeth under the upper lip, tongue at the bottom. */
const shadeMouth: Shader = (a, out) => {
  const t = a[4];
  let c: Rgb;
  if (t < 0.3) c = [236, 232, 222];
  else if (t > 0.78) c = [178, 70, 80];
  else c = [70, 18, 26];
  out[0] = c[0] * a[0];
  out[1] = c[1] * a[0];
  out[2] = c[2] * a[0];
  return true;
};

// Triangle classes of the face mesh, decided once from the organ lists.
const lipSet = new Set([
  ...ORGANS.lipsUpperOuter,
  ...ORGANS.lipsLowerOuter,
  ...ORGANS.lipsUpperInner,
  ...ORGANS.lipsLowerInner,
  ...ORGANS.lipsUpperSemiOuter,
  ...ORGANS.lipsLowerSemiOuter,
  ...ORGANS.lipsUpperSemiInner,
  ...ORGANS.lipsLowerSemiInner,
]);
const browSets = [
  new Set([...ORGANS.rightEyebrowUpper, ...ORGANS.rightEyebrowLower]),
  new Set([...ORGANS.leftEyebrowUpper, ...ORGANS.leftEyebrowLower]),
];
const lashSets = [
  new Set([...ORGANS.rightEyeUpper0, ...ORGANS.rightEyeUpper1, 33, 133]),
  new Set([...ORGANS.leftEyeUpper0, ...ORGANS.leftEyeUpper1, 263, 362]),
];
// The mesh also spans the eye openings; those triangles are replaced by the eye fans.
const eyeOpenings = [
  new Set([...ORGANS.rightEyeUpper0, ...ORGANS.rightEyeLower0]),
  new Set([...ORGANS.leftEyeUpper0, ...ORGANS.leftEyeLower0]),
];
type TriClass = 'skin' | 'lips' | 'brow' | 'lash' | 'hole';
const triClass: TriClass[] = [];
for (let t = 0; t < FACE_TRIANGLES.length; t += 3) {
  const tri = [FACE_TRIANGLES[t], FACE_TRIANGLES[t + 1], FACE_TRIANGLES[t + 2]];
  const all = (s: Set<number>) => tri.every((i) => s.has(i));
  if (eyeOpenings.some(all)) triClass.push('hole');
  else if (all(lipSet)) triClass.push('lips');
  else if (browSets.some(all)) triClass.push('brow');
  else if (lashSets.some(all)) triClass.push('lash');
  else triClass.push('skin');
}

const EYE_LOOPS = [
  [...ORGANS.rightEyeLower0, ...[...ORGANS.rightEyeUpper0].reverse()],
  [...ORGANS.leftEyeLower0, ...[...ORGANS.leftEyeUpper0].reverse()],
];
const EYE_CORNERS = [
  [LANDMARK.rightEyeOuter, LANDMARK.rightEyeInner],
  [LANDMARK.leftEyeInner, LANDMARK.leftEyeOuter],
];
const MOUTH_LOOP = [...ORGANS.lipsLowerInner, ...[...ORGANS.lipsUpperInner].reverse()];
const lowerInner = new Set(ORGANS.lipsLowerInner);
const mouthCorners = new Set([78, 308]);

interface Ellipsoid {
  centre: readonly [number, number, number];
  radii: readonly [number, number, number];
}

interface ShellMesh {
  pos: Float32Array;
  nrm: Float32Array;
  tris: number[];
  /** Per triangle: sign of its screen winding when it faces the camera (for back-face culling). */
  facing: number[];
  /** Per vertex: sin(azimuth), direction y, cos(azimuth) of the direction from the centre. */
  dir: Float32Array;
}

/** Outward winding sign of a triangle of points p, seen from `inside`. */
function outwardSign(p: ArrayLike<number>, a: number, b: number, c: number, inside: readonly number[]): number {
  const u = [p[b * 3] - p[a * 3], p[b * 3 + 1] - p[a * 3 + 1], p[b * 3 + 2] - p[a * 3 + 2]];
  const v = [p[c * 3] - p[a * 3], p[c * 3 + 1] - p[a * 3 + 1], p[c * 3 + 2] - p[a * 3 + 2]];
  const n = [u[1] * v[2] - u[2] * v[1], u[2] * v[0] - u[0] * v[2], u[0] * v[1] - u[1] * v[0]];
  let dot = 0;
  for (let k = 0; k < 3; k++) dot += n[k] * ((p[a * 3 + k] + p[b * 3 + k] + p[c * 3 + k]) / 3 - inside[k]);
  return dot >= 0 ? 1 : -1;
}

/** Lat-long ellipsoid mesh with outward normals. */
function ellipsoidMesh(e: Ellipsoid, lat: number, lon: number): ShellMesh {
  const pos: number[] = [];
  const nrm: number[] = [];
  const dir: number[] = [];
  for (let i = 0; i <= lat; i++) {
    const a = (Math.PI * i) / lat;
    for (let j = 0; j <= lon; j++) {
      const b = (2 * Math.PI * j) / lon;
      const d = [Math.sin(a) * Math.sin(b), -Math.cos(a), Math.sin(a) * Math.cos(b)];
      dir.push(Math.sin(b), d[1], Math.cos(b));
      for (let c = 0; c < 3; c++) pos.push(e.centre[c] + e.radii[c] * d[c]);
      nrm.push(...normalize([d[0] / e.radii[0], d[1] / e.radii[1], d[2] / e.radii[2]]));
    }
  }
  const tris: number[] = [];
  const facing: number[] = [];
  const add = (a: number, b: number, c: number) => {
    tris.push(a, b, c);
    facing.push(outwardSign(pos, a, b, c, e.centre));
  };
  for (let i = 0; i < lat; i++) {
    for (let j = 0; j < lon; j++) {
      const v = i * (lon + 1) + j;
      add(v, v + 1, v + lon + 1);
      add(v + 1, v + lon + 2, v + lon + 1);
    }
  }
  return { pos: Float32Array.from(pos), nrm: Float32Array.from(nrm), tris, facing, dir: Float32Array.from(dir) };
}

const SKULL: Ellipsoid = { centre: [0, -0.06, -0.1], radii: [0.43, 0.55, 0.5] };
const skullMesh = ellipsoidMesh(SKULL, 16, 24);

/**
 * Hair: a shell around the skull, cut along a hairline (per azimuth: high on the forehead with a wavy fringe, lower at
 * the sides, at the nape behind). The signed distance to the hairline is a vertex attribute interpolated per sample,
 * so the cut is smooth; only triangles crossing the hairline pay for the cutting shader.
 */
interface Hair {
  mesh: ShellMesh;
  /** Per vertex: hairline height minus direction y (> 0 = hair). */
  cut: Float32Array;
  /** Per triangle: whether it crosses the hairline. */
  crossing: boolean[];
  shader: Shader;
}

const hairCache = new Map<string, Hair>();
function hairFor(look: CharacterLook): Hair {
  const key = JSON.stringify([look.hair, look.hairVolume, look.hairLength]);
  let hair = hairCache.get(key);
  if (!hair) {
    const v = look.hairVolume;
    const shell: Ellipsoid = { centre: [0, -0.1, -0.09], radii: [0.5 * v, 0.6 * v, 0.56 * v] };
    const front = -0.55;
    const side = 0.1 + 0.35 * look.hairLength;
    const back = 0.5 + 0.5 * look.hairLength;
    const hairline = (sinAz: number, cosAz: number) =>
      side +
      ((front - back) / 2) * cosAz +
      ((front + back) / 2 - side) * cosAz * cosAz +
      0.05 * Math.sin(11 * Math.atan2(sinAz, cosAz)) * smoothstep(0.3, 0.9, cosAz);
    const full = ellipsoidMesh(shell, 32, 48);
    const n = full.pos.length / 3;
    const cut = new Float32Array(n);
    for (let i = 0; i < n; i++) cut[i] = hairline(full.dir[i * 3], full.dir[i * 3 + 2]) - full.dir[i * 3 + 1];
    const tris: number[] = [];
    const facing: number[] = [];
    const crossing: boolean[] = [];
    for (let t = 0; t < full.tris.length; t += 3) {
      const c = [cut[full.tris[t]], cut[full.tris[t + 1]], cut[full.tris[t + 2]]];
      if (Math.max(...c) <= 0) continue;
      tris.push(full.tris[t], full.tris[t + 1], full.tris[t + 2]);
      facing.push(full.facing[t / 3]);
      crossing.push(Math.min(...c) < HAIR_EDGE);
    }
    const [hr, hg, hb] = look.hair;
    // Attributes: light, -, -, -, cut, -.
    const shader: Shader = (a, out) => {
      if (a[4] < 0) return false;
      const k = a[0] * (a[4] < HAIR_EDGE ? 0.8 : 1); // a darker rim along the hairline
      out[0] = Math.min(255, hr * k);
      out[1] = Math.min(255, hg * k);
      out[2] = Math.min(255, hb * k);
      return true;
    };
    hair = { mesh: { ...full, tris, facing }, cut, crossing, shader };
    hairCache.set(key, hair);
  }
  return hair;
}
const HAIR_EDGE = 0.025;

const HEAD_INSIDE = [0, 0.05, -0.3] as const;
const faceFacing: number[] = [];
for (let t = 0; t < FACE_TRIANGLES.length; t += 3) {
  faceFacing.push(
    outwardSign(NEUTRAL_HEAD, FACE_TRIANGLES[t], FACE_TRIANGLES[t + 1], FACE_TRIANGLES[t + 2], HEAD_INSIDE),
  );
}

/** Render a character onto the frame; returns its projected landmarks and face-area bookkeeping. */
export function renderCharacter(frame: RgbImage, look: CharacterLook, state: CharacterState): RenderedCharacter {
  const S = state.faceHeight;
  const m = poseMatrix(state.pose);
  const project = (x: number, y: number, z: number, out: number[], k: number) => {
    out[k] = state.x + (m[0] * x + m[1] * y + m[2] * z) * S;
    out[k + 1] = state.y + (m[3] * x + m[4] * y + m[5] * z) * S;
    out[k + 2] = (m[6] * x + m[7] * y + m[8] * z) * S;
  };
  const rotLight = (nx: number, ny: number, nz: number) =>
    lightAt(m[0] * nx + m[1] * ny + m[2] * nz, m[3] * nx + m[4] * ny + m[5] * nz, m[6] * nx + m[7] * ny + m[8] * nz);

  const x0 = Math.floor(state.x - 0.85 * S);
  const y0 = Math.floor(state.y - 0.85 * S);
  const tile = createTile(x0, y0, Math.ceil(1.7 * S), Math.ceil(1.75 * S), SUPERSAMPLING);
  const attrs = new Float32Array(3 * ATTRS);
  const tx = [0, 0, 0];
  const ty = [0, 0, 0];
  const tz = [0, 0, 0];

  paintBust(frame, look, state);

  // Face mesh.
  const p = deformHead(state.expression);
  const scr = new Array<number>(LANDMARK_COUNT * 3);
  for (let i = 0; i < LANDMARK_COUNT; i++) project(p[i * 3], p[i * 3 + 1], p[i * 3 + 2], scr, i * 3);
  const normals = vertexNormals(p);
  const light = new Float32Array(LANDMARK_COUNT);
  for (let i = 0; i < LANDMARK_COUNT; i++) light[i] = rotLight(normals[i * 3], normals[i * 3 + 1], normals[i * 3 + 2]);
  const skinAt = skinColours(p, look);
  for (let t = 0, k = 0; t < FACE_TRIANGLES.length; t += 3, k++) {
    const cls = triClass[k];
    if (cls === 'hole') continue;
    const flat: Rgb | null = cls === 'lips' ? look.lips : cls === 'brow' ? look.brows : cls === 'lash' ? LASH : null;
    for (let c = 0; c < 3; c++) {
      const v = FACE_TRIANGLES[t + c];
      tx[c] = scr[v * 3];
      ty[c] = scr[v * 3 + 1];
      tz[c] = scr[v * 3 + 2];
      setCorner(attrs, c, light[v], flat ?? skinAt[v], 0, 0);
    }
    drawTriangle(tile, tx, ty, tz, attrs, MAT_FACE, null, faceFacing[k]);
  }

  // Eyes: a fan over each eye opening, slightly recessed, patterned with iris and pupil in model space.
  EYE_LOOPS.forEach((loop, e) => {
    const [a, b] = EYE_CORNERS[e];
    const icx = (p[a * 3] + p[b * 3]) / 2;
    const icy = (p[a * 3 + 1] + p[b * 3 + 1]) / 2 - 0.004;
    const ir = 0.27 * Math.abs(p[b * 3] - p[a * 3]);
    drawFan(
      tile,
      p,
      scr,
      loop,
      light,
      look.iris,
      MAT_EYE,
      shadeEye,
      (v) => [(p[v * 3] - icx) / ir, (p[v * 3 + 1] - icy) / ir],
      project,
      attrs,
      (cx, cy) => [(cx - icx) / ir, (cy - icy) / ir],
      // Behind the lids, so a closed lid covers the eye completely.
      -0.004,
    );
  });
  // Mouth interior.
  drawFan(
    tile,
    p,
    scr,
    MOUTH_LOOP,
    light,
    [0, 0, 0],
    MAT_MOUTH,
    shadeMouth,
    (v) => [mouthCorners.has(v) ? 0.5 : lowerInner.has(v) ? 1 : 0, 0],
    project,
    attrs,
    () => [0.5, 0],
    -0.02,
  );

  // Drawn after the face so the z-test rejects hidden skull samples before shading.
  // Skull and hair.
  const hair = hairFor(look);
  for (const [mesh, isHair] of [
    [skullMesh, false],
    [hair.mesh, true],
  ] as const) {
    const n = mesh.pos.length / 3;
    const scr = new Array<number>(n * 3);
    const light = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      project(mesh.pos[i * 3], mesh.pos[i * 3 + 1], mesh.pos[i * 3 + 2], scr, i * 3);
      light[i] = rotLight(mesh.nrm[i * 3], mesh.nrm[i * 3 + 1], mesh.nrm[i * 3 + 2]);
    }
    for (let t = 0, k = 0; t < mesh.tris.length; t += 3, k++) {
      for (let c = 0; c < 3; c++) {
        const v = mesh.tris[t + c];
        tx[c] = scr[v * 3];
        ty[c] = scr[v * 3 + 1];
        tz[c] = scr[v * 3 + 2];
        setCorner(attrs, c, light[v], isHair ? look.hair : look.skin, isHair ? hair.cut[v] : 0, 0);
      }
      const shader = isHair && hair.crossing[k] ? hair.shader : null;
      drawTriangle(tile, tx, ty, tz, attrs, MAT_BODY, shader, mesh.facing[k]);
    }
  }

  const area = compositeTile(tile, frame, isFace);
  const landmarks: [number, number][] = [];
  for (let i = 0; i < LANDMARK_COUNT; i++) landmarks.push([scr[i * 3], scr[i * 3 + 1]]);
  return {
    landmarks,
    faceAreaInFrame: area.areaInFrame,
    faceAreaTotal: area.areaTotal,
    faceCoverage: area.coverage,
    faceX0: tile.x0,
    faceY0: tile.y0,
    faceW: tile.w,
  };
}

function setCorner(attrs: Float32Array, c: number, light: number, col: Rgb, p: number, q: number): void {
  const o = c * ATTRS;
  attrs[o] = light;
  attrs[o + 1] = col[0];
  attrs[o + 2] = col[1];
  attrs[o + 3] = col[2];
  attrs[o + 4] = p;
  attrs[o + 5] = q;
}

/** Triangle fan over a closed vertex loop, its centre moved `bulge` towards the camera (model units). */
function drawFan(
  tile: Tile,
  p: Float32Array,
  scr: number[],
  loop: readonly number[],
  light: Float32Array,
  col: Rgb,
  material: number,
  shader: Shader,
  pattern: (v: number) => [number, number],
  project: (x: number, y: number, z: number, out: number[], k: number) => void,
  attrs: Float32Array,
  centrePattern: (cx: number, cy: number) => [number, number],
  bulge: number,
): void {
  let cx = 0;
  let cy = 0;
  let cz = 0;
  let cl = 0;
  for (const v of loop) {
    cx += p[v * 3];
    cy += p[v * 3 + 1];
    cz += p[v * 3 + 2];
    cl += light[v];
  }
  const n = loop.length;
  cx /= n;
  cy /= n;
  cz = cz / n + bulge;
  cl /= n;
  const c = [0, 0, 0];
  project(cx, cy, cz, c, 0);
  const [cp, cq] = centrePattern(cx, cy);
  const tx = [c[0], 0, 0];
  const ty = [c[1], 0, 0];
  const tz = [c[2], 0, 0];
  setCorner(attrs, 0, cl, col, cp, cq);
  for (let k = 0; k < n; k++) {
    const a = loop[k];
    const b = loop[(k + 1) % n];
    tx[1] = scr[a * 3];
    ty[1] = scr[a * 3 + 1];
    tz[1] = scr[a * 3 + 2];
    tx[2] = scr[b * 3];
    ty[2] = scr[b * 3 + 1];
    tz[2] = scr[b * 3 + 2];
    const [pa, qa] = pattern(a);
    const [pb, qb] = pattern(b);
    setCorner(attrs, 1, cl, col, pa, qa);
    setCorner(attrs, 2, cl, col, pb, qb);
    drawTriangle(tile, tx, ty, tz, attrs, material, shader);
  }
}

/** Area-weighted vertex normals, oriented away from a point inside the head. */
function vertexNormals(p: Float32Array): Float32Array {
  const n = new Float32Array(LANDMARK_COUNT * 3);
  for (let t = 0; t < FACE_TRIANGLES.length; t += 3) {
    const [a, b, c] = [FACE_TRIANGLES[t] * 3, FACE_TRIANGLES[t + 1] * 3, FACE_TRIANGLES[t + 2] * 3];
    const u = [p[b] - p[a], p[b + 1] - p[a + 1], p[b + 2] - p[a + 2]];
    const v = [p[c] - p[a], p[c + 1] - p[a + 1], p[c + 2] - p[a + 2]];
    let nx = u[1] * v[2] - u[2] * v[1];
    let ny = u[2] * v[0] - u[0] * v[2];
    let nz = u[0] * v[1] - u[1] * v[0];
    const ox = (p[a] + p[b] + p[c]) / 3;
    const oy = (p[a + 1] + p[b + 1] + p[c + 1]) / 3 - 0.05;
    const oz = (p[a + 2] + p[b + 2] + p[c + 2]) / 3 + 0.3;
    if (nx * ox + ny * oy + nz * oz < 0) {
      nx = -nx;
      ny = -ny;
      nz = -nz;
    }
    for (const i of [a, b, c]) {
      n[i] += nx;
      n[i + 1] += ny;
      n[i + 2] += nz;
    }
  }
  for (let i = 0; i < n.length; i += 3) {
    const [x, y, z] = normalize([n[i], n[i + 1], n[i + 2]]);
    n[i] = x;
    n[i + 1] = y;
    n[i + 2] = z;
  }
  return n;
}

/** Skin colour per vertex with a cheek blush. */
function skinColours(p: Float32Array, look: CharacterLook): Rgb[] {
  const out: Rgb[] = [];
  const near = (x: number, y: number, i: number, s: number) =>
    Math.exp(-((p[i * 3] - x) ** 2 + (p[i * 3 + 1] - y) ** 2) / (2 * s * s));
  const cheeks = [LANDMARK.rightCheek, LANDMARK.leftCheek].map((i) => [p[i * 3], p[i * 3 + 1]]);
  // Nostrils sit between the nose-wing corners and the nose bottom.
  const nostrils = [98, 327].map((i) => [
    p[i * 3] * 0.55 + p[LANDMARK.noseBottom * 3] * 0.45,
    (p[i * 3 + 1] + p[LANDMARK.noseBottom * 3 + 1]) / 2 + 0.005,
  ]);
  for (let i = 0; i < LANDMARK_COUNT; i++) {
    let blush = 0;
    let dark = 0;
    for (const [x, y] of cheeks) blush += near(x, y, i, 0.06);
    for (const [x, y] of nostrils) dark += near(x, y, i, 0.01);
    const k = 0.22 * Math.min(blush, 1);
    const d = 1 - 0.3 * Math.min(dark, 1);
    out.push([
      (look.skin[0] * (1 - k) + 235 * k) * d,
      (look.skin[1] * (1 - k) + 120 * k) * d,
      (look.skin[2] * (1 - k) + 120 * k) * d,
    ]);
  }
  return out;
}

/** Neck and shoulders, painted flat on the frame before the head (the body stays upright, the head turns on top). */
function paintBust(frame: RgbImage, look: CharacterLook, state: CharacterState): void {
  const S = state.faceHeight;
  const X = (x: number) => state.x + x * S;
  const Y = (y: number) => state.y + y * S;
  const shade = (c: Rgb, k: number): Rgb => [c[0] * k, c[1] * k, c[2] * k];
  fillEllipse(frame, X(0), Y(1.12), 0.78 * S, 0.42 * S, shade(look.shirt, 0.95));
  fillConvex(
    frame,
    [
      [X(-0.15), Y(0.2)],
      [X(0.15), Y(0.2)],
      [X(0.17), Y(0.8)],
      [X(-0.17), Y(0.8)],
    ],
    shade(look.skin, 0.72),
  );
  fillEllipse(frame, X(0), Y(0.78), 0.17 * S, 0.07 * S, shade(look.skin, 0.72));
  // Shadow the head casts on the upper neck: keeps the chin outline readable when the jaw drops.
  fillEllipse(frame, X(0), Y(0.36), 0.17 * S, 0.2 * S, shade(look.skin, 0.5));
}
