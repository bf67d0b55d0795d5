import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { lidGap } from '../src/analysis/expression.ts';
import { EYELID_LANDMARKS } from '../src/analysis/iris.ts';
import { OpenEyes } from '../src/analysis/openEyes.ts';

/**
 * Both eyes' rings on an eye line tilted by `tilt` radians: lower lids flat, `corner` px from each eye's centre at
 * the ends, seven upper-lid points over ±15 px `gap` px above the lower lid (`gap` per eye: right, left).
 */
function eyes(tilt: number, gap: [number, number], corner = 20): Float32Array {
  const lm = new Float32Array(468 * 3);
  const [c, s] = [Math.cos(tilt), Math.sin(tilt)];
  const place = (i: number, x: number, y: number) => lm.set([200 + c * x - s * y, 150 + s * x + c * y, 0], 3 * i);
  EYELID_LANDMARKS.forEach((ring, e) => {
    // Each ring runs from the outer corner to the inner one: rightward on the right eye (image left), mirrored.
    const centre = e === 0 ? -40 : 40;
    const dir = e === 0 ? 1 : -1;
    ring.slice(0, 9).forEach((i, k) => {
      place(i, centre + dir * (k === 0 ? -corner : k === 8 ? corner : -15 + (30 * (k - 1)) / 6), 0);
    });
    ring.slice(9).forEach((i, k) => {
      place(i, centre + dir * (-15 + 5 * k), -gap[e]);
    });
  });
  return lm;
}

describe('step 1: eye opening (lidGap)', () => {
  it('is the lid gap over the upper lid’s span, per eye', () => {
    const lm = eyes(0, [9, 4.5]);
    assert.ok(Math.abs(lidGap(lm, 0) - 9 / 30) < 1e-6, `right ${lidGap(lm, 0)}`);
    assert.ok(Math.abs(lidGap(lm, 1) - 4.5 / 30) < 1e-6, `left ${lidGap(lm, 1)}`);
    assert.equal(lidGap(eyes(0, [0, 0]), 0), 0, 'a shut eye');
  });

  it('does not change as the head rolls or as the corners drift outward (FaceMesh on a turning drawn head)', () => {
    const upright = lidGap(eyes(0, [9, 9]), 0);
    for (const tilt of [-0.5, 0.3]) {
      assert.ok(Math.abs(lidGap(eyes(tilt, [9, 9]), 0) - upright) < 1e-6, `rolled by ${tilt}`);
    }
    assert.ok(Math.abs(lidGap(eyes(0, [9, 9], 26), 0) - upright) < 1e-6, 'corners 30 % further out');
  });
});

describe('OpenEyes', () => {
  const eyes = (gap: number) => ({ eyeOpenLeft: gap, eyeOpenRight: gap });
  // Eyes open at 0.3 of the lids' span, a 5-frame blink (0.05) every 40 frames.
  const clip = (frames: number) => Array.from({ length: frames }, (_, i) => (i % 40 < 5 ? 0.05 : 0.3));

  it('a click on open eyes is the open gap from the first frame, through blinks', () => {
    const open = new OpenEyes(eyes(0.3));
    for (const gap of clip(200)) assert.equal(open.read(eyes(gap)).toFixed(3), '0.300');
  });

  it('a click on a blink gives way once the frames show open eyes, and blinks do not move it back', () => {
    const open = new OpenEyes(eyes(0.05));
    const read = clip(200).map((gap) => open.read(eyes(gap)));
    // The first 5 frames are the clicked blink itself; then the open frames outnumber it and the click.
    assert.ok(read[4] < 0.1, `still the click's: ${read[4]}`);
    const settled = read.findIndex((g) => g > 0.29);
    assert.ok(settled > 4 && settled <= 20, `settled at frame ${settled}`);
    assert.ok(
      read.slice(settled).every((g) => Math.abs(g - 0.3) < 1e-6),
      'the open gap holds through later blinks',
    );
  });
});
