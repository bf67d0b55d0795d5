import { BARCODE_BAND, readBarcodeRow } from '@tooncast/shared/frame-barcode';
import { readPresentedPixels } from './frame-pixels.ts';

/** The row across the barcode band a frame id is read from. */
const barcodeRow = (width: number, height: number) => ({ x: 0, y: (height * BARCODE_BAND) / 2, width, height: 1 });

/**
 * Reads the frame id (see @tooncast/shared/frame-barcode) from a copy of a frame on a canvas, or undefined when it
 * carries no barcode.
 */
export function readFrameId(source: HTMLCanvasElement, canvas: HTMLCanvasElement): number | undefined {
  const { width: w, height: h } = source;
  // Resized only when the frame's width changes: setting a canvas's size, even to the same, reallocates it.
  if (canvas.width !== Math.max(1, w)) canvas.width = Math.max(1, w);
  if (canvas.height !== 1) canvas.height = 1;
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  if (!ctx || !w) return undefined;
  const row = barcodeRow(w, h);
  ctx.drawImage(source, row.x, row.y, row.width, row.height, 0, 0, w, 1);
  return readBarcodeRow(ctx.getImageData(0, 0, w, 1).data, w, 4);
}

/** Calls `onFrame` with the wall-clock time each barcode frame is presented by `video`. */
export function watchFrameIds(video: HTMLVideoElement, onFrame: (id: number, presentedAt: number) => void): () => void {
  return readPresentedPixels(video, barcodeRow, (row, at) => {
    const id = readBarcodeRow(row.data, row.width, 4);
    if (id !== undefined) onFrame(id, performance.timeOrigin + at);
  });
}
