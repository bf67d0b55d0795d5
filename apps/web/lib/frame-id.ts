import { readPresentedFrames } from './frame-source.ts';

/**
 * Frame-id barcode: a band of 16 black/white blocks across the top of every frame of a test clip, most
 * significant bit first, framed by a white block at each end. Reading it from the clip as it is shown and from
 * the personalized stream as it is shown gives the glass-to-glass latency of each frame.
 */
export const BARCODE_BITS = 16;
export const BARCODE_CELLS = BARCODE_BITS + 2;
/** Band height as a fraction of the frame height. */
export const BARCODE_BAND = 0.06;

/** Luma at or above this is a white cell; below BLACK_BELOW a black one; between, the read fails. */
const WHITE_FROM = 160;
const BLACK_BELOW = 96;

/**
 * Reads the frame id from a video element or a copy of its frame, or undefined when it carries no barcode. The band
 * spans the clip's picture, which a stream of another shape carries pillarboxed (black beside it): the band is found
 * by its white end cells.
 */
export function readFrameId(
  source: HTMLVideoElement | HTMLCanvasElement,
  canvas: HTMLCanvasElement,
): number | undefined {
  const [w, h] =
    source instanceof HTMLVideoElement ? [source.videoWidth, source.videoHeight] : [source.width, source.height];
  // Resized only when the frame's width changes: setting a canvas's size, even to the same, reallocates it.
  if (canvas.width !== Math.max(1, w)) canvas.width = Math.max(1, w);
  if (canvas.height !== 1) canvas.height = 1;
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  if (!ctx || !w) return undefined;
  ctx.drawImage(source, 0, (h * BARCODE_BAND) / 2, w, 1, 0, 0, w, 1);
  const row = ctx.getImageData(0, 0, w, 1).data;
  const luma = (x: number) => (row[4 * x] + row[4 * x + 1] + row[4 * x + 2]) / 3;
  let left = 0;
  while (left < w && luma(left) < WHITE_FROM) left++;
  let right = w - 1;
  while (right > left && luma(right) < WHITE_FROM) right--;
  const cell = (right - left + 1) / BARCODE_CELLS;
  if (cell < 3) return undefined;
  // The middle half of a cell, averaged: its edges blur into the neighbours.
  const cellLuma = (c: number) => {
    const from = Math.round(left + (c + 0.25) * cell);
    const to = Math.max(from + 1, Math.round(left + (c + 0.75) * cell));
    let sum = 0;
    for (let x = from; x < to; x++) sum += luma(x);
    return sum / (to - from);
  };
  if (cellLuma(0) < WHITE_FROM || cellLuma(BARCODE_CELLS - 1) < WHITE_FROM) return undefined;
  let id = 0;
  for (let bit = 0; bit < BARCODE_BITS; bit++) {
    const v = cellLuma(bit + 1);
    if (v >= BLACK_BELOW && v < WHITE_FROM) return undefined;
    id = id * 2 + (v >= WHITE_FROM ? 1 : 0);
  }
  return id;
}

/** Calls `onFrame` with the wall-clock time each barcode frame is presented by `video`. */
export function watchFrameIds(video: HTMLVideoElement, onFrame: (id: number, presentedAt: number) => void): () => void {
  const canvas = document.createElement('canvas');
  const reader = readPresentedFrames(video, (_picture, _width, _height, at) => {
    const id = readFrameId(video, canvas);
    if (id !== undefined) onFrame(id, performance.timeOrigin + at);
  });
  return reader.stop;
}
