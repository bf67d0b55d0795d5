/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * Where latency and freezes come from over one session (runs itself inside the private network namespace): an owner
 * and a late viewer in headless Chromium, then JSON lines on stdout, one per second (the publisher's encoder and
 * keyframes, the worker's fps and latency, each watcher's freezes, video and audio jitter-buffer delay, target and
 * minimum, the audio's interarrival jitter and sound-device delay, and the spread of arrival delays: when each
 * frame's last packet arrived against its RTP timestamp, over the session's fastest frame), and a summary: every
 * render gap over 120 ms of the clip, the owner and the viewer, with the gap the same two frames had in the clip as
 * the owner page showed it (a gap already in the source came from the publisher's page, not from the media path),
 * each watcher's glass-to-glass time split at the frame's arrival (upstream: publisher, Janus, worker;
 * downstream: jitter buffer, decode, render), and the viewer's audio lead at each flash/click marker.
 *   node --import tsx loadtests/src/live-timeline.ts [--seconds 60] [--processor passthrough|engine] [--env K=V,...]
 */
import os from 'node:os';
import { targetPointAt } from '@tooncast/synth';
import type { Page } from 'playwright-core';
import {
  clipShowings,
  firstPersonalizedFrame,
  measurements,
  percentile,
  startOwnerSession,
  TestBrowser,
  viewerJoin,
} from '../../scripts/services/browser.ts';
import { insideNetns, selfieFixture, startTestStack, synthTestClip } from '../../scripts/services/harness.ts';
import { FLASH_PATCH } from '../../scripts/services/test-clip.ts';
import { type AvMarks, audioLeads, installAvProbe } from './av-probe.ts';

const WARMUP_MS = 5000;
const GAP_MS = 120;
const VIDEOS = {
  clip: '[data-testid="clip"]',
  owner: '[data-testid="video-personalized"]',
  viewer: 'video[data-testid="video-watch party"]',
};

/** Keeps every RTCPeerConnection the page makes, for their stats (the page keeps its own private). */
const KEEP_CONNECTIONS = `(() => { const P = window.RTCPeerConnection; window.__pcs = [];
  window.RTCPeerConnection = function (...a) { const pc = new P(...a); window.__pcs.push(pc); return pc; };
  window.RTCPeerConnection.prototype = P.prototype; })()`;

/** Each presented frame of a video: [presented (epoch ms), last packet received (epoch ms, -1 for a file), RTP ts]. */
function watchFrames([name, selector]: [string, string]): void {
  const w = window as unknown as { presented: Record<string, number[][]> };
  w.presented ??= {};
  const video = document.querySelector(selector) as HTMLVideoElement;
  const frames: number[][] = [];
  w.presented[name] = frames;
  const step: VideoFrameRequestCallback = (_now, meta) => {
    const received = meta.receiveTime === undefined ? -1 : performance.timeOrigin + meta.receiveTime;
    frames.push([performance.timeOrigin + meta.presentationTime, received, meta.rtpTimestamp ?? -1]);
    video.requestVideoFrameCallback(step);
  };
  video.requestVideoFrameCallback(step);
}

type Stats = Record<string, number | string>;

async function rtpStats(page: Page): Promise<Record<string, Stats>> {
  return page.evaluate(async () => {
    const out: Record<string, Stats> = {};
    for (const pc of (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs) {
      if (pc.connectionState === 'closed') continue;
      for (const s of (await pc.getStats()).values()) {
        if (s.type === 'inbound-rtp' || s.type === 'outbound-rtp') out[`${s.type}-${s.kind}`] = { ...s };
        if (s.type === 'media-playout') out.playout = { ...s };
      }
    }
    return out;
  });
}

/** Per-second deltas of Chrome's counters: what the publisher sent, what a watcher received and buffered. */
function secondOf(now: Record<string, Stats>, before: Record<string, Stats>) {
  const d = (key: string, field: string) => Number(now[key]?.[field] ?? 0) - Number(before[key]?.[field] ?? 0);
  const perFrame = (key: string, field: string) =>
    Math.round((1000 * d(key, field)) / d(key, 'jitterBufferEmittedCount')) || 0;
  const buffer = (kind: string) => ({
    delay: perFrame(`inbound-rtp-${kind}`, 'jitterBufferDelay'),
    target: perFrame(`inbound-rtp-${kind}`, 'jitterBufferTargetDelay'),
    minimum: perFrame(`inbound-rtp-${kind}`, 'jitterBufferMinimumDelay'),
  });
  return {
    sent: now['outbound-rtp-video'] && {
      frames: d('outbound-rtp-video', 'framesEncoded'),
      keyframes: d('outbound-rtp-video', 'keyFramesEncoded'),
      limitation: now['outbound-rtp-video'].qualityLimitationReason,
      kbps: Math.round((8 * d('outbound-rtp-video', 'bytesSent')) / 1000),
      // Time packets waited in the sender's pacer: a large frame queues the ones behind it.
      pacerMs:
        Math.round((1000 * d('outbound-rtp-video', 'totalPacketSendDelay')) / d('outbound-rtp-video', 'packetsSent')) ||
        0,
      encodeMs:
        Math.round((1000 * d('outbound-rtp-video', 'totalEncodeTime')) / d('outbound-rtp-video', 'framesEncoded')) || 0,
    },
    received: now['inbound-rtp-video'] && {
      frames: d('inbound-rtp-video', 'framesDecoded'),
      keyframes: d('inbound-rtp-video', 'keyFramesDecoded'),
      freezes: d('inbound-rtp-video', 'freezeCount'),
      lost: d('inbound-rtp-video', 'packetsLost'),
      video: buffer('video'),
      audio: {
        ...buffer('audio'),
        // RFC 3550 interarrival jitter, and the sound device's own delay, which A/V sync adds to the audio's.
        jitter: Math.round(1000 * Number(now['inbound-rtp-audio']?.jitter ?? 0)),
        device: Math.round((1000 * d('playout', 'totalPlayoutDelay')) / d('playout', 'totalSamplesCount')) || 0,
      },
    },
  };
}

/** Arrival delay of each received frame over the fastest one's (RTP timestamps unwrapped), by second of `t0`. */
function arrivalSpread(frames: number[][], t0: number): Record<number, { p50: number; max: number }> {
  let wraps = 0;
  const delays = frames
    .filter(([, received]) => received > 0)
    .map(([, received, rtp], i, all) => {
      if (i > 0 && rtp < all[i - 1][2] - 2 ** 31) wraps++;
      return { second: Math.floor((received - t0) / 1000), delay: received - (rtp + wraps * 2 ** 32) / 90 };
    });
  const fastest = Math.min(...delays.map((d) => d.delay));
  const bySecond: Record<number, number[]> = {};
  for (const d of delays) (bySecond[d.second] ??= []).push(d.delay - fastest);
  return Object.fromEntries(
    Object.entries(bySecond).map(([s, v]) => [
      s,
      { p50: Math.round(percentile(v, 0.5)), max: Math.round(Math.max(...v)) },
    ]),
  );
}

type SourceShown = ReturnType<typeof clipShowings>;

/**
 * Where each frame's glass-to-glass time went: from the clip showing it to its last packet reaching the watcher
 * (publisher, Janus, worker, network), and from there to the watcher showing it (jitter buffer, decode, render).
 */
function latencySplit(frames: number[][], ids: Map<number, number>, sourceShown: SourceShown, t0: number) {
  const upstream: number[] = [];
  const downstream: number[] = [];
  for (const [at, received] of frames) {
    const id = ids.get(at);
    const shown = id === undefined ? undefined : sourceShown(id, at);
    if (at < t0 || received < 0 || shown === undefined) continue;
    upstream.push(received - shown);
    downstream.push(at - received);
  }
  const p = (v: number[]) => ({ p50: Math.round(percentile(v, 0.5)), p95: Math.round(percentile(v, 0.95)) });
  return { frames: upstream.length, upstreamMs: p(upstream), downstreamMs: p(downstream) };
}

/** Render gaps over GAP_MS after `t0`, each with the gap between the same two frame ids in the source clip. */
function renderGaps(frames: number[][], ids: Map<number, number>, sourceShown: SourceShown, t0: number) {
  const gaps = [];
  for (let i = 1; i < frames.length; i++) {
    const [at] = frames[i];
    const [before] = frames[i - 1];
    if (at < t0 || at - before <= GAP_MS) continue;
    const [from, to] = [ids.get(before), ids.get(at)];
    const [shownFrom, shownTo] = [from, to].map((id) => (id === undefined ? undefined : sourceShown(id, at)));
    const source = shownFrom !== undefined && shownTo !== undefined ? shownTo - shownFrom : undefined;
    gaps.push({ atS: Math.round((before - t0) / 100) / 10, ms: Math.round(at - before), from, to, sourceMs: source });
  }
  return gaps;
}

if (await insideNetns(import.meta.filename, false)) {
  const arg = (n: string) => {
    const i = process.argv.indexOf(n);
    return i > 0 ? process.argv[i + 1] : undefined;
  };
  const seconds = Number(arg('--seconds') ?? 60);
  const env = Object.fromEntries(
    (arg('--env') ?? '')
      .split(',')
      .filter(Boolean)
      .map((kv) => kv.split('=')),
  );
  const stack = await startTestStack({ TOONCAST_FRAME_PROCESSOR: arg('--processor') ?? 'passthrough', ...env });
  const browser = await TestBrowser.launch();
  try {
    const clip = await synthTestClip(2);
    const point = targetPointAt(clip.truths, 24);
    const owner = await browser.page('about:blank');
    await owner.addInitScript(KEEP_CONNECTIONS);
    await owner.goto(stack.webUrl);
    await startOwnerSession(owner, clip.file, selfieFixture(), { x: point.x / 640, y: point.y / 360, t: 1 });
    await firstPersonalizedFrame(owner, 20_000);
    // tsx compiles with keepNames, which wraps inner functions in a __name helper the pages do not have.
    await owner.evaluate('window.__name = (f) => f');
    for (const name of ['clip', 'owner'] as const)
      await owner.evaluate(watchFrames, [name, VIDEOS[name]] as [string, string]);
    await new Promise((r) => setTimeout(r, WARMUP_MS));
    const viewer = await browser.page('about:blank');
    await viewer.addInitScript(KEEP_CONNECTIONS);
    await viewer.goto((await measurements(owner)).shareUrl!);
    await viewerJoin(viewer, 20_000);
    await viewer.evaluate('window.__name = (f) => f');
    await viewer.evaluate(watchFrames, ['viewer', VIDEOS.viewer] as [string, string]);
    await viewer.evaluate(installAvProbe, [VIDEOS.viewer, FLASH_PATCH] as [string, readonly number[]]);
    const t0 = Date.now();
    let before = { owner: await rtpStats(owner), viewer: await rtpStats(viewer) };
    while (Date.now() < t0 + seconds * 1000) {
      await new Promise((r) => setTimeout(r, 1000));
      const now = { owner: await rtpStats(owner), viewer: await rtpStats(viewer) };
      const worker = (await measurements(owner)).workerStats;
      const row = {
        t: Math.round((Date.now() - t0) / 100) / 10,
        load1m: os.loadavg()[0],
        worker: worker && {
          fps: worker.fps,
          totalP95: worker.stages?.total.p95,
          dropped: worker.framesDropped,
          audioDelay: worker.audioDelayMs,
          audioDropped: worker.audioDropped,
        },
        owner: secondOf(now.owner, before.owner),
        viewer: secondOf(now.viewer, before.viewer).received,
      };
      console.log(JSON.stringify(row));
      before = now;
    }
    const frames = {
      ...(await owner.evaluate(() => (window as unknown as { presented: Record<string, number[][]> }).presented)),
      ...(await viewer.evaluate(() => (window as unknown as { presented: Record<string, number[][]> }).presented)),
    };
    const sourceShown = clipShowings(await measurements(owner));
    const idsOf = async (page: Page) => new Map((await measurements(page)).received.map((r) => [r.at, r.id]));
    const ids = { clip: new Map<number, number>(), owner: await idsOf(owner), viewer: await idsOf(viewer) };
    const summary = Object.fromEntries(
      (['clip', 'owner', 'viewer'] as const).map((name) => [
        name,
        {
          renderGaps: renderGaps(frames[name], ids[name], sourceShown, t0),
          ...(name === 'clip'
            ? {}
            : {
                latencySplit: latencySplit(frames[name], ids[name], sourceShown, t0),
                arrivalSpreadBySecond: arrivalSpread(frames[name], t0),
              }),
        },
      ]),
    );
    // The viewer's audio lead at each flash/click marker (ms; positive: sound first), at its second of t0.
    const marks = await viewer.evaluate(() => (window as unknown as { avMarks: AvMarks }).avMarks);
    const viewerOrigin = await viewer.evaluate(() => performance.timeOrigin);
    const avLeads = audioLeads(marks).map((l) => [
      Math.round((viewerOrigin + l.at - t0) / 100) / 10,
      Math.round(l.lead),
    ]);
    console.log(JSON.stringify({ summary: { ...summary, viewer: { ...summary.viewer, avLeads } } }));
  } finally {
    await browser.close();
    await stack.stop();
  }
}
