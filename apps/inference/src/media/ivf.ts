/**
 * IVF container: the simplest framing with a timestamp a frame that ffmpeg reads and writes on a pipe, for VP8 and
 * for raw frames (`fourcc` 'RGB\x18': rgb24).
 */
export function ivfHeader(width: number, height: number, timebaseDen: number, fourcc = 'VP80'): Buffer {
  const h = Buffer.alloc(32);
  h.write('DKIF', 0, 'ascii');
  h.writeUInt16LE(0, 4);
  h.writeUInt16LE(32, 6);
  h.write(fourcc, 8, 'latin1');
  h.writeUInt16LE(width, 12);
  h.writeUInt16LE(height, 14);
  h.writeUInt32LE(timebaseDen, 16);
  h.writeUInt32LE(1, 20);
  return h;
}

export function ivfFrameHeader(size: number, pts: number): Buffer {
  const h = Buffer.alloc(12);
  h.writeUInt32LE(size, 0);
  h.writeBigUInt64LE(BigInt(pts), 4);
  return h;
}

/** Incremental IVF reader: feed stdout chunks, get whole frames with their pts. */
export class IvfReader {
  private buffered: Buffer = Buffer.alloc(0);
  private headerSeen = false;

  push(chunk: Buffer): { data: Buffer; pts: number }[] {
    this.buffered = this.buffered.length ? Buffer.concat([this.buffered, chunk]) : chunk;
    const frames: { data: Buffer; pts: number }[] = [];
    if (!this.headerSeen) {
      if (this.buffered.length < 32) return frames;
      this.buffered = this.buffered.subarray(this.buffered.readUInt16LE(6));
      this.headerSeen = true;
    }
    while (this.buffered.length >= 12) {
      const size = this.buffered.readUInt32LE(0);
      if (this.buffered.length < 12 + size) break;
      frames.push({
        data: Buffer.from(this.buffered.subarray(12, 12 + size)),
        pts: Number(this.buffered.readBigUInt64LE(4)),
      });
      this.buffered = this.buffered.subarray(12 + size);
    }
    return frames;
  }
}
