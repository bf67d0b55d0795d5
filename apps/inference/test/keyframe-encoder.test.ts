import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createLogger } from '@tooncast/shared';
import { KeyframeEncoder } from '../src/media/keyframe-encoder.ts';
import { isVp8Keyframe } from '../src/media/vp8.ts';

const log = createLogger('keyframe-encoder-test', 'warn');
const width = 160;
const height = 96;

test('keyframes come where they are asked for, also twice in a row before the next standby encoder started', async () => {
  const out: { index: number; keyframe: boolean }[] = [];
  const encoder = new KeyframeEncoder(
    { width, height, keyframeInterval: 1000, bitrateKbps: 500 },
    (vp8, index) => out.push({ index, keyframe: isVp8Keyframe(vp8) }),
    log,
    (e) => assert.fail(e),
  );
  const asked = new Set([10, 11, 20]);
  for (let i = 0; i < 30; i++) {
    if (asked.has(i)) encoder.requestKeyframe();
    const data = new Uint8Array(width * height * 3).fill((i * 8) & 255);
    assert.equal(encoder.encode({ width, height, data }), i);
    await new Promise((r) => setTimeout(r, 20));
  }
  await new Promise((r) => setTimeout(r, 500));
  await encoder.close();
  const keyframes = out.filter((f) => f.keyframe).map((f) => f.index);
  assert.deepEqual(keyframes, [0, 10, 11, 20]);
  // The caller drops a replaced encoder's frames that come out after its successor's keyframe: at most the one
  // frame each replaced encoder still held.
  const kept = out.filter((f, i) => out.slice(0, i).every((earlier) => earlier.index < f.index));
  assert.ok(kept.length >= 30 - 3, `${kept.length} of 30 frames out in order`);
  assert.ok(
    [0, 10, 11, 20].every((k) => kept.some((f) => f.index === k && f.keyframe)),
    'every keyframe among them',
  );
});
