import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { crc32, deflateSync } from 'node:zlib';
import { PNG } from 'pngjs';
import { SELFIE, validateImage } from '../src/uploaded-image.ts';

const MAX_BYTES = 8 * 1024 * 1024;

function chunk(type: string, data: Buffer): Buffer {
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

/** A PNG claiming `width`×`height` RGBA (interlaced or not), whose image data is `raw` deflated. */
function png(width: number, height: number, raw: Buffer, interlace = 0): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8;
  header[9] = 6;
  header[12] = interlace;
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

describe('uploaded pictures are checked from their headers', () => {
  it('a real PNG gives its size', () => {
    const image = new PNG({ width: 120, height: 90 });
    assert.deepEqual(validateImage(PNG.sync.write(image), 'image/png', MAX_BYTES, SELFIE), { width: 120, height: 90 });
  });

  it('a small file claiming a huge picture is not inflated', () => {
    // 40 MB of zeros deflate to ~40 kB. pngjs decoded this (interlaced) in 3.3 s of blocked event loop and 0.9 GB.
    const bomb = png(8192, 8192, Buffer.alloc(40 * 1024 * 1024), 1);
    assert.ok(bomb.length < 100_000, `${bomb.length} bytes`);
    const rss = process.memoryUsage().rss;
    assert.deepEqual(validateImage(bomb, 'image/png', MAX_BYTES, SELFIE), { width: 8192, height: 8192 });
    const grew = process.memoryUsage().rss - rss;
    assert.ok(grew < 50 * 1024 * 1024, `validating it took ${Math.round(grew / 1048576)} MB`);
  });

  it('a claimed size out of range, a damaged or a cut-off PNG gets a clear refusal', () => {
    const raw = Buffer.alloc(10);
    const huge = validateImage(png(20_000, 100, raw), 'image/png', MAX_BYTES, SELFIE);
    assert.deepEqual(huge, { code: 'selfie-unsupported', message: 'a 20000x100 selfie is too small or too large' });
    const good = png(100, 100, raw);
    const damaged = Buffer.from(good);
    damaged[40] ^= 0xff; // inside the image data: its chunk's CRC no longer matches
    const cut = good.subarray(0, good.length - 12); // without IEND
    for (const bytes of [damaged, cut]) {
      assert.deepEqual(validateImage(bytes, 'image/png', MAX_BYTES, SELFIE), {
        code: 'selfie-unsupported',
        message: 'the selfie PNG is damaged or incomplete',
      });
    }
    assert.deepEqual(validateImage(good, 'image/png', MAX_BYTES, SELFIE), { width: 100, height: 100 });
  });
});
