/// <reference lib="dom" />
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { StreamMeasurements } from '@tooncast/shared';
import { MAX_PAIRING_MS } from '@tooncast/shared/frame-barcode';
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

  /** `extraFlags` e.g. `--use-file-for-fake-video-capture=<y4m>` (what the fake webcam shows). */
  static async launch(extraFlags: string[] = []): Promise<TestBrowser> {
    const home = await fs.mkdtemp(path.join(os.tmpdir(), 'tooncast-chromium-'));
    const browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: [...FLAGS, ...extraFlags],
      env: { ...process.env, HOME: home },
    });
    return new TestBrowser(browser, home);
  }

  /** A new page at `url`; `init` is a script the page runs before its own (e.g. to stand in for a browser policy). */
  async page(url: string, init?: string): Promise<Page> {
    const context = await this.browser.newContext({ viewport: { width: 1400, height: 900 } });
    if (init) await context.addInitScript(init);
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

/**
 * A test's cleanup: ends the owner page's stream at once (its End button, when the stream got that far), not after
 * the owner's grace time, so that the next test finds its worker free; then closes the page.
 */
export async function endAndClose(owner: Page): Promise<void> {
  await owner
    .getByTestId('end')
    .click({ timeout: 2000 })
    .catch(() => undefined);
  await owner.context().close();
}

/** A page init script (TestBrowser.page) that keeps every RTCPeerConnection the page makes, for connectedPorts. */
export const KEEP_PEER_CONNECTIONS = `(() => {
  const Native = RTCPeerConnection;
  const made = (window.peerConnections = []);
  window.RTCPeerConnection = class extends Native {
    constructor(...args) { super(...args); made.push(this); }
  };
})()`;

/** A page init script that records each text the page's connecting note showed, in `window.notesShown`. */
export const RECORD_CONNECTING_NOTES = `(() => {
  const shown = (window.notesShown = []);
  setInterval(() => {
    const note = document.querySelector('[data-testid="connecting"]');
    const text = note && !note.hidden && note.textContent;
    if (text && !shown.includes(text)) shown.push(text);
  }, 50);
})()`;

/** The page's UDP port of each connected RTCPeerConnection's selected candidate pair (needs KEEP_PEER_CONNECTIONS). */
export function connectedPorts(page: Page): Promise<number[]> {
  return page.evaluate(async () => {
    const ports: number[] = [];
    for (const pc of (window as unknown as { peerConnections: RTCPeerConnection[] }).peerConnections) {
      if (pc.connectionState !== 'connected') continue;
      // A Map of report objects (this file's type library has the DOM without its iterables).
      const stats = (await pc.getStats()) as unknown as Map<string, Record<string, string & number>>;
      const transport = [...stats.values()].find((s) => s.type === 'transport' && s.selectedCandidatePairId);
      const pair = transport && stats.get(transport.selectedCandidatePairId);
      const local = pair && stats.get(pair.localCandidateId);
      if (local) ports.push(local.port);
    }
    return ports;
  });
}

/** What the page exposes as `window.tooncast` (see apps/web/lib/measure.ts). */
export async function measurements(page: Page): Promise<StreamMeasurements> {
  await page.waitForFunction(() => 'tooncast' in window);
  return page.evaluate(() => (window as unknown as { tooncast: StreamMeasurements }).tooncast);
}

export async function inboundVideo(page: Page): Promise<Record<string, number> | undefined> {
  return page.evaluate(() =>
    (window as unknown as { tooncast: { inbound?: () => Promise<Record<string, number>> } }).tooncast.inbound?.(),
  );
}

/**
 * The published video as sent (needs KEEP_PEER_CONNECTIONS): its encoding's parameters, the size of the frames
 * encoded, and the bytes sent so far.
 */
export function outboundVideo(page: Page) {
  return page.evaluate(async () => {
    for (const pc of (window as unknown as { peerConnections: RTCPeerConnection[] }).peerConnections) {
      const sender = pc.getSenders().find((s) => s.track?.kind === 'video');
      if (!sender || pc.connectionState !== 'connected') continue;
      const stats = [...((await sender.getStats()) as unknown as Map<string, Record<string, number>>).values()];
      const rtp = stats.find((s) => (s.type as unknown) === 'outbound-rtp');
      const { maxBitrate, scaleResolutionDownBy } = sender.getParameters().encodings[0];
      return {
        maxBitrate,
        scaleResolutionDownBy,
        frameWidth: rtp?.frameWidth,
        frameHeight: rtp?.frameHeight,
        bytesSent: rtp?.bytesSent,
      };
    }
    return undefined;
  });
}

/** Waits for the page's first personalized frame, failing on any error it reports; ms from its start. */
export function firstPersonalizedFrame(page: Page, timeoutMs: number): Promise<number> {
  return until('the first personalized frame', timeoutMs, async () => {
    const m = await measurements(page);
    if (m.errors.length) throw new Error(`the page reports: ${m.errors.join('; ')}`);
    return m.firstFrameAt && m.startedAt ? m.firstFrameAt - m.startedAt : undefined;
  });
}

/** The owner's steps to its first personalized frame (StartSteps), ms from pressing start. */
export async function ownerStartSteps(page: Page): Promise<Record<string, number>> {
  const m = await measurements(page);
  return Object.fromEntries(Object.entries(m.startSteps ?? {}).map(([step, at]) => [step, at - m.startedAt!]));
}

/**
 * A viewer's join as its user sees it: ms from navigation start (`performance.timeOrigin`) to the first personalized
 * frame, and to each step on the way (first byte, DOM ready, load, the page's start, then its join steps, all from
 * navigation start).
 */
export async function viewerJoin(page: Page, timeoutMs: number) {
  await firstPersonalizedFrame(page, timeoutMs);
  const navigation = await page.evaluate(() => {
    const n = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming;
    const { responseStart: firstByte, domContentLoadedEventEnd: domReady, loadEventEnd: load } = n;
    return { origin: performance.timeOrigin, firstByte, domReady, load };
  });
  const m = await measurements(page);
  const since = (at: number) => Math.round(at - navigation.origin);
  const steps = Object.entries(m.joinSteps ?? {}).map(([step, at]) => [step, since(at)]);
  return {
    ms: since(m.firstFrameAt!),
    stepsMs: {
      firstByte: Math.round(navigation.firstByte),
      domReady: Math.round(navigation.domReady),
      load: Math.round(navigation.load),
      started: since(m.startedAt!),
      ...Object.fromEntries(steps),
    },
    navigationStartEpochMs: Math.round(navigation.origin),
  };
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

/** Owner flow through the UI: clip file, selfie file, pause on a frame, click the face, (`beforeStart`,) start. */
export async function startOwnerSession(
  page: Page,
  clip: string,
  selfie: string,
  face: { x: number; y: number; t: number },
  beforeStart?: () => Promise<void>,
) {
  await page.getByTestId('clip-file').setInputFiles(clip);
  await page.getByTestId('selfie-file').setInputFiles(selfie);
  // The page accepts the selfie once the service's selfie check passed (or says why not).
  const accepted = page.getByTestId('selfie-preview');
  const refused = page.getByTestId('selfie-refusal');
  await accepted.or(refused).first().waitFor({ timeout: 20_000 });
  if (!(await accepted.isVisible())) throw new Error(`the page refused the selfie: ${await refused.textContent()}`);
  const video = page.getByTestId('clip');
  await video.evaluate(async (v: HTMLVideoElement, t) => {
    if (v.readyState < 1) await new Promise((r) => v.addEventListener('loadedmetadata', r, { once: true }));
    v.pause();
    v.currentTime = t;
    await new Promise((r) => v.addEventListener('seeked', r, { once: true }));
  }, face.t);
  const box = (await video.boundingBox())!;
  await video.click({ position: { x: face.x * box.width, y: face.y * box.height } });
  await beforeStart?.();
  await page.getByTestId('start').click();
}

/** Glass-to-glass latency (ms) of every personalized frame whose source presentation the page recorded. */
export function glassToGlass(m: StreamMeasurements, since = 0): number[] {
  return m.received.flatMap((r) => (r.at >= since && r.glassToGlassMs !== undefined ? [r.glassToGlassMs] : []));
}

/**
 * When the owner page's clip showed frame `id` last before `at` (the clip loops, so its ids come back), from the
 * owner page's glass-to-glass pairs; undefined when no showing within `MAX_PAIRING_MS` is known. Every page runs on
 * this machine's clock, so a viewer's frames are timed by it too.
 */
export function clipShowings(owner: StreamMeasurements): (id: number, at: number) => number | undefined {
  const byId = new Map<number, number[]>();
  for (const r of owner.received) {
    if (r.glassToGlassMs === undefined) continue;
    const shown = byId.get(r.id) ?? [];
    shown.push(r.at - r.glassToGlassMs);
    byId.set(r.id, shown);
  }
  return (id, at) => {
    let last: number | undefined;
    for (const shown of byId.get(id) ?? []) if (shown <= at && at - shown < MAX_PAIRING_MS) last = shown;
    return last;
  };
}

/** Glass-to-glass latency (ms) of a viewer page's frames since `since`, against the owner page's clip. */
export function viewerGlassToGlass(viewer: StreamMeasurements, owner: StreamMeasurements, since: number): number[] {
  const shownAt = clipShowings(owner);
  return viewer.received.flatMap((r) => {
    const shown = r.at >= since ? shownAt(r.id, r.at) : undefined;
    return shown === undefined ? [] : [r.at - shown];
  });
}

export function percentile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] : Number.NaN;
}

