import type { ServiceError } from '@tooncast/shared';
import { PNG } from 'pngjs';

export interface SelfieInfo {
  width: number;
  height: number;
}

const PNG_MAGIC = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** JPEG dimensions from the first start-of-frame marker; undefined when the marker chain is broken. */
function jpegSize(bytes: Buffer): SelfieInfo | undefined {
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

/**
 * Checks that the selfie is a PNG or JPEG that decodes to a sensible size. PNGs are decoded fully;
 * JPEGs are checked up to their frame header (the worker decodes them).
 */
export function validateSelfie(
  bytes: Buffer,
  mime: 'image/png' | 'image/jpeg',
  maxBytes: number,
): SelfieInfo | ServiceError {
  if (bytes.length > maxBytes) {
    return { code: 'selfie-too-large', message: `the selfie is larger than ${Math.round(maxBytes / 1048576)} MB` };
  }
  const unsupported: ServiceError = { code: 'selfie-unsupported', message: 'the selfie must be a PNG or JPEG image' };
  let size: SelfieInfo | undefined;
  if (mime === 'image/png') {
    if (!bytes.subarray(0, 8).equals(PNG_MAGIC)) return unsupported;
    try {
      const png = PNG.sync.read(bytes);
      size = { width: png.width, height: png.height };
    } catch {
      return { code: 'selfie-unsupported', message: 'the selfie PNG could not be decoded' };
    }
  } else {
    size = jpegSize(bytes);
    if (!size) return unsupported;
  }
  if (size.width < 64 || size.height < 64 || size.width > 8192 || size.height > 8192) {
    return { code: 'selfie-unsupported', message: `a ${size.width}x${size.height} selfie is too small or too large` };
  }
  return size;
}

/**
 * Optional upload-time face check. The engine's selfie analysis runs in the inference worker when the session
 * starts and reports `selfie-no-face` (or what else is wrong) then; a deployment that wants the answer at upload
 * passes a check here (the sfu itself loads no models by default).
 */
export type SelfieFaceCheck = (bytes: Buffer) => Promise<ServiceError | undefined>;
export const acceptAnySelfieFace: SelfieFaceCheck = async () => undefined;
