import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createFloatMap, createRgbImage, type FloatMap, type RgbImage } from '@tooncast/shared';
import { DisFlowEstimator, type Flow, PyramidMemo } from '../src/generation/flow.ts';
import { FaceFusion, FusionHistory } from '../src/generation/fusion.ts';
import { backwardWarp } from '../src/generation/warp.ts';
import type { Affine } from '../src/geometry.ts';
import { meanAbsDiff, texturedImage, warpAffine } from '../src/image/index.ts';

const S = 192;

/** Mean endpoint error against a ground-truth flow function, skipping a border band. */
function endpointError(flow: Flow, truth: (x: number, y: number) => [number, number], margin = 16): number {
  let sum = 0;
  let n = 0;
  for (let y = margin; y < flow.dx.height - margin; y++) {
    for (let x = margin; x < flow.dx.width - margin; x++) {
      const k = y * flow.dx.width + x;
      const [u, v] = truth(x, y);
      sum += Math.hypot(flow.dx.data[k] - u, flow.dy.data[k] - v);
      n++;
    }
  }
  return sum / n;
}

/** Mean squared per-channel difference (0…255 scale) over an inner window. */
function meanSquaredDiff(a: RgbImage, b: RgbImage, margin: number): number {
  let sum = 0;
  let n = 0;
  for (let y = margin; y < a.height - margin; y++) {
    for (let i = (y * a.width + margin) * 3; i < (y * a.width + a.width - margin) * 3; i++, n++) {
      sum += (a.data[i] - b.data[i]) ** 2;
    }
  }
  return sum / n;
}

/** Mean squared central-difference gradient of the green channel over an inner window: how sharp an image is. */
function gradientEnergy(img: RgbImage, margin: number): number {
  const g = (x: number, y: number) => img.data[(y * img.width + x) * 3 + 1];
  let sum = 0;
  let n = 0;
  for (let y = margin; y < img.height - margin; y++) {
    for (let x = margin; x < img.width - margin; x++, n++) {
      sum += (g(x + 1, y) - g(x - 1, y)) ** 2 + (g(x, y + 1) - g(x, y - 1)) ** 2;
    }
  }
  return sum / n;
}

function brighten(img: RgbImage, by: number): RgbImage {
  return { ...img, data: img.data.map((v) => Math.min(255, v + by)) };
}

