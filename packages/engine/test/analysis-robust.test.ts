import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { describe, it } from 'node:test';
import { blendAppearance } from '../src/analysis/identity.ts';

/** weightedNms on `dets` in a process of its own, so a call that never returns fails the test instead of hanging it. */
function nmsApart(dets: unknown, minIou: number): Promise<unknown> {
  const detector = new URL('../src/analysis/detector.ts', import.meta.url).href;
  const code = `const { weightedNms } = await import(${JSON.stringify(detector)});
    process.stdout.write(JSON.stringify(weightedNms(${JSON.stringify(dets)}, ${minIou})));`;
  const args = ['--import', 'tsx', '--input-type=module', '-e', code];
  return new Promise((resolve, reject) =>
    execFile(process.execPath, args, { timeout: 20_000 }, (err, out) =>
      err ? reject(new Error(`weightedNms did not return: ${err.message}`)) : resolve(JSON.parse(out)),
    ),
  );
}

describe('step 1 on degenerate readings', () => {
  it("the detector's suppression ends on a box without area", async () => {
    // It kept the best box until it overlapped itself, which a box without area never does: an endless loop on the
    // engine thread every session shares.
    const keypoints: [number, number][] = [[0, 0]];
    const dets = [
      { box: { x: 10, y: 10, w: 0, h: 20 }, keypoints, score: 0.9 },
      { box: { x: 50, y: 50, w: 20, h: 20 }, keypoints, score: 0.8 },
    ];
    const kept = (await nmsApart(dets, 0.3)) as typeof dets;
    assert.deepEqual(
      kept.map((d) => d.box),
      dets.map((d) => d.box),
    );
  });

  it("the character's look takes a patch it first saw off the frame once the patch is seen", () => {
    // Picked with its hair above the frame: those patches stayed NaN for the rest of the video, and the hair cue
    // was never compared again.
    const remembered = Float32Array.from([0.5, Number.NaN, 0.2]);
    blendAppearance(remembered, Float32Array.from([0.7, 0.4, Number.NaN]), 0.1);
    assert.deepEqual(
      Array.from(remembered).map((v) => Math.round(v * 1000) / 1000),
      [0.52, 0.4, 0.2],
    );
  });
});
