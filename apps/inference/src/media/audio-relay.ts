import type { Worker } from 'node:worker_threads';
import { startTsThread } from '../ts-thread.ts';

/** Handle on the audio relay thread (see audio-relay-thread.ts). */
export class AudioRelay {
  private constructor(
    private readonly thread: Worker,
    readonly port: number,
  ) {}

  static async start(host: string, output: { host: string; port: number }): Promise<AudioRelay> {
    const thread = startTsThread(new URL('./audio-relay-thread.ts', import.meta.url), {
      host,
      outHost: output.host,
      outPort: output.port,
    });
    const port = await new Promise<number>((resolve, reject) => {
      thread.once('error', reject);
      thread.once('message', (m: { port: number }) => resolve(m.port));
    });
    return new AudioRelay(thread, port);
  }

  setDelay(delayMs: number): void {
    this.thread.postMessage({ delayMs });
  }

  async close(): Promise<void> {
    this.thread.postMessage({ close: true });
    await new Promise((r) => this.thread.once('exit', r));
  }
}
