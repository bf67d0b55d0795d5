import assert from 'node:assert/strict';
import { test } from 'node:test';
import ffmpeg from '@ffmpeg-installer/ffmpeg';
import { createLogger } from '@tooncast/shared';
import { Vp8Decoder, Vp8Encoder } from '../src/media/codec.ts';
import { isVp8Keyframe } from '../src/media/vp8.ts';

const log = createLogger('vp8-encoder-test', 'warn');
const width = 160;
const height = 96;

test('keyframes come where they are asked for, also twice in a row, and every frame comes out in order', async () => {
  const out: { index: number; keyframe: boolean }[] = [];
  const encoder = new Vp8Encoder(
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
    await new Promise((r) => setTimeout(r, 10));
  }
  assert.throws(() => encoder.encode({ width, height: height / 2, data: new Uint8Array((width * height * 3) / 2) }), {
    message: /a frame of 23040 bytes, not 46080 \(160×96 RGB\)/,
  });
  await new Promise((r) => setTimeout(r, 300));
  await encoder.close();
  assert.deepEqual(
    out.map((f) => f.index),
    Array.from({ length: 30 }, (_, i) => i),
  );
  assert.deepEqual(
    out.filter((f) => f.keyframe).map((f) => f.index),
    [0, 10, 11, 20],
  );
});

test('an ffmpeg that cannot start is reported as the codec failing, not thrown', async () => {
  const failures: string[] = [];
  const onFailure = (e: Error) => failures.push(e.message);
  const installed = ffmpeg.path;
  ffmpeg.path = '/nonexistent/ffmpeg';
  let codecs: (Vp8Decoder | Vp8Encoder)[];
  try {
    codecs = [
      new Vp8Decoder(width, height, () => undefined, log, onFailure),
      new Vp8Encoder({ width, height, keyframeInterval: 1000, bitrateKbps: 500 }, () => undefined, log, onFailure),
    ];
  } finally {
    ffmpeg.path = installed;
  }
  await new Promise((r) => setTimeout(r, 100));
  assert.deepEqual(failures, [
    'decoder ffmpeg failed: spawn /nonexistent/ffmpeg ENOENT',
    'encoder ffmpeg failed: spawn /nonexistent/ffmpeg ENOENT',
  ]);
  await Promise.all(codecs.map((c) => c.close()));
});
