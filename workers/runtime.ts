import { hostname } from 'node:os';
import {
  DelayedError,
  type Job,
  MetricsTime,
  type MinimalJob,
  RATE_LIMIT_ERROR,
  UnrecoverableError,
  Worker,
} from 'bullmq';
import { indexDbPath } from '../src/config/paths.js';
import type { Config } from '../src/config/schema.js';
import {
  createEmbeddingProvider,
  type EmbeddingProvider,
  resolveEmbeddingApiKey,
} from '../src/embeddings/provider.js';
import { errorMessage, isCodeindexError } from '../src/errors.js';
import { createExtractor } from '../src/indexer/index.js';
import { NATIVE_DISABLED_REASON, nativeStatus } from '../src/indexer/native.js';
import type { Logger } from '../src/log.js';
import { allowedRootsFile, RootGuard } from '../src/queue/allowed-roots.js';
import { BACKOFF_TYPE, backoffDelay } from '../src/queue/backoff.js';
import { JOBS, type JobName, type QueueName } from '../src/queue/names.js';
import { guardBullConnections } from '../src/queue/quiet-connections.js';
import { policyFor, TaskClient } from '../src/queue/task-client.js';
import { parseRateLimit, REVOKED_MARKER } from '../src/queue/task-state.js';
import { createRedis } from '../src/redis/connection.js';
import { guardedStore } from '../src/store/guarded.js';
import { openIndexStore, openStore } from '../src/store/index.js';
import { startHeapTrimmer } from './native-memory.js';
import { dispatchJob } from './processors/dispatch.js';
import { ContinueLater, SoftTimeLimitExceeded, WorkerShutdown } from './processors/job-stops.js';
import { embeddingModelOf } from './processors/repository.js';

/** Messages a worker process sends its supervisor over IPC. */
export type WorkerMessage =
  | { type: 'ready'; pid: number }
  | { type: 'job-start'; jobId: string; queue: string; hardLimitMs: number }
  | { type: 'job-end'; jobId: string }
  | { type: 'recycle'; reason: string };

export interface WorkerRuntimeOptions {
  cfg: Config;
  redisUrl: string;
  queues: QueueName[];
  log: Logger;
  /** IPC to a supervisor (when forked by one). */
  send?: (msg: WorkerMessage) => void;
  /** Called when the runtime decides to exit (recycling). */
  onRecycle?: (reason: string) => void;
}

export interface WorkerRuntime {
  readonly name: string;
  close(deadlineMs?: number): Promise<void>;
}

/**
 * Everything one worker process runs: a BullMQ Worker per queue it consumes, sharing one SQLite
 * writer, one tree-sitter extractor and one producer (for child jobs and dead letters).
 */
