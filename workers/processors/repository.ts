import { createHash } from 'node:crypto';
import { type Job, UnrecoverableError, WaitingChildrenError } from 'bullmq';
import { scanRepository } from '../../src/discovery/index.js';
import { embeddingModelName } from '../../src/embeddings/model.js';
import { isCandidateSource } from '../../src/indexer/index.js';
import { JOBS, QUEUE_OF } from '../../src/queue/names.js';
import type { PayloadOf } from '../../src/queue/payloads.js';
import { identityOf, resignJobData, signJobData } from '../../src/queue/signing.js';
import { sameAsRecorded, skippedForSize } from '../../src/queue/size-skips.js';
import type { ManifestRef, SourceManifest } from '../../src/queue/source-blobs.js';
import { jobOptionsFor, type RootFailures } from '../../src/queue/task-client.js';
import type { FileWrite, SkipReason } from '../../src/store/types.js';
import type { ProcessorContext } from './context.js';
import { addFilesResult, emptyFilesResult, type FilesResult, skippedWrite } from './index-files.js';

/** Step state of a repository job, kept in `job.data._state` between its two runs. */
interface RepositoryState {
  step: 'finalize';
  startedAt: number;
  scanned: number;
  toIndex: number;
  unchanged: number;
  removed: number;
  batches: number;
  scanSkipped: Partial<Record<SkipReason, number>>;
  dirsIgnored: number;
}

/** The aggregated result of a repository task (what `task_status` shows as `result`). */
export interface RepositorySummary {
  root: string;
  files_scanned: number;
  files_indexed: number;
  files_unchanged: number;
  files_removed: number;
  files_failed: number;
  files_skipped: number;
  skipped_by_reason: Partial<Record<SkipReason, number>>;
  symbols: number;
  refs: number;
  chunks: number;
  languages: FilesResult['languages'];
  failed_files: FilesResult['failedFiles'];
  failed_batches: number;
  /** Set when batches failed for good: the task ends FAILURE with this summary as its result. */
  partial?: true;
  /** Files in the failed batches (not indexed by this run). */
  files_not_indexed?: number;
  first_errors?: RootFailures['first_errors'];
  not_processed: number;
  generation: number;
  duration_ms: number;
}

/**
 * The repository task runs twice, as one BullMQ job (one task id for the user):
 * 1. scan: list files, drop unchanged ones (size+mtime), remove deleted ones, record skips, add
 *    `index-batch` children of ~batchSize files, and wait for them (`moveToWaitingChildren`);
 * 2. finalize: the chord callback. Sums the children's results, bumps the index generation.
 * Children use `ignoreDependencyOnFailure`: a batch that exhausts its retries does not stop the
 * others; finalize then records what it did get done and fails the task (FAILURE, never SUCCESS
 * with files missing), with the partial summary as its result and the failures remembered for
 * `index_status` until a complete run.
 */
