import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createRgbImage, type RgbImage } from '@tooncast/shared';
import { createClipRenderer, DEMO_CLIP } from '@tooncast/synth';
import { Compositor, type CompositorOptions } from '../src/composite/index.ts';
import { invertAffine } from '../src/geometry.ts';
import { createFaceSpace, featheredPolygonMask, frameToFaceSpace } from '../src/image/index.ts';
import { loadFaceTopology } from '../src/topology.ts';

/**
 * Step 4 on the synthetic clip, whose red-and-white ball flies in front of the target's lower face: with the
 * ground-truth landmarks as the tracked face, the ball must stay in front of the new face, and the new face must
 * still replace the rest of the character's face, with no seam at the oval's edge.
 */
const space = createFaceSpace(await loadFaceTopology(), 192);
const clip = createClipRenderer(DEMO_CLIP);
const BALL_RED = [220, 50, 50];
const FACE: [number, number, number] = [90, 140, 220];
const SKIN = DEMO_CLIP.target.skin;
const near = (d: Uint8Array, k: number, c: readonly number[], tol: number) =>
  Math.hypot(d[3 * k] - c[0], d[3 * k + 1] - c[1], d[3 * k + 2] - c[2]) < tol;

function target(index: number) {
  const frame = clip.render(index);
  const t = frame.truth.characters.find((c) => c.id === 'target')!;
  const landmarks = new Float32Array(468 * 3);
  t.landmarks.forEach(([x, y], k) => {
    landmarks.set([x, y, 0], 3 * k);
  });
  return { frame, truth: t, landmarks, faceToFrame: invertAffine(frameToFaceSpace(space, landmarks)) };
}

/** Composites the clip's frames 0…lastIndex (every 4th up to the ball, then all) with one compositor. */
function run(options: CompositorOptions, lastIndex: number) {
  const compositor = new Compositor(space.contours, { harmonize: 0, ...options });
  const face = createRgbImage(192, 192, FACE);
  const results: { index: number; occluded: number; frame: RgbImage; out: RgbImage; landmarks: Float32Array }[] = [];
  for (let index = 0; index <= lastIndex; index += index < 88 ? 4 : 1) {
    const t = target(index);
    if (!t.truth.visible && t.truth.occluded < 0.1) continue;
    const out = compositor.composite(t.frame.image, face, t);
    results.push({
      index,
      occluded: t.truth.occluded,
      frame: t.frame.image,
      out: { ...out, data: out.data.slice() },
      landmarks: t.landmarks,
    });
  }
  return results;
}

function ovalMask(img: RgbImage, landmarks: Float32Array) {
  const poly = space.contours.faceOval.flatMap((i) => [landmarks[3 * i], landmarks[3 * i + 1]]);
  return featheredPolygonMask(img.width, img.height, poly, 0).data;
}