/** Face-region thumbnails (16×16 RGB) per frame id, of the clip as shown and of the personalized stream. */
export interface FacePatches {
  source: Record<number, number[]>;
  personalized: Record<number, number[]>;
}

/**
 * Runs inside the owner page (page.evaluate): for every frame id in `boxes`, keeps a thumbnail of that face box
 * from the original clip and from the personalized video, so a test can check the face was replaced.
 */
export function installFaceProbe(boxes: Record<number, [number, number, number, number]>): void {
  const patches: FacePatches = { source: {}, personalized: {} };
  (window as unknown as { facePatches: FacePatches }).facePatches = patches;
  const canvas = document.createElement('canvas');
  const g = canvas.getContext('2d', { willReadFrequently: true })!;
  const frameId = (video: HTMLVideoElement) => {
    canvas.width = 72;
    canvas.height = 1;
    g.drawImage(video, 0, (video.videoHeight * 0.06) / 2, video.videoWidth, 1, 0, 0, 72, 1);
    const row = g.getImageData(0, 0, 72, 1).data;
    const luma = (cell: number) =>
      (row[(cell * 4 + 2) * 4] + row[(cell * 4 + 2) * 4 + 1] + row[(cell * 4 + 2) * 4 + 2]) / 3;
    if (luma(0) < 160 || luma(17) < 160) return undefined;
    let id = 0;
    for (let c = 1; c <= 16; c++) id = id * 2 + (luma(c) >= 128 ? 1 : 0);
    return id;
  };
  const watch = (video: HTMLVideoElement, into: Record<number, number[]>) => {
    const step = () => {
      const id = frameId(video);
      const box = id === undefined ? undefined : boxes[id];
      if (id !== undefined && box && !into[id] && Object.keys(into).length < 400) {
        canvas.width = canvas.height = 16;
        const [x0, y0, x1, y1] = box;
        const w = video.videoWidth;
        const h = video.videoHeight;
        g.drawImage(video, x0 * w, y0 * h, (x1 - x0) * w, (y1 - y0) * h, 0, 0, 16, 16);
        const px = g.getImageData(0, 0, 16, 16).data;
        into[id] = Array.from(px.filter((_, i) => i % 4 !== 3));
      }
      video.requestVideoFrameCallback(step);
    };
    video.requestVideoFrameCallback(step);
  };
  watch(document.querySelector('[data-testid="clip"]') as HTMLVideoElement, patches.source);
  watch(document.querySelector('[data-testid="video-personalized"]') as HTMLVideoElement, patches.personalized);
}

/** Mean absolute RGB difference between the two thumbnails of each frame id seen in both. */
export function faceDifferences(p: FacePatches): number[] {
  const diffs: number[] = [];
  for (const [id, personalized] of Object.entries(p.personalized)) {
    const source = p.source[Number(id)];
    if (!source) continue;
    diffs.push(personalized.reduce((sum, v, i) => sum + Math.abs(v - source[i]), 0) / personalized.length);
  }
  return diffs;
}
