// Zod-free modules for values: the package index holds the server-side config, and the protocol module's schemas
// would bring zod (~450 kB) into the page.
import { CONTOUR_THUMBNAIL, ORGAN_COLOURS, TRACKING_STATE_COLOURS } from '@tooncast/shared/debug-view';
import type { ContourFrame } from '@tooncast/shared/protocol';
import { readFrameId } from './frame-id.ts';
import { type FrameReader, readPresentedFrames, readTrackFrames } from './frame-source.ts';
import { lumaThumbnail } from './thumbnail.ts';

/** How long shown clip frames are kept to be matched with the worker's figures (its latency stays well below). */
const KEEP_MS = 3000;
/** Mean absolute luma difference above which no kept frame is the analysed one (e.g. the worker is > 3 s behind). */
const MAX_MATCH_DIFFERENCE = 24;

/**
 * Matching by picture alone confuses neighbouring frames of slow scenes (they differ about as much as the
 * publisher's compression changes one). A figure's `timeSec` comes from the frame's RTP timestamp, which keeps a
 * fixed offset to the kept frame's time (its capture timestamp where the published track can be read, else when
 * the clip presented it): each ms away from the offset learnt from recent matches costs as much as this many
 * levels of mean luma difference, up to MAX_TIME_LEVELS (so a clearly better picture still wins, and a new time
 * base after the publisher restarts is learnt again).
 */
const LEVELS_PER_MS = 1 / 40;
const MAX_TIME_LEVELS = 3;
/** Recent matches whose median offset (page time − figure time) predicts the next. */
const OFFSET_HISTORY = 24;
/**
 * With capture timestamps, a kept frame further than this from the predicted time is not the analysed one: it
 * costs MAX_TIME_LEVELS, and when it still matches best (the analysed frame was not kept: a busy page dropped it)
 * the figure is not drawn rather than drawn over a neighbour, ms.
 */
const EXACT_TIME_TOLERANCE_MS = 8;

/** The engine's debug colours as CSS. */
const css = (rgb: readonly number[]) => `rgb(${rgb.join(',')})`;

interface ShownFrame {
  /** The frame's time on its source's clock (see frame-source.ts), ms. */
  at: number;
  /** performance.now() when it was kept. */
  keptAt: number;
  luma: Uint8Array;
  /** The frame's picture, copied when it was kept (the video moves on). */
  picture: HTMLCanvasElement;
  /** The frame-id barcode of test clips, when there is one. */
  frameId?: number;
}

/** One drawn figure, kept for the page's measurements (tests check it lines up with the clip's ground truth). */
export interface DrawnContour {
  frameIndex: number;
  state: ContourFrame['state'];
  /** How long after the matched frame was kept its figure was drawn, ms. */
  delayMs: number;
  /** Mean absolute luma difference between the worker's thumbnail and the matched frame. */
  difference: number;
  frameId?: number;
  lines: ContourFrame['lines'];
}

function decodeThumbnail(base64: string): Uint8Array {
  return Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
}

/**
 * The owner's contour-figure debug view. The worker analyses each clip frame a few hundred ms after the page showed
 * it, so drawing its figure over the live clip would trail the face. Instead the view keeps the clip frames of the
 * last three seconds (those published, where the track can be read; else those the clip presented), finds the one
 * each figure was computed on (by its luma thumbnail and its time) and draws that frame with its figure: the
 * original, delayed by the worker's latency, in step with step 1.
 */
export class ContourView {
  private readonly shown: ShownFrame[] = [];
  private readonly scratch: CanvasRenderingContext2D;
  private readonly barcode = document.createElement('canvas');
  /** Pictures of frames that left the window, reused for new ones. */
  private readonly spare: HTMLCanvasElement[] = [];
  private readonly reader: FrameReader;
  private readonly offsets: number[] = [];

  /** `published`: the clip's track as the page publishes it, where there is one. */
  constructor(
    clip: HTMLVideoElement,
    published: MediaStreamTrack | undefined,
    private readonly canvas: HTMLCanvasElement,
    private readonly onDrawn: (drawn: DrawnContour | undefined) => void,
  ) {
    this.scratch = document.createElement('canvas').getContext('2d', { willReadFrequently: true })!;
    const keep = this.keep.bind(this);
    this.reader = (published && readTrackFrames(published, keep)) || readPresentedFrames(clip, keep);
  }

