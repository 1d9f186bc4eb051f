import { setTimeout as sleep } from 'node:timers/promises';
import { type Job, UnrecoverableError, type Worker } from 'bullmq';
import type { EmbeddingProvider } from '../../src/embeddings/provider.js';
import type { RootGuard } from '../../src/queue/allowed-roots.js';
import { JOBS, type JobName, QUEUE_OF, QUEUES, type QueueName } from '../../src/queue/names.js';
import { PAYLOADS, splitEnvelope } from '../../src/queue/payloads.js';
import { checkJobSignature, identityOf } from '../../src/queue/signing.js';
import { REVOKED_MARKER } from '../../src/queue/task-state.js';
import type { ProcessorContext } from './context.js';
import { processEmbedChunks } from './embed.js';
import { fileOutcome, indexFiles } from './index-files.js';
import { SoftTimeLimitExceeded, WorkerShutdown } from './job-stops.js';
import { enqueueEmbeddings, processIndexRepository } from './repository.js';

export interface DispatchDeps extends ProcessorContext {
  embedder: () => EmbeddingProvider;
  worker: () => Worker;
  /** The roots this installation allows jobs to read (see `RootGuard`). */
  roots: RootGuard;
}

/**
 * Validates a job (known kind on this queue, signature, payload schema, not revoked) and runs its
 * processor. Bad input is an UnrecoverableError: never retried. `signal` aborts on cancel or on the
 * soft time limit; processors stop between files and keep what they did.
 */
export async function dispatchJob(
  queue: QueueName,
  job: Job,
  token: string | undefined,
  signal: AbortSignal,
  deps: DispatchDeps,
): Promise<unknown> {
  const name = job.name as JobName;
  if (!(name in PAYLOADS) || QUEUE_OF[name] !== queue) {
    throw new UnrecoverableError(`unknown job kind ${job.name} on queue ${queue}`);
  }
  if ((name === JOBS.testSleep || name === JOBS.testFail) && !deps.cfg.testJobs) {
    throw new UnrecoverableError(`job kind ${name} is disabled (test-only)`);
  }
  const { payload } = splitEnvelope(job.data);
  if (deps.cfg.secret) {
    const why = checkJobSignature(
      deps.cfg.secret,
      identityOf(deps.cfg.queuePrefix, queue, job),
      (job.data ?? {}) as Record<string, unknown>,
      deps.cfg.signedJobMaxAgeSeconds * 1000,
    );
    if (why) throw new UnrecoverableError(`rejected ${name} job ${job.id}: ${why} (check CODEINDEX_SECRET)`);
  }
  const parsed = PAYLOADS[name].safeParse(payload);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new UnrecoverableError(
      `invalid ${name} payload: ${issue?.path.join('.') || 'data'}: ${issue?.message ?? 'invalid'}`,
    );
  }
  if (await deps.tasks.isRevoked(job.id, job.parent?.id)) {
    // A repository run cancelled while its batches ran comes back here to finish, and a batch of
    // it lands here before it starts: "before it ran" read as if the task had never started.
    const why =
      job.parent !== undefined
        ? 'cancelled while its task ran'
        : typeof job.progress === 'object' && job.progress !== null
          ? 'cancelled while it ran'
          : 'cancelled before it ran';
    throw new UnrecoverableError(`${REVOKED_MARKER} ${why}`);
  }
  // Secret or not, a worker reads only under roots this installation allows. A job whose files
  // were shipped reads nothing from this host's disk (the same path here may be another tree).
  const root = (parsed.data as { root?: unknown }).root;
  const shipped = (parsed.data as { shipped?: boolean; manifest?: unknown }).shipped === true;
  const withManifest = (parsed.data as { manifest?: unknown }).manifest !== undefined;
  if (typeof root === 'string' && !shipped && !withManifest) {
    const why = await deps.roots.check(root);
    if (why) throw new UnrecoverableError(`rejected ${name} job ${job.id}: ${why}`);
  }
  const p = parsed.data as never;
  switch (name) {
    case JOBS.indexRepository:
      return processIndexRepository(job, token, p, deps, signal);
    case JOBS.indexBatch: {
      const d = parsed.data as { root: string; paths: string[]; force: boolean; shipped: boolean };
      if (deps.cfg.testJobs && d.paths.some((p) => p.includes(TEST_FAIL_BATCH_MARKER))) {
        throw new Error(`batch failure injected for a test (a path holds ${TEST_FAIL_BATCH_MARKER})`);
      }
      const res = await indexFiles(d.root, d.paths, filesDeps(deps), {
        force: d.force,
        signal,
        ...(d.shipped ? { shipped: deps.tasks.sourceBlobs() } : {}),
        onProgress: (n) =>
          void job.updateProgress({ current: n, total: d.paths.length, status: 'indexing' }).catch(() => {}),
      });
      throwIfAborted(signal, res.notProcessed, d.paths.length);
      // Batches of a repository run are embedded by its finalize step; watcher batches here.
      if (!job.parent && res.chunks > 0) await enqueueEmbeddings(deps, d.root);
      return res;
    }
    case JOBS.indexFile: {
      const d = parsed.data as { root: string; path: string; shipped: boolean };
      // An explicit re-index reads the file whatever its size and mtime say (shipped ones were
      // just read by the producer): a skip or failure recorded before is decided anew.
      const res = await indexFiles(d.root, [d.path], filesDeps(deps), {
        force: false,
        reread: true,
        signal,
        ...(d.shipped ? { shipped: deps.tasks.sourceBlobs() } : {}),
      });
      if (res.chunks > 0) await enqueueEmbeddings(deps, d.root);
      return { ...res, outcome: fileOutcome(res) };
    }
    case JOBS.removeFiles: {
      const d = parsed.data as { root: string; paths: string[]; dirs: string[] };
      let removed = await deps.store.removeFiles(d.root, d.paths);
      for (const dir of d.dirs) removed += await deps.store.removeUnder(d.root, dir);
      return { removed };
    }
    case JOBS.embedChunks:
      return processEmbedChunks(job, p, deps, deps.embedder(), deps.worker(), signal);
    case JOBS.cleanup: {
      const d = parsed.data as { days: number; dryRun: boolean };
      const res = await deps.store.cleanup({ days: d.days, dryRun: d.dryRun });
      const jobsPruned = d.dryRun ? 0 : await pruneJobRecords(deps);
      const optimized = d.dryRun ? null : await deps.store.optimize({ textTopMinDf: deps.cfg.textTopMinDf });
      return { ...res, jobsPruned, optimized };
    }
    case JOBS.optimizeIndex:
      // With CODEINDEX_TEST_JOBS=1, CODEINDEX_TEST_UPKEEP_MS makes the upkeep take as long as on a
      // large index, so tests can tell whether a command waits for it.
      if (deps.cfg.testJobs && Number(process.env.CODEINDEX_TEST_UPKEEP_MS) > 0)
        await sleep(Number(process.env.CODEINDEX_TEST_UPKEEP_MS));
      // No SQLite VACUUM here: it would hold the write lock for a rewrite of the whole file
      // (PostgreSQL runs its plain VACUUM anyway: it blocks nothing).
      return await deps.store.optimize({ vacuum: false, textTopMinDf: deps.cfg.textTopMinDf });
    case JOBS.testSleep: {
      const d = parsed.data as { ms: number; steps: number };
      let done = 0;
      for (; done < d.steps; done++) {
        if (signal.aborted) break;
        await job.updateProgress({ current: done, total: d.steps, status: 'sleeping' });
        // No timer for a zero sleep: even setTimeout(0) waits about 1 ms.
        if (d.ms > 0) await sleep(d.ms / d.steps, undefined, { signal }).catch(() => {});
      }
      throwIfAborted(signal, d.steps - done, d.steps);
      return { slept: d.ms };
    }
    case JOBS.testFail: {
      const d = parsed.data as { message: string; unrecoverable: boolean };
      throw d.unrecoverable ? new UnrecoverableError(d.message) : new Error(d.message);
    }
  }
}