export async function startWorkerRuntime(opts: WorkerRuntimeOptions): Promise<WorkerRuntime> {
  const { cfg, log } = opts;
  const name = `${hostname()}:${process.pid}`;
  const clientConn = createRedis(opts.redisUrl, 'client', { maxRetriesPerRequest: null });
  clientConn.on('error', (e) => log.debug('redis client error', { error: e.message }));
  const tasks = new TaskClient(cfg, clientConn, opts.redisUrl);
  // A damaged index file is set aside and its roots are queued for indexing again (guardedStore);
  // the job that met it fails with INDEX_CORRUPT and is retried on the new file.
  const store =
    cfg.databaseUrl !== undefined
      ? openStore(cfg)
      : guardedStore(indexDbPath(cfg), () => openIndexStore(indexDbPath(cfg)), {
          allowedRootsFile: allowedRootsFile(cfg),
          log: (m) => log.warn(m),
          rebuild: (roots) => {
            for (const root of roots)
              void tasks
                .enqueue(JOBS.indexRepository, { root, force: true, priority: 'normal' })
                .catch((e) => log.warn('could not queue a rebuild', { root, error: String(e) }));
          },
        });
  try {
    // Opens (creates, migrates) the index now, so a damaged one is dealt with before any job.
    await store.listRoots();
  } catch (err) {
    log.warn('index not usable at start', { error: errorMessage(err) });
  }
  const extractor = createExtractor({ parseTimeoutMs: cfg.parseTimeoutMs });
  const roots = new RootGuard(cfg, async () => (await store.listRoots()).map((r) => r.path));
  // Grammars, queries and JIT before the worker takes jobs: the first batch after start-up is as
  // fast as any other (~0.3 s saved per worker process on the first repository).
  if (opts.queues.includes('indexing')) {
    log.debug('extractor warmed up', { ms: Math.round(extractor.warmUp()) });
    const native = nativeStatus();
    // Same results either way; without the addon a cold index takes longer, which is worth a line.
    if (!native.loaded && native.reason !== NATIVE_DISABLED_REASON) {
      log.warn('native extractor not in use; indexing through node-tree-sitter (slower)', {
        reason: native.reason,
      });
    }
  }
  let embedder: EmbeddingProvider | undefined;
  const getEmbedder = () => {
    if (!embedder) {
      const e = cfg.embeddings;
      if (e.provider === 'off') throw new UnrecoverableError('embeddings are off (CODEINDEX_EMBEDDINGS=off)');
      embedder = createEmbeddingProvider({
        provider: e.provider,
        model: embeddingModelOf({ cfg }),
        baseUrl: e.baseUrl,
        apiKey: resolveEmbeddingApiKey(e.provider, process.env),
        dims: e.dims,
        maxBatch: e.maxBatch,
        // A worker goes back to indexing after embedding: the model's memory goes after a minute.
        idleMs: MODEL_IDLE_MS,
      });
    }
    return embedder;
  };

  const controllers = new Map<string, AbortController>();
  // Jobs that lose nothing when stopped (each batch they finish is saved, and a run goes on from
  // there): a stopping worker puts them back at once instead of waiting for its deadline.
  const resumable = new Set<AbortController>();
  const sub = createRedis(opts.redisUrl, 'worker');
  sub.on('error', (e) => log.debug('redis subscriber error', { error: e.message }));
  await sub.subscribe(tasks.cancelChannel);
  sub.on('message', (_ch, jobId: string) => {
    const c = controllers.get(jobId);
    if (c && !c.signal.aborted) {
      log.info('cancelling active job', { jobId });
      c.abort(new Error(`${REVOKED_MARKER} cancelled`));
    }
  });

  // Every queued job meets an outage in turn: one line per 10 s, with how many waited since.
  let storeWaits = 0;
  let storeWaitLoggedAt = 0;
  const noteStoreWait = (error: string) => {
    storeWaits++;
    if (Date.now() - storeWaitLoggedAt < 10_000) return;
    log.warn('index store unreachable: jobs wait for it', { jobs: storeWaits, error });
    storeWaits = 0;
    storeWaitLoggedAt = Date.now();
  };

  let tasksDone = 0;
  let recycling = false;
  const workers: Worker[] = [];
  const lastLogged = new Map<string, number>();

  const recycleIfDue = () => {
    if (recycling) return;
    let reason = '';
    if (cfg.maxTasksPerChild > 0 && tasksDone >= cfg.maxTasksPerChild)
      reason = `ran ${tasksDone} tasks (max_tasks_per_child)`;
    const rssMb = process.memoryUsage.rss() / 1024 / 1024;
    if (cfg.maxMemoryPerChildMb > 0 && rssMb > cfg.maxMemoryPerChildMb)
      reason = `RSS ${Math.round(rssMb)} MB over ${cfg.maxMemoryPerChildMb} MB (max_memory_per_child)`;
    if (!reason) return;
    recycling = true;
    log.info('recycling worker process', { reason });
    // Called before BullMQ records the job that just ended: closing now stops the worker from
    // fetching the next job along with that completion, so a child runs exactly N tasks.
    for (const w of workers) void w.close().catch(() => {});
    opts.send?.({ type: 'recycle', reason });
    opts.onRecycle?.(reason);
  };

  for (const queue of opts.queues) {
    let worker: Worker;
    const processor = async (job: Job, token?: string, bullSignal?: AbortSignal) => {
      const policy = policyFor(cfg, job.name as JobName);
      const ctl = new AbortController();
      controllers.set(job.id!, ctl);
      if (job.name === JOBS.embedChunks) resumable.add(ctl);
      const onBullAbort = () => ctl.abort(new Error(`${REVOKED_MARKER} cancelled`));
      bullSignal?.addEventListener('abort', onBullAbort, { once: true });
      const soft = setTimeout(
        () =>
          ctl.abort(new SoftTimeLimitExceeded(`soft time limit of ${policy.softTimeLimitMs} ms exceeded`)),
        policy.softTimeLimitMs,
      );
      opts.send?.({ type: 'job-start', jobId: job.id!, queue, hardLimitMs: policy.hardTimeLimitMs });
      // A run that only parks the job (waiting for children, rate-limited) is not a finished task.
      let finishedTask = true;
      try {
        return await dispatchJob(queue, job, token, ctl.signal, {
          cfg,
          log,
          store,
          extractor,
          tasks,
          embedder: getEmbedder,
          worker: () => worker,
          roots,
        });
      } catch (err) {
        if (isFlowControl(err)) finishedTask = false;
        // A stopping worker, or a processor that saved its progress and asks to go on later: the
        // job goes back to the queue without using an attempt (else, as any error, it retries).
        if (
          token &&
          (ctl.signal.reason instanceof WorkerShutdown || err instanceof ContinueLater) &&
          (await requeue(job, token, errorMessage(ctl.signal.reason ?? err), log))
        ) {
          finishedTask = false;
          throw new DelayedError();
        }
        // An abort surfacing as some other error (e.g. from the scan) still means what it meant.
        if (
          ctl.signal.aborted &&
          !(err instanceof UnrecoverableError) &&
          !(err instanceof SoftTimeLimitExceeded)
        ) {
          const r = ctl.signal.reason;
          if (r instanceof SoftTimeLimitExceeded || r instanceof WorkerShutdown) throw r;
          throw new UnrecoverableError(`${REVOKED_MARKER} cancelled`);
        }
        if (
          token &&
          isCodeindexError(err, 'STORE_UNAVAILABLE') &&
          (await waitForStore(job, token, err, log))
        ) {
          finishedTask = false;
          noteStoreWait(errorMessage(err));
          throw new DelayedError();
        }
        throw err;
      } finally {
        clearTimeout(soft);
        bullSignal?.removeEventListener('abort', onBullAbort);
        controllers.delete(job.id!);
        resumable.delete(ctl);
        opts.send?.({ type: 'job-end', jobId: job.id! });
        if (finishedTask) {
          tasksDone++;
          recycleIfDue();
        }
      }
    };
    const limit = cfg.rateLimits[queue];
    worker = new Worker(queue, processor, {
      connection: createRedis(opts.redisUrl, 'worker'),
      prefix: cfg.queuePrefix,
      name,
      concurrency: cfg.concurrency,
      // Renewed every lockDuration/2; files are parsed with yields in between.
      lockDuration: cfg.lockDurationMs,
      stalledInterval: cfg.stalledIntervalMs,
      maxStalledCount: cfg.maxStalledCount,
      metrics: { maxDataPoints: MetricsTime.ONE_WEEK },
      ...(limit ? { limiter: parseRateLimit(limit) } : {}),
      settings: {
        backoffStrategy: (attemptsMade: number, type?: string, _err?: Error, job?: MinimalJob) => {
          const p = policyFor(cfg, (job?.name ?? '') as JobName);
          if (type !== BACKOFF_TYPE) return p.backoffMs;
          return backoffDelay(attemptsMade, p.backoffMs, p.backoffMaxMs);
        },
      },
    });
    guardBullConnections(worker);
    worker.on('error', (e) => {
      // While Redis is away every reconnect attempt errors: log each distinct error once per 10 s.
      const msg = errorMessage(e);
      const key = `${queue}\n${msg}`;
      const now = Date.now();
      if (now - (lastLogged.get(key) ?? 0) < 10_000) return;
      lastLogged.set(key, now);
      if (lastLogged.size > 100) lastLogged.clear();
      log.warn('worker error', { queue, error: msg });
    });
    worker.on('failed', (job, err) => {
      // A refused job (signature, root) is worth a line for the operator: someone put it there.
      if (err?.message?.startsWith('rejected ')) log.warn(err.message, { queue });
      if (job) void deadLetterIfExhausted(tasks, queue, job, err, log);
    });
    workers.push(worker);
  }
  const trimmer = startHeapTrimmer();
  log.info('worker started', { name, queues: opts.queues });
  opts.send?.({ type: 'ready', pid: process.pid });

  return {
    name,
    async close(deadlineMs = 10_000) {
      trimmer.stop();
      const t = trimmer.stats();
      if (t.trims > 0)
        log.debug('native heap trims', { ...t, totalMs: Math.round(t.totalMs), maxMs: Math.round(t.maxMs) });
      // The whole close fits in the deadline, even with Redis gone (every wait below is bounded):
      // most of it lets current jobs finish, the last part is for aborting them and letting go.
      const end = Date.now() + deadlineMs;
      const left = () => Math.max(0, end - Date.now());
      const abortGraceMs = Math.min(1000, Math.floor(deadlineMs / 4));
      const closing = Promise.allSettled(workers.map((w) => w.close()));
      // An embedding run would only use the deadline to embed a few more batches that the next
      // run embeds as well: `codeindex index` waited 10 s for it after its summary.
      for (const c of resumable) c.abort(shuttingDown());
      await within(closing, deadlineMs - abortGraceMs);
      // Past the grace period: abort what still runs; each such job goes back to the queue as it is
      // (or, with Redis gone, its lock expires and it is retried).
      for (const c of controllers.values()) c.abort(shuttingDown());
      await within(closing, left());
      await within(
        tasks.close().catch(() => {}),
        left(),
      );
      // Whatever did not close in time (Redis unreachable) is dropped, so nothing keeps the process alive.
      for (const w of workers) void w.disconnect().catch(() => {});
      sub.disconnect();
      clientConn.disconnect();
      await store.close();
    },
  };
}

