import { ORGANS, type PipelineFrame } from '@tooncast/engine';
import { createRgbImage, type FloatMap, type RgbImage } from '@tooncast/shared';
import { ORGAN_COLOURS } from '@tooncast/shared/debug-view';

/** Organ colours of the contour-figure tile, in ORGANS order. */
const ORGAN_RGB = ORGANS.map((organ) => ORGAN_COLOURS[organ]);

/**
 * The debug grid of one frame. Top: original | output. Bottom, in the face space: contour figure | first face |
 * second face | fusion weight of the second face | final (fused) face | stylized face. Empty tiles stay black.
 */
export class DebugGrid {
  readonly width: number;
  readonly height: number;
  private readonly tile: number;

  constructor(
    private readonly frameWidth: number,
    private readonly frameHeight: number,
  ) {
    this.width = 2 * frameWidth;
    this.tile = Math.min(192, Math.floor(this.width / 6));
    this.height = frameHeight + this.tile;
  }

  compose(original: RgbImage, result: PipelineFrame): RgbImage {
    const grid = createRgbImage(this.width, this.height);
    paste(grid, original, 0, 0);
    paste(grid, result.output, this.frameWidth, 0);
    const f = result.face;
    const contour = result.analysis.face?.contour;
    const tiles: (RgbImage | undefined)[] = [
      contour && contourTile(contour.planes, contour.size),
      f?.firstFace,
      f?.secondFace,
      f?.secondWeight && grayTile(f.secondWeight),
      f?.finalFace,
      f?.stylizedFace,
    ];
    tiles.forEach((t, k) => {
      if (t) paste(grid, fit(t, this.tile), k * this.tile, this.frameHeight);
    });
    return grid;
  }
}

function contourTile(planes: Float32Array, size: number): RgbImage {
  const img = createRgbImage(size, size);
  const plane = size * size;
  for (let c = 0; c < ORGANS.length; c++) {
    for (let i = 0; i < plane; i++) {
      const v = planes[c * plane + i];
      if (v > 0)
        for (let ch = 0; ch < 3; ch++) img.data[3 * i + ch] = Math.max(img.data[3 * i + ch], ORGAN_RGB[c][ch] * v);
    }
  }
  return img;
}

function grayTile(map: FloatMap): RgbImage {
  const img = createRgbImage(map.width, map.height);
  for (let i = 0; i < map.data.length; i++) img.data.fill(Math.round(255 * map.data[i]), 3 * i, 3 * i + 3);
  return img;
}

/** Nearest-neighbour resize to a square tile (debug only). */
function fit(img: RgbImage, size: number): RgbImage {
  if (img.width === size && img.height === size) return img;
  const out = createRgbImage(size, size);
  for (let y = 0; y < size; y++) {
    const sy = Math.floor((y * img.height) / size);
    for (let x = 0; x < size; x++) {
      const s = (sy * img.width + Math.floor((x * img.width) / size)) * 3;
      out.data.set(img.data.subarray(s, s + 3), (y * size + x) * 3);
    }
  }
  return out;
}

function paste(into: RgbImage, img: RgbImage, x0: number, y0: number): void {
  for (let y = 0; y < img.height && y0 + y < into.height; y++) {
    const w = Math.min(img.width, into.width - x0);
    into.data.set(img.data.subarray(y * img.width * 3, (y * img.width + w) * 3), ((y0 + y) * into.width + x0) * 3);
  }
}
