/** A thumbnail's grid, cells. */
export interface ThumbnailGrid {
  width: number;
  height: number;
}

/** A source rect, px. */
export interface SourceRect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** The grid a frame is reduced to for matching frames by content (see video-delay.ts). */
export const MATCH_GRID: ThumbnailGrid = { width: 16, height: 16 };

/**
 * Grey levels of `source` (or of its `rect`) on `grid`, each cell the mean of `oversample`² pixels: the picture is
 * drawn at `oversample` times the grid and averaged here, because a canvas shrinking a frame 20-fold in one step
 * samples a few pixels per cell, which coding noise then swings. `scratch` is the caller's canvas for it.
 */
export function lumaThumbnail(
  source: CanvasImageSource,
  scratch: CanvasRenderingContext2D,
  grid: ThumbnailGrid,
  oversample: number,
  rect?: SourceRect,
): Uint8Array {
  const [w, h] = [grid.width * oversample, grid.height * oversample];
  // Resized only when it must: setting a canvas's size, even to the same, reallocates it.
  if (scratch.canvas.width !== w) scratch.canvas.width = w;
  if (scratch.canvas.height !== h) scratch.canvas.height = h;
  scratch.imageSmoothingQuality = 'high';
  if (rect) scratch.drawImage(source, rect.x, rect.y, rect.width, rect.height, 0, 0, w, h);
  else scratch.drawImage(source, 0, 0, w, h);
  const px = scratch.getImageData(0, 0, w, h).data;
  const sums = new Float64Array(grid.width * grid.height);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const i = 4 * (y * w + x);
      sums[Math.floor(y / oversample) * grid.width + Math.floor(x / oversample)] +=
        0.299 * px[i] + 0.587 * px[i + 1] + 0.114 * px[i + 2];
    }
  return Uint8Array.from(sums, (s) => Math.round(s / (oversample * oversample)));
}

/**
 * The largest centred rect of shape `aspect` (width over height) in a `width`×`height` frame: where the worker put a
 * clip of another shape than its frame (the rest is black padding).
 */
export function centredRect(width: number, height: number, aspect: number): SourceRect {
  const [w, h] = aspect >= width / height ? [width, width / aspect] : [height * aspect, height];
  return { x: (width - w) / 2, y: (height - h) / 2, width: w, height: h };
}