export async function processIndexRepository(
  job: Job,
  token: string | undefined,
  payload: PayloadOf<'index-repository'>,
  ctx: ProcessorContext,
  signal: AbortSignal,
): Promise<RepositorySummary> {
  const state = (job.data?._state ?? null) as RepositoryState | null;
  if (state?.step === 'finalize') return finalize(job, payload, state, ctx);

  const startedAt = Date.now();
  await job.updateProgress({ current: 0, total: 0, status: 'scanning files' });
  const scan = payload.manifest
    ? await shippedScan(ctx, payload.manifest)
    : await scanRepository(payload.root, {
        maxFileBytes: ctx.cfg.maxFileBytes,
        extraExcludes: ctx.cfg.extraExcludes,
        isSupported: isCandidateSource,
        signal,
      });
  const prev = await ctx.store.getFileStates(payload.root);
  const seen = new Set<string>();
  const toIndex: { path: string; size: number }[] = [];
  let unchanged = 0;
  const files = scan.files as { path: string; size: number; mtimeMs: number; shipped?: boolean }[];
  // Skipped for size by an earlier run, listed by this walk: the cap was raised since.
  const nowFits = payload.force
    ? new Set<string>()
    : await skippedForSize(
        ctx.store,
        payload.root,
        files.filter((f) => f.shipped === undefined),
        prev,
      );
  for (const f of files) {
    seen.add(f.path);
    // A shipped scan says itself which files changed (the producer compared them and shipped those).
    const same = f.shipped === undefined ? sameAsRecorded(f, prev) && !nowFits.has(f.path) : !f.shipped;
    if (!payload.force && same) unchanged++;
    else toIndex.push(f);
  }
  const skipWrites: FileWrite[] = [];
  for (const s of scan.skipped) {
    seen.add(s.path);
    const p = prev.get(s.path);
    if (p && p.status === 'skipped' && p.size === (s.size ?? 0) && p.mtimeMs === (s.mtimeMs ?? 0)) continue;
    skipWrites.push(skippedWrite(s.path, s.reason, s.size ?? 0, s.mtimeMs ?? 0));
  }
  const removals = [...prev.keys()].filter((p) => !seen.has(p));
  const written = await ctx.store.writeBatch(payload.root, skipWrites, removals);

  const batches = byteBalancedBatches(toIndex, ctx.cfg.batchSize);
  const next: RepositoryState = {
    step: 'finalize',
    startedAt,
    scanned: scan.files.length,
    toIndex: toIndex.length,
    unchanged,
    removed: written.removed,
    batches: batches.length,
    scanSkipped: Object.fromEntries(Object.entries(scan.skippedCounts).filter(([, n]) => n > 0)),
    dirsIgnored: scan.dirsIgnored,
  };
  if (batches.length > 0) {
    const parent = { id: job.id!, queue: job.queueQualifiedName };
    // Child ids derive from the parent, so a retried scan never adds the same batch twice.
    const children = batches.map((paths, i) => ({
      name: JOBS.indexBatch,
      data: signedData(ctx, `${job.id}b${i}`, {
        root: payload.root,
        paths,
        force: payload.force,
        shipped: payload.manifest !== undefined,
      }),
      opts: {
        ...jobOptionsFor(ctx.cfg, JOBS.indexBatch, { priority: payload.priority, parent }),
        jobId: `${job.id}b${i}`,
        ignoreDependencyOnFailure: true,
      },
    }));
    await ctx.tasks.queues.indexing.addBulk(children);
    // Batch ids are task ids too: remembered, so a cancelled or expired batch never reads "not found".
    await ctx.tasks.markIssued(
      children.map((ch) => ch.opts.jobId),
      'indexing',
    );
  }
  await job.updateData(
    resignJobData(ctx.cfg.secret, identityOf(ctx.cfg.queuePrefix, QUEUE_OF[JOBS.indexRepository], job), {
      ...job.data,
      _state: next,
    }),
  );
  await job.updateProgress({
    current: 0,
    total: toIndex.length,
    status: `indexing ${toIndex.length} files in ${batches.length} batches`,
  });
  if (batches.length > 0 && token) {
    const waiting = await job.moveToWaitingChildren(token);
    if (waiting) throw new WaitingChildrenError();
  }
  return finalize(job, payload, next, ctx);
}

async function finalize(
  job: Job,
  payload: PayloadOf<'index-repository'>,
  state: RepositoryState,
  ctx: ProcessorContext,
): Promise<RepositorySummary> {
  const total = emptyFilesResult();
  const values = await job.getChildrenValues<Partial<FilesResult>>();
  for (const v of Object.values(values)) if (v && typeof v === 'object') addFilesResult(total, v);
  const ignored = await job.getIgnoredChildrenFailures();
  const failedBatches = Object.keys(ignored).length;
  const failures = failedBatches > 0 ? await describeFailures(job, ignored, state.batches, ctx) : null;
  // Recorded before the index is written to: a full disk must not hide that the run is incomplete.
  if (failures) await ctx.tasks.recordRootFailures(payload.root, failures);
  const generation = await ctx.store.completeGeneration(payload.root);
  const skipped: Partial<Record<SkipReason, number>> = { ...state.scanSkipped };
  for (const [r, n] of Object.entries(total.skipped))
    skipped[r as SkipReason] = (skipped[r as SkipReason] ?? 0) + (n ?? 0);
  const summary: RepositorySummary = {
    root: payload.root,
    files_scanned: state.scanned,
    files_indexed: total.indexed,
    files_unchanged: state.unchanged + total.unchanged,
    files_removed: state.removed + total.removed,
    files_failed: total.failed,
    files_skipped: Object.values(skipped).reduce((a, b) => a + (b ?? 0), 0),
    skipped_by_reason: skipped,
    symbols: total.symbols,
    refs: total.refs,
    chunks: total.chunks,
    languages: total.languages,
    failed_files: total.failedFiles,
    failed_batches: failedBatches,
    not_processed: total.notProcessed,
    generation,
    duration_ms: Date.now() - state.startedAt,
  };
  if (failures) {
    summary.partial = true;
    summary.files_not_indexed = failures.files_not_indexed;
    summary.first_errors = failures.first_errors;
  }
  await job.updateProgress({
    current: state.toIndex - (failures?.files_not_indexed ?? 0),
    total: state.toIndex,
    status: failures ? `incomplete: ${failedBatches} of ${state.batches} batches failed` : 'done',
  });
  // Also when nothing changed but chunks lack vectors: the model was changed since the last run.
  if (
    ctx.cfg.embeddings.provider !== 'off' &&
    (total.chunks > 0 || (await ctx.store.vectorCoverage(payload.root, embeddingModelOf(ctx))).pending > 0)
  ) {
    await enqueueEmbeddings(ctx, payload.root);
  }
  if (total.indexed >= ctx.cfg.batchSize) await enqueueOptimize(ctx);
  if (!failures) {
    await ctx.tasks.clearRootFailures(payload.root);
    if (payload.manifest)
      await ctx.tasks
        .sourceBlobs()
        .dropManifest(payload.manifest)
        .catch(() => {});
    return summary;
  }
  await job.updateData(
    resignJobData(ctx.cfg.secret, identityOf(ctx.cfg.queuePrefix, QUEUE_OF[JOBS.indexRepository], job), {
      ...job.data,
      _summary: summary,
    }),
  );
  const first = failures.first_errors[0];
  throw new UnrecoverableError(
    `incomplete: ${failedBatches} of ${state.batches} batches failed for good, ${failures.files_not_indexed} files not indexed` +
      (first ? ` (first: ${first.first_file ?? first.batch}: ${first.error})` : '') +
      '; fix the cause and index again (index_status lists the failures; list_tasks state=dead has each batch)',
  );
}

