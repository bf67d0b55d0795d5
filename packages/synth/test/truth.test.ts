import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import {
  type CharacterTruth,
  DEMO_CLIP,
  eyeOpenRatios,
  type FrameTruth,
  frameCount,
  interOcular,
  LANDMARK,
  mouthOpenRatio,
  NME_LANDMARK_INDICES,
  nme,
  renderClip,
  SCRIPT,
  targetPointAt,
  truthToJson,
} from '../src/index.ts';

const truths: FrameTruth[] = [];

const who = (f: FrameTruth, id: CharacterTruth['id']) => {
  const c = f.characters.find((x) => x.id === id);
  assert.ok(c, `frame ${f.index} lacks ${id}`);
  return c;
};
const tau = (f: FrameTruth) => f.timeSec / DEMO_CLIP.durationSec;

function pearson(xs: number[], ys: number[]): number {
  const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
  const my = ys.reduce((a, b) => a + b, 0) / ys.length;
  let sxy = 0;
  let sx = 0;
  let sy = 0;
  for (let i = 0; i < xs.length; i++) {
    sxy += (xs[i] - mx) * (ys[i] - my);
    sx += (xs[i] - mx) ** 2;
    sy += (ys[i] - my) ** 2;
  }
  return sxy / Math.sqrt(sx * sy);
}

