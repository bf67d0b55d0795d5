export interface StageTiming {
  /** Median wall time per call, ms. */
  medianMs: number;
  /** 95th-percentile wall time per call, ms. */
  p95Ms: number;
  /** Median CPU time per call, ms (user+system of this process; steadier than wall time on a shared machine). */
  cpuMedianMs: number;
  runs: number;
}

/** Times a synchronous stage: a few warm-up calls, then `runs` timed calls. */
export function timeStage(fn: () => unknown, runs = 30): StageTiming {
  for (let i = 0; i < Math.min(5, runs); i++) fn();
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < runs; i++) {
    const c = process.cpuUsage();
    const t = performance.now();
    fn();
    wall.push(performance.now() - t);
    const d = process.cpuUsage(c);
    cpu.push((d.user + d.system) / 1000);
  }
  return summarizeTimes(wall, cpu);
}

/** Times an asynchronous stage (an ONNX session run) the same way, one call at a time. */
export async function timeStageAsync(fn: () => Promise<unknown>, runs = 30): Promise<StageTiming> {
  for (let i = 0; i < Math.min(5, runs); i++) await fn();
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < runs; i++) {
    const c = process.cpuUsage();
    const t = performance.now();
    await fn();
    wall.push(performance.now() - t);
    const d = process.cpuUsage(c);
    cpu.push((d.user + d.system) / 1000);
  }
  return summarizeTimes(wall, cpu);
}

/** Median and p95 of per-call wall times, median of CPU times (ms). */
export function summarizeTimes(wall: number[], cpu: number[]): StageTiming {
  const n = wall.length;
  if (n === 0 || cpu.length !== n) throw new RangeError('summarizeTimes needs matching, non-empty samples');
  wall = [...wall].sort((p, q) => p - q);
  cpu = [...cpu].sort((p, q) => p - q);
  return {
    medianMs: wall[Math.floor(n / 2)],
    p95Ms: wall[Math.min(n - 1, Math.floor(n * 0.95))],
    cpuMedianMs: cpu[Math.floor(n / 2)],
    runs: n,
  };
}