/** A scan's shape, from the manifest the producer shipped (files carry whether they were shipped). */
async function shippedScan(
  ctx: ProcessorContext,
  ref: ManifestRef,
): Promise<{
  files: { path: string; size: number; mtimeMs: number; shipped?: boolean }[];
  skipped: SourceManifest['skipped'];
  skippedCounts: Partial<Record<SkipReason, number>>;
  dirsIgnored: number;
}> {
  const m = await ctx.tasks.sourceBlobs().getManifest(ref);
  if (typeof m === 'string') throw new UnrecoverableError(m);
  return m;
}

/** How many first errors a summary and `index_status` carry. */
const FIRST_ERRORS = 5;

/** The failed batches of a run: files they held, and the first few reasons (one line each). */
async function describeFailures(
  job: Job,
  ignored: Record<string, string>,
  batches: number,
  ctx: ProcessorContext,
): Promise<RootFailures> {
  let files = 0;
  const first: RootFailures['first_errors'] = [];
  for (const [key, reason] of Object.entries(ignored)) {
    const id = key.slice(key.lastIndexOf(':') + 1);
    const child = await ctx.tasks.queues.indexing.getJob(id).catch(() => undefined);
    const paths = ((child?.data as { paths?: string[] } | undefined)?.paths ?? []) as string[];
    files += paths.length;
    if (first.length < FIRST_ERRORS)
      first.push({
        batch: id,
        files: paths.length,
        first_file: paths[0] ?? null,
        error: String(reason).split('\n')[0]!.slice(0, 300),
      });
  }
  return {
    task_id: job.id ?? '',
    at: new Date().toISOString(),
    failed_batches: Object.keys(ignored).length,
    batches,
    files_not_indexed: files,
    first_errors: first,
  };
}

/**
 * After a run that indexed at least a batch worth of files, one low-priority maintenance job folds
 * the index together (`store.optimize()`: merges the full-text index into one segment, refreshes
 * the planner's statistics and checkpoints the WAL), so that searches right after a large index
 * do not read a segment per batch, and the first small write after it (a save in the editor)
 * does not pay for checkpointing the whole run's WAL. It runs after the run's SUCCESS, outside
 * the run's time, like the daily cleanup that does the same. One job at a time: while one is
 * waiting or running, another run's request is dropped (the next large run or the daily cleanup
 * merges what came after).
 */
async function enqueueOptimize(ctx: ProcessorContext): Promise<void> {
  await ctx.tasks
    .enqueue(JOBS.optimizeIndex, {}, { priority: 'low', deduplicationId: 'optimize-index' })
    .catch((err) => ctx.log.warn('could not enqueue the index optimize job', { error: String(err) }));
}

/**
 * Splits files, in scan (path) order, into runs of about equal bytes (parse time grows with size).
 * Each run gets a byte budget: the bytes of an average full batch (all bytes / ceil(n /
 * batchSize)), and a run ends at batchSize files or before the file whose larger half would carry
 * it past its budget. The budget is per run, not a cumulative share, so runs that end early at
 * batchSize small files never make later runs fatter: with cumulative shares, Django's first two
 * runs (200 small files each, 0.8 MB) left 2.2 MB to the third, which one worker parsed while the
 * other sat idle.
 *
 * Near the end the budget shrinks to half of what is left (never below half the full budget),
 * so the last runs are small and the workers finish close together instead of one of them
 * parsing a full batch alone. Equal file counts left one worker with a package of big files while
 * the other sat idle at the end; mixing files from all over the tree into byte-balanced batches
 * was slower still (SQLite and the caches lose the locality of neighbouring files). A change set
 * of at most batchSize files is one run.
 */