  /** Keeps a copy of a clip frame; frames older than KEEP_MS on its clock leave the window. */
  private keep(source: CanvasImageSource, width: number, height: number, at: number): void {
    const picture = this.spare.pop() ?? document.createElement('canvas');
    picture.width = width;
    picture.height = height;
    picture.getContext('2d')!.drawImage(source, 0, 0);
    // Box-averaged like the worker's thumbnail (apps/inference contour-view).
    const luma = lumaThumbnail(picture, this.scratch, CONTOUR_THUMBNAIL, 4);
    this.shown.push({ at, keptAt: performance.now(), luma, picture, frameId: readFrameId(picture, this.barcode) });
    // After a source clock went back, the frames kept before would never leave: the window starts afresh.
    while (this.shown.length && (this.shown[0].at < at - KEEP_MS || this.shown[0].at > at)) {
      this.spare.push(this.shown.shift()!.picture);
    }
  }

  /** What a kept frame `ms` away from the predicted time costs, in levels of mean luma difference. */
  private timeCost(ms: number): number {
    if (this.reader.exactTime) return ms <= EXACT_TIME_TOLERANCE_MS ? 0 : MAX_TIME_LEVELS;
    return Math.min(MAX_TIME_LEVELS, ms * LEVELS_PER_MS);
  }

  /** Draws a worker figure over the clip frame it was computed on; `onDrawn(undefined)` when that frame is gone. */
  show(figure: ContourFrame): void {
    const target = decodeThumbnail(figure.thumbnail);
    const figureMs = figure.timeSec * 1000;
    const sorted = [...this.offsets].sort((a, b) => a - b);
    const expected = sorted.length ? figureMs + sorted[sorted.length >> 1] : undefined;
    let best: ShownFrame | undefined;
    let bestCost = Number.POSITIVE_INFINITY;
    let difference = Number.POSITIVE_INFINITY;
    for (const frame of this.shown) {
      let sad = 0;
      for (let i = 0; i < target.length; i++) sad += Math.abs(target[i] - frame.luma[i]);
      const d = sad / target.length;
      const cost = expected === undefined ? d : d + this.timeCost(Math.abs(frame.at - expected));
      if (cost < bestCost) {
        bestCost = cost;
        best = frame;
        difference = d;
      }
    }
    if (!best || difference > MAX_MATCH_DIFFERENCE) {
      this.onDrawn(undefined);
      return;
    }
    // Learnt from every match, so a new time base is taken up again (by the median, not by a stray match).
    this.offsets.push(best.at - figureMs);
    if (this.offsets.length > OFFSET_HISTORY) this.offsets.shift();
    if (expected !== undefined && this.reader.exactTime && Math.abs(best.at - expected) > EXACT_TIME_TOLERANCE_MS) {
      this.onDrawn(undefined);
      return;
    }
    const { canvas } = this;
    canvas.width = best.picture.width;
    canvas.height = best.picture.height;
    const g = canvas.getContext('2d')!;
    g.drawImage(best.picture, 0, 0);
    g.lineWidth = Math.max(1.5, canvas.width / 400);
    for (const line of figure.lines) {
      g.strokeStyle = css(ORGAN_COLOURS[line.organ]);
      g.beginPath();
      for (let i = 0; i < line.points.length; i += 2) {
        const x = line.points[i] * canvas.width;
        const y = line.points[i + 1] * canvas.height;
        if (i === 0) g.moveTo(x, y);
        else g.lineTo(x, y);
      }
      if (line.closed) g.closePath();
      g.stroke();
    }
    // Step 1's tracking state, so a frame without a figure reads as "lost" rather than as a broken view.
    g.font = `${Math.round(canvas.height / 20)}px sans-serif`;
    g.fillStyle = css(TRACKING_STATE_COLOURS[figure.state]);
    g.fillText(`target ${figure.state}`, canvas.width * 0.02, canvas.height * 0.12);
    this.onDrawn({
      frameIndex: figure.frameIndex,
      state: figure.state,
      delayMs: performance.now() - best.keptAt,
      difference,
      frameId: best.frameId,
      lines: figure.lines,
    });
  }

  stop(): void {
    this.reader.stop();
    this.shown.length = 0;
    this.spare.length = 0;
  }
}
