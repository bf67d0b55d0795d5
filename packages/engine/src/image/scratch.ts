/**
 * Reusable per-stage work buffers. Each stage owns one and asks for a buffer by name each frame; the buffer is
 * grown when too small and otherwise reused, so steady-state frames allocate no large typed arrays (the garbage
 * collector's full pauses, not the arithmetic, are what break the p95 frame time). A buffer's content is only
 * valid until the same name is asked for again.
 */
export class Scratch {
  private readonly floatBuffers = new Map<string, Float32Array>();
  private readonly byteBuffers = new Map<string, Uint8Array>();
  private readonly intBuffers = new Map<string, Int32Array>();

  /** A Float32Array of exactly `length` elements, zeroed when `zero` is set. */
  floats(name: string, length: number, zero = false): Float32Array {
    let buf = this.floatBuffers.get(name);
    if (!buf || buf.length < length) {
      buf = new Float32Array(length);
      this.floatBuffers.set(name, buf);
      return buf;
    }
    const view = buf.subarray(0, length);
    if (zero) view.fill(0);
    return view;
  }

  /** A Uint8Array of exactly `length` elements (contents undefined). */
  bytes(name: string, length: number): Uint8Array {
    let buf = this.byteBuffers.get(name);
    if (!buf || buf.length < length) {
      buf = new Uint8Array(length);
      this.byteBuffers.set(name, buf);
    }
    return buf.subarray(0, length);
  }

  /** An Int32Array of exactly `length` elements (contents undefined). */
  ints(name: string, length: number): Int32Array {
    let buf = this.intBuffers.get(name);
    if (!buf || buf.length < length) {
      buf = new Int32Array(length);
      this.intBuffers.set(name, buf);
    }
    return buf.subarray(0, length);
  }
}