/** The abort reason of a job its stopping worker puts back in the queue. */
function shuttingDown(): WorkerShutdown {
  return new WorkerShutdown('worker shutting down: the job goes back to the queue');
}

/** Waits for `p`, at most `ms`. */
async function within(p: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([p, new Promise((r) => (timer = setTimeout(r, Math.max(0, ms))))]);
  clearTimeout(timer);
}

/**
 * A local neural model is unloaded after this long without a batch (see `idleMs` of the embedding
 * provider); loading it again takes about a second.
 */
const MODEL_IDLE_MS = 60_000;

/** How many times a job waits for an unreachable store before the outage counts as a failed attempt. */
const STORE_WAITS = 40;
/** Waits grow from 1 s to this (about 15 minutes in all over STORE_WAITS). */
const STORE_WAIT_MAX_MS = 30_000;

/**
 * The index store (PostgreSQL) is unreachable: instead of failing an attempt, the job goes back
 * to the queue, delayed, without using an attempt, so a database restart or a short outage never
 * turns into a failed task. After STORE_WAITS waits (about 15 minutes) the outage fails the
 * attempt as any error does (retried with backoff, then FAILURE: `retry_task` runs it again).
 * The count is BullMQ's: runs started minus attempts made, the run now included.
 */
async function waitForStore(job: Job, token: string, err: Error, log: Logger): Promise<boolean> {
  const waits = Math.max(0, (job.attemptsStarted ?? 0) - job.attemptsMade - 1);
  if (waits >= STORE_WAITS) return false;
  const delayMs = backoffDelay(waits + 1, 1000, STORE_WAIT_MAX_MS);
  try {
    const was = (typeof job.progress === 'object' ? job.progress : {}) as {
      current?: number;
      total?: number;
    };
    await job.updateProgress({
      current: was.current ?? 0,
      total: was.total ?? 0,
      status: `waiting for the index store (${Math.round(delayMs / 1000)} s): ${errorMessage(err)}`,
    });
    await job.moveToDelayed(Date.now() + delayMs, token);
  } catch (e) {
    log.debug('could not put a job back to wait for the store', { jobId: job.id, error: errorMessage(e) });
    return false;
  }
  log.debug('job waits for the index store', { jobId: job.id, name: job.name, delayMs, waits });
  return true;
}

