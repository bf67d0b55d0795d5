/** Side of the grey grid a frame is reduced to for matching frames by content (see video-delay.ts). */
export const THUMB_SIDE = 16;

/**
 * `video`'s current frame as THUMB_SIDE² grey levels, each the mean of its cell; with `aspect` (width over height),
 * only the largest centred rect of that shape: the worker pads a clip of another shape than its frame with black.
 * Drawn at twice the size and averaged here: a canvas shrinking a frame 20-fold in one step samples a few pixels per
 * cell, which coding noise then swings.
 */
export function takeThumbnail(video: HTMLVideoElement, canvas: HTMLCanvasElement, aspect?: number): Uint8Array {
  const side = 2 * THUMB_SIDE;
  if (canvas.width !== side) canvas.width = canvas.height = side;
  const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
  ctx.imageSmoothingQuality = 'high';
  const [w, h] = [video.videoWidth, video.videoHeight];
  const [rw, rh] = !aspect ? [w, h] : aspect >= w / h ? [w, w / aspect] : [h * aspect, h];
  ctx.drawImage(video, (w - rw) / 2, (h - rh) / 2, rw, rh, 0, 0, side, side);
  const px = ctx.getImageData(0, 0, side, side).data;
  const sums = new Float32Array(THUMB_SIDE * THUMB_SIDE);
  for (let y = 0; y < side; y++)
    for (let x = 0; x < side; x++) {
      const i = 4 * (y * side + x);
      sums[(y >> 1) * THUMB_SIDE + (x >> 1)] += 0.299 * px[i] + 0.587 * px[i + 1] + 0.114 * px[i + 2];
    }
  return Uint8Array.from(sums, (s) => Math.round(s / 4));
}
