import { BARCODE_BAND, readBarcodeRow } from '@tooncast/shared/frame-barcode';
import { readPresentedFrames } from './frame-source.ts';

/**
 * Reads the frame id (see @tooncast/shared/frame-barcode) from a video element or a copy of its frame, or undefined
 * when it carries no barcode.
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
  return readBarcodeRow(ctx.getImageData(0, 0, w, 1).data, w, 4);
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
