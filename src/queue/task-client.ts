import { createHash, randomUUID } from 'node:crypto';
import { type Job, type JobsOptions, type JobType, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Config, JobPolicy } from '../config/schema.js';
import type { EmbeddingStall } from '../embeddings/coverage.js';
import { CodeindexError } from '../errors.js';
import { withRedisDeadline } from '../redis/connection.js';
import { indexMayExist, openStore } from '../store/engine.js';
import type { IndexStore } from '../store/types.js';
import { registerAllowedRoot } from './allowed-roots.js';
import { BACKOFF_TYPE } from './backoff.js';
import {
  DEAD_LETTER_QUEUE,
  hasIssuedShape,
  JOBS,
  type JobName,
  PRIORITY,
  type PriorityName,
  QUEUE_OF,
  QUEUES,
  type QueueName,
  queueOfTaskId,
  TASK_ID_PREFIX,
} from './names.js';
import { PAYLOADS, type PayloadInput } from './payloads.js';
import { averageRate, etaSeconds } from './progress-rate.js';
import { guardBullConnections } from './quiet-connections.js';
import { type ShipStats, SourceShipper } from './ship-sources.js';
import { identityOf, resignJobData, signJobData } from './signing.js';
import { SourceBlobs } from './source-blobs.js';
import { REVOKED_MARKER, type TaskState, toTaskState } from './task-state.js';

/** How long we remember that a task id was issued, to tell "expired" from "never existed". */
const ISSUED_TTL_SECONDS = 30 * 24 * 3600;

export interface TaskProgress {
  current: number;
  total: number;
  status: string;
  /**
   * Units (files, for indexing) per second, averaged over the run so far: `current` over the time
   * since the run started (a repository task: since its scan began), up to its end once it ended.
   * Null before any progress. Set when the task has started.
   */
  rate?: number | null;
  /** Seconds left at `rate` (0 once succeeded); null when unknown, or the task ended otherwise. */
  eta_seconds?: number | null;
}

export interface TaskInfo {
  task_id: string;
  name: string;
  queue: QueueName | 'dead-letter';
  state: TaskState;
  progress?: TaskProgress;
  result?: unknown;
  error?: string;
  attempts: number;
  created_at: string;
  started_at?: string;
  finished_at?: string;
  worker?: string;
  data?: Record<string, unknown>;
}

export interface EnqueueOptions {
  priority?: PriorityName;
  /** Celery-style countdown. */
  delayMs?: number;
  deduplicationId?: string;
  parent?: { id: string; queue: string };
  /** Keep the result this long after the job completes, instead of `resultTtlSeconds` (MCP task ttl). */
  resultTtlSeconds?: number;
}

/**
 * Whether producers of this configuration ship sources to workers through Redis (see
 * `source-blobs.ts`): `shipSources` on, or `auto` with the index in PostgreSQL, where workers may
 * run on hosts that cannot see the source tree.
 */
export function shipsSources(cfg: Pick<Config, 'shipSources' | 'databaseUrl'>): boolean {
  return cfg.shipSources === 'on' || (cfg.shipSources === 'auto' && cfg.databaseUrl !== undefined);
}

/** Deadline of one Redis round trip while shipping (a round carries up to 8 MB). */
const SHIP_DEADLINE_MS = 30_000;

/** The roots jobs work on (every job kind's payload names its root). */
function rootsOfJobs(jobs: readonly (Job | undefined)[]): Set<string> {
  const out = new Set<string>();
  for (const j of jobs) {
    const root = (j?.data as { root?: unknown } | undefined)?.root;
    if (typeof root === 'string') out.add(root);
  }
  return out;
}

/** The policy that applies to a job kind. */
export function policyFor(cfg: Config, name: JobName): JobPolicy {
  switch (name) {
    case JOBS.indexRepository:
      return cfg.policies.repository;
    case JOBS.indexBatch:
    case JOBS.removeFiles:
      return cfg.policies.batch;
    case JOBS.indexFile:
      return cfg.policies.file;
    case JOBS.embedChunks:
      return cfg.policies.embed;
    default:
      return cfg.policies.maintenance;
  }
}

