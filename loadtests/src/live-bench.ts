/**
 * Live-service benchmark (runs itself inside a private network namespace): for each frame processor (pass-through
 * first, as the baseline, then the engine), one owner session and LATE_JOINS late viewers one after another (the
 * last stays) in headless Chromium for `--seconds` (default 120), then JSON on stdout: first-frame time, the late
 * viewers' times (their median, its steps, and every join's steps), glass-to-glass p50/p95 from the frame-id barcode
 * (at the owner, and at the viewer against the owner page's clip), Chrome's freezeCount in steady state, and in the
 * same steady window the audio-to-video offset from the clip's flash/click markers at the viewer and at the owner page
 * (which plays its own sound of the clip).
 * Every processor is compared with the pass-through worker measured in the same run.
 *   node --import tsx loadtests/src/live-bench.ts [--seconds 120] [--playout asap|paced|both] [--max-delay 100,off]
 *     [--processors passthrough,engine] [--rounds 1]
 * `--max-delay` lists values of TOONCAST_MAX_PLAYOUT_DELAY to compare (the configured default when absent).
 * `--rounds N` measures the processors N times in turn (A B A B …) and adds a summary per processor: as the machine's
 * load drifts, two rounds of identical code put the engine's glass-to-glass p95 over pass-through at −55 and +54 ms;
 * alternating rounds and their medians compare variants under the same drift.
 */
import os from 'node:os';
import { type Config, ConfigSchema, type LiveStats } from '@tooncast/shared';
import { targetPointAt } from '@tooncast/synth';
import {
  firstPersonalizedFrame,
  glassToGlass,
  inboundVideo,
  measurements,
  ownerStartSteps,
  percentile,
  startOwnerSession,
  TestBrowser,
  viewerGlassToGlass,
  viewerJoin,
} from '../../scripts/services/browser.ts';
import { insideNetns, selfieFixture, startTestStack, synthTestClip } from '../../scripts/services/harness.ts';
import { FLASH_PATCH } from '../../scripts/services/test-clip.ts';
import { type AvMarks, audioLeads, installAvProbe, leadDrift, withinBt1359 } from './av-probe.ts';

const START_FRAME = 24;
const WARMUP_MS = 5000;
/** Late viewers joining one after another (the last one stays for the steady window): one join is too noisy. */
const LATE_JOINS = 5;
/** Between two late joins, ms. */
const JOIN_SPACING_MS = 2000;
const VIEWER_VIDEO = 'video[data-testid="video-watch party"]';
const OWNER_VIDEO = 'video[data-testid="video-personalized"]';

type Processor = 'passthrough' | string;

type Playout = Config['live']['playout'];

