/**
 * Frame buffers used again once nothing reads them. A 640×360 RGB frame is 0.7 MB: a fresh one for each of 24
 * frames a second kept V8's garbage collector busy on its helper threads (worker bench, engine: the process's
 * threads other than the main and the engine's took 3.7–3.8 ms of CPU a frame, 2.4–2.9 with the pool).
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
