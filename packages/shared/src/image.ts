/**
 * A frame or face image as the engine passes it around: 8-bit RGB, interleaved, rows top to bottom, no padding.
 * Every stage takes and returns these; only the CLI and the worker turn them into files or RTP.
 */
export interface RgbImage {
  readonly width: number;
  readonly height: number;
  /** width * height * 3 bytes: R, G, B per pixel. */
  readonly data: Uint8Array;
}

/** A single-channel float map (mask, weight, flow component) of the same layout. */
export interface FloatMap {
  readonly width: number;
  readonly height: number;
  readonly data: Float32Array;
}

export function createRgbImage(width: number, height: number, fill?: readonly [number, number, number]): RgbImage {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new RangeError(`image size must be positive integers, got ${width}x${height}`);
  }
  const data = new Uint8Array(width * height * 3);
  if (fill) for (let i = 0; i < data.length; i += 3) data.set(fill, i);
  return { width, height, data };
}

export function createFloatMap(width: number, height: number, fill = 0): FloatMap {
  return { width, height, data: new Float32Array(width * height).fill(fill) };
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** Whether the bytes start with the PNG file signature. */
export function isPng(bytes: Uint8Array): boolean {
  return bytes.length >= PNG_SIGNATURE.length && PNG_SIGNATURE.every((b, i) => bytes[i] === b);
}