async function measure(processor: Processor, seconds: number, playout: Playout, maxDelay?: string) {
  const stack = await startTestStack({
    TOONCAST_FRAME_PROCESSOR: processor,
    TOONCAST_PLAYOUT: playout,
    ...(maxDelay ? { TOONCAST_MAX_PLAYOUT_DELAY: maxDelay } : {}),
  });
  const browser = await TestBrowser.launch();
  try {
    // The synthetic clip (a character the engine finds) with a flash and a click every 2 s.
    const clip = await synthTestClip(2);
    const point = targetPointAt(clip.truths, START_FRAME);
    const face = { x: point.x / 640, y: point.y / 360, t: START_FRAME / 24 };
    const owner = await browser.page(stack.webUrl);
    await startOwnerSession(owner, clip.file, selfieFixture(), face);
    const firstFrameMs = await firstPersonalizedFrame(owner, 20_000);
    const firstFrameStepsMs = await ownerStartSteps(owner);
    await new Promise((r) => setTimeout(r, WARMUP_MS));
    const shareUrl = (await measurements(owner)).shareUrl!;
    // From navigation start, as the user who opened the link sees it.
    const joins = [];
    for (let i = 1; i < LATE_JOINS; i++) {
      const early = await browser.page(shareUrl);
      joins.push(await viewerJoin(early, 20_000));
      await early.context().close();
      await new Promise((r) => setTimeout(r, JOIN_SPACING_MS));
    }
    const viewer = await browser.page(shareUrl);
    joins.push(await viewerJoin(viewer, 20_000));
    const lateJoiner = joins.toSorted((a, b) => a.ms - b.ms)[Math.floor(LATE_JOINS / 2)];
    // tsx compiles with keepNames, which wraps inner functions in a __name helper the page does not have.
    for (const [page, video] of [
      [viewer, VIEWER_VIDEO],
      [owner, OWNER_VIDEO],
    ] as const) {
      await page.evaluate('window.__name = (f) => f');
      await page.evaluate(installAvProbe, [video, FLASH_PATCH] as [string, readonly number[]]);
    }
    await new Promise((r) => setTimeout(r, WARMUP_MS));
    const steadyFrom = Date.now();
    const loadStart = os.loadavg()[0];
    const ownerBefore = (await inboundVideo(owner))!;
    const viewerBefore = (await inboundVideo(viewer))!;
    // The worker reports its latency by stage once a second; keep every report of the steady window.
    const workerReports: LiveStats[] = [];
    while (Date.now() < steadyFrom + seconds * 1000) {
      await new Promise((r) => setTimeout(r, 1000));
      const stats = (await measurements(owner)).workerStats;
      if (stats) workerReports.push(stats);
    }
    const ownerIn = (await inboundVideo(owner))!;
    const viewerIn = (await inboundVideo(viewer))!;
    const ownerMeasurements = await measurements(owner);
    const g2g = glassToGlass(ownerMeasurements, steadyFrom);
    const viewerMeasurements = await measurements(viewer);
    const viewerG2g = viewerGlassToGlass(viewerMeasurements, ownerMeasurements, steadyFrom);
    // Chrome's mean video jitter-buffer delay over the steady window only.
    const jitterBufferMs = (end: Record<string, number>, start: Record<string, number>) =>
      (1000 * (end.jitterBufferDelay - start.jitterBufferDelay)) /
      (end.jitterBufferEmittedCount - start.jitterBufferEmittedCount);
    // Each marker's lead, and whether it fell in the steady window as the other figures do (the probe starts with the
    // warm-up, while a page that just joined still settles its buffers): the verdicts are the steady markers'.
    const avLeads = async (page: typeof owner) => {
      const { marks, origin } = await page.evaluate(() => ({
        marks: (window as unknown as { avMarks: AvMarks }).avMarks,
        origin: performance.timeOrigin,
      }));
      const all = audioLeads(marks);
      const steady = (l: { at: number }) => origin + l.at >= steadyFrom;
      return { steady: all.filter(steady), warmUp: all.filter((l) => !steady(l)).map((l) => l.lead), marks };
    };
    const viewerAv = await avLeads(viewer);
    const { marks } = viewerAv;
    const timed = viewerAv.steady;
    const leads = timed.map((l) => l.lead);
    // The owner's page plays the clip's own sound, delayed by the picture's delay it finds (see DelayedClipSound).
    const ownerAv = await avLeads(owner);
    const ownerTimed = ownerAv.steady;
    const ownerLeads = ownerTimed.map((l) => l.lead);
    return {
      processor,
      playout,
      maxPlayoutDelay: maxDelay ?? 'default',
      seconds,
      firstFrameMs,
      firstFrameStepsMs,
      lateJoinerMs: lateJoiner.ms,
      lateJoinerRunsMs: joins.map((j) => j.ms),
      lateJoinerStepsMs: lateJoiner.stepsMs,
      lateJoinerRunsStepsMs: joins.map((j) => j.stepsMs),
      lateJoinerNavigationStartEpochMs: lateJoiner.navigationStartEpochMs,
      glassToGlassP50: percentile(g2g, 0.5),
      glassToGlassP95: percentile(g2g, 0.95),
      glassToGlassFrames: g2g.length,
      viewerGlassToGlassP50: percentile(viewerG2g, 0.5),
      viewerGlassToGlassP95: percentile(viewerG2g, 0.95),
      ownerFreezeCount: ownerIn.freezeCount - ownerBefore.freezeCount,
      viewerFreezeCount: viewerIn.freezeCount - viewerBefore.freezeCount,
      // Connections the pages took for lost and negotiated anew (none on a healthy path).
      renegotiations: { owner: ownerMeasurements.renegotiated.length, viewer: viewerMeasurements.renegotiated.length },
      ownerFreezesMs: Math.round(1000 * (ownerIn.totalFreezesDuration - ownerBefore.totalFreezesDuration)),
      ownerFramesDecoded: ownerIn.framesDecoded - ownerBefore.framesDecoded,
      ownerJitterBufferMs: jitterBufferMs(ownerIn, ownerBefore),
      viewerJitterBufferMs: jitterBufferMs(viewerIn, viewerBefore),
      worker: workerSummary(workerReports),
      loadAverage1m: { start: loadStart, end: os.loadavg()[0] },
      audioLeadMs: {
        median: percentile(leads, 0.5),
        p10: percentile(leads, 0.1),
        p90: percentile(leads, 0.9),
        min: Math.min(...leads),
        max: Math.max(...leads),
        driftMsPerMinute: leadDrift(timed),
        markers: leads.length,
        // Each marker's lead (ms) at its time (s from the first), beside the worker's audio delay each second.
        series: leadSeries(timed),
        warmUpLeads: viewerAv.warmUp,
        workerAudioDelayMs: workerReports.map((r) => r.audioDelayMs),
      },
      audioMarks: { flashes: marks.flashes.length, clicks: marks.clicks.length, audioRunning: marks.audioRunning },
      withinBt1359: withinBt1359(leads),
      ownerAudioLeadMs: {
        median: percentile(ownerLeads, 0.5),
        min: Math.min(...ownerLeads),
        max: Math.max(...ownerLeads),
        markers: ownerLeads.length,
        series: leadSeries(ownerTimed),
        warmUpLeads: ownerAv.warmUp,
        pictureDelayMs: ownerMeasurements.pictureDelayMs,
      },
      ownerWithinBt1359: withinBt1359(ownerLeads),
    };
  } finally {
    await browser.close();
    await stack.stop();
  }
}

