import type { Logger } from '@tooncast/shared';
import { type OwnedProcess, Restarts, spawnListening } from './child.ts';
import { freeTcpPort } from './ports.ts';

/** A private redis-server on an ephemeral loopback port with persistence off (selfies must never touch disk). */
export class RedisProcess {
  private process?: OwnedProcess;
  private readonly restarts = new Restarts();
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

  /**
   * Starts redis-server again after it exited, on the same port: empty, as it keeps nothing on disk. Not once
   * stopped, nor while a restart is under way (see Restarts).
   */
  async respawn(): Promise<void> {
    if (await this.restarts.run(() => this.spawn())) this.log.info({ url: this.url }, 'redis started again');
  }

  private async spawn(): Promise<void> {
    const port = String(this.port);
    const args = ['--port', port, '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', '/tmp'];
    const started = spawnListening('redis', 'redis-server', args, this.port, 10_000, this.log, this.onExit);
    // Owned before it listens, so that a stop meanwhile stops it.
    this.process = started.child;
    await started.listening;
  }

  async stop(): Promise<void> {
    this.restarts.stop();
    await this.process?.stop();
    await this.restarts.settled();
  }
}