/** BullMQ options for a job kind: attempts, capped jittered backoff, result expiry, priority. */
export function jobOptionsFor(cfg: Config, name: JobName, opts: EnqueueOptions = {}): JobsOptions {
  const policy = policyFor(cfg, name);
  const o: JobsOptions = {
    attempts: policy.attempts,
    backoff: { type: BACKOFF_TYPE, delay: policy.backoffMs },
    removeOnComplete: { age: opts.resultTtlSeconds ?? cfg.resultTtlSeconds },
    removeOnFail: { age: cfg.failedTtlSeconds },
  };
  // Always set: BullMQ runs priority-0 jobs before every prioritized one, so "no priority" must
  // mean normal here, or an unprioritized bulk job would overtake a high-priority save.
  o.priority = PRIORITY[opts.priority ?? 'normal'];
  if (opts.delayMs) o.delay = opts.delayMs;
  if (opts.deduplicationId) o.deduplication = { id: opts.deduplicationId, keepLastIfActive: true };
  if (opts.parent) o.parent = opts.parent;
  return o;
}

/** A new task id for a queue (job ids carry their queue). */
export function newTaskId(queue: QueueName): string {
  return `${TASK_ID_PREFIX[queue]}${randomUUID().replaceAll('-', '')}`;
}

/** What the last repository run of a root could not index (see `TaskClient.recordRootFailures`). */
export interface RootFailures {
  task_id: string;
  at: string;
  failed_batches: number;
  batches: number;
  files_not_indexed: number;
  /** The first few failed batches: how many files, the first of them, and the one-line reason. */
  first_errors: { batch: string; files: number; first_file: string | null; error: string }[];
}

/**
 * Everything a producer needs: enqueue jobs of every kind, read a task's Celery-style state,
 * cancel, list and count. Used by the MCP server, the CLI and workers (to enqueue children).
 */
export class TaskClient {
  readonly queues: Readonly<Record<QueueName, Queue>>;
  readonly deadLetter: Queue;

  constructor(
    readonly cfg: Config,
    readonly connection: Redis,
    readonly redisUrl: string,
  ) {
    const make = (name: string) => {
      const q = new Queue(name, { connection, prefix: cfg.queuePrefix });
      // Connection errors reach each call that needs Redis (and its answer). Without a listener,
      // BullMQ prints the errors of what it creates lazily on the queue's connection (its job
      // scheduler, when the connection closes under it) to stderr as stack traces.
      q.on('error', () => {});
      guardBullConnections(q);
      return q;
    };
    this.queues = Object.freeze(
      Object.fromEntries(QUEUES.map((q) => [q, make(q)])) as Record<QueueName, Queue>,
    );
    this.deadLetter = make(DEAD_LETTER_QUEUE);
  }

  /** `withRedisDeadline` on this client's connection: fails at once while it is known to be down. */
  withDeadline<T>(op: () => Promise<T>, ms?: number): Promise<T> {
    return withRedisDeadline(this.redisUrl, op, ms, this.connection);
  }

  private key(...parts: string[]): string {
    return [this.cfg.queuePrefix, 'ci', ...parts].join(':');
  }

  private shipper: SourceShipper | null = null;
  private shipStore: IndexStore | null = null;
  /** Totals of what this producer shipped (tests and benchmarks read them). */
  readonly shipped: ShipStats = { files: 0, bytesRead: 0, blobs: 0, bytesShipped: 0 };

  /** The shipped sources in Redis, as workers read them. */
  sourceBlobs(): SourceBlobs {
    return new SourceBlobs(this.connection, this.cfg.queuePrefix, this.cfg.blobTtlSeconds, (op) =>
      this.withDeadline(op, SHIP_DEADLINE_MS),
    );
  }

  private getShipper(): SourceShipper {
    this.shipper ??= new SourceShipper(this.cfg, this.sourceBlobs(), () => {
      if (this.shipStore === null && indexMayExist(this.cfg))
        this.shipStore = openStore(this.cfg, { readonly: true });
      return this.shipStore;
    });
    return this.shipper;
  }

