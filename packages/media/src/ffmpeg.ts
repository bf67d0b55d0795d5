import type { ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';

/** Path of the npm-shipped static ffmpeg (4.1), the one binary every media step uses. */
export const FFMPEG_PATH: string = (createRequire(import.meta.url)('@ffmpeg-installer/ffmpeg') as { path: string })
  .path;

export class MediaError extends Error {
  override name = 'MediaError';
}

/** How an ffmpeg process ended: a code, or the signal that killed it (then `code` is null). */
export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** Settles when `proc` ends, by code or signal. Call it at spawn: 'close' fires once; a late listener waits forever. */
export function exitOf(proc: ChildProcess): Promise<Exit> {
  return new Promise((resolve) => proc.once('close', (code, signal) => resolve({ code, signal })));
}

/** ffmpeg's own words on a failure, else how it ended. */
export function failure(stderr: string, exit: Exit): string {
  return stderr.trim() || (exit.signal ? `killed by ${exit.signal}` : `exit ${exit.code}`);
}
