import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createLogger, loadConfig } from '@tooncast/shared';
import type { Page } from 'playwright-core';
import { TestBrowser } from '../../../scripts/services/browser.ts';
import { insideNetns } from '../../../scripts/services/harness.ts';
import { JanusConnection, type PluginHandle, VideoRoom } from '../src/janus/index.ts';
import { JanusProcess } from '../src/services/janus-process.ts';

/** A new publishing PeerConnection in `page` (a canvas's picture); its offer once ICE gathering is complete. */
function publisherOffer(page: Page): Promise<string> {
  return page.evaluate(async () => {
    const canvas = document.createElement('canvas');
    canvas.width = 160;
    canvas.height = 120;
    const ctx = canvas.getContext('2d')!;
    setInterval(() => {
      ctx.fillStyle = `hsl(${Date.now() % 360}, 50%, 50%)`;
      ctx.fillRect(0, 0, 160, 120);
    }, 40);
    const pc = new RTCPeerConnection();
    pc.addTransceiver(canvas.captureStream(25).getVideoTracks()[0], { direction: 'sendonly' });
    await pc.setLocalDescription(await pc.createOffer());
    // (No named functions in here: the test's transpiler would wrap them in a helper the page lacks.)
    while (pc.iceGatheringState !== 'complete') {
      await new Promise((r) => pc.addEventListener('icegatheringstatechange', r, { once: true }));
    }
    const held = window as unknown as { publishers?: RTCPeerConnection[] };
    (held.publishers ??= []).push(pc);
    return pc.localDescription!.sdp;
  });
}

if (await insideNetns(import.meta.filename)) {
  describe('the session room (real Janus, Chromium)', { timeout: 60_000 }, () => {
    const log = createLogger('videoroom-test', 'warn');
    let janusProcess: JanusProcess;
    let janus: JanusConnection;
    let control: PluginHandle;
    let browser: TestBrowser;

    before(async () => {
      janusProcess = new JanusProcess({ iceAddress: loadConfig().live.host, rtpPorts: '22000-22999' }, log);
      janus = await JanusConnection.open(await janusProcess.start(), log);
      control = await janus.attach('janus.plugin.videoroom', janusProcess.adminKey);
      browser = await TestBrowser.launch();
    });
    after(async () => {
      await browser?.close();
      await janus?.close();
      await janusProcess?.stop();
    });

    test('a new publisher joins the full room once the one it replaces has left', async () => {
      const room = await VideoRoom.create(janus, control, 'videoroom test');
      const page = await browser.page('about:blank');
      // The replaced publisher, its media up (the owner's page reloaded; Janus has not let it go yet).
      const replaced = await janus.attach('janus.plugin.videoroom');
      try {
        const up = new Promise<void>((resolve) => replaced.onWebrtcUp(resolve));
        const { jsep } = await replaced.request(
          { request: 'joinandconfigure', ptype: 'publisher', room: room.id, video: true },
          { type: 'offer', sdp: await publisherOffer(page) },
        );
        await page.evaluate((sdp) => {
          const { publishers } = window as unknown as { publishers: RTCPeerConnection[] };
          return publishers[0].setRemoteDescription({ type: 'answer', sdp });
        }, jsep!.sdp);
        await up;

        const offer = { type: 'offer' as const, sdp: await publisherOffer(page) };
        const startedAt = Date.now();
        const leaves = new Promise((r) => setTimeout(r, 600)).then(() => replaced.close());
        // Refused while the room is full, then accepted: the same offer, tried again.
        const answer = await room.publish(offer, () => undefined);
        const waitedMs = Date.now() - startedAt;
        await leaves;
        assert.ok(waitedMs >= 600, `joined after ${waitedMs} ms: the room was full until the replaced one left`);
        assert.equal(answer.type, 'answer');
        assert.match(answer.sdp, /m=video/);
        assert.equal(room.publishing, true);
      } finally {
        await replaced.close();
        await page.context().close();
        await room.destroy();
      }
    });
  });
}
