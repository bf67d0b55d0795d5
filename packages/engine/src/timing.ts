/** Per-stage wall-clock times of one frame, so benchmarks and the worker can print the same per-stage table. */
export type StageTimes = Record<string, number>;

export class StageClock {
  private times: StageTimes = {};

  /** Runs `fn`, adds its duration (ms) to `stage`. */
  time<T>(stage: string, fn: () => T): T {
    const t0 = performance.now();
    try {
      return fn();
    } finally {
      this.times[stage] = (this.times[stage] ?? 0) + performance.now() - t0;
    }
  }

  async timeAsync<T>(stage: string, fn: () => Promise<T>): Promise<T> {
    const t0 = performance.now();
    try {
      return await fn();
    } finally {
      this.times[stage] = (this.times[stage] ?? 0) + performance.now() - t0;
    }
  }

  /** The times since the last call, and a fresh start for the next frame. */
  take(): StageTimes {
    const t = this.times;
    this.times = {};
    return t;
  }
}
