import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { RedisKeys } from '@tooncast/shared';
import { targetPointAt } from '@tooncast/synth';
import { Redis } from 'ioredis';
import {
  type FacePatches,
  faceDifferences,
  firstPersonalizedFrame,
  glassToGlass,
  installFaceProbe,
  measurements,
  percentile,
  startOwnerSession,
  TestBrowser,
} from '../../../scripts/services/browser.ts';
import {
  blankSelfie,
  insideNetns,
  type SynthTestClip,
  selfieFixture,
  startTestStack,
  synthTestClip,
} from '../../../scripts/services/harness.ts';
import type { LiveStack } from '../../../scripts/services/stack.ts';
import { decodeImage } from '../src/decode-image.ts';

const START_FRAME = 24;

if (await insideNetns(import.meta.filename)) {
  let stack: LiveStack;
  let browser: TestBrowser;
  let clip: SynthTestClip;
  before(async () => {
    clip = await synthTestClip();
    stack = await startTestStack({ TOONCAST_FRAME_PROCESSOR: 'engine' });
    browser = await TestBrowser.launch();
  });
  after(async () => {
    await browser?.close();
    await stack?.stop();
  });

  test('live with the engine: the owner sees the character wearing the selfie face', { timeout: 180_000 }, async () => {
    const point = targetPointAt(clip.truths, START_FRAME);
    const owner = await browser.page(stack.webUrl);
    await startOwnerSession(owner, clip.file, selfieFixture(), {
      x: point.x / 640,
      y: point.y / 360,
      t: START_FRAME / 24,
    });
    const first = await firstPersonalizedFrame(owner, 30_000);
    // The page sent the paused frame it was clicked on (a JPEG at the worker's frame size): the worker picked the
    // character on it while the stream started.
    const redis = new Redis(stack.redisUrl);
    const clicked = await redis.getBuffer(RedisKeys.targetFrame((await measurements(owner)).sessionId!));
    redis.disconnect();
    assert.deepEqual([...clicked!.subarray(0, 2)], [0xff, 0xd8], 'the clicked frame is a JPEG');
    const { width, height } = await decodeImage(clicked!);
    assert.deepEqual({ width, height }, { width: 640, height: 360 });
    // tsx's keepNames helper is not defined in the page.
    await owner.evaluate('window.__name = (f) => f');
    await owner.evaluate(installFaceProbe, clip.faceBoxes);
    await new Promise((r) => setTimeout(r, 8000));
    const patches = await owner.evaluate(() => (window as unknown as { facePatches: FacePatches }).facePatches);
    const diffs = faceDifferences(patches);
    const m = await measurements(owner);
    const ids = m.received.map((r) => r.id);
    // The 10 s clip loops while we watch, so ids may wrap once; otherwise they only move forward.
    const backwards = ids.filter((id, i) => i > 0 && id < ids[i - 1]).length;
    assert.ok(ids.length > 10 && backwards <= 1, `personalized frames arrive and advance: ${ids.join(',')}`);
    console.log(JSON.stringify({ faceDiffs: diffs.map(Math.round) }));
    assert.ok(diffs.length >= 5, `face regions compared on ${diffs.length} frames`);
    const replaced = diffs.filter((d) => d > 12).length;
    assert.ok(
      replaced >= diffs.length * 0.6,
      `the face differs from the original on ${replaced} of ${diffs.length} frames`,
    );
    const g2g = glassToGlass(m, m.firstFrameAt! + 2000);
    console.log(
      JSON.stringify({
        processor: 'engine',
        firstFrameMs: first,
        glassToGlassP50: percentile(g2g, 0.5),
        glassToGlassP95: percentile(g2g, 0.95),
        workerStats: m.workerStats,
        faceDiffMedian: percentile(diffs, 0.5),
      }),
    );
  });

  test('a selfie without a face is refused on the owner page before the start', { timeout: 60_000 }, async () => {
    const blank = await blankSelfie();
    const owner = await browser.page(stack.webUrl);
    // The page asks the engine's selfie analysis (the check the worker runs at the start) when the file is chosen.
    await owner.getByTestId('selfie-file').setInputFiles(blank);
    const refusal = await owner.getByTestId('selfie-refusal').textContent();
    assert.match(refusal ?? '', /cannot be used: no face was found/);
    assert.equal(await owner.getByTestId('start').isDisabled(), true);
    await owner.context().close();
  });
}
