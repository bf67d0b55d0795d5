import type { Logger } from '@tooncast/shared';
import { type OwnedProcess, spawnListening } from './child.ts';
import { freeTcpPort } from './ports.ts';

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
    const port = String(this.port);
    const args = ['--port', port, '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', '/tmp'];
    this.process = await spawnListening('redis', 'redis-server', args, this.port, 10_000, this.log, this.onExit);
  }

  async stop(): Promise<void> {
    await this.process?.stop();
  }
}