export function byteBalancedBatches(
  files: readonly { path: string; size: number }[],
  batchSize: number,
): string[][] {
  if (files.length === 0) return [];
  if (files.length <= batchSize) return [files.map((f) => f.path)];
  let left = files.reduce((n, f) => n + f.size, 0);
  const full = left / Math.ceil(files.length / batchSize);
  const budgetFor = (remaining: number) => Math.min(full, Math.max(remaining / 2, full / 2));
  const batches: string[][] = [];
  let current: string[] = [];
  let bytes = 0;
  let budget = budgetFor(left);
  for (const f of files) {
    if (current.length > 0 && (current.length >= batchSize || bytes + f.size / 2 > budget)) {
      batches.push(current);
      left -= bytes;
      current = [];
      bytes = 0;
      budget = budgetFor(left);
    }
    current.push(f.path);
    bytes += f.size;
  }
  batches.push(current);
  return batches;
}

/** The model name vectors are stored under. */
export function embeddingModelOf(ctx: Pick<ProcessorContext, 'cfg'>): string {
  return embeddingModelName(ctx.cfg.embeddings);
}

/** Most embedding jobs one root is split into. */
const MAX_EMBED_SHARDS = 8;

/**
 * How many jobs a root's embedding is split into: one per worker process serving the embeddings
 * queue (on any host), as BullMQ sees them connected. A model runs one batch at a time per
 * process, so one job per root would leave the other workers idle. 1 when Redis will not list
 * clients (some hosted Redis deny CLIENT LIST).
 */
async function embedShards(ctx: Pick<ProcessorContext, 'tasks'>): Promise<number> {
  try {
    const n = await ctx.tasks.queues.embeddings.getWorkersCount();
    return Math.min(MAX_EMBED_SHARDS, Math.max(1, n));
  } catch {
    return 1;
  }
}

/**
 * Queues embedding of a root's new chunks (low priority), split into one job per embedding
 * worker. Deduplicated per root and shard: many saves in a row make one job each, and one more
 * runs after an active one, so no chunk is left without a vector.
 */
export async function enqueueEmbeddings(
  ctx: Pick<ProcessorContext, 'cfg' | 'log' | 'tasks'>,
  root: string,
): Promise<void> {
  if (ctx.cfg.embeddings.provider === 'off') return;
  const shards = await embedShards(ctx);
  const key = createHash('sha256').update(root).digest('hex').slice(0, 16);
  const model = embeddingModelOf(ctx);
  for (let shard = 0; shard < shards; shard++) {
    await ctx.tasks
      .enqueue(
        JOBS.embedChunks,
        { root, model, shard, shards },
        { priority: 'low', deduplicationId: `embed:${key}:${shard}/${shards}` },
      )
      .catch((err) => ctx.log.warn('could not enqueue embeddings', { error: String(err) }));
  }
}

/**
 * Queues embedding for each of `roots` whose chunks lack vectors of the configured model while no
 * embedding job of that root waits or runs: a server that starts again finds the work a stopped
 * one left (all its workers gone at once, a queue emptied by hand, a model changed in the
 * configuration). Returns the roots it queued. Never throws: this is housekeeping.
 */
export async function resumeEmbeddings(
  ctx: Pick<ProcessorContext, 'cfg' | 'log' | 'tasks' | 'store'>,
  roots: readonly string[],
): Promise<string[]> {
  if (ctx.cfg.embeddings.provider === 'off' || roots.length === 0) return [];
  const model = embeddingModelOf(ctx);
  const queued: string[] = [];
  try {
    const busy = await ctx.tasks.busyEmbeddingRoots();
    for (const root of roots) {
      if (busy.has(root)) continue;
      if ((await ctx.store.vectorCoverage(root, model)).pending === 0) continue;
      await enqueueEmbeddings(ctx, root);
      queued.push(root);
    }
  } catch (err) {
    ctx.log.warn('could not check what is left to embed', { error: String(err) });
  }
  if (queued.length > 0) ctx.log.info('embedding resumed', { roots: queued, model });
  return queued;
}

/**
 * A batch's data, signed for its id when a secret is set: workers reject unsigned jobs then, so a
 * batch added without a signature would be dropped and its files never indexed.
 */
function signedData(
  ctx: ProcessorContext,
  id: string,
  payload: Record<string, unknown>,
): Record<string, unknown> {
  return ctx.cfg.secret
    ? signJobData(
        ctx.cfg.secret,
        { prefix: ctx.cfg.queuePrefix, queue: 'indexing', name: JOBS.indexBatch, id },
        payload,
      )
    : payload;
}