/** Each marker's lead (ms) at its time (s from the first marker). */
function leadSeries(timed: { at: number; lead: number }[]): number[][] {
  return timed.map((l) => [Math.round((l.at - timed[0].at) / 100) / 10, Math.round(l.lead)]);
}

/**
 * The worker's once-a-second reports over the steady window: medians of its fps, playout delay, the publisher's
 * capture jitter and of each stage's per-second p50 and p95 (ms), so the latency breakdown through the worker is
 * visible.
 */
function workerSummary(reports: LiveStats[]) {
  const median = (values: number[]) => Math.round(10 * percentile(values, 0.5)) / 10;
  const stages: Record<string, { p50: number; p95: number }> = {};
  for (const stage of Object.keys(reports.at(-1)?.stages ?? {})) {
    const of = (q: 'p50' | 'p95') =>
      median(reports.map((r) => r.stages?.[stage]?.[q] ?? Number.NaN).filter(Number.isFinite));
    stages[stage] = { p50: of('p50'), p95: of('p95') };
  }
  const last = reports.at(-1);
  return {
    reports: reports.length,
    fps: median(reports.map((r) => r.fps)),
    playoutDelayMs: median(reports.map((r) => r.audioDelayMs)),
    framesIn: last?.framesIn,
    framesOut: last?.framesOut,
    framesDropped: last?.framesDropped,
    audioDropped: last?.audioDropped,
    captureJitterMs: median(reports.map((r) => r.captureJitterMs ?? Number.NaN).filter(Number.isFinite)),
    stagesMedianOfSeconds: stages,
  };
}

