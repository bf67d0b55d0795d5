import type { Logger } from '@tooncast/shared';
import { OwnedProcess } from './child.ts';
import { freeTcpPort, waitForTcp } from './ports.ts';

/** A private redis-server on an ephemeral loopback port with persistence off (selfies must never touch disk). */
export class RedisProcess {
  private process?: OwnedProcess;
  url = '';

  constructor(private readonly log: Logger) {}

  async start(): Promise<string> {
    const port = await freeTcpPort();
    this.process = new OwnedProcess(
      'redis',
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', '/tmp'],
      this.log,
    );
    try {
      await waitForTcp('127.0.0.1', port, 10_000);
    } catch (err) {
      await this.process.stop();
      throw new Error(`redis-server did not start: ${(err as Error).message}\n${this.process.lastLines()}`);
    }
    this.url = `redis://127.0.0.1:${port}`;
    this.log.info({ url: this.url }, 'redis started');
    return this.url;
  }

  async stop(): Promise<void> {
    await this.process?.stop();
  }
}
