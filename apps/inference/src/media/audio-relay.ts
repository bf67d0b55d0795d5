import type { Worker } from 'node:worker_threads';
import { startTsThread } from '../ts-thread.ts';
import type { RelayReply, RelayRequest } from './audio-relay-thread.ts';

let thread: Worker | undefined;
let relays = 0;
const waiting = new Map<number, (reply: RelayReply) => void>();

/** The process's audio relay thread (see audio-relay-thread.ts), started on first use; it never keeps the process alive. */
function relayThread(): Worker {
  if (thread) return thread;
  const started = startTsThread(new URL('./audio-relay-thread.ts', import.meta.url));
  started.on('message', (r: RelayReply) => {
    const resolve = waiting.get(r.id);
    waiting.delete(r.id);
    if (!waiting.size) started.unref();
    resolve?.(r);
  });
  started.on('error', (err) => {
    for (const resolve of waiting.values()) resolve({ id: -1, error: err.message });
    waiting.clear();
    thread = undefined;
  });
  // After the listeners: adding a 'message' listener refs the thread's port again.
  started.unref();
  thread = started;
  return started;
}

function request(m: RelayRequest): Promise<RelayReply> {
  return new Promise((resolve) => {
    waiting.set(m.id, resolve);
    const t = relayThread();
    // An answer we wait for keeps the process alive.
    t.ref();
    t.postMessage(m);
  });
}

/** One session's clip audio relay, on the shared relay thread. */
export class AudioRelay {
  private constructor(
    private readonly id: number,
    readonly port: number,
    private readonly droppedCount: Int32Array,
  ) {}

  /** Starts the relay thread ahead of the first session, so no session waits for it. */
  static prestart(): void {
    relayThread();
  }

  static async start(host: string, output: { host: string; port: number }): Promise<AudioRelay> {
    const id = ++relays;
    const dropped = new Int32Array(new SharedArrayBuffer(4));
    const r = await request({ type: 'open', id, host, outHost: output.host, outPort: output.port, dropped });
    if (r.port === undefined) throw new Error(`the audio relay could not listen on ${host}: ${r.error}`);
    return new AudioRelay(id, r.port, dropped);
  }

  setDelay(delayMs: number): void {
    relayThread().postMessage({ type: 'delay', id: this.id, delayMs } satisfies RelayRequest);
  }

  /** Packets dropped so far as too late (see AudioRetimer): a gap in the sound each. */
  get dropped(): number {
    return Atomics.load(this.droppedCount, 0);
  }

  /** Stops the relay; resolves to the number of packets it dropped as too late. */
  async close(): Promise<number> {
    await request({ type: 'close', id: this.id });
    return this.dropped;
  }
}