describe('demo clip ground truth', () => {
  before(() => {
    for (const { image, truth } of renderClip(DEMO_CLIP)) {
      assert.equal(image.data.length, DEMO_CLIP.width * DEMO_CLIP.height * 3);
      truths.push(truth);
    }
  });

  it('has one truth per frame with both characters', () => {
    assert.equal(truths.length, frameCount(DEMO_CLIP));
    assert.equal(truths.length, 240);
    for (const f of truths) assert.deepEqual(f.characters.map((c) => c.id).sort(), ['distractor', 'target']);
  });

  it('keeps landmarks inside their box and faces within the scripted size range', () => {
    for (const f of truths) {
      for (const c of f.characters) {
        assert.equal(c.landmarks.length, 468);
        for (const [x, y] of c.landmarks) {
          assert.ok(
            x >= c.box.x - 1e-6 &&
              x <= c.box.x + c.box.w + 1e-6 &&
              y >= c.box.y - 1e-6 &&
              y <= c.box.y + c.box.h + 1e-6,
          );
        }
        if (c.visible) assert.ok(c.box.h >= 70 && c.box.h <= 170, `face height ${c.box.h} in frame ${f.index}`);
      }
    }
  });

  it('marks the target invisible while it is out of frame and visible again after re-entry', () => {
    const target = truths.map((f) => [tau(f), who(f, 'target')] as const);
    const gone = target.filter(([t]) => t >= SCRIPT.exit.gone && t < SCRIPT.reentry.start);
    assert.ok(gone.length >= DEMO_CLIP.fps * 0.9, 'the target stays away for about a second');
    for (const [, c] of gone) {
      assert.equal(c.visible, false);
      assert.equal(c.inFrame, 0);
    }
    for (const [t, c] of target) {
      if (t < SCRIPT.occlusion.start || (t >= SCRIPT.reentry.back && t <= 1)) assert.equal(c.visible, true, `τ=${t}`);
    }
    // Visibility flips exactly once out and once back in, around the scripted exit and re-entry.
    const flips = target.slice(1).filter(([, c], i) => c.visible !== target[i][1].visible);
    assert.equal(flips.length, 2);
    assert.ok(flips[0][0] > SCRIPT.exit.start && flips[0][0] < SCRIPT.exit.gone);
    assert.ok(flips[1][0] > SCRIPT.reentry.start && flips[1][0] < SCRIPT.reentry.back);
  });

  it('records the ball occluding part of the target face only during the occlusion', () => {
    const during = truths.filter((f) => tau(f) >= SCRIPT.occlusion.start && tau(f) < SCRIPT.occlusion.end);
    const maxOcc = Math.max(...during.map((f) => who(f, 'target').occluded));
    assert.ok(maxOcc > 0.2 && maxOcc < 0.5, `max occlusion ${maxOcc}`);
    const covered = during.filter((f) => who(f, 'target').occluded > 0.05).length / DEMO_CLIP.fps;
    assert.ok(covered >= 0.7 && covered <= 1.5, `covered for ${covered} s`);
    for (const f of truths) {
      if (tau(f) < SCRIPT.occlusion.start - 0.05 || tau(f) > SCRIPT.occlusion.end + 0.05) {
        assert.equal(who(f, 'target').occluded, 0);
      }
      assert.equal(who(f, 'distractor').occluded, 0);
    }
  });

  it('brings the distractor close to the target without overlapping faces', () => {
    let closest = Number.POSITIVE_INFINITY;
    for (const f of truths) {
      const t = who(f, 'target');
      const d = who(f, 'distractor');
      assert.equal(d.visible, true);
      if (!t.visible) continue;
      const ix = Math.max(0, Math.min(t.box.x + t.box.w, d.box.x + d.box.w) - Math.max(t.box.x, d.box.x));
      const iy = Math.max(0, Math.min(t.box.y + t.box.h, d.box.y + d.box.h) - Math.max(t.box.y, d.box.y));
      assert.ok(ix * iy < 0.05 * d.box.w * d.box.h, `faces overlap in frame ${f.index}`);
      const gap = Math.max(d.box.x, t.box.x) - Math.min(d.box.x + d.box.w, t.box.x + t.box.w);
      closest = Math.min(closest, gap);
    }
    assert.ok(closest < 50, `closest gap between faces ${closest} px`);
  });

  it('moves the mouth and eye landmarks with the scripted expression', () => {
    for (const id of ['target', 'distractor'] as const) {
      const cs = truths.map((f) => who(f, id));
      const mouth = pearson(
        cs.map((c) => c.mouthOpen),
        cs.map((c) => mouthOpenRatio(c.landmarks)),
      );
      assert.ok(mouth > 0.95, `${id} mouth correlation ${mouth}`);
      const eyes = pearson(
        cs.map((c) => c.eyeOpenLeft + c.eyeOpenRight),
        cs.map((c) => {
          const r = eyeOpenRatios(c.landmarks);
          return r.left + r.right;
        }),
      );
      assert.ok(eyes > 0.9, `${id} eye correlation ${eyes}`);
      assert.ok(cs.some((c) => c.mouthOpen > 0.8) && cs.some((c) => c.eyeOpenLeft < 0.1), `${id} opens and blinks`);
    }
    const target = truths.map((f) => who(f, 'target'));
    const browGap = target.map(
      (c) => (c.landmarks[LANDMARK.rightEyeTop][1] - c.landmarks[105][1]) / interOcular(c.landmarks),
    );
    assert.ok(
      pearson(
        target.map((c) => c.browRaise),
        browGap,
      ) > 0.5,
      'brows rise with browRaise',
    );
  });

  it('turns and tilts the target through the scripted range', () => {
    const target = truths.map((f) => who(f, 'target'));
    const span = (k: 'yaw' | 'roll') => [Math.min(...target.map((c) => c[k])), Math.max(...target.map((c) => c[k]))];
    const [yawMin, yawMax] = span('yaw');
    const [rollMin, rollMax] = span('roll');
    assert.ok(yawMin < -28 && yawMax > 28, `yaw ${yawMin}..${yawMax}`);
    assert.ok(rollMin < -18 && rollMax > 18, `roll ${rollMin}..${rollMax}`);
  });

  it('gives a click point on the visible target and refuses one when it is away', () => {
    const f = truths[12];
    const p = targetPointAt(truths, 12);
    const t = who(f, 'target');
    assert.ok(p.x > t.box.x && p.x < t.box.x + t.box.w && p.y > t.box.y && p.y < t.box.y + t.box.h);
    const away = truths.find((x) => !who(x, 'target').visible);
    assert.ok(away);
    assert.throws(() => targetPointAt(truths, away.index), /not visible/);
  });

  it('scores its own landmarks with zero NME and a shifted copy proportionally', () => {
    const t = who(truths[0], 'target');
    assert.equal(nme(t.landmarks, t.landmarks), 0);
    const io = interOcular(t.landmarks);
    const shifted = t.landmarks.map(([x, y]) => [x + 0.05 * io, y] as [number, number]);
    assert.ok(Math.abs(nme(shifted, t.landmarks) - 0.05) < 1e-9);
    assert.ok(NME_LANDMARK_INDICES.every((i) => i >= 0 && i < 468));
  });

  it('serializes the ground truth as JSON', () => {
    const json = JSON.parse(truthToJson(truths.slice(0, 3), DEMO_CLIP));
    assert.equal(json.frames.length, 3);
    assert.equal(json.frames[0].characters[0].landmarks.length, 468);
    assert.deepEqual(json.nmeLandmarkIndices, [...NME_LANDMARK_INDICES]);
    assert.equal(json.spec.width, 640);
  });
});
