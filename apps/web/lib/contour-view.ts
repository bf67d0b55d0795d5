// The protocol alone: the package index also holds the server-side config, which the browser bundle cannot load.
import { CONTOUR_THUMBNAIL, type ContourFrame, ORGAN_COLOURS, TRACKING_STATE_COLOURS } from '@tooncast/shared/protocol';
import { readFrameId } from './frame-id.ts';

/** How long shown clip frames are kept to be matched with the worker's figures (its latency stays well below). */
const KEEP_MS = 3000;
/** Mean absolute luma difference above which no kept frame is the analysed one (e.g. the worker is > 3 s behind). */
const MAX_MATCH_DIFFERENCE = 24;

/**
 * Matching by picture alone confuses neighbouring frames of slow scenes (they differ about as much as the
 * publisher's compression changes one). A figure's `timeSec` comes from the frame's RTP timestamp, which keeps a
 * fixed offset to when this page showed the frame: each ms away from the offset learnt from recent matches costs
 * as much as this many levels of mean luma difference, up to MAX_TIME_LEVELS (so a clearly better picture still
 * wins, and a new time base after the publisher restarts is learnt again).
 */
const LEVELS_PER_MS = 1 / 40;
const MAX_TIME_LEVELS = 3;
/** Recent matches whose median offset (page time − figure time) predicts the next. */
const OFFSET_HISTORY = 24;

/** The engine's debug colours as CSS. */
const css = (rgb: readonly number[]) => `rgb(${rgb.join(',')})`;

interface ShownFrame {
  /** performance.now() when the clip presented it. */
  at: number;
  luma: Uint8Array;
  /** The frame's picture, copied when it was presented (the video moves on). */
  picture: HTMLCanvasElement;
  /** The frame-id barcode of test clips, when there is one. */
  frameId?: number;
}

/** One drawn figure, kept for the page's measurements (tests check it lines up with the clip's ground truth). */
export interface DrawnContour {
  frameIndex: number;
  state: ContourFrame['state'];
  /** How long after the clip showed the matched frame its figure was drawn, ms. */
  delayMs: number;
  /** Mean absolute luma difference between the worker's thumbnail and the matched frame. */
  difference: number;
  frameId?: number;
  lines: ContourFrame['lines'];
}

/** Luma thumbnail of a picture, CONTOUR_THUMBNAIL sized, box-averaged like the worker's (apps/inference contour-view). */
function lumaThumbnail(source: CanvasImageSource, scratch: CanvasRenderingContext2D): Uint8Array {
  const { width: tw, height: th } = CONTOUR_THUMBNAIL;
  const f = 4;
  scratch.canvas.width = tw * f;
  scratch.canvas.height = th * f;
  scratch.imageSmoothingQuality = 'high';
  scratch.drawImage(source, 0, 0, tw * f, th * f);
  const px = scratch.getImageData(0, 0, tw * f, th * f).data;
  const out = new Uint8Array(tw * th);
  for (let ty = 0; ty < th; ty++) {
    for (let tx = 0; tx < tw; tx++) {
      let sum = 0;
      for (let y = ty * f; y < (ty + 1) * f; y++) {
        for (let x = tx * f; x < (tx + 1) * f; x++) {
          const i = (y * tw * f + x) * 4;
          sum += 0.299 * px[i] + 0.587 * px[i + 1] + 0.114 * px[i + 2];
        }
      }
      out[ty * tw + tx] = Math.round(sum / (f * f));
    }
  }
  return out;
}

function decodeThumbnail(base64: string): Uint8Array {
  return Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
}

/**
 * The owner's contour-figure debug view. The worker analyses each clip frame a few hundred ms after the page showed
 * it, so drawing its figure over the live clip would trail the face. Instead the view keeps the clip frames it
 * showed in the last three seconds, finds the one each figure was computed on (by its luma thumbnail and its time) and
 * draws that frame with its figure: the original, delayed by the worker's latency, in step with step 1.
 */
export class ContourView {
  private readonly shown: ShownFrame[] = [];
  private readonly scratch: CanvasRenderingContext2D;
  private readonly barcode = document.createElement('canvas');
  /** Pictures of frames that left the window, reused for new ones. */
  private readonly spare: HTMLCanvasElement[] = [];
  private handle = 0;
  private stopped = false;
  private readonly offsets: number[] = [];

  constructor(
    private readonly clip: HTMLVideoElement,
    private readonly canvas: HTMLCanvasElement,
    private readonly onDrawn: (drawn: DrawnContour | undefined) => void,
  ) {
    this.scratch = document.createElement('canvas').getContext('2d', { willReadFrequently: true })!;
    this.handle = clip.requestVideoFrameCallback((_now, meta) => this.keep(meta.presentationTime));
  }

  /** Keeps the frame presented at `at` (performance.now() time; the callback itself may run late on a busy page). */
  private keep(at: number): void {
    if (this.stopped) return;
    const { clip } = this;
    if (clip.videoWidth) {
      const picture = this.spare.pop() ?? document.createElement('canvas');
      picture.width = clip.videoWidth;
      picture.height = clip.videoHeight;
      picture.getContext('2d')!.drawImage(clip, 0, 0);
      const luma = lumaThumbnail(picture, this.scratch);
      this.shown.push({ at, luma, picture, frameId: readFrameId(clip, this.barcode) });
      while (this.shown.length && this.shown[0].at < at - KEEP_MS) this.spare.push(this.shown.shift()!.picture);
    }
    this.handle = clip.requestVideoFrameCallback((_now, meta) => this.keep(meta.presentationTime));
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
      const cost =
        expected === undefined ? d : d + Math.min(MAX_TIME_LEVELS, Math.abs(frame.at - expected) * LEVELS_PER_MS);
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
    this.offsets.push(best.at - figureMs);
    if (this.offsets.length > OFFSET_HISTORY) this.offsets.shift();
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
      delayMs: performance.now() - best.at,
      difference,
      frameId: best.frameId,
      lines: figure.lines,
    });
  }

  stop(): void {
    this.stopped = true;
    this.clip.cancelVideoFrameCallback(this.handle);
    this.shown.length = 0;
    this.spare.length = 0;
  }
}
