/** A 3-D similarity p' = s·R·p + t, R row-major 3×3. */
export interface Rigid3d {
  readonly rotation: readonly number[];
  readonly scale: number;
  readonly translation: readonly [number, number, number];
}

/**
 * Least-squares 3-D similarity taking points `src` onto `dst` (both xyz, stride 3), over `indices` (default all):
 * Horn's closed form, the rotation as the dominant eigenvector of his 4×4 quaternion matrix (Jacobi sweeps).
 */
export function fitRigid3d(src: ArrayLike<number>, dst: ArrayLike<number>, indices?: ArrayLike<number>): Rigid3d {
  const count = indices ? indices.length : Math.floor(src.length / 3);
  if (count < 3 || (!indices && src.length !== dst.length)) throw new RangeError('fitRigid3d needs ≥3 matching points');
  const at = (k: number) => (indices ? indices[k] : k);
  const cs = [0, 0, 0];
  const cd = [0, 0, 0];
  for (let k = 0; k < count; k++) {
    for (let c = 0; c < 3; c++) {
      cs[c] += src[3 * at(k) + c] / count;
      cd[c] += dst[3 * at(k) + c] / count;
    }
  }
  const m = new Float64Array(9); // Σ p·qᵀ
  let norm = 0;
  for (let k = 0; k < count; k++) {
    const i = at(k);
    const p = [src[3 * i] - cs[0], src[3 * i + 1] - cs[1], src[3 * i + 2] - cs[2]];
    const q = [dst[3 * i] - cd[0], dst[3 * i + 1] - cd[1], dst[3 * i + 2] - cd[2]];
    for (let r = 0; r < 3; r++) for (let c = 0; c < 3; c++) m[3 * r + c] += p[r] * q[c];
    norm += p[0] * p[0] + p[1] * p[1] + p[2] * p[2];
  }
  if (norm < 1e-12) throw new RangeError('fitRigid3d: source points are all identical');
  const [sxx, sxy, sxz, syx, syy, syz, szx, szy, szz] = m;
  const n = [
    [sxx + syy + szz, syz - szy, szx - sxz, sxy - syx],
    [syz - szy, sxx - syy - szz, sxy + syx, szx + sxz],
    [szx - sxz, sxy + syx, -sxx + syy - szz, syz + szy],
    [sxy - syx, szx + sxz, syz + szy, -sxx - syy + szz],
  ];
  const [w, x, y, z] = dominantEigenvector4(n);
  const rotation = [
    1 - 2 * (y * y + z * z),
    2 * (x * y - w * z),
    2 * (x * z + w * y),
    2 * (x * y + w * z),
    1 - 2 * (x * x + z * z),
    2 * (y * z - w * x),
    2 * (x * z - w * y),
    2 * (y * z + w * x),
    1 - 2 * (x * x + y * y),
  ];
  // s = Σ q·(R p) / Σ |p|² = trace(R·M)… written out: Σ_rc R[r][c]·M[c][r].
  let dot = 0;
  for (let r = 0; r < 3; r++) for (let c = 0; c < 3; c++) dot += rotation[3 * r + c] * m[3 * c + r];
  const scale = dot / norm;
  const rc = applyRotation(rotation, cs[0], cs[1], cs[2]);
  return { rotation, scale, translation: [cd[0] - scale * rc[0], cd[1] - scale * rc[1], cd[2] - scale * rc[2]] };
}

/**
 * The 3-D similarity whose orthographic image best matches `dst`'s x, y (its z is ignored): Gauss–Newton on the
 * rotation, scale and image-plane shift, from `init`. Unlike a 3-D fit it trusts only what a 2-D image shows, so
 * the depth that turns the points is `src`'s own — a shallow drawn face must not make a deep real one over-turn.
 * The z shift keeps `init`'s.
 */
export function fitRigid3dToImage(
  src: ArrayLike<number>,
  dst: ArrayLike<number>,
  indices: ArrayLike<number>,
  init: Rigid3d,
  iterations = 6,
): Rigid3d {
  if (indices.length < 4) throw new RangeError('fitRigid3dToImage needs ≥4 points');
  let r = init.rotation.slice();
  let s = init.scale;
  let tx = init.translation[0];
  let ty = init.translation[1];
  const jtj = new Float64Array(36);
  const jtr = new Float64Array(6);
  const row = new Float64Array(6);
  const add = (res: number) => {
    for (let a = 0; a < 6; a++) {
      jtr[a] += row[a] * res;
      for (let b = 0; b < 6; b++) jtj[6 * a + b] += row[a] * row[b];
    }
  };
  for (let it = 0; it < iterations; it++) {
    jtj.fill(0);
    jtr.fill(0);
    let scale2 = 0;
    for (let k = 0; k < indices.length; k++) {
      const i = indices[k];
      const [vx, vy, vz] = applyRotation(r, src[3 * i], src[3 * i + 1], src[3 * i + 2]);
      scale2 += vx * vx + vy * vy;
      // Unknowns: small rotation ω (applied after r), scale, shift; d(ω×v)/dω gives the rotation columns.
      row.set([0, s * vz, -s * vy, vx, 1, 0]);
      add(dst[3 * i] - (s * vx + tx));
      row.set([-s * vz, 0, s * vx, vy, 0, 1]);
      add(dst[3 * i + 1] - (s * vy + ty));
    }
    // A little damping on the rotation keeps a near-planar point set from spinning about its flat axis.
    for (let a = 0; a < 3; a++) jtj[7 * a] += 1e-3 * s * s * scale2;
    const d = solve6(jtj, jtr);
    if (!d) break;
    r = multiply(rodrigues(d[0], d[1], d[2]), r);
    s += d[3];
    tx += d[4];
    ty += d[5];
    if (Math.hypot(d[0], d[1], d[2]) < 1e-6) break;
  }
  return { rotation: r, scale: s, translation: [tx, ty, init.translation[2]] };
}

