import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createFloatMap, createRgbImage, type RgbImage } from '@tooncast/shared';
import { type Affine, invertAffine } from '../src/geometry.ts';
import {
  applyRotation,
  boxBlurFloat,
  boxBlurRgb,
  colorStats,
  createFaceSpace,
  FACE_MESH_POINTS,
  featheredPolygonMask,
  fillPolygon,
  fitAffine,
  fitLandmarkSimilarity,
  fitRigid3d,
  fitRigid3dToImage,
  frameToFaceSpace,
  gaussianBlurFloat,
  meanAbsDiff,
  meshWarp,
  planarToRgb,
  resizeFloat,
  resizePlanar,
  resizeRgb,
  rgbToPlanar,
  Scratch,
  sampleRgbInto,
  texturedImage,
  transferColor,
  transformPoints,
  warpAffine,
  warpFace,
  withBorder,
} from '../src/image/index.ts';
import { loadFaceTopology } from '../src/topology.ts';

const topology = await loadFaceTopology();

function close(a: number, b: number, tol: number, what: string): void {
  assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} vs ${b} (tol ${tol})`);
}

describe('image: landmark alignment', () => {
  it('fits a known similarity on strided landmarks and transforms points (z scaled)', () => {
    const m: Affine = [0.8, -0.3, 12, 0.3, 0.8, -5];
    const pts = Float32Array.from({ length: 30 }, (_, i) => (i * 37) % 101);
    const moved = transformPoints(m, pts, 3);
    for (let i = 2; i < 30; i += 3) close(moved[i], pts[i] * Math.sqrt(0.73), 1e-4, 'z');
    const template = new Float32Array(20);
    for (let i = 0; i < 10; i++) template.set([moved[3 * i], moved[3 * i + 1]], 2 * i);
    const fit = fitLandmarkSimilarity(pts, template);
    m.forEach((v, i) => {
      close(fit[i], v, 1e-3, `m[${i}]`);
    });
    const subset = fitLandmarkSimilarity(pts, template, [0, 3, 7]);
    m.forEach((v, i) => {
      close(subset[i], v, 1e-3, `subset m[${i}]`);
    });
    assert.throws(() => fitLandmarkSimilarity(pts, new Float32Array(4)), /differ/);
  });
  it('fits a general (anisotropic) affine map and rejects collinear points', () => {
    const m: Affine = [1.3, 0.2, -4, -0.1, 0.7, 9];
    const pts = Float32Array.from({ length: 30 }, (_, i) => (i * 53) % 97);
    const moved = transformPoints(m, pts, 3);
    const fit = fitAffine(pts, moved, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    m.forEach((v, i) => {
      close(fit[i], v, 1e-4, `affine[${i}]`);
    });
    assert.throws(() => fitAffine([0, 0, 0, 1, 1, 0, 2, 2, 0], [0, 0, 0, 1, 1, 0, 2, 2, 0], [0, 1, 2]), /collinear/);
  });
  it('fits a turn to image positions alone, with the depth of the points it turns', () => {
    // A deep head (z spans as much as x) turned 0.4 rad about y, 0.15 about x, scaled and shifted; its image is
    // given with a z that says nothing (a flat drawing).
    const src = new Float32Array(3 * 60);
    for (let i = 0; i < 60; i++) {
      const a = (i / 60) * 2 * Math.PI;
      src.set([60 * Math.cos(a), 70 * Math.sin(a), 40 * Math.cos(3 * a) - 30 * (i % 4 === 0 ? 1 : 0)], 3 * i);
    }
    const [cy, sy, cx, sx] = [Math.cos(0.4), Math.sin(0.4), Math.cos(0.15), Math.sin(0.15)];
    const yaw = [cy, 0, sy, 0, 1, 0, -sy, 0, cy];
    const pitch = [1, 0, 0, 0, cx, -sx, 0, sx, cx];
    const r = [0, 1, 2].flatMap((i) =>
      [0, 1, 2].map((j) => [0, 1, 2].reduce((p, k) => p + pitch[3 * i + k] * yaw[3 * k + j], 0)),
    );
    const dst = new Float32Array(src.length);
    for (let i = 0; i < 60; i++) {
      const q = applyRotation(r, src[3 * i], src[3 * i + 1], src[3 * i + 2]);
      dst.set([1.3 * q[0] + 100, 1.3 * q[1] + 90, 0], 3 * i);
    }
    const all = [...Array(60).keys()];
    const rough = fitRigid3d(src, dst, all); // misled by the flat z
    const fit = fitRigid3dToImage(src, dst, all, rough);
    for (let k = 0; k < 9; k++)
      assert.ok(Math.abs(fit.rotation[k] - r[k]) < 1e-3, `rotation[${k}] ${fit.rotation[k]} vs ${r[k]}`);
    assert.ok(Math.abs(fit.scale - 1.3) < 1e-3, `scale ${fit.scale}`);
    assert.ok(
      Math.abs(fit.translation[0] - 100) < 0.05 && Math.abs(fit.translation[1] - 90) < 0.05,
      `${fit.translation}`,
    );
    assert.ok(Math.abs(rough.rotation[0] - r[0]) > 0.01, 'the 3-D fit is misled (else this test shows nothing)');
  });
});

describe('image: warps', () => {
  it('sampleRgbInto interpolates bilinearly and clamps at every border, also on one-pixel images', () => {
    // Red = 10·x + 100·y, green = 255 − red, blue constant: a bilinear sample of a linear ramp is exact.
    const img = createRgbImage(4, 3);
    for (let y = 0; y < 3; y++)
      for (let x = 0; x < 4; x++) img.data.set([10 * x + 100 * y, 255 - 10 * x - 100 * y, 7], (y * 4 + x) * 3);
    const at = (x: number, y: number, from: RgbImage = img) => {
      const out = new Uint8Array(3);
      sampleRgbInto(from, x, y, out, 0);
      return [...out];
    };
    const ramp = (x: number, y: number) => 10 * x + 100 * y;
    for (const [x, y] of [
      [1.25, 0.5],
      [2.5, 1.75],
      [3, 2], // the last pixel exactly
      [3, 1.5], // the last column
      [0.5, 2], // the last row
    ]) {
      const r = ramp(x, y);
      assert.deepEqual(at(x, y), [Math.round(r), Math.round(255 - r), 7], `at ${x},${y}`);
    }
    assert.deepEqual(at(-5, 1), at(0, 1), 'clamped left');
    assert.deepEqual(at(9.7, 2.6), at(3, 2), 'clamped right and below');
    assert.deepEqual(at(1.5, -3), at(1.5, 0), 'clamped above');
    const dot = createRgbImage(1, 1);
    dot.data.set([9, 8, 7]);
    assert.deepEqual(at(0.4, -0.3, dot), [9, 8, 7], 'a one-pixel image is that pixel everywhere');
  });

  it('warpAffine by an integer shift moves pixels exactly', () => {
    const src = texturedImage(64, 48, 2);
    const out = warpAffine(src, [1, 0, 3, 0, 1, -2], 64, 48);
    for (const [x, y] of [
      [10, 10],
      [40, 30],
    ]) {
      for (let c = 0; c < 3; c++)
        assert.equal(out.data[(y * 64 + x) * 3 + c], src.data[((y + 2) * 64 + x - 3) * 3 + c]);
    }
  });
  it('meshWarp with affinely moved landmarks reproduces the global affine warp', () => {
    const space = createFaceSpace(topology, 128);
    const src = texturedImage(128, 128, 3);
    const m: Affine = [1.05, 0.08, -6, -0.08, 1.05, 2];
    const tpl = new Float32Array(FACE_MESH_POINTS * 3);
    for (let i = 0; i < FACE_MESH_POINTS; i++) tpl.set([space.template[2 * i], space.template[2 * i + 1], 0], 3 * i);
    const moved = transformPoints(m, tpl);
    const meshOut = meshWarp(src, withBorder(space, tpl), withBorder(space, moved), space.cover);
    const affineOut = warpAffine(src, m, 128, 128);
    // Compare inside the face region only (the border ring is pinned to the crop edge, unlike the global affine).
    const mask = fillPolygon(
      createFloatMap(128, 128),
      space.contours.faceOval.flatMap((i) => [moved[3 * i], moved[3 * i + 1]]),
    );
    let diff = 0;
    let n = 0;
    for (let k = 0; k < mask.data.length; k++) {
      if (mask.data[k] < 1) continue;
      for (let c = 0; c < 3; c++) diff += Math.abs(meshOut.data[k * 3 + c] - affineOut.data[k * 3 + c]);
      n += 3;
    }
    assert.ok(n > 3000, `face region too small: ${n}`);
    assert.ok(diff / n < 1.0, `mean abs diff ${diff / n}`);
  });
  it('the face-space cover triangulation reaches every pixel of the crop', () => {
    const space = createFaceSpace(topology, 96);
    const white = createRgbImage(96, 96, [255, 255, 255]);
    const tpl = new Float32Array(FACE_MESH_POINTS * 3);
    for (let i = 0; i < FACE_MESH_POINTS; i++) tpl.set([space.template[2 * i], space.template[2 * i + 1], 0], 3 * i);
    const out = warpFace(space, white, tpl, tpl);
    const black = out.data.findIndex((v) => v !== 255);
    assert.equal(black, -1, `pixel ${Math.floor(black / 3)} left uncovered`);
    // Each outline point's inward neighbour is off the outline, one mesh edge away, nearer the face centre.
    const oval = space.contours.faceOval;
    const t = space.template;
    const centre = [0, 1].map((k) => oval.reduce((p, i) => p + t[2 * i + k], 0) / oval.length);
    oval.forEach((i, k) => {
      const j = space.ovalInward[k];
      assert.ok(!oval.includes(j), `outline point ${i}: neighbour ${j} is on the outline`);
      const dist = (v: number) => Math.hypot(t[2 * v] - centre[0], t[2 * v + 1] - centre[1]);
      assert.ok(dist(j) < dist(i), `outline point ${i}: neighbour ${j} is not further in`);
      const tri = space.topology.triangles;
      const edge = tri.some((v, n) => v === i && [0, 1, 2].some((m) => tri[n - (n % 3) + m] === j));
      assert.ok(edge, `outline point ${i}: ${j} shares no triangle with it`);
    });
    const again = warpFace(space, texturedImage(96, 96, 5), tpl, tpl);
    assert.ok(meanAbsDiff(again, texturedImage(96, 96, 5)) < 0.01, 'identity mesh warp changes the image');
  });
  it('orders overlapping triangles by depth and drops folded ones', () => {
    const src = createRgbImage(40, 20, [255, 0, 0]);
    for (let y = 0; y < 20; y++) src.data.fill(0, (y * 40 + 20) * 3, (y * 40 + 40) * 3); // right half black
    // Vertices 0–2: a triangle in the red half; 3–5: the same shape in the black half. Both land on one spot.
    const srcPts = [2, 2, 18, 2, 2, 18, 22, 2, 38, 2, 22, 18];
    const dstPts = [2, 2, 18, 2, 2, 18, 2, 2, 18, 2, 2, 18];
    const tris = [0, 1, 2, 3, 4, 5];
    const at = (img: RgbImage) => img.data[(6 * 40 + 6) * 3];
    const drawn = (depth: number[]) =>
      at(meshWarp(src, srcPts, dstPts, tris, { out: createRgbImage(40, 20, [9, 9, 9]), dstDepth: depth }));
    assert.equal(drawn([5, 5, 5, 1, 1, 1]), 0, 'the nearer black triangle must win');
    assert.equal(drawn([1, 1, 1, 5, 5, 5]), 255, 'the nearer red triangle must win');
    // The red triangle mirrored (vertices swapped: it shows its back) loses to the black one even when nearer…
    const mirroredPts = [2, 2, 2, 18, 18, 2, 2, 2, 18, 2, 2, 18];
    const out = () => createRgbImage(40, 20, [9, 9, 9]);
    assert.equal(at(meshWarp(src, srcPts, mirroredPts, tris, { out: out(), dstDepth: [0, 0, 0, 5, 5, 5] })), 0);
    // …but still fills pixels nothing else covers.
    assert.equal(at(meshWarp(src, srcPts, mirroredPts, [0, 1, 2], { out: out(), dstDepth: [0, 0, 0, 5, 5, 5] })), 255);
    // A backdrop triangle (a vertex at depth +∞: hair and background round the face) lies behind even a folded
    // face triangle that is further away than its finite vertex…
    const backdrop = [5, 5, 5, 0, Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY];
    assert.equal(
      at(
        meshWarp(src, srcPts, [...mirroredPts.slice(0, 6), ...dstPts.slice(6)], tris, {
          out: out(),
          dstDepth: backdrop,
        }),
      ),
      255,
    );
    // …and fills what the face leaves uncovered.
    assert.equal(at(meshWarp(src, srcPts, dstPts, [3, 4, 5], { out: out(), dstDepth: backdrop })), 0);
  });

  it('aligns frame landmarks into the face space', () => {
    const space = createFaceSpace(topology, 160);
    const toFrame: Affine = [2.1, 0.4, 300, -0.4, 2.1, 80];
    const tpl = new Float32Array(FACE_MESH_POINTS * 3);
    for (let i = 0; i < FACE_MESH_POINTS; i++) tpl.set([space.template[2 * i], space.template[2 * i + 1], 1], 3 * i);
    const frameLm = transformPoints(toFrame, tpl);
    const m = frameToFaceSpace(space, frameLm);
    invertAffine(toFrame).forEach((v, i) => {
      close(m[i], v, 1e-3, `m[${i}]`);
    });
    assert.throws(() => frameToFaceSpace(space, new Float32Array(10)), /468/);
  });
});

describe('image: resizing, tensors, work buffers', () => {
  it('resizes images and float maps with pixel-centre alignment', () => {
    const ramp = createRgbImage(64, 8);
    for (let x = 0; x < 64; x++)
      for (let y = 0; y < 8; y++) ramp.data.fill(x * 4, (y * 64 + x) * 3, (y * 64 + x) * 3 + 3);
    const half = resizeRgb(ramp, 32, 4);
    // Output pixel i covers input pixels 2i and 2i+1: their mean, (2i + 0.5)·4.
    for (const i of [3, 10, 20]) close(half.data[(2 * 32 + i) * 3], (2 * i + 0.5) * 4, 1, `resized pixel ${i}`);
    const map = { width: 4, height: 4, data: Float32Array.from({ length: 16 }, (_, k) => k % 4) };
    const up = resizeFloat(map, 8, 8, 2);
    close(up.data[8 * 3 + 3], 2 * 1.25, 1e-5, 'output x=3 samples input x=1.25, times the gain');
  });
  it('converts to and from planar [-1, 1] tensors losslessly', () => {
    const img = texturedImage(17, 9, 3);
    const planar = rgbToPlanar(img);
    assert.ok(planar.every((v) => v >= -1 && v <= 1));
    assert.deepEqual(planarToRgb(planar, 17, 9).data, img.data);
    const up = resizePlanar({ channels: 3, width: 17, height: 9, data: planar }, 34, 18);
    assert.equal(up.data.length, 3 * 34 * 18);
    assert.throws(() => planarToRgb(planar, 20, 20), /values for 20x20x3/);
  });
  it('reuses work buffers by name, growing them when needed', () => {
    const s = new Scratch();
    const a = s.floats('a', 10);
    a.fill(7);
    const again = s.floats('a', 8);
    assert.equal(again.buffer, a.buffer, 'the buffer was not reused');
    assert.equal(again[0], 7);
    assert.equal(s.floats('a', 8, true)[0], 0, 'zeroing on request');
    assert.notEqual(s.floats('a', 20).buffer, a.buffer, 'a larger request must grow the buffer');
    assert.notEqual(s.floats('b', 8).buffer, a.buffer);
  });
});

describe('image: blur, masks, colour', () => {
  it('box blur keeps constants and mass; gaussian has the requested spread', () => {
    const flat = boxBlurRgb(createRgbImage(20, 10, [10, 200, 33]), 3);
    assert.ok(flat.data.every((v, i) => v === [10, 200, 33][i % 3]));
    const impulse = createFloatMap(41, 41);
    impulse.data[20 * 41 + 20] = 1;
    const box = boxBlurFloat(impulse, 2);
    close(
      box.data.reduce((a, b) => a + b, 0),
      1,
      1e-5,
      'box mass',
    );
    close(box.data[20 * 41 + 20], 1 / 25, 1e-6, 'box centre');
    const g = gaussianBlurFloat(impulse, 3);
    let v = 0;
    for (let x = 0; x < 41; x++) v += (x - 20) ** 2 * g.data[20 * 41 + x];
    v /= g.data.slice(20 * 41, 21 * 41).reduce((a, b) => a + b, 0);
    close(Math.sqrt(v), 3, 0.35, 'gaussian sigma');
  });
  it('fills polygons with the right area and feathers inward by distance', () => {
    const square = [10, 10, 50, 10, 50, 50, 10, 50];
    const filled = fillPolygon(createFloatMap(64, 64), square);
    close(
      filled.data.reduce((a, b) => a + b, 0),
      40 * 40,
      0,
      'area (half-open pixel-centre rule)',
    );
    const m = featheredPolygonMask(64, 64, square, 8);
    assert.equal(m.data[30 * 64 + 30], 1);
    assert.equal(m.data[5 * 64 + 5], 0);
    const mid = m.data[30 * 64 + 14]; // 4 px inside the left edge → halfway through the feather
    close(mid, 0.5, 0.01, 'feather midpoint');
    assert.ok(m.data[30 * 64 + 12] < mid && mid < m.data[30 * 64 + 16], 'feather is monotone');
    assert.throws(() => fillPolygon(filled, [1, 2, 3, 4]), /≥3/);
  });
  it('colour transfer matches the reference mean and std', () => {
    const src = texturedImage(64, 64, 1);
    const ref = texturedImage(64, 64, 4);
    for (let i = 0; i < ref.data.length; i += 3) ref.data[i] = Math.min(255, ref.data[i] * 0.6 + 60);
    const to = colorStats(ref);
    const out = transferColor(src, colorStats(src), to);
    const got = colorStats(out);
    for (let c = 0; c < 3; c++) {
      close(got.mean[c], to.mean[c], 2.5, `mean[${c}]`);
      close(got.std[c], to.std[c], 0.12 * to.std[c] + 1, `std[${c}]`);
    }
  });
});
