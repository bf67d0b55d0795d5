import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { type ClipSpec, createClipRenderer, DEMO_CLIP, renderClip, truthToJson } from '../src/index.ts';

function clipHash(spec: ClipSpec): { frames: string; truth: string } {
  const frames = createHash('sha256');
  const truths = [];
  for (const { image, truth } of renderClip(spec)) {
    frames.update(image.data);
    truths.push(truth);
  }
  return { frames: frames.digest('hex'), truth: createHash('sha256').update(truthToJson(truths, spec)).digest('hex') };
}

describe('renderClip determinism', () => {
  // A short, low-rate version of the demo keeps this fast while still covering the whole script.
  const short: ClipSpec = { ...DEMO_CLIP, fps: 3 };

  it('renders identical bytes and ground truth for the same spec and seed', () => {
    const a = clipHash(short);
    const b = clipHash(short);
    assert.equal(a.frames, b.frames);
    assert.equal(a.truth, b.truth);
  });

  it('renders a different clip for another seed', () => {
    const a = clipHash(short);
    const c = clipHash({ ...short, seed: short.seed + 1 });
    assert.notEqual(a.frames, c.frames);
    assert.notEqual(a.truth, c.truth);
  });

  it('renders any frame on demand exactly as in sequence', () => {
    const sequence = [...renderClip(short)];
    const renderer = createClipRenderer(short);
    for (const index of [sequence.length - 1, 0, 13]) {
      const frame = renderer.render(index);
      assert.deepEqual(frame.image.data, sequence[index].image.data);
      assert.deepEqual(frame.truth, sequence[index].truth);
    }
    assert.throws(() => renderer.render(sequence.length), /frame index/);
  });

  it('rejects a bad spec with a clear error', () => {
    assert.throws(() => renderClip({ ...short, width: 0 }).next(), /width/);
    assert.throws(() => renderClip({ ...short, fps: Number.NaN }).next(), /fps/);
    assert.throws(() => renderClip({ ...short, durationSec: 0.1 }).next(), /durationSec/);
  });
});
