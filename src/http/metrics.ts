import type { RequestHandler } from 'express';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { errorMessage } from '../errors.js';
import { embeddingModel } from '../mcp/code-search.js';
import { DEAD_LETTER_QUEUE, QUEUES, type QueueName } from '../queue/names.js';
import type { TaskClient } from '../queue/task-client.js';
import { withRedisDeadline } from '../redis/connection.js';
import { indexMayExist } from '../store/index.js';
import type { HttpAppDeps } from './deps.js';

/** Completed jobs read per queue and scrape; the rest are picked up by the next scrape. */
const DURATION_SCAN_LIMIT = 1000;

/** Where the duration histogram has read up to, per queue (finishedOn watermark). */
interface DurationCursor {
  watermark: number;
  idsAtWatermark: Set<string>;
}

/**
 * The Prometheus metrics of one HTTP app: a private registry (no global default registry, so
 * several apps can live in one process). Values are read from Redis and SQLite at scrape time.
 */
export function createMetrics(deps: HttpAppDeps) {
  const registry = new Registry();
  const queueJobs = new Gauge({
    name: 'codeindex_queue_jobs',
    help: 'Jobs per queue and BullMQ state (completed/failed: records still retained)',
    labelNames: ['queue', 'state'] as const,
    registers: [registry],
  });
  const queueWorkers = new Gauge({
    name: 'codeindex_queue_workers',
    help: 'Worker connections consuming each queue',
    labelNames: ['queue'] as const,
    registers: [registry],
  });
  const completedTotal = new Counter({
    name: 'codeindex_jobs_completed_total',
    help: 'Jobs completed per queue since the queue metrics began (BullMQ metrics, stored in Redis)',
    labelNames: ['queue'] as const,
    registers: [registry],
  });
  const failedTotal = new Counter({
    name: 'codeindex_jobs_failed_total',
    help: 'Job attempts that failed per queue since the queue metrics began (BullMQ metrics)',
    labelNames: ['queue'] as const,
    registers: [registry],
  });
  const deadLetters = new Gauge({
    name: 'codeindex_dead_letter_jobs',
    help: 'Jobs in the dead-letter queue (exhausted their retries)',
    registers: [registry],
  });
  const durations = new Histogram({
    name: 'codeindex_job_duration_seconds',
    help: 'Run time of completed jobs (finishedOn - processedOn), observed by this server at scrape time',
    labelNames: ['queue', 'name'] as const,
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900],
    registers: [registry],
  });
  const files = new Gauge({
    name: 'codeindex_index_files',
    help: 'Files in the index per root and status (indexed, skipped, failed)',
    labelNames: ['root', 'status'] as const,
    registers: [registry],
  });
  const skipped = new Gauge({
    name: 'codeindex_index_skipped_files',
    help: 'Skipped files per root and reason',
    labelNames: ['root', 'reason'] as const,
    registers: [registry],
  });
  const symbols = new Gauge({
    name: 'codeindex_index_symbols',
    help: 'Symbol definitions per root',
    labelNames: ['root'] as const,
    registers: [registry],
  });
  const refs = new Gauge({
    name: 'codeindex_index_refs',
    help: 'References per root',
    labelNames: ['root'] as const,
    registers: [registry],
  });
  const chunks = new Gauge({
    name: 'codeindex_index_chunks',
    help: 'Code chunks per root',
    labelNames: ['root'] as const,
    registers: [registry],
  });
  const vectors = new Gauge({
    name: 'codeindex_index_vectors',
    help: 'Chunks with an embedding (embedded) and without one yet (pending) per root',
    labelNames: ['root', 'state'] as const,
    registers: [registry],
  });
  const lastIndexed = new Gauge({
    name: 'codeindex_index_last_indexed_timestamp_seconds',
    help: 'When each root last finished indexing (Unix time)',
    labelNames: ['root'] as const,
    registers: [registry],
  });
  const up = new Gauge({
    name: 'codeindex_up',
    help: 'Whether the last scrape could read each source (1) or not (0)',
    labelNames: ['source'] as const,
    registers: [registry],
  });

  const cursors = new Map<QueueName, DurationCursor>();

  /** Observes the run time of jobs completed since the last scrape (by finishedOn order). */
  async function observeDurations(tasks: TaskClient): Promise<void> {
    for (const q of QUEUES) {
      const queue = tasks.queues[q];
      const cur = cursors.get(q) ?? { watermark: 0, idsAtWatermark: new Set<string>() };
      cursors.set(q, cur);
      const flat = await tasks.connection.zrangebyscore(
        queue.toKey('completed'),
        cur.watermark,
        '+inf',
        'WITHSCORES',
        'LIMIT',
        0,
        DURATION_SCAN_LIMIT,
      );
      const fresh: { id: string; score: number }[] = [];
      for (let i = 0; i + 1 < flat.length; i += 2) {
        const id = flat[i]!;
        const score = Number(flat[i + 1]);
        if (score === cur.watermark && cur.idsAtWatermark.has(id)) continue;
        fresh.push({ id, score });
      }
      if (fresh.length === 0) continue;
      const pipe = tasks.connection.pipeline();
      for (const f of fresh) pipe.hmget(queue.toKey(f.id), 'name', 'processedOn', 'finishedOn');
      const rows = (await pipe.exec()) ?? [];
      rows.forEach(([err, row], i) => {
        if (err || !Array.isArray(row)) return;
        const [name, processedOn, finishedOn] = row as (string | null)[];
        const ran = Number(finishedOn) - Number(processedOn);
        if (name && Number.isFinite(ran) && ran >= 0) durations.observe({ queue: q, name }, ran / 1000);
        const f = fresh[i]!;
        if (f.score > cur.watermark) {
          cur.watermark = f.score;
          cur.idsAtWatermark = new Set();
        }
        cur.idsAtWatermark.add(f.id);
      });
    }
  }

  async function refreshQueues(): Promise<void> {
    const tasks = await deps.tasks();
    const url = await deps.redisUrl();
    await withRedisDeadline(
      url,
      async () => {
        const stats = await tasks.stats();
        queueJobs.reset();
        queueWorkers.reset();
        for (const s of stats.queues) {
          for (const [state, n] of Object.entries(s.counts)) queueJobs.set({ queue: s.queue, state }, n);
          if (s.queue === DEAD_LETTER_QUEUE) {
            const c = s.counts;
            deadLetters.set(c.waiting + c.completed + c.failed + c.delayed + c.active);
          } else queueWorkers.set({ queue: s.queue }, s.workers.length);
        }
        completedTotal.reset();
        failedTotal.reset();
        for (const q of QUEUES) {
          const [done, failed] = await Promise.all([
            tasks.queues[q].getMetrics('completed', 0, 0),
            tasks.queues[q].getMetrics('failed', 0, 0),
          ]);
          completedTotal.inc({ queue: q }, Number(done.meta.count) || 0);
          failedTotal.inc({ queue: q }, Number(failed.meta.count) || 0);
        }
        await observeDurations(tasks);
      },
      5000,
    );
  }

  async function refreshIndex(): Promise<void> {
    for (const g of [files, skipped, symbols, refs, chunks, vectors, lastIndexed]) g.reset();
    if (!indexMayExist(deps.cfg)) return;
    const store = deps.store();
    const model = embeddingModel(deps.cfg);
    for (const s of await store.rootStatus()) {
      const root = s.root;
      files.set({ root, status: 'indexed' }, s.files.indexed);
      files.set({ root, status: 'skipped' }, s.files.skipped);
      files.set({ root, status: 'failed' }, s.files.failed);
      for (const [reason, n] of Object.entries(s.skippedByReason)) skipped.set({ root, reason }, n ?? 0);
      symbols.set({ root }, s.symbols);
      refs.set({ root }, s.refs);
      chunks.set({ root }, s.chunks);
      if (s.lastIndexedAt) lastIndexed.set({ root }, s.lastIndexedAt / 1000);
      if (deps.cfg.embeddings.provider !== 'off') {
        const cov = await store.vectorCoverage(root, model);
        vectors.set({ root, state: 'embedded' }, cov.embedded);
        vectors.set({ root, state: 'pending' }, cov.pending);
      }
    }
  }

  /** `GET /metrics`: refreshes from Redis and SQLite, then renders the text format. */
  const handler: RequestHandler = async (_req, res) => {
    try {
      await refreshQueues();
      up.set({ source: 'redis' }, 1);
    } catch (err) {
      up.set({ source: 'redis' }, 0);
      deps.log.debug('metrics: queue figures unavailable', { error: errorMessage(err) });
    }
    try {
      await refreshIndex();
      up.set({ source: 'sqlite' }, 1);
    } catch (err) {
      up.set({ source: 'sqlite' }, 0);
      deps.log.debug('metrics: index figures unavailable', { error: errorMessage(err) });
    }
    res.setHeader('Content-Type', registry.contentType);
    res.setHeader('Cache-Control', 'no-store');
    res.send(await registry.metrics());
  };

  return { registry, handler };
}
