import { type ChildProcess, spawn } from 'node:child_process';
import type { Logger } from '@tooncast/shared';
import { waitForTcp } from './ports.ts';

/**
 * A service process we own: spawned with piped output (last lines kept for error messages),
 * stopped with SIGTERM then SIGKILL. Exits before stop() are reported through `onExit`.
 *
 * A supervised process (one given `onExit`) runs in a process group of its own: a terminal's Ctrl-C, which signals
 * the whole foreground group, reaches only the supervisor, which then stops its services in order. Before, every
 * service got the SIGINT at once, exited in any order (Redis before the sfu had ended its sessions), and each exit
 * was logged as unexpected.
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
    this.child = spawn(command, args, { ...spawnOptions, stdio: ['ignore', 'pipe', 'pipe'], detached: !!onExit });
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

/**
 * Starts a service that listens on loopback `port` once up; `onExit(ranMs)` hears of an exit on its own, with how
 * long it ran (a supervisor's restart delay). The process is returned at once, so that a stop while it starts
 * reaches it; `listening` fails with its last output lines, and stops it, when it exits first or does not listen
 * within `timeoutMs`.
 */
export function spawnListening(
  name: string,
  command: string,
  args: readonly string[],
  port: number,
  timeoutMs: number,
  log: Logger,
  onExit?: (ranMs: number) => void,
): { child: OwnedProcess; listening: Promise<void> } {
  const startedAt = Date.now();
  const child = new OwnedProcess(name, command, args, log, {}, onExit && (() => onExit(Date.now() - startedAt)));
  // A process stopped or dead while it starts ends the wait at once, not at the timeout.
  const exited = new AbortController();
  void child.exited.then((code) => exited.abort(new Error(`it exited (code ${code})`)));
  const listening = waitForTcp('127.0.0.1', port, timeoutMs, exited.signal).catch(async (err) => {
    await child.stop();
    throw new Error(`${command} did not start: ${(err as Error).message}\n${child.lastLines()}`);
  });
  return { child, listening };
}

/**
 * A supervised service's restarts: one at a time (of two new processes, one would be left unowned) and none once
 * stopped. A stop marks it first, stops the service's process (a restart's new one included), then waits for a
 * restart under way to end.
 */
export class Restarts {
  private underWay?: Promise<void>;
  private stopped = false;

  /** Runs `spawn` unless stopped or a restart is under way; true when the service started again. */
  async run(spawn: () => Promise<void>): Promise<boolean> {
    if (this.stopped || this.underWay) return false;
    this.underWay = spawn();
    try {
      await this.underWay;
      return true;
    } catch (err) {
      // A stop meanwhile ended the new process: no failure.
      if (!this.stopped) throw err;
      return false;
    } finally {
      this.underWay = undefined;
    }
  }

  /** Before the service's process is stopped. */
  stop(): void {
    this.stopped = true;
  }

  /** After it is: a restart under way has ended with its process. */
  async settled(): Promise<void> {
    await this.underWay?.catch(() => undefined);
  }
}
