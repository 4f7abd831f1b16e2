/** Summary of repeated measurements: the median and the spread around it. */
export interface Spread {
  median: number;
  min: number;
  max: number;
}

/** The value below which `p` percent of the sorted samples fall (nearest rank; p in 0..100). */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

/** Median, min and max of a list of per-round figures. */
export function spread(values: readonly number[]): Spread {
  const sorted = [...values].sort((a, b) => a - b);
  return { median: percentile(sorted, 50), min: sorted[0] ?? Number.NaN, max: sorted[sorted.length - 1] ?? Number.NaN };
}

/** Latency percentiles of pooled per-call samples, in ms. */
export interface LatencySummary {
  p50Ms: number;
  p99Ms: number;
}

/** p50 and p99 of per-call durations given in nanoseconds. */
export function latencySummary(samplesNs: readonly Float64Array[]): LatencySummary {
  const total = samplesNs.reduce((n, s) => n + s.length, 0);
  const pooled = new Float64Array(total);
  let offset = 0;
  for (const s of samplesNs) {
    pooled.set(s, offset);
    offset += s.length;
  }
  pooled.sort();
  return { p50Ms: percentile(pooled, 50) / 1e6, p99Ms: percentile(pooled, 99) / 1e6 };
}

/** Elapsed nanoseconds since `start` (a `process.hrtime.bigint()` reading), as a number. */
export function elapsedNs(start: bigint): number {
  return Number(process.hrtime.bigint() - start);
}
