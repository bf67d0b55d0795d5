import { type ErrorCode, isPng, type ServiceError } from '@tooncast/shared';
import { PNG } from 'pngjs';

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

const megabytes = (bytes: number) => `${Number((bytes / 1048576).toFixed(1))} MB`;

/**
 * Checks that an uploaded picture is a PNG or JPEG that decodes to a sensible size. PNGs are decoded fully;
 * JPEGs are checked up to their frame header (the worker decodes them).
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
    try {
      const png = PNG.sync.read(bytes);
      size = { width: png.width, height: png.height };
    } catch {
      return { code: use.unsupported, message: `the ${use.name} PNG could not be decoded` };
    }
  } else {
    size = jpegSize(bytes);
    if (!size) return unsupported;
  }
  if (size.width < 64 || size.height < 64 || size.width > 8192 || size.height > 8192) {
    return { code: use.unsupported, message: `a ${size.width}x${size.height} ${use.name} is too small or too large` };
  }
  return size;
}
