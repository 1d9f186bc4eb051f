/** Small numeric helpers for the benchmark: percentiles, medians, rounding. */

/** Nearest-rank percentile (p in 0..100) of a list of numbers; NaN for an empty list. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

export function median(values: readonly number[]): number {
  return percentile(values, 50);
}

/** The item whose `key` is the median (the same nearest rank as `median`); undefined when empty. */
export function medianBy<T>(items: readonly T[], key: (item: T) => number): T | undefined {
  const sorted = [...items].sort((a, b) => key(a) - key(b));
  return sorted[Math.max(0, Math.ceil(sorted.length / 2) - 1)];
}

/** Rounds to `digits` decimals (for JSON and tables). */
export function round(x: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** Latency summary of a sample, in milliseconds. */
export interface LatencySummary {
  n: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export function summarize(samplesMs: readonly number[]): LatencySummary {
  return {
    n: samplesMs.length,
    p50: round(percentile(samplesMs, 50), 3),
    p95: round(percentile(samplesMs, 95), 3),
    p99: round(percentile(samplesMs, 99), 3),
    max: round(Math.max(...samplesMs), 3),
  };
}

/** Wall time of an async function, in milliseconds (high resolution). */
export async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const t0 = performance.now();
  const value = await fn();
  return { ms: performance.now() - t0, value };
}