export function applyRotation(r: readonly number[], x: number, y: number, z: number): [number, number, number] {
  return [r[0] * x + r[1] * y + r[2] * z, r[3] * x + r[4] * y + r[5] * z, r[6] * x + r[7] * y + r[8] * z];
}

/** Rotation angle (radians) of a rotation matrix, for tests and logs. */
export function rotationAngle(r: readonly number[]): number {
  return Math.acos(Math.max(-1, Math.min(1, (r[0] + r[4] + r[8] - 1) / 2)));
}

function dominantEigenvector4(input: number[][]): [number, number, number, number] {
  const a = input.map((row) => row.slice());
  const v: number[][] = [0, 1, 2, 3].map((i) => [0, 1, 2, 3].map((j) => (i === j ? 1 : 0)));
  for (let sweep = 0; sweep < 30; sweep++) {
    let off = 0;
    for (let p = 0; p < 4; p++) for (let q = p + 1; q < 4; q++) off += a[p][q] * a[p][q];
    if (off < 1e-20) break;
    for (let p = 0; p < 4; p++) {
      for (let q = p + 1; q < 4; q++) {
        if (Math.abs(a[p][q]) < 1e-30) continue;
        const theta = (a[q][q] - a[p][p]) / (2 * a[p][q]);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < 4; k++) {
          const akp = a[k][p];
          const akq = a[k][q];
          a[k][p] = c * akp - s * akq;
          a[k][q] = s * akp + c * akq;
        }
        for (let k = 0; k < 4; k++) {
          const apk = a[p][k];
          const aqk = a[q][k];
          a[p][k] = c * apk - s * aqk;
          a[q][k] = s * apk + c * aqk;
        }
        for (let k = 0; k < 4; k++) {
          const vkp = v[k][p];
          const vkq = v[k][q];
          v[k][p] = c * vkp - s * vkq;
          v[k][q] = s * vkp + c * vkq;
        }
      }
    }
  }
  let best = 0;
  for (let i = 1; i < 4; i++) if (a[i][i] > a[best][best]) best = i;
  const e = [v[0][best], v[1][best], v[2][best], v[3][best]];
  const len = Math.hypot(...e);
  return [e[0] / len, e[1] / len, e[2] / len, e[3] / len];
}

/** Rotation matrix of the rotation vector (x, y, z) (axis × angle). */
function rodrigues(x: number, y: number, z: number): number[] {
  const t = Math.hypot(x, y, z);
  if (t < 1e-12) return [1, 0, 0, 0, 1, 0, 0, 0, 1];
  const [kx, ky, kz] = [x / t, y / t, z / t];
  const c = Math.cos(t);
  const sn = Math.sin(t);
  const v = 1 - c;
  return [
    c + kx * kx * v,
    kx * ky * v - kz * sn,
    kx * kz * v + ky * sn,
    ky * kx * v + kz * sn,
    c + ky * ky * v,
    ky * kz * v - kx * sn,
    kz * kx * v - ky * sn,
    kz * ky * v + kx * sn,
    c + kz * kz * v,
  ];
}

function multiply(a: readonly number[], b: readonly number[]): number[] {
  const out = new Array<number>(9);
  for (let i = 0; i < 3; i++)
    for (let j = 0; j < 3; j++) out[3 * i + j] = a[3 * i] * b[j] + a[3 * i + 1] * b[3 + j] + a[3 * i + 2] * b[6 + j];
  return out;
}

/** Solves the 6×6 system a·x = b (Gaussian elimination, partial pivoting); undefined when singular. */
function solve6(a: Float64Array, b: Float64Array): Float64Array | undefined {
  const m = a.slice();
  const x = b.slice();
  for (let c = 0; c < 6; c++) {
    let p = c;
    for (let r = c + 1; r < 6; r++) if (Math.abs(m[6 * r + c]) > Math.abs(m[6 * p + c])) p = r;
    if (Math.abs(m[6 * p + c]) < 1e-12) return undefined;
    if (p !== c) {
      for (let k = 0; k < 6; k++) [m[6 * c + k], m[6 * p + k]] = [m[6 * p + k], m[6 * c + k]];
      [x[c], x[p]] = [x[p], x[c]];
    }
    for (let r = c + 1; r < 6; r++) {
      const f = m[6 * r + c] / m[6 * c + c];
      for (let k = c; k < 6; k++) m[6 * r + k] -= f * m[6 * c + k];
      x[r] -= f * x[c];
    }
  }
  for (let c = 5; c >= 0; c--) {
    let v = x[c];
    for (let k = c + 1; k < 6; k++) v -= m[6 * c + k] * x[k];
    x[c] = v / m[6 * c + c];
  }
  return x;
}
