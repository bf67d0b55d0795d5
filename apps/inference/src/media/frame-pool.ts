/**
 * Frame buffers used again once nothing reads them. A 640×360 RGB frame is 0.7 MB: a fresh one for each of 24
 * frames a second kept V8's garbage collector busy on its helper threads, at 15 % of the engine's own CPU.
 */
export class FramePool {
  private readonly free: ArrayBuffer[] = [];
  /** Buffers this pool made (a steady stream needs a handful). */
  allocated = 0;

  constructor(
    readonly frameBytes: number,
    /** Free buffers kept at most; more given back are left to the garbage collector. */
    private readonly capacity = 8,
  ) {}

  /** A frame buffer of `frameBytes`, its content undefined. */
  take(): Buffer {
    const free = this.free.pop();
    if (free) return Buffer.from(free);
    this.allocated++;
    return Buffer.allocUnsafeSlow(this.frameBytes);
  }

  /**
   * Gives a frame's memory back, once nothing reads or writes it any more. Memory that is not one whole buffer of
   * this size (a view into something else, or a buffer moved to another thread) is left alone.
   */
  give(data: Uint8Array): void {
    const { buffer } = data;
    if (!(buffer instanceof ArrayBuffer) || buffer.byteLength !== this.frameBytes || data.byteOffset !== 0) return;
    if (this.free.length >= this.capacity || this.free.includes(buffer)) return;
    this.free.push(buffer);
  }
}