  /**
   * A producer's part of indexing without a shared disk: reads the files a job will index where
   * they are and ships them, returning the payload that names what was shipped. Runs on every
   * enqueue of these kinds (also a retry from the dead letters: it ships what the files hold now).
   */
  private async shipFor(name: JobName, payload: Record<string, unknown>): Promise<Record<string, unknown>> {
    const shipper = this.getShipper();
    const root = payload.root as string;
    const add = (s: ShipStats) => {
      for (const k of Object.keys(this.shipped) as (keyof ShipStats)[]) this.shipped[k] += s[k];
    };
    switch (name) {
      case JOBS.indexRepository: {
        const { manifest, stats } = await shipper.shipRepository(root, payload.force === true);
        add(stats);
        return { ...payload, manifest };
      }
      case JOBS.indexBatch:
        add(await shipper.shipFiles(root, payload.paths as string[], payload.force === true));
        return { ...payload, shipped: true };
      case JOBS.indexFile:
        add(await shipper.shipFiles(root, [payload.path as string], false));
        return { ...payload, shipped: true };
      case JOBS.removeFiles:
        await shipper.markGone(root, payload.paths as string[], (payload.dirs as string[] | undefined) ?? []);
        return payload;
      default:
        return payload;
    }
  }

  private rootFailuresKey(root: string): string {
    return this.key('root-failures', createHash('sha256').update(root).digest('hex').slice(0, 32));
  }

  /**
   * Remembers that the last repository run of `root` left batches unindexed (kept in Redis, not in
   * the index: a full disk is a common cause). `index_status` shows it until a complete run clears it.
   */
  async recordRootFailures(root: string, failures: RootFailures): Promise<void> {
    await this.connection.set(this.rootFailuresKey(root), JSON.stringify(failures));
  }

  /** A repository run of `root` indexed everything it meant to: earlier failures are fixed. */
  async clearRootFailures(root: string): Promise<void> {
    await this.connection.del(this.rootFailuresKey(root));
  }

  /** The recorded failures of each root that has some. */
  async rootFailures(roots: readonly string[]): Promise<Map<string, RootFailures>> {
    const out = new Map<string, RootFailures>();
    if (roots.length === 0) return out;
    const values = await this.connection.mget(...roots.map((r) => this.rootFailuresKey(r)));
    values.forEach((v, i) => {
      if (v) out.set(roots[i]!, JSON.parse(v) as RootFailures);
    });
    return out;
  }

  /** Validates the payload, signs it when a secret is set, and adds the job. Returns the task id. */
  async enqueue<N extends JobName>(
    name: N,
    input: PayloadInput<N>,
    opts: EnqueueOptions = {},
  ): Promise<string> {
    if ((name === JOBS.testSleep || name === JOBS.testFail) && !this.cfg.testJobs) {
      throw new CodeindexError('INVALID_PAYLOAD', `job kind ${name} exists only with CODEINDEX_TEST_JOBS=1`);
    }
    const parsed = PAYLOADS[name].safeParse(input);
    if (!parsed.success) {
      throw new CodeindexError(
        'INVALID_PAYLOAD',
        `bad ${name} payload: ${parsed.error.issues[0]?.message ?? 'invalid'}`,
      );
    }
    const queue = QUEUE_OF[name];
    const id = newTaskId(queue);
    // Workers read only under roots a producer of this data dir registered (or configured ones).
    const root = (parsed.data as { root?: unknown }).root;
    if (typeof root === 'string') registerAllowedRoot(this.cfg, root);
    let data: Record<string, unknown> = { ...parsed.data };
    if (shipsSources(this.cfg)) data = await this.shipFor(name, data);
    if (this.cfg.secret)
      data = signJobData(this.cfg.secret, { prefix: this.cfg.queuePrefix, queue, name, id }, data);
    // A payload that names its priority (index-repository) runs at that priority itself, not only its batches.
    const payloadPriority = (parsed.data as { priority?: PriorityName }).priority;
    const priority = opts.priority ?? payloadPriority;
    const jobOpts = {
      ...jobOptionsFor(this.cfg, name, { ...opts, ...(priority ? { priority } : {}) }),
      jobId: id,
    };
    return this.withDeadline(async () => {
      // The id is ours, so "issued" is recorded in the same round trip as the add.
      const [job] = await Promise.all([
        this.queues[queue].add(name, data, jobOpts),
        this.connection.set(this.key('issued', id), queue, 'EX', ISSUED_TTL_SECONDS),
      ]);
      // With deduplication, BullMQ may hand back the job already waiting for this path.
      const taskId = job.id ?? id;
      if (taskId !== id)
        await this.connection.set(this.key('issued', taskId), queue, 'EX', ISSUED_TTL_SECONDS);
      return taskId;
    });
  }

