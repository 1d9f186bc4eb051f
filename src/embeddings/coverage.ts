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

/** Chunks without a vector across the roots of one search: the roots that have any, and the totals. */
export interface PartialCoverage {
  embedded: number;
  pending: number;
  /** The roots with chunks still to embed. */
  roots: string[];
}

/**
 * A root whose embedding is not under way: no embedding job of it waits or runs. `failed` is its
 * dead-lettered job when one is (the provider kept failing), else the work was never queued or was
 * lost (a queue emptied by hand).
 */
export interface EmbeddingStall {
  root: string;
  failed: { taskId: string; error: string } | null;
}

/** The coverage of `roots` when some of their chunks have no vector yet, else null. */
export async function partialCoverage(
  coverage: (root: string) => Promise<{ embedded: number; pending: number }>,
  roots: readonly string[],
): Promise<PartialCoverage | null> {
  const out: PartialCoverage = { embedded: 0, pending: 0, roots: [] };
  for (const r of roots) {
    const c = await coverage(r);
    out.embedded += c.embedded;
    out.pending += c.pending;
    if (c.pending > 0) out.roots.push(r);
  }
  return out.pending === 0 ? null : out;
}

/**
 * The note a semantic or hybrid answer carries while some of its roots' chunks have no vector
 * (first indexing, or re-embedding after a model change): those chunks are found by text only.
 * With `stalls` (roots whose embedding is not under way), it says so and what to do instead of
 * promising the rest.
 */
export function partialCoverageNote(p: PartialCoverage, stalls: readonly EmbeddingStall[] = []): string {
  const total = p.embedded + p.pending;
  const pct = Math.floor((100 * p.embedded) / total);
  const head = `embeddings cover ${p.embedded} of ${total} chunks (${pct} %)`;
  if (stalls.length === 0) return `${head}; the rest are still being embedded and are found by text only`;
  return `${head}; the rest are found by text only. ${stallReasons(stalls)}`;
}

/**
 * The note of a search that found no vector at all in its roots: text results only, and why
 * (embedding pending, or stopped as `stalls` say).
 */
export function noVectorsNote(stalls: readonly EmbeddingStall[]): string {
  return stalls.length === 0
    ? 'no vectors yet for this root (embedding jobs pending): text results only'
    : `no vectors: text results only. ${stallReasons(stalls)}`;
}

/** Why each stalled root has no vectors, and what to do about it. */
function stallReasons(stalls: readonly EmbeddingStall[]): string {
  return stalls
    .map((s) =>
      s.failed === null
        ? `no embedding job is queued for ${s.root}: index_repository on it queues one`
        : `embedding ${s.root} stopped, task ${s.failed.taskId} failed (${oneLine(s.failed.error)}): fix the cause, then retry_task "${s.failed.taskId}"`,
    )
    .join('; ');
}

/** An error message on one line, cut at 200 characters. */
function oneLine(s: string): string {
  const line = s.replace(/\s+/g, ' ').trim();
  return line.length > 200 ? `${line.slice(0, 199)}…` : line;
}
