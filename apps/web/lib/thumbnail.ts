import type { Pixels, SourceRect } from './frame-pixels.ts';

/** A thumbnail's grid, cells. */
export interface ThumbnailGrid {
  width: number;
  height: number;
}

/** The grid a frame is reduced to for matching frames by content (see video-delay.ts). */
export const MATCH_GRID: ThumbnailGrid = { width: 16, height: 16 };

/**
 * Grey levels of `source` on `grid`, each cell the mean of `oversample`² pixels: the picture is drawn at `oversample`
 * times the grid and averaged here, because a canvas shrinking a frame 20-fold in one step samples a few pixels per
 * cell, which coding noise then swings. `scratch` is the caller's canvas for it.
 */
export function lumaThumbnail(
  source: CanvasImageSource,
  scratch: CanvasRenderingContext2D,
  grid: ThumbnailGrid,
  oversample: number,
): Uint8Array {
  const [w, h] = [grid.width * oversample, grid.height * oversample];
  // Resized only when it must: setting a canvas's size, even to the same, reallocates it.
  if (scratch.canvas.width !== w) scratch.canvas.width = w;
  if (scratch.canvas.height !== h) scratch.canvas.height = h;
  scratch.imageSmoothingQuality = 'high';
  scratch.drawImage(source, 0, 0, w, h);
  return lumaCells({ data: scratch.getImageData(0, 0, w, h).data, width: w, height: h }, grid);
}

/** Samples a cell averages at least: enough against coding noise (see lumaCells). */
const MIN_CELL_SAMPLES = 64;

/**
 * Grey levels of RGBA `pixels` on `grid`: each cell the mean of the pixels it covers, read on a lattice (every
 * `step`-th pixel of every `step`-th row) as coarse as still gives each cell MIN_CELL_SAMPLES. The owner's page
 * thumbnails two whole 640×360 videos at 24 fps: every pixel cost ~80 ms of its main thread a second in headless
 * Chromium, the lattice (step 3, ~100 samples a cell) a ninth of that.
 */
export function lumaCells(pixels: Pixels, grid: ThumbnailGrid): Uint8Array {
  const { data, width: w, height: h } = pixels;
  const step = Math.max(1, Math.floor(Math.sqrt((w * h) / (grid.width * grid.height * MIN_CELL_SAMPLES))));
  const first = step >> 1;
  const sums = new Float64Array(grid.width * grid.height);
  const counts = new Uint32Array(sums.length);
  // The cell column of each sampled x, the same on every row.
  const columns = Int32Array.from({ length: Math.ceil((w - first) / step) }, (_, j) =>
    Math.floor(((first + j * step) * grid.width) / w),
  );
  for (let y = first; y < h; y += step) {
    const row = Math.floor((y * grid.height) / h) * grid.width;
    for (let j = 0, i = 4 * (y * w + first); j < columns.length; j++, i += 4 * step) {
      const cell = row + columns[j];
      sums[cell] += 0.299 * data[i] + 0.587 * data[i + 1] + 0.114 * data[i + 2];
      counts[cell]++;
    }
  }
  return Uint8Array.from(sums, (s, c) => Math.round(s / Math.max(1, counts[c])));
}

/**
 * The largest centred rect of shape `aspect` (width over height) in a `width`×`height` frame: where the worker put a
 * clip of another shape than its frame (the rest is black padding).
 */
export function centredRect(width: number, height: number, aspect: number): SourceRect {
  const [w, h] = aspect >= width / height ? [width, width / aspect] : [height * aspect, height];
  return { x: (width - w) / 2, y: (height - h) / 2, width: w, height: h };
}