/** Per processor and variant, over the rounds: medians of the latency figures, and every round's freezes. */
function summarizeRounds(
  results: {
    processor: string;
    playout: string;
    maxPlayoutDelay: string;
    glassToGlassP50: number;
    glassToGlassP95: number;
    glassToGlassP95OverBaselineMs: number;
    viewerGlassToGlassP50: number;
    viewerGlassToGlassP95: number;
    lateJoinerMs: number;
    ownerFreezeCount: number;
    viewerFreezeCount: number;
  }[],
) {
  const groups = new Map<string, typeof results>();
  for (const r of results) {
    const key = `${r.processor} ${r.playout} ${r.maxPlayoutDelay}`;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  return [...groups.values()].map((runs) => {
    // The median (of an even count, the mean of the middle two), in whole ms.
    const mid = (pick: (r: (typeof runs)[number]) => number) => {
      const v = runs.map(pick).sort((a, b) => a - b);
      const h = v.length >> 1;
      return Math.round(v.length % 2 ? v[h] : (v[h - 1] + v[h]) / 2);
    };
    return {
      processor: runs[0].processor,
      playout: runs[0].playout,
      maxPlayoutDelay: runs[0].maxPlayoutDelay,
      rounds: runs.length,
      glassToGlassP50: mid((r) => r.glassToGlassP50),
      glassToGlassP95: mid((r) => r.glassToGlassP95),
      glassToGlassP95OverBaselineMs: mid((r) => r.glassToGlassP95OverBaselineMs),
      viewerGlassToGlassP50: mid((r) => r.viewerGlassToGlassP50),
      viewerGlassToGlassP95: mid((r) => r.viewerGlassToGlassP95),
      lateJoinerMs: mid((r) => r.lateJoinerMs),
      freezesOwnerViewer: runs.map((r) => [r.ownerFreezeCount, r.viewerFreezeCount]),
    };
  });
}

if (await insideNetns(import.meta.filename, false)) {
  const arg = (name: string) => {
    const i = process.argv.indexOf(name);
    return i > 0 ? process.argv[i + 1] : undefined;
  };
  const seconds = Number(arg('--seconds') ?? 120);
  // `--playout both` measures both worker playout modes, `--max-delay` several caps, each variant against its own
  // pass-through baseline.
  const playoutOptions = ConfigSchema.shape.live.shape.playout.unwrap().options;
  const playouts = arg('--playout') === 'both' ? playoutOptions : [(arg('--playout') ?? 'asap') as Playout];
  const maxDelays = arg('--max-delay')?.split(',') ?? [undefined];
  // `--processors passthrough` skips the engine (the pass-through baseline always runs first).
  const processors = arg('--processors')?.split(',') ?? ConfigSchema.shape.live.shape.frameProcessor.unwrap().options;
  const rounds = Number(arg('--rounds') ?? 1);
  if (!(Number.isInteger(rounds) && rounds >= 1)) throw new Error(`--rounds must be a positive integer, got ${rounds}`);
  const results = [];
  for (const [playout, maxDelay] of playouts.flatMap((p) => maxDelays.map((d) => [p, d] as const))) {
    for (let round = 1; round <= rounds; round++) {
      const runs = [];
      for (const p of processors) runs.push(await measure(p, seconds, playout, maxDelay));
      const [baseline] = runs;
      for (const r of runs) {
        results.push({
          ...r,
          round,
          baseline: baseline.processor,
          glassToGlassP95OverBaselineMs: r.glassToGlassP95 - baseline.glassToGlassP95,
          glassToGlassP95Ratio: r.glassToGlassP95 / baseline.glassToGlassP95,
        });
      }
    }
  }
  console.log(JSON.stringify({ results, ...(rounds > 1 && { summary: summarizeRounds(results) }) }, null, 2));
}
