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

/** Pearson r over the positions where both series have a value. */
export function pearson(a: readonly number[], b: readonly number[]): number {
  let n = 0;
  let sa = 0;
  let sb = 0;
  for (let i = 0; i < a.length; i++) {
    if (Number.isNaN(a[i]) || Number.isNaN(b[i])) continue;
    n++;
    sa += a[i];
    sb += b[i];
  }
  if (n < 3) return Number.NaN;
  const ma = sa / n;
  const mb = sb / n;
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i++) {
    if (Number.isNaN(a[i]) || Number.isNaN(b[i])) continue;
    ab += (a[i] - ma) * (b[i] - mb);
    aa += (a[i] - ma) ** 2;
    bb += (b[i] - mb) ** 2;
  }
  return ab / Math.sqrt(aa * bb);
}
