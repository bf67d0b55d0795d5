/** Percentile of a sample (nearest rank), for the ms/frame figures benchmarks and summaries print. */
export function percentile(values: readonly number[], p: number): number {
  if (!values.length) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

export function summarize(values: readonly number[]): { p50: number; p95: number; mean: number } {
  const mean = values.reduce((s, v) => s + v, 0) / Math.max(1, values.length);
  const round = (v: number) => Math.round(v * 100) / 100;
  return { p50: round(percentile(values, 50)), p95: round(percentile(values, 95)), mean: round(mean) };
}
