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

/** Reads the frame id from a video element or a copy of its frame, or undefined when it carries no barcode. */
export function readFrameId(
  source: HTMLVideoElement | HTMLCanvasElement,
  canvas: HTMLCanvasElement,
): number | undefined {
  const [w, h] =
    source instanceof HTMLVideoElement ? [source.videoWidth, source.videoHeight] : [source.width, source.height];
  const width = BARCODE_CELLS * 4;
  canvas.width = width;
  canvas.height = 1;
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  if (!ctx || !w) return undefined;
  ctx.drawImage(source, 0, (h * BARCODE_BAND) / 2, w, 1, 0, 0, width, 1);
  const row = ctx.getImageData(0, 0, width, 1).data;
  const luma = (cell: number) => {
    const i = (cell * 4 + 2) * 4;
    return (row[i] + row[i + 1] + row[i + 2]) / 3;
  };
  if (luma(0) < 160 || luma(BARCODE_CELLS - 1) < 160) return undefined;
  let id = 0;
  for (let bit = 0; bit < BARCODE_BITS; bit++) {
    const v = luma(bit + 1);
    if (v > 96 && v < 160) return undefined;
    id = id * 2 + (v >= 160 ? 1 : 0);
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