describe('generation: DIS optical flow', () => {
  const flow = new DisFlowEstimator();
  const a = texturedImage(S, S, 1);
  for (const [sx, sy] of [
    [2.5, -1.25],
    [11, -7],
  ]) {
    it(`recovers a (${sx}, ${sy}) px shift`, () => {
      // b(x) = a(x − s), so a(x) = b(x + s): the flow is s everywhere.
      const b = texturedImage(S, S, 1, sx, sy);
      const f = flow.estimate(a, b);
      const epe = endpointError(f, () => [sx, sy]);
      assert.ok(epe < 0.2, `EPE ${epe}`);
      assert.ok(meanAbsDiff(backwardWarp(b, f), a, 16) < 1, 'warping next by the flow does not give prev back');
    });
  }
  it('recovers a rotation about the centre', () => {
    const c = (S - 1) / 2;
    const r = 0.06;
    const m: Affine = [Math.cos(r), -Math.sin(r), 0, Math.sin(r), Math.cos(r), 0];
    const rot: Affine = [m[0], m[1], c - m[0] * c - m[1] * c, m[3], m[4], c - m[3] * c - m[4] * c];
    const b = warpAffine(a, rot, S, S);
    const epe = endpointError(flow.estimate(a, b), (x, y) => [
      rot[0] * x + rot[1] * y + rot[2] - x,
      rot[3] * x + rot[4] * y + rot[5] - y,
    ]);
    assert.ok(epe < 0.6, `EPE ${epe}`);
  });
  it('is robust to a global brightness change', () => {
    const b = brighten(texturedImage(S, S, 1, 3, 2), 25);
    const epe = endpointError(flow.estimate(a, b), () => [3, 2]);
    assert.ok(epe < 0.3, `EPE ${epe}`);
  });
  it('can return the flow on its finest pyramid level, in that grid’s pixels', () => {
    const coarse = flow.variant({ finestLevel: 2, fullResolution: false });
    const f = coarse.estimate(a, texturedImage(S, S, 1, 4, -2));
    assert.equal(f.dx.width, S / 4);
    const epe = endpointError(f, () => [1, -0.5], 4);
    assert.ok(epe < 0.15, `EPE ${epe} (quarter-resolution pixels)`);
  });

  it('builds a pyramid once per image and rebuilds the least recently used one in place, finding the same flow', () => {
    const memo = new PyramidMemo(3);
    const built: (FloatMap[] | undefined)[] = [];
    const build = (evicted?: FloatMap[]) => {
      built.push(evicted);
      return evicted ?? [createFloatMap(4, 4)];
    };
    const [p, q, r, t] = [0, 1, 2, 3].map(() => createRgbImage(4, 4));
    const pp = memo.get(p, build);
    const qq = memo.get(q, build);
    assert.equal(memo.get(p, build), pp, 'a held image is not rebuilt');
    memo.get(r, build);
    assert.equal(memo.get(t, build), qq, 'the fourth image is built into the buffers of the one used least recently');
    assert.deepEqual(
      built.map((b) => b !== undefined),
      [false, false, false, true],
    );
    // A frame sequence through one estimator (buffers reused from the fourth image on) against fresh estimators.
    const frames = [0, 1, 2, 3, 4].map((k) => texturedImage(S, S, 1, 1.5 * k, -k));
    const reused = new DisFlowEstimator();
    for (let k = 1; k < frames.length; k++) {
      const f = reused.estimate(frames[k], frames[k - 1]);
      const fresh = new DisFlowEstimator().estimate(frames[k], frames[k - 1]);
      assert.deepEqual(f.dx.data, fresh.dx.data, `frame ${k}`);
      assert.deepEqual(f.dy.data, fresh.dy.data, `frame ${k}`);
    }
  });

  it('finds no motion between identical images and rejects mismatched sizes', () => {
    assert.ok(endpointError(flow.estimate(a, a), () => [0, 0]) < 1e-3);
    assert.throws(() => flow.estimate(a, createRgbImage(10, 10)), /equal sizes/);
    assert.throws(() => new DisFlowEstimator({ stride: 0 }), /bad DIS options/);
  });
});

