/** Percentiles of a sample, in the sample's unit; NaN for an empty sample. */
export interface Percentiles {
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export function percentiles(sample: readonly number[]): Percentiles {
  const sorted = Float64Array.from(sample).sort();
  const at = (p: number) =>
    sorted.length === 0
      ? Number.NaN
      : (sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number);
  return { p50: at(50), p95: at(95), p99: at(99), max: at(100) };
}