  /** Records issued ids for jobs added by other means (children added in bulk by a worker). */
  async markIssued(ids: string[], queue: QueueName): Promise<void> {
    if (ids.length === 0) return;
    const m = this.connection.multi();
    for (const id of ids) m.set(this.key('issued', id), queue, 'EX', ISSUED_TTL_SECONDS);
    await m.exec();
  }

  private async findJob(taskId: string): Promise<{ job: Job; queue: QueueName | 'dead-letter' }> {
    const queue = queueOfTaskId(taskId);
    if (!queue && !taskId.startsWith('dl_')) {
      throw new CodeindexError(
        'TASK_NOT_FOUND',
        `unknown task id ${JSON.stringify(taskId.slice(0, 80))}: use a task_id returned by index_repository or index_file, or call list_tasks`,
      );
    }
    const q = queue ? this.queues[queue] : this.deadLetter;
    const job = await q.getJob(taskId);
    if (job) return { job, queue: queue ?? 'dead-letter' };
    const issued = await this.connection.exists(this.key('issued', taskId));
    if (issued && (await this.connection.exists(this.key('revoked', taskId)))) {
      throw new RevokedTask(taskId);
    }
    if (issued) {
      throw new CodeindexError(
        'TASK_EXPIRED',
        `task ${taskId} finished and its record expired (results are kept ${this.cfg.resultTtlSeconds}s): check index_status for the index itself`,
      );
    }
    // Our ids are random: one of their shape was issued, and its record (kept 30 days) is gone.
    if (hasIssuedShape(taskId)) {
      throw new CodeindexError(
        'TASK_NOT_FOUND',
        `no record of task ${taskId} in Redis: it is over ${ISSUED_TTL_SECONDS / 86400} days old, or Redis lost its data (restarted without persistence?): call index_repository or index_file again`,
      );
    }
    throw new CodeindexError(
      'TASK_NOT_FOUND',
      `no task ${taskId} was ever issued here: use a task_id returned by index_repository or index_file, or call list_tasks`,
    );
  }

  /** A task's Celery-style state, progress, result and error. */
  async getTask(taskId: string, opts: { withData?: boolean } = {}): Promise<TaskInfo> {
    return this.withDeadline(async () => {
      let found: Awaited<ReturnType<TaskClient['findJob']>>;
      try {
        found = await this.findJob(taskId);
      } catch (err) {
        // A task cancelled before it started was removed; it still reads REVOKED, with the name
        // and creation time the cancel kept.
        if (err instanceof RevokedTask) {
          const kept = await this.revokedRecord(taskId);
          return {
            task_id: taskId,
            name: kept.name,
            queue: queueOfTaskId(taskId) ?? 'indexing',
            state: 'REVOKED',
            attempts: 0,
            created_at: kept.created_at,
          };
        }
        throw err;
      }
      const { queue } = found;
      let { job } = found;
      const bullState = await job.getState();
      // The job hash and its state are two reads: a job that finished in between is read again,
      // so state, attempts, result and error always agree (never FAILURE with a stale attempt count).
      if ((bullState === 'completed' || bullState === 'failed') && !job.finishedOn) {
        job = (await (queue === 'dead-letter' ? this.deadLetter : this.queues[queue]).getJob(taskId)) ?? job;
      }
      return this.describe(job, queue, bullState, opts.withData ?? false);
    });
  }

