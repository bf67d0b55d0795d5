import { type ChildProcess, spawn } from 'node:child_process';
import type { Logger } from '@tooncast/shared';

/**
 * A service process we own: spawned with piped output (last lines kept for error messages),
 * stopped with SIGTERM then SIGKILL. Exits before stop() are reported through `onExit`.
 */
export class OwnedProcess {
  private readonly child: ChildProcess;
  private readonly tail: string[] = [];
  private stopping = false;
  readonly exited: Promise<number | null>;

  constructor(
    readonly name: string,
    command: string,
    args: readonly string[],
    private readonly log: Logger,
    spawnOptions: { env?: NodeJS.ProcessEnv; cwd?: string } = {},
    onExit?: (code: number | null, tail: string) => void,
  ) {
    this.child = spawn(command, args, { ...spawnOptions, stdio: ['ignore', 'pipe', 'pipe'] });
    const keep = (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n')) {
        if (!line) continue;
        this.tail.push(line);
        if (this.tail.length > 40) this.tail.shift();
        log.debug({ service: name }, line);
      }
    };
    this.child.stdout?.on('data', keep);
    this.child.stderr?.on('data', keep);
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code) => {
        if (!this.stopping) {
          log.error({ service: name, code, tail: this.lastLines() }, `${name} exited unexpectedly`);
          onExit?.(code, this.lastLines());
        }
        resolve(code);
      });
    });
    this.child.once('error', (err) => log.error({ service: name, err }, `${name} failed to start`));
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  lastLines(): string {
    return this.tail.join('\n');
  }

  async stop(timeoutMs = 3000): Promise<void> {
    if (!this.running) return;
    this.stopping = true;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    await this.exited;
    clearTimeout(timer);
    this.log.debug({ service: this.name }, `${this.name} stopped`);
  }
}
