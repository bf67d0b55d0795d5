/**
 * The frame-id barcode of test clips: a band across the top of every frame, BARCODE_BITS black or white cells
 * (most significant bit first) framed by a white cell at each end. The test clips draw it; the pages read it from
 * the clip as it is shown and from the personalized stream (glass-to-glass latency), the worker's tests from
 * decoded frames. Browser-safe: no Node imports.
 */
export const BARCODE_BITS = 16;
export const BARCODE_CELLS = BARCODE_BITS + 2;
/**
 * A clip showing of a frame id longer ago than this belongs to an earlier loop (the clip's frame callbacks, which a
 * loaded page sometimes misses, did not see this loop's), ms: how the pages and the benchmarks pair a personalized
 * frame with the clip's showing of its id. (Here, not in the protocol module: that one brings zod into the pages.)
 */
export const MAX_PAIRING_MS = 3000;
/** Band height as a fraction of the frame height. */
export const BARCODE_BAND = 0.06;
/** The largest id a barcode carries: all data cells white is a white band (a sky, a title), not a frame id. */
export const BARCODE_MAX_ID = 2 ** BARCODE_BITS - 2;

/** Whether cell `c` (0 … BARCODE_CELLS − 1, the end cells included) of the barcode of `id` is white. */
export function barcodeCellWhite(id: number, c: number): boolean {
  if (!Number.isInteger(id) || id < 0 || id > BARCODE_MAX_ID) {
    throw new RangeError(`a frame-id barcode carries 0…${BARCODE_MAX_ID}, not ${id}`);
  }
  return c === 0 || c === BARCODE_CELLS - 1 || ((id >> (BARCODE_BITS - c)) & 1) === 1;
}

/** Mean luma at or above this is a white cell; below BLACK_BELOW a black one; between, the read fails. */
const WHITE_FROM = 160;
const BLACK_BELOW = 96;
/**
 * Largest spread between a cell's channel means: the barcode is grey, and a light blue sky is as bright as its
 * white (a codec leaves a few levels of tint on pure black and white).
 */
const MAX_TINT = 40;

/**
 * Reads the frame id from one row of pixels across the band (`channels` bytes a pixel: 3 for RGB, 4 for RGBA), or
 * undefined when the row holds no barcode. The band spans the clip's picture, which a stream of another shape
 * carries pillarboxed (black beside it): it is found by its white end cells.
 */
export function readBarcodeRow(row: ArrayLike<number>, width: number, channels: 3 | 4): number | undefined {
  const channel = (x: number, ch: number) => row[channels * x + ch];
  const white = (x: number) => (channel(x, 0) + channel(x, 1) + channel(x, 2)) / 3 >= WHITE_FROM;
  let left = 0;
  while (left < width && !white(left)) left++;
  let right = width - 1;
  while (right > left && !white(right)) right--;
  const cell = (right - left + 1) / BARCODE_CELLS;
  if (cell < 3) return undefined;
  // The middle half of a cell, averaged per channel: its edges blur into the neighbours.
  const cellShade = (c: number): 'black' | 'white' | undefined => {
    const from = Math.round(left + (c + 0.25) * cell);
    const to = Math.max(from + 1, Math.round(left + (c + 0.75) * cell));
    let r = 0;
    let g = 0;
    let b = 0;
    for (let x = from; x < to; x++) {
      r += channel(x, 0);
      g += channel(x, 1);
      b += channel(x, 2);
    }
    const n = to - from;
    if ((Math.max(r, g, b) - Math.min(r, g, b)) / n > MAX_TINT) return undefined;
    const luma = (r + g + b) / (3 * n);
    return luma >= WHITE_FROM ? 'white' : luma < BLACK_BELOW ? 'black' : undefined;
  };
  if (cellShade(0) !== 'white' || cellShade(BARCODE_CELLS - 1) !== 'white') return undefined;
  let id = 0;
  for (let bit = 0; bit < BARCODE_BITS; bit++) {
    const shade = cellShade(bit + 1);
    if (!shade) return undefined;
    id = id * 2 + (shade === 'white' ? 1 : 0);
  }
  return id <= BARCODE_MAX_ID ? id : undefined;
}
