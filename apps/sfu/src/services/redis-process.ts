import type { Logger } from '@tooncast/shared';
import { OwnedProcess } from './child.ts';
import { freeTcpPort, waitForTcp } from './ports.ts';

/** A private redis-server on an ephemeral loopback port with persistence off (selfies must never touch disk). */
export class RedisProcess {
  private process?: OwnedProcess;
  private port = 0;
  url = '';

  /** `onExit(ranMs)`: redis-server exited on its own, after running that long (see respawn). */
  constructor(
    private readonly log: Logger,
    private readonly onExit?: (ranMs: number) => void,
  ) {}

  async start(): Promise<string> {
    this.port = await freeTcpPort();
    await this.spawn();
    this.url = `redis://127.0.0.1:${this.port}`;
    this.log.info({ url: this.url }, 'redis started');
    return this.url;
  }

  /** Starts redis-server again after it exited, on the same port: empty, as it keeps nothing on disk. */
  async respawn(): Promise<void> {
    await this.spawn();
    this.log.info({ url: this.url }, 'redis started again');
  }

  private async spawn(): Promise<void> {
    const startedAt = Date.now();
    const onExit = this.onExit && (() => this.onExit?.(Date.now() - startedAt));
    const args = [
      '--port',
      String(this.port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--dir',
      '/tmp',
    ];
    this.process = new OwnedProcess('redis', 'redis-server', args, this.log, {}, onExit);
    try {
      await waitForTcp('127.0.0.1', this.port, 10_000);
    } catch (err) {
      await this.process.stop();
      throw new Error(`redis-server did not start: ${(err as Error).message}\n${this.process.lastLines()}`);
    }
  }

  async stop(): Promise<void> {
    await this.process?.stop();
  }
}
