/// <reference lib="dom" />
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';

/** Flags that work for headless Chromium as root with WebRTC inside the private namespace. */
const FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--use-fake-ui-for-media-stream',
  '--use-fake-device-for-media-stream',
  '--autoplay-policy=no-user-gesture-required',
];

/** System Chromium (never a downloaded one) with its own HOME; one browser context per page. */
export class TestBrowser {
  private constructor(
    private readonly browser: Browser,
    private readonly home: string,
  ) {}

  static async launch(): Promise<TestBrowser> {
    const home = await fs.mkdtemp(path.join(os.tmpdir(), 'tooncast-chromium-'));
    const browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: FLAGS,
      env: { ...process.env, HOME: home },
    });
    return new TestBrowser(browser, home);
  }

  async page(url: string): Promise<Page> {
    const context = await this.browser.newContext({ viewport: { width: 1400, height: 900 } });
    const page = await context.newPage();
    page.on('pageerror', (err) => console.error(`[page error] ${err.message}`));
    await page.goto(url);
    return page;
  }

  async close(): Promise<void> {
    await this.browser.close();
    await fs.rm(this.home, { recursive: true, force: true });
  }
}

/** What apps/web exposes as `window.tooncast` (see apps/web/lib/measure.ts). */
export interface PageMeasurements {
  state: string;
  errors: string[];
  startedAt?: number;
  firstFrameAt?: number;
  sourceShown: Record<number, number>;
  received: { id: number; at: number }[];
  shareUrl?: string;
  sessionId?: string;
  workerStats?: Record<string, number>;
}

export async function measurements(page: Page): Promise<PageMeasurements> {
  await page.waitForFunction(() => 'tooncast' in window);
  return page.evaluate(() => (window as unknown as { tooncast: PageMeasurements }).tooncast);
}

export async function inboundVideo(page: Page): Promise<Record<string, number> | undefined> {
  return page.evaluate(() =>
    (window as unknown as { tooncast: { inbound?: () => Promise<Record<string, number>> } }).tooncast.inbound?.(),
  );
}

/** Polls `probe` until it returns a value, or fails with `what` after `timeoutMs`. */
export async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Owner flow through the UI: clip file, selfie file, pause on a frame, click the face, start. */
export async function startOwnerSession(
  page: Page,
  clip: string,
  selfie: string,
  face: { x: number; y: number; t: number },
) {
  await page.getByTestId('clip-file').setInputFiles(clip);
  await page.getByTestId('selfie-file').setInputFiles(selfie);
  const video = page.getByTestId('clip');
  await video.evaluate(async (v: HTMLVideoElement, t) => {
    if (v.readyState < 1) await new Promise((r) => v.addEventListener('loadedmetadata', r, { once: true }));
    v.pause();
    v.currentTime = t;
    await new Promise((r) => v.addEventListener('seeked', r, { once: true }));
  }, face.t);
  const box = (await video.boundingBox())!;
  await video.click({ position: { x: face.x * box.width, y: face.y * box.height } });
  await page.getByTestId('start').click();
}

/** Glass-to-glass latency (ms) of every personalized frame whose source presentation the page recorded. */
export function glassToGlass(m: PageMeasurements, since = 0): number[] {
  return m.received
    .filter((r) => r.at >= since && m.sourceShown[r.id] !== undefined)
    .map((r) => r.at - m.sourceShown[r.id]);
}

export function percentile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] : Number.NaN;
}
