/**
 * Embedding coverage as `index_status` reports it: the share of a root's chunk contents that
 * have a vector, and how long the rest should take at the running job's pace.
 */
export interface CoverageReport {
  /** embedded / (embedded + pending), 1 when there is nothing to embed. */
  coverage: number;
  /** Seconds until full coverage at the running job's rate; null when no job is measuring. */
  eta_seconds: number | null;
}

/**
 * `job`: the root's running embed job, its chunks embedded so far and when it started. Its rate
 * (chunks per second since it started) times the pending count is the estimate.
 */
export function coverageReport(
  c: { embedded: number; pending: number },
  job: { current: number; startedAt: number } | null,
  now: number,
): CoverageReport {
  const total = c.embedded + c.pending;
  const coverage = total === 0 ? 1 : c.embedded / total;
  if (c.pending === 0) return { coverage, eta_seconds: 0 };
  if (job === null || job.current <= 0 || now <= job.startedAt) return { coverage, eta_seconds: null };
  const rate = job.current / ((now - job.startedAt) / 1000);
  return { coverage, eta_seconds: Math.ceil(c.pending / rate) };
}

/** `2 min`, `40 s`, `1 h 5 min`: an ETA for humans. */
export function formatEta(seconds: number): string {
  if (seconds < 60) return `${seconds} s`;
  const min = Math.round(seconds / 60);
  return min < 60 ? `${min} min` : `${Math.floor(min / 60)} h ${min % 60} min`;
}

/**
 * The note a semantic or hybrid answer carries while some of its roots' chunks have no vector
 * yet (first indexing, or re-embedding after a model change): those chunks are found by text only.
 */
export async function partialCoverageNote(
  coverage: (root: string) => Promise<{ embedded: number; pending: number }>,
  roots: readonly string[],
): Promise<string | undefined> {
  let embedded = 0;
  let pending = 0;
  for (const r of roots) {
    const c = await coverage(r);
    embedded += c.embedded;
    pending += c.pending;
  }
  if (pending === 0) return undefined;
  const pct = Math.floor((100 * embedded) / (embedded + pending));
  return `embeddings cover ${embedded} of ${embedded + pending} chunks (${pct} %); the rest are still being embedded and are found by text only`;
}
