import { crc32 } from 'node:zlib';
import { type ErrorCode, isPng, type ServiceError } from '@tooncast/shared';

export interface ImageSize {
  width: number;
  height: number;
}

/** What an uploaded picture is for: how errors name it and which codes they carry. */
export interface ImageUse {
  name: string;
  tooLarge: ErrorCode;
  unsupported: ErrorCode;
}

export const SELFIE: ImageUse = { name: 'selfie', tooLarge: 'selfie-too-large', unsupported: 'selfie-unsupported' };
export const TARGET_FRAME: ImageUse = {
  name: 'clicked frame',
  tooLarge: 'target-frame-too-large',
  unsupported: 'target-frame-unsupported',
};

/** JPEG dimensions from the first start-of-frame marker; undefined when the marker chain is broken. */
function jpegSize(bytes: Buffer): ImageSize | undefined {
  if (bytes[0] !== 0xff || bytes[1] !== 0xd8) return undefined;
  let offset = 2;
  while (offset + 9 < bytes.length) {
    if (bytes[offset] !== 0xff) return undefined;
    const marker = bytes[offset + 1];
    const length = bytes.readUInt16BE(offset + 2);
    const isSof = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
    if (isSof) return { height: bytes.readUInt16BE(offset + 5), width: bytes.readUInt16BE(offset + 7) };
    offset += 2 + length;
  }
  return undefined;
}

/** PNG colour types and the bit depths each allows (PNG spec, IHDR). */
const PNG_DEPTHS: Record<number, readonly number[]> = {
  0: [1, 2, 4, 8, 16],
  2: [8, 16],
  3: [1, 2, 4, 8],
  4: [8, 16],
  6: [8, 16],
};

/**
 * PNG dimensions from its header, once its chunk chain holds together (every chunk within the file with a matching
 * CRC, IHDR first, image data, IEND last); undefined otherwise. Nothing is inflated: a small file may claim a huge
 * image (pngjs decoding a 40 kB PNG that claims 8192×8192 blocked the event loop 3.3 s and took 0.9 GB), and the
 * worker decodes the picture anyway.
 */
function pngSize(bytes: Buffer): ImageSize | undefined {
  let offset = 8;
  let size: ImageSize | undefined;
  let data = false;
  while (offset + 12 <= bytes.length) {
    const length = bytes.readUInt32BE(offset);
    const end = offset + 12 + length;
    if (end > bytes.length) return undefined;
    const type = bytes.toString('latin1', offset + 4, offset + 8);
    if (crc32(bytes.subarray(offset + 4, end - 4)) !== bytes.readUInt32BE(end - 4)) return undefined;
    if (offset === 8) {
      if (type !== 'IHDR' || length !== 13) return undefined;
      const depth = bytes[offset + 16];
      if (!PNG_DEPTHS[bytes[offset + 17]]?.includes(depth)) return undefined;
      size = { width: bytes.readUInt32BE(offset + 8), height: bytes.readUInt32BE(offset + 12) };
    }
    if (type === 'IDAT') data = true;
    if (type === 'IEND') return data && end === bytes.length ? size : undefined;
    offset = end;
  }
  return undefined;
}

const megabytes = (bytes: number) => `${Number((bytes / 1048576).toFixed(1))} MB`;

/**
 * Checks that an uploaded picture is a PNG or JPEG of a sensible size, from its headers (PNG: its whole chunk
 * chain; JPEG: up to its frame header). The worker decodes it.
 */
export function validateImage(
  bytes: Buffer,
  mime: 'image/png' | 'image/jpeg',
  maxBytes: number,
  use: ImageUse,
): ImageSize | ServiceError {
  if (bytes.length > maxBytes) {
    return { code: use.tooLarge, message: `the ${use.name} is larger than ${megabytes(maxBytes)}` };
  }
  const unsupported: ServiceError = { code: use.unsupported, message: `the ${use.name} must be a PNG or JPEG image` };
  let size: ImageSize | undefined;
  if (mime === 'image/png') {
    if (!isPng(bytes)) return unsupported;
    size = pngSize(bytes);
    if (!size) return { code: use.unsupported, message: `the ${use.name} PNG is damaged or incomplete` };
  } else {
    size = jpegSize(bytes);
    if (!size) return unsupported;
  }
  if (size.width < 64 || size.height < 64 || size.width > 8192 || size.height > 8192) {
    return { code: use.unsupported, message: `a ${size.width}x${size.height} ${use.name} is too small or too large` };
  }
  return size;
}
