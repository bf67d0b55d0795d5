import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createClipRenderer, mouthOpenRatio } from '@tooncast/synth';
import { LipReader } from '../src/analysis/lips.ts';
import { loadFaceTopology } from '../src/topology.ts';

/**
 * Step 1's mouth reading on the synthetic clip, fed the character's true landmarks (as a perfect FaceMesh would
 * place them, depth 0) so the colours alone decide: the lip gap beyond the mouth at rest, against the drawn one.
 */
const { annotations: a } = await loadFaceTopology();
const renderer = createClipRenderer();
const frame = (index: number) => {
  const { image, truth } = renderer.render(index);
  const target = truth.characters.find((c) => c.id === 'target')!;
  return { image, target, landmarks: Float32Array.from(target.landmarks.flatMap(([x, y]) => [x, y, 0])) };
};
const distance = (lm: ArrayLike<number>, i: number, j: number) =>
  Math.hypot(lm[3 * i] - lm[3 * j], lm[3 * i + 1] - lm[3 * j + 1]);
describe('step 1: the lip gap read from the mouth’s colours (LipReader)', () => {
  it('a closed mouth reads shut, an open one its gap beyond the rest; the inner lips are set to it', () => {
    const reader = new LipReader(a.lipsUpperInner, a.lipsLowerInner);
    // Frames 41–59: the character is silent, its head turning.
    for (let i = 41; i <= 59; i += 2) {
      const f = frame(i);
      assert.equal(f.target.mouthOpen, 0);
      const r = reader.refine(f.image, f.landmarks);
      assert.ok(r.height !== undefined, `frame ${i} reads`);
      assert.ok(r.gap < 0.03, `frame ${i}: a closed mouth reads a gap of ${r.gap}`);
    }
    // Frame 203: a syllable, mouth about half open.
    const open = frame(203);
    const r = reader.refine(open.image, open.landmarks);
    const drawn = mouthOpenRatio(open.target.landmarks);
    assert.ok(drawn > 0.2, `the script opens the mouth: ${drawn}`);
    assert.ok(r.gap > 0.6 * drawn && r.gap < 1.4 * drawn, `gap read ${r.gap}, drawn ${drawn}`);
    const set = distance(open.landmarks, 13, 14) / distance(open.landmarks, 61, 291);
    assert.ok(Math.abs(set - r.gap) < 1e-3, `the mid inner lips are ${set} apart, read ${r.gap}`);
  });

  it('a mouth behind a prop is unreadable: it keeps its opening two frames, then shows closed', () => {
    const reader = new LipReader(a.lipsUpperInner, a.lipsLowerInner);
    for (let i = 86; i <= 92; i += 2) reader.refine(frame(i).image, frame(i).landmarks);
    const open = reader.refine(frame(203).image, frame(203).landmarks).gap;
    assert.ok(open > 0.1, `frame 203 reads open: ${open}`);
    // Frame 105: the ball covers the mouth (FaceMesh's own inner lips read 0.3 there).
    const covered = frame(105);
    assert.ok(covered.target.occluded > 0.2, `the ball is in front: ${covered.target.occluded}`);
    const gaps = [0, 1, 2].map(() => {
      const f = frame(105);
      const r = reader.refine(f.image, f.landmarks);
      assert.equal(r.height, undefined);
      return { gap: r.gap, lips: distance(f.landmarks, 13, 14) };
    });
    assert.deepEqual(
      gaps.map((g) => g.gap),
      [open, open, 0],
    );
    assert.ok(gaps[2].lips < 0.5, 'then the inner lips meet');
  });

  it('the rest is never above the picked frame’s mouth: a long open stretch stays open', () => {
    const closed = frame(41);
    const picked = new LipReader(a.lipsUpperInner, a.lipsLowerInner).refine(closed.image, closed.landmarks).height;
    const open = frame(203);
    const drawn = mouthOpenRatio(open.target.landmarks);
    const fresh = new LipReader(a.lipsUpperInner, a.lipsLowerInner);
    const seeded = new LipReader(a.lipsUpperInner, a.lipsLowerInner, picked);
    // Two seconds of the same open mouth (a grin held).
    for (let i = 0; i < 48; i++) {
      const f = frame(203);
      const unseededGap = fresh.refine(f.image, Float32Array.from(f.landmarks)).gap;
      const gap = seeded.refine(f.image, f.landmarks).gap;
      assert.equal(unseededGap, 0, 'unseeded, the mouth held open is its rest');
      assert.ok(gap > 0.6 * drawn && gap < 1.4 * drawn, `frame ${i}: gap read ${gap}, drawn ${drawn}`);
    }
  });

  it('finds the mouth below a mouth line placed too high (FaceMesh on a drawn muzzle)', () => {
    const reader = new LipReader(a.lipsUpperInner, a.lipsLowerInner);
    const rest = reader.refine(frame(41).image, frame(41).landmarks);
    const f = frame(203);
    const expected = new LipReader(a.lipsUpperInner, a.lipsLowerInner, rest.height).refine(
      f.image,
      frame(203).landmarks,
    );
    // Every lip point up, so that the mouth's top edge is 0.2 mouth widths below the mouth line (on Big Buck Bunny's
    // grin 0.28) and its bottom edge 0.2 + its height.
    const up = (expected.height! / 2 + 0.2) * distance(f.landmarks, 61, 291);
    for (const i of new Set(Object.entries(a).flatMap(([n, idx]) => (n.startsWith('lips') ? idx : [])))) {
      f.landmarks[3 * i + 1] -= up;
    }
    const r = reader.refine(f.image, f.landmarks);
    assert.ok(Math.abs(r.gap - expected.gap) < 0.3 * expected.gap, `gap ${r.gap}, ${expected.gap} on the lips`);
  });

  it('inner lips whose middle FaceMesh put on a mouth corner stay numbers', () => {
    // A strongly turned or oddly drawn mouth: the mid inner lips (13, 14) at the corner 78, as the lip pair
    // next to it. The profile's share of that pair was 0 / 0, and NaN landmarks made step 2 throw.
    const f = frame(203);
    const lm = f.landmarks;
    for (const i of [13, 14, a.lipsUpperInner[1], a.lipsLowerInner[2]]) {
      lm[3 * i] = lm[3 * 78];
      lm[3 * i + 1] = lm[3 * 78 + 1];
    }
    new LipReader(a.lipsUpperInner, a.lipsLowerInner).refine(f.image, lm);
    const bad = Array.from(lm).findIndex((v) => !Number.isFinite(v));
    assert.equal(bad, -1, `landmark ${Math.floor(bad / 3)} is ${lm[bad]}`);
  });
});
