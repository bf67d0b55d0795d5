import { randomUUID } from 'node:crypto';
import type { Worker } from 'node:worker_threads';
import type { ContourFrame, RgbImage } from '@tooncast/shared';
import type { FrameInfo, FrameProcessor, TargetPoint } from './frame-processor.ts';
import { startTsThread } from './ts-thread.ts';

type Call = { call: number };
export type EngineRequest = Call &
  (
    | { type: 'open'; session: string; selfie: Uint8Array; target: TargetPoint }
    | { type: 'process'; session: string; width: number; height: number; data: ArrayBuffer; info: FrameInfo }
    | { type: 'close'; session: string }
    | { type: 'contour-view'; session: string; on: boolean }
  );
export type EngineReply =
  | { type: 'ready' }
  | (Call & { type: 'done' })
  | (Call & { type: 'frame'; width: number; height: number; data: ArrayBuffer; contour?: ContourFrame })
  | (Call & { type: 'error'; name: string; message: string; problem?: string });

/** The engine in its own thread (see engine-thread.ts); `createProcessor` gives each session its FrameProcessor. */
export class ThreadedEngine {
  private readonly thread: Worker;
  private readonly pending = new Map<number, { resolve: (r: EngineReply) => void; reject: (e: Error) => void }>();
  private calls = 0;
  readonly ready: Promise<void>;

  constructor() {
    this.thread = startTsThread(new URL('./engine-thread.ts', import.meta.url));
    this.ready = new Promise((resolve, reject) => {
      this.thread.once('error', reject);
      this.thread.on('message', (r: EngineReply) => {
        if (r.type === 'ready') return resolve();
        const waiter = this.pending.get(r.call);
        this.pending.delete(r.call);
        if (r.type !== 'error') return waiter?.resolve(r);
        const error = Object.assign(new Error(r.message), { name: r.name, problem: r.problem });
        waiter?.reject(error);
      });
    });
    this.thread.on('error', (err) => {
      for (const waiter of this.pending.values()) waiter.reject(err);
      this.pending.clear();
    });
  }

  request(
    message: EngineRequest extends infer R ? (R extends Call ? Omit<R, 'call'> : never) : never,
    transfer: ArrayBuffer[] = [],
  ) {
    const call = ++this.calls;
    return new Promise<EngineReply>((resolve, reject) => {
      this.pending.set(call, { resolve, reject });
      this.thread.postMessage({ ...message, call }, transfer);
    });
  }

  createProcessor(): FrameProcessor {
    return new ThreadedProcessor(this);
  }

  async close(): Promise<void> {
    await this.thread.terminate();
  }
}

class ThreadedProcessor implements FrameProcessor {
  private readonly session = randomUUID();
  private contourListener?: (frame: ContourFrame) => void;
  /** The thread's open of this session, while or once it runs. */
  private opening?: Promise<EngineReply>;

  constructor(private readonly engine: ThreadedEngine) {}

  async open(selfie: Uint8Array, target: TargetPoint): Promise<void> {
    this.opening = this.engine.request({ type: 'open', session: this.session, selfie, target });
    await this.opening;
  }

  async process(frame: RgbImage, info: FrameInfo): Promise<RgbImage> {
    // The thread takes the frame's memory when the frame owns all of it (the decoder's frames do), else a copy.
    const { buffer, byteOffset, byteLength } = frame.data;
    const owned = buffer instanceof ArrayBuffer && byteOffset === 0 && byteLength === buffer.byteLength;
    const data = owned ? buffer : Uint8Array.from(frame.data).buffer;
    const r = await this.engine.request(
      { type: 'process', session: this.session, width: frame.width, height: frame.height, data, info },
      [data],
    );
    if (r.type !== 'frame') throw new Error(`unexpected engine reply ${r.type}`);
    if (r.contour) this.contourListener?.(r.contour);
    return { width: r.width, height: r.height, data: new Uint8Array(r.data) };
  }

  async close(): Promise<void> {
    // The thread runs requests side by side: a close while the session opens would find nothing to close, and the open
    // would then keep the session, the user's selfie features with it, for good.
    await this.opening?.catch(() => undefined);
    await this.engine.request({ type: 'close', session: this.session });
  }

  watchContours(listener: ((frame: ContourFrame) => void) | undefined): void {
    this.contourListener = listener;
    void this.engine
      .request({ type: 'contour-view', session: this.session, on: listener !== undefined })
      .catch(() => undefined);
  }
}
