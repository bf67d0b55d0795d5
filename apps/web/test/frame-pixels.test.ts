import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { REPO_ROOT } from '@tooncast/shared';
import { build } from 'esbuild';
import { TestBrowser } from '../../../scripts/services/browser.ts';
import { synthTestClip } from '../../../scripts/services/harness.ts';

/**
 * The page: the barcode clip playing, its frame ids read as the owner and watch pages read them, and each frame's
 * thumbnail (of a 4:3 rect, as on a pillarboxed stream) made twice: from readPresentedPixels' pixels, and from the
 * same rect drawn on a canvas at full size, keyed by the frame's presentation time.
 */
const PAGE_SCRIPT = `
import { watchFrameIds } from './frame-id.ts';
import { readPresentedPixels } from './frame-pixels.ts';
import { centredRect, lumaCells, MATCH_GRID } from './thumbnail.ts';
const video = document.querySelector('video');
const probe = { ids: [], read: {}, drawn: {}, webCodecs: typeof VideoFrame !== 'undefined' };
window.probe = probe;
const rect = (w, h) => centredRect(w, h, 4 / 3);
watchFrameIds(video, (id) => probe.ids.push(id));
readPresentedPixels(video, rect, (pixels, at) => { probe.read[at] = Array.from(lumaCells(pixels, MATCH_GRID)); });
const scratch = document.createElement('canvas').getContext('2d', { willReadFrequently: true });
const draw = (_now, meta) => {
  const r = rect(video.videoWidth, video.videoHeight);
  [scratch.canvas.width, scratch.canvas.height] = [r.width, r.height];
  scratch.drawImage(video, r.x, r.y, r.width, r.height, 0, 0, r.width, r.height);
  const pixels = { data: scratch.getImageData(0, 0, r.width, r.height).data, width: r.width, height: r.height };
  probe.drawn[meta.presentationTime] = Array.from(lumaCells(pixels, MATCH_GRID));
  video.requestVideoFrameCallback(draw);
};
video.requestVideoFrameCallback(draw);
`;

interface Probe {
  /** Whether the page had WebCodecs' VideoFrame to read with. */
  webCodecs: boolean;
  ids: number[];
  read: Record<string, number[]>;
  drawn: Record<string, number[]>;
}

/** Mean absolute difference, in grey levels, between the two thumbnails of each frame both readers saw. */
function thumbnailDifferences(p: Probe): number[] {
  return Object.entries(p.read)
    .filter(([at]) => p.drawn[at])
    .map(([at, cells]) => cells.reduce((s, v, i) => s + Math.abs(v - p.drawn[at][i]), 0) / cells.length);
}

describe('reading the pixels of a playing video (frame ids, thumbnails)', { timeout: 120_000 }, () => {
  let server: http.Server;
  let url: string;
  let browser: TestBrowser;

  before(async () => {
    const clip = await fs.readFile((await synthTestClip()).file);
    const script = await build({
      stdin: { contents: PAGE_SCRIPT, resolveDir: path.join(REPO_ROOT, 'apps/web/lib'), loader: 'ts' },
      bundle: true,
      format: 'iife',
      target: 'es2022',
      write: false,
    });
    const page =
      '<!doctype html><video src="/clip.webm" muted autoplay loop playsinline></video><script src="/page.js"></script>';
    server = http.createServer((req, res) => {
      const [type, body] =
        req.url === '/clip.webm'
          ? ['video/webm', clip]
          : req.url === '/page.js'
            ? ['text/javascript', script.outputFiles[0].text]
            : ['text/html', page];
      res.setHeader('content-type', type);
      res.end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    browser = await TestBrowser.launch();
  });

  after(async () => {
    await browser?.close();
    server?.close();
  });

  /** Plays the clip for 4 s in a fresh page (`init` runs first) and returns what the page read. */
  async function play(init?: string): Promise<Probe> {
    const page = await browser.page(url, init);
    await page.waitForTimeout(4000);
    const probe = (await page.evaluate('window.probe')) as Probe;
    await page.context().close();
    return probe;
  }

  /**
   * What a page read: the clip's ids counting up a frame at a time (a reader may skip a frame, and the loop starts
   * them again), and the same thumbnails both ways on every frame.
   */
  function assertReadAsPlayed(probe: Probe) {
    const { ids } = probe;
    assert.ok(ids.length >= 60, `${ids.length} frame ids read in 4 s of a 24 fps clip`);
    const steps = ids.slice(1).map((id, i) => id - ids[i]);
    const forward = steps.filter((s) => s >= 1 && s <= 3).length;
    assert.ok(forward >= steps.length - 2, `ids ${ids.join(',')}`);
    const differences = thumbnailDifferences(probe);
    assert.ok(differences.length >= 60, `${differences.length} frames thumbnailed both ways`);
    const mean = differences.reduce((s, d) => s + d, 0) / differences.length;
    assert.ok(mean <= 0.5, `thumbnails differ by ${mean.toFixed(2)} grey levels on average`);
  }

  test('through WebCodecs: every frame id, and the pixels a canvas gives of the same rect', async () => {
    const probe = await play();
    assert.equal(probe.webCodecs, true);
    assertReadAsPlayed(probe);
  });

  test('without VideoFrame (browsers that lack it): the same through a canvas', async () => {
    const probe = await play('delete window.VideoFrame;');
    assert.equal(probe.webCodecs, false);
    assertReadAsPlayed(probe);
  });
});
