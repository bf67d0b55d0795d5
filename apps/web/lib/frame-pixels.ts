import { readPresentedFrames } from './frame-source.ts';

/** A rect of a frame, px. */
export interface SourceRect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** RGBA pixels, row after row (`width` × 4 bytes a row). */
export interface Pixels {
  data: Uint8Array | Uint8ClampedArray;
  width: number;
  height: number;
}

/** A copy not settled after this long is given up (the reader must not stop for good on one lost promise), ms. */
const GIVE_UP_COPY_MS = 1000;

/** The part of a `width`×`height` frame to read. */
export type RectOf = (width: number, height: number) => SourceRect;

/**
 * Calls `onPixels` with `rectOf`'s part of each frame `video` presents, at the frame's presentation time (the
 * page's clock, ms). The pixels are valid during the call only.
 *
 * Read through WebCodecs (a VideoFrame of the presented frame, copied as RGBA): a canvas converts the whole frame to
 * draw any part of it, 3.4–4.4 ms of the page's main thread a frame (headless Chromium without a GPU, 640×360), ~100
 * ms a second for each video read at 24 fps; the copy of a part costs ~0.2 ms. Browsers without VideoFrame, or
 * whose copy gives no RGBA, use a canvas. A frame presented while the last one is still being copied is skipped.
 */
export function readPresentedPixels(
  video: HTMLVideoElement,
  rectOf: RectOf,
  onPixels: (pixels: Pixels, at: number) => void,
): () => void {
  let viaFrame = typeof VideoFrame !== 'undefined';
  /** When the copy in flight started (performance.now()). */
  let copying: number | undefined;
  let stopped = false;
  let buffer = new Uint8Array(0);
  let scratch: CanvasRenderingContext2D | undefined;
  const viaCanvas = (rect: SourceRect): Pixels => {
    scratch ??= document.createElement('canvas').getContext('2d', { willReadFrequently: true })!;
    const [width, height] = [Math.max(1, Math.round(rect.width)), Math.max(1, Math.round(rect.height))];
    // Resized only when it must: setting a canvas's size, even to the same, reallocates it.
    if (scratch.canvas.width !== width) scratch.canvas.width = width;
    if (scratch.canvas.height !== height) scratch.canvas.height = height;
    scratch.drawImage(video, rect.x, rect.y, rect.width, rect.height, 0, 0, width, height);
    return { data: scratch.getImageData(0, 0, width, height).data, width, height };
  };
  const reader = readPresentedFrames(video, (_picture, width, height, at) => {
    if (copying !== undefined) {
      if (performance.now() - copying < GIVE_UP_COPY_MS) return;
      // The given-up copy may still write into its buffer: the next one gets another.
      buffer = new Uint8Array(0);
    }
    const rect = rectOf(width, height);
    if (!viaFrame) {
      onPixels(viaCanvas(rect), at);
      return;
    }
    let frame: VideoFrame;
    try {
      frame = new VideoFrame(video);
    } catch {
      viaFrame = false;
      onPixels(viaCanvas(rect), at);
      return;
    }
    const started = performance.now();
    copying = started;
    const copy = frameRect(frame, rect, width, height);
    const size = copy.width * copy.height * 4;
    if (buffer.length < size) buffer = new Uint8Array(size);
    const into = buffer;
    frame
      .copyTo(into, { rect: copy, format: 'RGBA' })
      .then((layout) => {
        // A browser that ignores `format` copies the frame's own planes: then a canvas reads from the next frame on.
        if (layout.length !== 1 || layout[0].stride !== copy.width * 4) throw new Error('no RGBA copy');
        if (!stopped && copying === started)
          onPixels({ data: into.subarray(0, size), width: copy.width, height: copy.height }, at);
      })
      .catch(() => {
        viaFrame = false;
      })
      .finally(() => {
        frame.close();
        if (copying === started) copying = undefined;
      });
  });
  return () => {
    stopped = true;
    reader.stop();
  };
}

/**
 * `rect` of a `width`×`height` picture as a rect of `frame`'s coded pixels: within its visible rect, on even
 * pixels (a copy's rect must fall on whole chroma samples; 4:2:0 has one for 2×2 pixels).
 */
function frameRect(frame: VideoFrame, rect: SourceRect, width: number, height: number) {
  const visible = frame.visibleRect!;
  const [sx, sy] = [visible.width / width, visible.height / height];
  const even = (v: number) => 2 * Math.floor(v / 2);
  const x0 = even(visible.x + rect.x * sx);
  const y0 = even(visible.y + rect.y * sy);
  const x1 = Math.min(
    even(visible.x + visible.width),
    Math.max(x0 + 2, even(visible.x + (rect.x + rect.width) * sx + 1)),
  );
  const y1 = Math.min(
    even(visible.y + visible.height),
    Math.max(y0 + 2, even(visible.y + (rect.y + rect.height) * sy + 1)),
  );
  return { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
}