  async describe(
    job: Job,
    queue: QueueName | 'dead-letter',
    bullState: string,
    withData: boolean,
  ): Promise<TaskInfo> {
    let progress = asProgress(job.progress);
    const ret = job.returnvalue as { revoked?: boolean } | null | undefined;
    const state = toTaskState({
      bullState,
      attemptsMade: job.attemptsMade,
      hasProgress: progress !== undefined,
      failedReason: job.failedReason,
      returnRevoked: Boolean(ret && typeof ret === 'object' && ret.revoked),
    });
    if (job.name === JOBS.indexRepository) {
      const step = (job.data?._state as { step?: string } | undefined)?.step;
      // While finalize runs, the job's own progress still reads 0/N from before the batches:
      // the batches' count is the truth until finalize writes its own.
      if (bullState === 'waiting-children' || (bullState === 'active' && step === 'finalize'))
        progress = await this.repositoryProgress(job);
    }
    if (progress) progress = withRunRate(progress, state, runStartOf(job), job.finishedOn);
    const info: TaskInfo = {
      task_id: job.id ?? '',
      name: job.name,
      queue,
      state,
      attempts: job.attemptsMade,
      created_at: new Date(job.timestamp).toISOString(),
    };
    if (progress) info.progress = progress;
    if (job.processedOn) info.started_at = new Date(job.processedOn).toISOString();
    if (job.finishedOn) info.finished_at = new Date(job.finishedOn).toISOString();
    if (bullState === 'completed') info.result = job.returnvalue;
    // A repository run that left batches unindexed fails, with what it did get done as its result.
    else if (bullState === 'failed' && job.data?._summary) info.result = job.data._summary;
    if (job.failedReason && (bullState === 'failed' || state === 'RETRY'))
      info.error = job.failedReason.split('\n')[0]!;
    if (job.processedBy && bullState === 'active') info.worker = job.processedBy;
    if (withData) {
      const data: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(job.data ?? {})) if (!k.startsWith('_')) data[k] = v;
      info.data = data;
    }
    return info;
  }

  /** Progress of a repository job while its batches run: files in finished batches / files to index. */
  private async repositoryProgress(job: Job): Promise<TaskProgress> {
    const st = (job.data?._state ?? {}) as { toIndex?: number; batches?: number };
    const deps = await job.getDependencies({ processed: { count: 10_000 }, ignored: { count: 10_000 } });
    let current = 0;
    for (const v of Object.values(deps.processed ?? {})) {
      const files = (typeof v === 'string' ? safeParse(v) : v) as { files?: number } | null;
      current += files?.files ?? 0;
    }
    const failedBatches = Object.keys(deps.ignored ?? {}).length;
    const total = st.toIndex ?? 0;
    const done = Object.keys(deps.processed ?? {}).length;
    return {
      current: Math.min(current, total),
      total,
      status: `indexing: ${done}/${st.batches ?? '?'} batches done${failedBatches ? `, ${failedBatches} failed` : ''}`,
    };
  }

  /**
   * Cancels a task (Celery's revoke): a waiting job is removed; an active one is aborted through
   * its signal and ends REVOKED; a repository job's children are cancelled with it.
   */
  async cancel(taskId: string): Promise<{ task_id: string; state: TaskState; detail: string }> {
    return this.withDeadline(async () => {
      let found: Awaited<ReturnType<TaskClient['findJob']>>;
      try {
        found = await this.findJob(taskId);
      } catch (err) {
        if (err instanceof RevokedTask)
          return { task_id: taskId, state: 'REVOKED' as const, detail: 'already cancelled' };
        throw err;
      }
      const { job, queue } = found;
      const bullState = await job.getState();
      if (bullState === 'completed' || bullState === 'failed') {
        const info = await this.describe(job, queue, bullState, false);
        return {
          task_id: taskId,
          state: info.state,
          detail: `already finished (${info.state}); nothing to cancel`,
        };
      }
      // What the task was, for its record once a waiting job is removed.
      const record = JSON.stringify({ name: job.name, created_at: new Date(job.timestamp).toISOString() });
      await this.connection.set(this.key('revoked', taskId), record, 'EX', 24 * 3600);
      let cancelledChildren = 0;
      if (job.name === JOBS.indexRepository) cancelledChildren = await this.cancelChildren(job);
      if (bullState === 'active') {
        await this.connection.publish(this.key('cancel'), taskId);
        return {
          task_id: taskId,
          state: 'REVOKED',
          detail: `abort signalled to the worker${cancelledChildren ? `; ${cancelledChildren} child jobs cancelled` : ''}`,
        };
      }
      if (bullState === 'waiting-children') {
        return {
          task_id: taskId,
          state: 'REVOKED',
          detail: `${cancelledChildren} child jobs cancelled; the task ends REVOKED when running batches stop`,
        };
      }
      try {
        await job.remove();
      } catch {
        // Became active in the meantime: fall back to the signal.
        await this.connection.publish(this.key('cancel'), taskId);
      }
      return { task_id: taskId, state: 'REVOKED', detail: 'removed before it started' };
    });
  }

  /** The name and creation time `cancel` kept for a task (empty for one that kept none). */
  private async revokedRecord(taskId: string): Promise<{ name: string; created_at: string }> {
    try {
      const v = JSON.parse((await this.connection.get(this.key('revoked', taskId))) ?? '{}') as {
        name?: unknown;
        created_at?: unknown;
      };
      return {
        name: typeof v.name === 'string' ? v.name : '',
        created_at: typeof v.created_at === 'string' ? v.created_at : '',
      };
    } catch {
      return { name: '', created_at: '' };
    }
  }

  private async cancelChildren(parent: Job): Promise<number> {
    const deps = await parent.getDependencies({ unprocessed: { count: 10_000 } });
    let n = 0;
    for (const key of deps.unprocessed ?? []) {
      const childId = key.split(':').at(-1);
      if (!childId) continue;
      await this.connection.set(this.key('revoked', childId), '1', 'EX', 24 * 3600);
      const child = await this.queues.indexing.getJob(childId);
      if (!child) continue;
      const st = await child.getState();
      if (st === 'active') await this.connection.publish(this.key('cancel'), childId);
      else {
        // A removed child leaves its parent's dependencies, so the parent can finish.
        await child.remove().catch(async () => this.connection.publish(this.key('cancel'), childId));
      }
      n++;
    }
    return n;
  }

  /** True when a task (or its parent) was cancelled. Workers check this before and between files. */
  async isRevoked(...taskIds: (string | undefined)[]): Promise<boolean> {
    const ids = taskIds.filter((x): x is string => Boolean(x));
    if (ids.length === 0) return false;
    const n = await this.connection.exists(...ids.map((id) => this.key('revoked', id)));
    return n > 0;
  }

  /** Channel on which cancel requests for active jobs are published. */
  get cancelChannel(): string {
    return this.key('cancel');
  }

  /** The roots that have an embedding job waiting, running or delayed (a retry's backoff). */
  async busyEmbeddingRoots(): Promise<Set<string>> {
    return this.withDeadline(async () => {
      const jobs = await this.queues.embeddings.getJobs([
        'waiting',
        'prioritized',
        'active',
        'delayed',
        'paused',
      ]);
      return rootsOfJobs(jobs);
    });
  }

  /**
   * Of `roots` (each with chunks still to embed), those whose embedding is not under way: no
   * embedding job of the root waits or runs, and it is not being indexed (the end of an indexing
   * run queues embedding). Each comes with its newest dead-lettered embedding job, if any.
   */
  async embeddingStalls(roots: readonly string[]): Promise<EmbeddingStall[]> {
    if (roots.length === 0) return [];
    const busy = await this.busyEmbeddingRoots();
    // A root being indexed gets its embedding job when its indexing ends: not stalled.
    const indexing = await this.withDeadline(() =>
      this.queues.indexing.getJobs(['active', 'waiting', 'prioritized', 'delayed'], 0, 99),
    );
    for (const root of rootsOfJobs(indexing)) busy.add(root);
    const idle = roots.filter((r) => !busy.has(r));
    if (idle.length === 0) return [];
    const dead = await this.listTasks({ state: 'dead', limit: 200 });
    return idle.map((root) => {
      const d = dead
        .filter(
          (t) =>
            t.name === JOBS.embedChunks && (t.data?.payload as { root?: unknown } | undefined)?.root === root,
        )
        .sort((x, y) => y.created_at.localeCompare(x.created_at))[0];
      return { root, failed: d ? { taskId: d.task_id, error: d.error ?? 'unknown error' } : null };
    });
  }

  /** Lists jobs by state across queues (Celery's inspect().active() and friends). */
  async listTasks(opts: { state?: ListState; queue?: QueueName; limit: number }): Promise<TaskInfo[]> {
    return this.withDeadline(async () => {
      const out: TaskInfo[] = [];
      if (opts.state === 'dead') {
        const jobs = await this.deadLetter.getJobs(
          ['waiting', 'completed', 'failed', 'delayed'],
          0,
          opts.limit - 1,
        );
        for (const j of jobs) out.push(this.describeDead(j));
        return out;
      }
      const types: JobType[] = opts.state
        ? STATE_TO_TYPES[opts.state]
        : ['active', 'waiting', 'prioritized', 'delayed', 'waiting-children', 'failed'];
      for (const q of opts.queue ? [opts.queue] : QUEUES) {
        for (const type of types) {
          if (out.length >= opts.limit) break;
          const jobs = await this.queues[q].getJobs([type], 0, opts.limit - out.length - 1);
          for (const j of jobs)
            out.push(await this.describe(j, q, type === 'prioritized' ? 'waiting' : type, false));
        }
      }
      return out.slice(0, opts.limit);
    });
  }

  private describeDead(j: Job): TaskInfo {
    const d = (j.data ?? {}) as DeadLetterRecord;
    return {
      task_id: d.taskId ?? j.id ?? '',
      name: d.name ?? j.name,
      queue: 'dead-letter',
      state: 'FAILURE',
      error: d.error,
      attempts: d.attempts ?? 0,
      created_at: new Date(j.timestamp).toISOString(),
      data: { original_queue: d.queue, payload: d.payload },
    };
  }

  /** Copies an exhausted job to the dead-letter queue (idempotent per task id). */
  async deadLetterJob(rec: DeadLetterRecord): Promise<void> {
    await this.deadLetter.add(rec.name, rec, {
      jobId: `dl_${rec.taskId}`,
      removeOnComplete: false,
      removeOnFail: false,
    });
  }

  /** Re-enqueues a dead-lettered (or failed) task as a new task; returns the new id. */
  async retryTask(taskId: string): Promise<{ task_id: string; retried_from: string }> {
    return this.withDeadline(async () => {
      const dead = await this.deadLetter.getJob(taskId.startsWith('dl_') ? taskId : `dl_${taskId}`);
      if (dead) {
        const rec = dead.data as DeadLetterRecord;
        const newId = await this.enqueue(rec.name as JobName, rec.payload as never, {});
        await dead.remove();
        return { task_id: newId, retried_from: rec.taskId };
      }
      const { job } = await this.findJob(taskId);
      const st = await job.getState();
      if (st !== 'failed') {
        throw new CodeindexError(
          'INVALID_PAYLOAD',
          `task ${taskId} is ${st}, not failed: only failed or dead tasks can be retried`,
        );
      }
      // Issued anew: a signed job keeps its signature valid past the replay limit.
      if (this.cfg.secret)
        await job.updateData(
          resignJobData(
            this.cfg.secret,
            identityOf(this.cfg.queuePrefix, queueOfTaskId(taskId) ?? 'indexing', job),
            job.data,
            {
              fresh: true,
            },
          ),
        );
      await job.retry('failed');
      return { task_id: taskId, retried_from: taskId };
    });
  }

  /** Job counts per queue and state, connected workers, and completed/failed per minute. */
  async stats(): Promise<QueueStats> {
    return this.withDeadline(async () => {
      const queues: QueueStats['queues'] = [];
      for (const q of [...QUEUES, DEAD_LETTER_QUEUE] as const) {
        const queue = q === DEAD_LETTER_QUEUE ? this.deadLetter : this.queues[q];
        const counts = await queue.getJobCounts(
          'active',
          'waiting',
          'prioritized',
          'delayed',
          'waiting-children',
          'completed',
          'failed',
          'paused',
        );
        const workers = q === DEAD_LETTER_QUEUE ? [] : await queue.getWorkers();
        // A periodic task's scheduler keeps its next run delayed until due: that job is a
        // schedule, not pending work.
        const schedulers = q === DEAD_LETTER_QUEUE ? 0 : await queue.getJobSchedulersCount();
        const now = Date.now();
        const completed =
          q === DEAD_LETTER_QUEUE ? [] : perMinute(await queue.getMetrics('completed', 0, 14), now);
        const failed = q === DEAD_LETTER_QUEUE ? [] : perMinute(await queue.getMetrics('failed', 0, 14), now);
        queues.push({
          queue: q,
          counts: {
            active: counts.active ?? 0,
            waiting: (counts.waiting ?? 0) + (counts.prioritized ?? 0),
            delayed: counts.delayed ?? 0,
            scheduled: Math.min(schedulers, counts.delayed ?? 0),
            waiting_children: counts['waiting-children'] ?? 0,
            completed: counts.completed ?? 0,
            failed: counts.failed ?? 0,
            paused: counts.paused ?? 0,
          },
          workers: [...new Set(workers.map(workerNameOf).filter(Boolean))],
          completed_per_minute: completed,
          failed_per_minute: failed,
        });
      }
      return { queues };
    });
  }

  async close(): Promise<void> {
    const store = this.shipStore;
    this.shipStore = null;
    await Promise.allSettled([
      ...[...Object.values(this.queues), this.deadLetter].map((q) => {
        guardBullConnections(q);
        return q.close();
      }),
      ...(store ? [store.close()] : []),
    ]);
  }
}