describe('generation: fusion of first and second face images', () => {
  const fusion = new FaceFusion();
  /** A face sequence moving at constant velocity (2 px/frame to the right). */
  const frame = (t: number) => texturedImage(S, S, 2, 2 * t, 0);

  it('uses the first face image alone on frames 1–2 and when switched off', () => {
    const history = new FusionHistory();
    const r1 = fusion.fuse(frame(0), history);
    const r2 = fusion.fuse(frame(1), history);
    assert.equal(r1.secondFace, undefined);
    assert.deepEqual(r2.finalFace, frame(1));
    assert.equal(history.size, 2);
    const off = new FaceFusion({ enabled: false });
    const first = frame(2);
    const r3 = off.fuse(first, history);
    assert.equal(r3.finalFace, first);
    assert.equal(r3.secondWeight, undefined);
  });

  it('extrapolates steady motion and uses it to denoise the first face image', () => {
    const history = new FusionHistory();
    history.push(frame(0));
    history.push(frame(1));
    const clean = frame(2);
    let seed = 7;
    const noisy = {
      ...clean,
      data: clean.data.map((v) => {
        seed = (seed * 1103515245 + 12345) % 2147483648;
        return Math.max(0, Math.min(255, v + ((seed % 13) - 6)));
      }),
    };
    const r = fusion.fuse(noisy, history);
    assert.ok(r.secondFace && r.secondWeight);
    assert.ok(
      meanAbsDiff(r.secondFace, clean, 16) < 1.5,
      `second face misses the motion: ${meanAbsDiff(r.secondFace, clean, 16)}`,
    );
    const meanW = r.secondWeight.data.reduce((p, q) => p + q, 0) / r.secondWeight.data.length;
    assert.ok(meanW > 0.5, `steady motion should be trusted, mean weight ${meanW}`);
    assert.ok(meanAbsDiff(r.finalFace, clean, 16) < 0.6 * meanAbsDiff(noisy, clean, 16), 'fusion did not reduce noise');
    assert.equal(history.last, r.finalFace);
  });

  it('carries the motion over the time to this frame: past a skipped frame, not far on capture jitter', () => {
    const step = 1 / 24;
    // Frames 0 and 1 fused at their times, then frame 3 (frame 2 skipped, as a loaded live worker does).
    const secondFor = (times: number[], next: number) => {
      const history = new FusionHistory();
      history.push(frame(0), times[0]);
      history.push(frame(1), times[1]);
      return fusion.fuse(frame(next), history, times[2]).secondFace!;
    };
    const skipped = secondFor([0, step, 3 * step], 3);
    assert.ok(
      meanAbsDiff(skipped, frame(3), 16) < 1.5,
      `misses the skipped frame: ${meanAbsDiff(skipped, frame(3), 16)}`,
    );
    // Without times the motion is carried one step: the frame that was skipped.
    const history = new FusionHistory();
    history.push(frame(0));
    history.push(frame(1));
    assert.ok(meanAbsDiff(fusion.fuse(frame(3), history).secondFace!, frame(2), 16) < 1.5);
    // Frames captured 10 ms and then 40 ms apart: steps under 1/30 s count as 1/30 s, so the second face goes 1.2
    // steps (40 / 33 ms), not the most it may (2; 40 / 10 ms would be 4).
    const jittered = secondFor([0, 0.01, 0.05], 2);
    assert.ok(meanAbsDiff(jittered, frame(2.2), 16) < 1.5, `jitter: ${meanAbsDiff(jittered, frame(2.2), 16)}`);
    assert.ok(meanAbsDiff(jittered, frame(3), 16) > 3, 'jitter taken for a change of pace');
  });

  it('computes the next frame’s flows between frames when asked, with the same final faces', () => {
    /** DIS flow that counts its estimates. */
    const counted = () => {
      const dis = new DisFlowEstimator();
      const counter = {
        calls: 0,
        estimate(a: RgbImage, b: RgbImage) {
          counter.calls++;
          return dis.estimate(a, b);
        },
      };
      return counter;
    };
    const flows = () => {
      const predictionFlow = counted();
      const consistencyFlow = counted();
      return { predictionFlow, consistencyFlow, calls: () => predictionFlow.calls + consistencyFlow.calls };
    };
    const inline = flows();
    const prepared = flows();
    const inlineFusion = new FaceFusion(inline);
    const preparedFusion = new FaceFusion(prepared);
    const inlineHistory = new FusionHistory();
    const preparedHistory = new FusionHistory();
    const estimatesInFuse: number[] = [];
    for (let t = 0; t < 6; t++) {
      const expected = inlineFusion.fuse(frame(t), inlineHistory).finalFace;
      const before = prepared.calls();
      const actual = preparedFusion.fuse(frame(t), preparedHistory).finalFace;
      estimatesInFuse.push(prepared.calls() - before);
      assert.deepEqual(actual, expected, `frame ${t}`);
      preparedFusion.prepare(preparedHistory);
    }
    assert.deepEqual(estimatesInFuse, [0, 0, 0, 0, 0, 0]);
    // No more estimates than inline, but for the pair prepared after the last frame, for a frame that did not come.
    assert.equal(prepared.calls(), inline.calls() + 2);
    // A history that changed after `prepare` (another final face pushed): the flows are estimated again, for it.
    preparedHistory.push(frame(6));
    const before = prepared.calls();
    const afterPush = preparedFusion.fuse(frame(7), preparedHistory).finalFace;
    assert.equal(prepared.calls() - before, 2);
    inlineHistory.push(frame(6));
    assert.deepEqual(afterPush, inlineFusion.fuse(frame(7), inlineHistory).finalFace);
  });

  it('lets the first face image win where the expression changes', () => {
    const history = new FusionHistory();
    history.push(frame(0));
    history.push(frame(1));
    const first = frame(2);
    // A "mouth" opening: a dark block that neither previous final face shows.
    for (let y = 120; y < 150; y++) first.data.fill(20, (y * S + 70) * 3, (y * S + 120) * 3);
    const r = fusion.fuse(first, history);
    const w = r.secondWeight!;
    assert.ok(w.data[135 * S + 95] < 0.1, `weight inside the change ${w.data[135 * S + 95]}`);
    assert.ok(w.data[40 * S + 95] > 0.5, `weight away from the change ${w.data[40 * S + 95]}`);
    const i = (135 * S + 95) * 3;
    assert.ok(Math.abs(r.finalFace.data[i] - 20) < 10, 'the new expression was smoothed away');
  });

  it('distrusts flow between unrelated images (forward–backward inconsistency)', () => {
    const history = new FusionHistory();
    history.push(texturedImage(S, S, 3));
    history.push(texturedImage(S, S, 9, 40, 17));
    const r = fusion.fuse(frame(0), history);
    const meanW = r.secondWeight!.data.reduce((p, q) => p + q, 0) / (S * S);
    assert.ok(meanW < 0.2, `mean weight ${meanW}`);
  });

  it('removes landmark-like jitter while the expression is held, without blurring, and lets a change through at once', () => {
    // A held face whose mesh jitters: each first face image is the face warped by a smooth random field (±0.6 px),
    // as landmark noise moves a mesh-warped face; from frame 25 a "mouth" opens and stays open.
    let seed = 11;
    const rnd = () => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648 - 0.5;
    };
    const face = texturedImage(S, S, 2);
    const firsts: RgbImage[] = [];
    for (let t = 0; t < 32; t++) {
      const [ax, bx, ay, by] = [rnd(), rnd(), rnd(), rnd()].map((v) => 1.2 * v);
      const [px, qx, py, qy] = [rnd(), rnd(), rnd(), rnd()].map((v) => 6 * v);
      const jitter = { dx: createFloatMap(S, S), dy: createFloatMap(S, S) };
      for (let y = 0, k = 0; y < S; y++) {
        for (let x = 0; x < S; x++, k++) {
          jitter.dx.data[k] = ax * Math.sin(x / 13 + px) + bx * Math.cos(y / 17 + qx);
          jitter.dy.data[k] = ay * Math.sin(y / 11 + py) + by * Math.cos(x / 19 + qy);
        }
      }
      const first = backwardWarp(face, jitter);
      if (t >= 25) for (let y = 120; y < 150; y++) first.data.fill(20, (y * S + 70) * 3, (y * S + 120) * 3);
      firsts.push(first);
    }
    const history = new FusionHistory();
    const finals = firsts.map((f) => fusion.fuse(f, history).finalFace);
    const held = Array.from({ length: 21 }, (_, i) => i + 4);
    const flicker = (seq: RgbImage[]) => held.reduce((s, t) => s + meanSquaredDiff(seq[t], seq[t - 1], 16), 0);
    const sharp = (seq: RgbImage[]) => held.reduce((s, t) => s + gradientEnergy(seq[t], 16), 0);
    const ratio = flicker(finals) / flicker(firsts);
    assert.ok(ratio < 0.35, `frame-to-frame change kept: ${ratio}`);
    assert.ok(sharp(finals) > 0.95 * sharp(firsts), `fusion blurred: ${sharp(finals) / sharp(firsts)}`);
    const i = (135 * S + 95) * 3;
    assert.ok(Math.abs(finals[25].data[i] - 20) < 10, `the mouth opened late: ${finals[25].data[i]}`);
  });

  it('rejects a first face image of another size', () => {
    const history = new FusionHistory();
    history.push(frame(0));
    assert.throws(() => fusion.fuse(createRgbImage(64, 64), history), /differs/);
  });
});