describe('composite: occluders in front of the face', () => {
  const LAST = 112;
  const withOcclusion = run({}, LAST).filter((r) => r.occluded > 0.1);
  const without = run({ occlusion: false }, LAST).filter((r) => r.occluded > 0.1);

  it('the ball stays in front of the new face; the rest of the face is replaced', () => {
    assert.ok(withOcclusion.length >= 5, `only ${withOcclusion.length} occluded frames`);
    const kept = (rs: typeof withOcclusion) => {
      let ball = 0;
      let stays = 0;
      let face = 0;
      let replaced = 0;
      for (const r of rs) {
        const inside = ovalMask(r.frame, r.landmarks);
        const w = r.frame.width;
        for (let y = 0; y < r.frame.height; y++) {
          // The ball is a disc: on each row it spans its leftmost to rightmost red pixel (its white band too).
          let x0 = w;
          let x1 = -1;
          for (let x = 0; x < w; x++) {
            if (inside[y * w + x] > 0 && near(r.frame.data, y * w + x, BALL_RED, 40)) {
              x0 = Math.min(x0, x);
              x1 = x;
            }
          }
          for (let x = 0; x < w; x++) {
            const k = y * w + x;
            if (inside[k] <= 0) continue;
            if (x >= x0 && x <= x1) {
              ball++;
              if (Math.hypot(...[0, 1, 2].map((c) => r.out.data[3 * k + c] - r.frame.data[3 * k + c])) < 40) stays++;
            } else if (near(r.frame.data, k, SKIN, 50)) {
              face++;
              if (near(r.out.data, k, FACE, 40)) replaced++;
            }
          }
        }
      }
      return { ball: stays / ball, face: replaced / face, ballPixels: ball };
    };
    const on = kept(withOcclusion);
    const off = kept(without);
    assert.ok(on.ballPixels > 2000, `the ball covers only ${on.ballPixels} face pixels`);
    assert.ok(on.ball > 0.85, `only ${(100 * on.ball).toFixed(1)} % of the ball over the face stays visible`);
    assert.ok(off.ball < 0.3, `without occlusion handling ${(100 * off.ball).toFixed(1)} % stays (test is blind)`);
    assert.ok(on.face > 0.7, `only ${(100 * on.face).toFixed(1)} % of the uncovered skin replaced`);
    assert.ok(on.face > off.face - 0.08, `occlusion handling ate the face: ${off.face} → ${on.face}`);
  });

  it('leaves no seam at the oval edge', () => {
    // Across the oval edge (along each vertex's inward normal), the output's steepest one-pixel step is no steeper
    // than the cartoon's own there (its outline), beyond a small share of the face/character contrast.
    const lum = (img: RgbImage, x: number, y: number) => {
      const k = (Math.round(y) * img.width + Math.round(x)) * 3;
      return (img.data[k] + img.data[k + 1] + img.data[k + 2]) / 3;
    };
    const oval = space.contours.faceOval;
    const excess: number[] = [];
    for (const r of withOcclusion) {
      let cx = 0;
      let cy = 0;
      for (const i of oval) {
        cx += r.landmarks[3 * i] / oval.length;
        cy += r.landmarks[3 * i + 1] / oval.length;
      }
      for (const i of oval) {
        const x = r.landmarks[3 * i];
        const y = r.landmarks[3 * i + 1];
        const len = Math.hypot(cx - x, cy - y);
        const profile = (img: RgbImage) =>
          Array.from({ length: 24 }, (_, s) =>
            lum(img, x + ((cx - x) * (s - 4)) / len, y + ((cy - y) * (s - 4)) / len),
          );
        const out = profile(r.out);
        const steepest = (p: number[]) => Math.max(...p.slice(1).map((v, s) => Math.abs(v - p[s])));
        const contrast = Math.abs(out[23] - out[4]);
        if (contrast < 30) continue;
        excess.push((steepest(out) - steepest(profile(r.frame))) / contrast);
      }
    }
    excess.sort((a, b) => a - b);
    assert.ok(excess.length > 50, `only ${excess.length} contrasted edge profiles`);
    const p90 = excess[Math.floor(0.9 * excess.length)];
    assert.ok(
      p90 < 0.25,
      `a seam: one pixel step carries ${(100 * p90).toFixed(0)} % more of the contrast than the cartoon's`,
    );
  });
});

describe("composite: the character's look changes", () => {
  /** A cooler grade of a colour (a light or a grade the colour model never saw). */
  const cool = (r: number, g: number, b: number) => [Math.round(0.8 * r), g, Math.min(255, b + 30)];
  const graded = (img: RgbImage): RgbImage => {
    const data = img.data.slice();
    for (let k = 0; k < data.length; k += 3) data.set(cool(data[k], data[k + 1], data[k + 2]), k);
    return { ...img, data };
  };
  /** Share of the character's graded skin pixels in the oval the new face replaced. */
  const replaced = (compositor: Compositor, index: number) => {
    const t = target(index);
    const frame = graded(t.frame.image);
    const out = compositor.composite(frame, createRgbImage(192, 192, FACE), t);
    const inside = ovalMask(frame, t.landmarks);
    const skin = cool(SKIN[0], SKIN[1], SKIN[2]);
    let face = 0;
    let kept = 0;
    for (let k = 0; k < inside.length; k++) {
      if (inside[k] < 1 || !near(frame.data, k, skin, 50)) continue;
      face++;
      if (near(out.data, k, FACE, 40)) kept++;
    }
    return kept / face;
  };
  const learnt = () => {
    const compositor = new Compositor(space.contours, { harmonize: 0 });
    for (let index = 0; index < 20; index++) {
      const t = target(index);
      compositor.composite(t.frame.image, createRgbImage(192, 192, FACE), t);
    }
    return compositor;
  };

  it('learns it again once the whole face looks unlike the face it knew', () => {
    const compositor = learnt();
    const fresh = new Compositor(space.contours, { harmonize: 0 });
    const frames = Array.from({ length: 30 }, (_, k) => 20 + k);
    const shares = frames.map((index) => replaced(compositor, index));
    const freshShares = frames.map((index) => replaced(fresh, index));
    assert.ok(shares[0] < 0.3, `the grade did not fool the colour model (test is blind): ${shares[0]}`);
    // From a second after the grade on, as much as a compositor that only ever saw the graded frames.
    for (let k = 20; k < frames.length; k++) {
      assert.ok(shares[k] > 0.7, `frame ${frames[k]}: ${(100 * shares[k]).toFixed(0)} % of the face replaced`);
      assert.ok(shares[k] > freshShares[k] - 0.03, `frame ${frames[k]}: ${shares[k]} against ${freshShares[k]}`);
    }
  });

  it('after a cut (reset), from the next frame', () => {
    const compositor = learnt();
    compositor.reset();
    const share = replaced(compositor, 20);
    assert.ok(share > 0.8, `${(100 * share).toFixed(0)} % of the face replaced right after the reset`);
  });
});
