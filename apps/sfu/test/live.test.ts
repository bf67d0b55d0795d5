import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  glassToGlass,
  inboundVideo,
  measurements,
  percentile,
  startOwnerSession,
  TestBrowser,
  until,
} from '../../../scripts/services/browser.ts';
import type { LiveStack } from '../../../scripts/services/stack.ts';
import { insideNetns, selfieFixture, startTestStack, testClip } from './live-stack.ts';

/** The test clip's face centre at t = 1 s (see scripts/services/test-clip.ts). */
const FACE = { x: 0.5 + 0.25 * Math.sin(24 / 30), y: 0.58, t: 1 };

if (await insideNetns(import.meta.filename)) {
  describe('live service end to end (pass-through worker)', { timeout: 300_000 }, () => {
    let stack: LiveStack;
    let browser: TestBrowser;
    let clip: string;

    before(async () => {
      clip = await testClip();
      stack = await startTestStack();
      browser = await TestBrowser.launch();
    });
    after(async () => {
      await browser?.close();
      await stack?.stop();
    });

    test('owner gets the personalized stream, a viewer joins by the share link', async () => {
      const owner = await browser.page(stack.webUrl);
      await startOwnerSession(owner, clip, selfieFixture(), FACE).catch(async (err) => {
        await owner.screenshot({ path: '/tmp/tc/owner-fail.png' });
        throw err;
      });
      const first = await until('the first personalized frame', 15_000, async () => {
        const m = await measurements(owner);
        assert.deepEqual(m.errors, []);
        return m.firstFrameAt && m.startedAt ? m.firstFrameAt - m.startedAt : undefined;
      }).catch(async (err) => {
        await owner.screenshot({ path: '/tmp/tc/owner-fail.png' });
        console.log(
          JSON.stringify({
            ...(await measurements(owner)),
            sourceShown: undefined,
            inbound: await inboundVideo(owner),
          }).slice(0, 3000),
        );
        throw err;
      });
      await new Promise((r) => setTimeout(r, 5000));
      const m = await measurements(owner);
      const ids = m.received.map((r) => r.id);
      assert.ok(ids.length > 60, `only ${ids.length} barcoded frames arrived in 5 s`);
      assert.ok(ids.at(-1)! > ids[0], 'frame ids advance');
      const g2g = glassToGlass(m);
      const inbound = await inboundVideo(owner);
      console.log(
        JSON.stringify({
          firstFrameMs: first,
          glassToGlassP50: percentile(g2g, 0.5),
          glassToGlassP95: percentile(g2g, 0.95),
          frames: g2g.length,
          inbound,
        }),
      );

      const viewer = await browser.page(m.shareUrl!);
      const late = await until('the viewer picture', 10_000, async () => {
        const v = await measurements(viewer);
        assert.deepEqual(v.errors, []);
        return v.firstFrameAt && v.startedAt ? v.firstFrameAt - v.startedAt : undefined;
      });
      await new Promise((r) => setTimeout(r, 2000));
      const v = await measurements(viewer);
      assert.ok(v.received.length > 20, 'the viewer receives barcoded frames');
      console.log(JSON.stringify({ lateJoinerMs: late }));
    });
  });
}