export type ListState = 'active' | 'waiting' | 'delayed' | 'failed' | 'completed' | 'dead';
const STATE_TO_TYPES: Record<Exclude<ListState, 'dead'>, JobType[]> = {
  active: ['active', 'waiting-children'],
  waiting: ['waiting', 'prioritized'],
  delayed: ['delayed'],
  failed: ['failed'],
  completed: ['completed'],
};

export interface DeadLetterRecord {
  taskId: string;
  queue: string;
  name: string;
  payload: unknown;
  error: string;
  stack: string[];
  attempts: number;
  failedAt: number;
}

export interface QueueStats {
  queues: {
    queue: string;
    counts: {
      active: number;
      waiting: number;
      delayed: number;
      /** Of `delayed`: the next runs of periodic tasks (job schedulers), not pending work. */
      scheduled: number;
      waiting_children: number;
      completed: number;
      failed: number;
      paused: number;
    };
    workers: string[];
    /** Newest first, one figure per minute (needs workers started with metrics on). */
    completed_per_minute: number[];
    failed_per_minute: number[];
  }[];
}

/**
 * Per-minute counts, newest (the current minute) first. BullMQ writes a minute's count only when
 * a job finishes in a later minute, so its list lags: the jobs since its last data point
 * (`count - prevCount`) belong to the minute of `prevTS`, and minutes without jobs since then are 0.
 */
