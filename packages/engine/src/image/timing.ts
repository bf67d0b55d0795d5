export interface StageTiming {
  medianMs: number;
  p95Ms: number;
  runs: number;
}

/** Times a stage: a few warm-up calls, then `runs` timed calls; median and p95 wall time in ms. */
export function timeStage(fn: () => unknown, runs = 30): StageTiming {
  for (let i = 0; i < Math.min(5, runs); i++) fn();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    fn();
    times.push(performance.now() - t);
  }
  times.sort((p, q) => p - q);
  return { medianMs: times[Math.floor(runs / 2)], p95Ms: times[Math.min(runs - 1, Math.floor(runs * 0.95))], runs };
}