/** Puts a running job back to wait, now, without using an attempt; false when Redis would not. */
async function requeue(job: Job, token: string, why: string, log: Logger): Promise<boolean> {
  try {
    await job.moveToDelayed(Date.now(), token);
  } catch (e) {
    log.debug('could not put a job back in the queue', { jobId: job.id, error: errorMessage(e) });
    return false;
  }
  log.info('job back in the queue', { jobId: job.id, name: job.name, why });
  return true;
}

/** Errors BullMQ uses to park a job (not a task outcome). */
function isFlowControl(err: unknown): boolean {
  const e = err as { name?: string; message?: string } | null;
  return (
    e?.name === 'WaitingChildrenError' ||
    e?.name === 'DelayedError' ||
    e?.name === 'WaitingError' ||
    e?.message === RATE_LIMIT_ERROR
  );
}

/** Celery's dead letters: a job that exhausted its attempts (or is unrecoverable) is copied aside. */
async function deadLetterIfExhausted(
  tasks: TaskClient,
  queue: string,
  job: Job,
  err: Error,
  log: Logger,
): Promise<void> {
  try {
    const reason = job.failedReason ?? err?.message ?? '';
    if (reason.startsWith(REVOKED_MARKER)) return;
    const attempts = job.opts.attempts ?? 1;
    const unrecoverable = err instanceof UnrecoverableError || err?.name === 'UnrecoverableError';
    if (job.attemptsMade < attempts && !unrecoverable && !/stalled more than allowable limit/.test(reason))
      return;
    const payload: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(job.data ?? {})) if (!k.startsWith('_')) payload[k] = v;
    await tasks.deadLetterJob({
      taskId: job.id!,
      queue,
      name: job.name,
      payload,
      error: reason.split('\n')[0] ?? '',
      stack: job.stacktrace ?? [],
      attempts: job.attemptsMade,
      failedAt: Date.now(),
    });
  } catch (e) {
    log.warn('could not dead-letter job', { jobId: job.id, error: errorMessage(e) });
  }
}