/**
 * With CODEINDEX_TEST_JOBS=1, an `index-batch` job with a path that contains this fails on every
 * attempt: how tests make a batch exhaust its retries inside a repository run.
 */
export const TEST_FAIL_BATCH_MARKER = '__codeindex_test_fail_batch__';

/**
 * Celery's result_expires for records BullMQ would only drop when another job of the same queue
 * finishes: completed jobs older than `resultTtlSeconds` and failed ones older than
 * `failedTtlSeconds`, on every queue. Dead letters are kept until retried.
 */
async function pruneJobRecords(deps: DispatchDeps): Promise<number> {
  let n = 0;
  for (const q of QUEUES) {
    const queue = deps.tasks.queues[q];
    n += (await queue.clean(deps.cfg.resultTtlSeconds * 1000, 10_000, 'completed')).length;
    n += (await queue.clean(deps.cfg.failedTtlSeconds * 1000, 10_000, 'failed')).length;
  }
  return n;
}

/**
 * After a processor stopped early: a cancel ends REVOKED (never retried), a soft limit retries, and
 * a stopping worker puts the job back (see {@link WorkerShutdown}).
 */
function throwIfAborted(signal: AbortSignal, notProcessed: number, total: number): void {
  if (!signal.aborted) return;
  const reason = signal.reason;
  if (reason instanceof WorkerShutdown) throw reason;
  if (reason instanceof SoftTimeLimitExceeded) {
    throw new SoftTimeLimitExceeded(
      `soft time limit exceeded: stopped with ${notProcessed} of ${total} left; work done so far is saved`,
    );
  }
  throw new UnrecoverableError(`${REVOKED_MARKER} cancelled; ${notProcessed} of ${total} left undone`);
}

/**
 * What `indexFiles` needs. A store outage while it reads file states (PostgreSQL restarting)
 * throws out of the whole batch, before anything is written: the job runs again whole once the
 * store is back, and no file is recorded as failed for it.
 */
function filesDeps(deps: DispatchDeps) {
  return { store: deps.store, extractor: deps.extractor, maxFileBytes: deps.cfg.maxFileBytes };
}