function perMinute(
  m: { meta: { count: number; prevTS: number; prevCount: number }; data: number[] },
  now: number,
  points = 15,
): number[] {
  if (!m.meta.prevTS) return m.data.slice(0, points);
  const idle = Math.max(0, Math.floor(now / 60_000) - Math.floor(m.meta.prevTS / 60_000));
  const pending = Math.max(0, m.meta.count - m.meta.prevCount);
  return [...new Array<number>(Math.min(idle, points)).fill(0), pending, ...m.data].slice(0, points);
}

/**
 * The worker name (`host:pid`, as in `list_tasks`) of a BullMQ client entry. BullMQ puts the
 * queue name in `name` and the connection name `<prefix>:<queue>:w:<worker name>` in `rawname`;
 * each worker holds two connections, hence the dedupe by the caller.
 */
function workerNameOf(w: Record<string, unknown>): string {
  const raw = String(w.rawname ?? '');
  const i = raw.indexOf(':w:');
  if (i >= 0) return raw.slice(i + 3);
  return String(w.addr ?? w.id ?? '');
}

/**
 * When the run started: a repository task's scan start (BullMQ's `processedOn` moves to the
 * finalize step when the job runs again), else when the job was last taken by a worker.
 */
function runStartOf(job: Job): number | undefined {
  const scanStart = Number((job.data?._state as { startedAt?: unknown } | undefined)?.startedAt);
  return scanStart > 0 ? scanStart : job.processedOn || undefined;
}

