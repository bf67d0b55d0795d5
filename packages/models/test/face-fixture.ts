import { readFileSync } from 'node:fs';
import path from 'node:path';
import { loadConfig } from '@tooncast/shared';
import { PNG } from 'pngjs';

/** The astronaut selfie (512×512, one face), decoded to RGBA. */
export function loadAstronaut(): PNG {
  return PNG.sync.read(readFileSync(path.join(loadConfig().fixturesDir, 'selfies/astronaut.png')));
}

/** Square region [x, y, size] of the image bilinearly resized to `out`×`out`, NHWC float RGB in [0,1] (or grey). */
export function cropResize(png: PNG, region: [number, number, number], out: number, grey = false): Float32Array {
  const [x0, y0, size] = region;
  const channels = grey ? 1 : 3;
  const result = new Float32Array(out * out * channels);
  const at = (x: number, y: number, c: number) => {
    const cx = Math.min(png.width - 1, Math.max(0, x));
    const cy = Math.min(png.height - 1, Math.max(0, y));
    return png.data[4 * (cy * png.width + cx) + c]! / 255;
  };
  for (let oy = 0; oy < out; oy++) {
    for (let ox = 0; ox < out; ox++) {
      const sx = x0 + ((ox + 0.5) * size) / out - 0.5;
      const sy = y0 + ((oy + 0.5) * size) / out - 0.5;
      const fx = Math.floor(sx);
      const fy = Math.floor(sy);
      const [ax, ay] = [sx - fx, sy - fy];
      const rgb = [0, 1, 2].map(
        (c) =>
          (1 - ay) * ((1 - ax) * at(fx, fy, c) + ax * at(fx + 1, fy, c)) +
          ay * ((1 - ax) * at(fx, fy + 1, c) + ax * at(fx + 1, fy + 1, c)),
      );
      const o = (oy * out + ox) * channels;
      if (grey) result[o] = 0.2989 * rgb[0]! + 0.587 * rgb[1]! + 0.114 * rgb[2]!;
      else result.set(rgb, o);
    }
  }
  return result;
}
