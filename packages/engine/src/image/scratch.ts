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

  /** A Float32Array of exactly `length` elements, zeroed when `zero` is set (a new buffer is zeroed anyway). */
  floats(name: string, length: number, zero = false): Float32Array {
    return take(this.floatBuffers, Float32Array, name, length, zero);
  }

  /** A Uint8Array of exactly `length` elements (contents undefined). */
  bytes(name: string, length: number): Uint8Array {
    return take(this.byteBuffers, Uint8Array, name, length, false);
  }

  /** An Int32Array of exactly `length` elements (contents undefined). */
  ints(name: string, length: number): Int32Array {
    return take(this.intBuffers, Int32Array, name, length, false);
  }
}

type Typed = Float32Array | Uint8Array | Int32Array;

/** The named buffer of `buffers`, grown to `length` when too small; a view of exactly `length` elements. */
function take<T extends Typed>(
  buffers: Map<string, T>,
  make: new (length: number) => T,
  name: string,
  length: number,
  zero: boolean,
): T {
  const buf = buffers.get(name);
  if (!buf || buf.length < length) {
    const fresh = new make(length);
    buffers.set(name, fresh);
    return fresh;
  }
  const view = buf.subarray(0, length) as T;
  if (zero) view.fill(0);
  return view;
}