/** Adds the whole-run average rate and the ETA at that rate to a started task's progress. */
function withRunRate(
  p: TaskProgress,
  state: TaskState,
  startedAt: number | undefined,
  finishedAt: number | undefined,
): TaskProgress {
  if (!startedAt) return p;
  const rate = averageRate(p.current, startedAt, finishedAt ?? Date.now());
  const ended = state === 'SUCCESS' || state === 'FAILURE' || state === 'REVOKED';
  return {
    ...p,
    rate: rate === null ? null : Math.round(rate * 10) / 10,
    eta_seconds: state === 'SUCCESS' ? 0 : ended ? null : etaSeconds(rate, p.current, p.total),
  };
}

function asProgress(p: unknown): TaskProgress | undefined {
  if (p && typeof p === 'object' && 'current' in p && 'total' in p) {
    const o = p as { current: unknown; total: unknown; status?: unknown };
    return { current: Number(o.current) || 0, total: Number(o.total) || 0, status: String(o.status ?? '') };
  }
  return undefined;
}

function safeParse(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return null;
  }
}

export { REVOKED_MARKER };

/** Internal: a removed task that was cancelled. */
class RevokedTask extends Error {
  constructor(readonly taskId: string) {
    super(`task ${taskId} was cancelled`);
  }
}
