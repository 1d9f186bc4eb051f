/**
 * An in-process codeindex system for the benchmark: a fresh data dir and queue prefix, a
 * TaskClient (the producer the MCP tools use) and a supervised WorkerPool of real worker
 * processes, all on the shared Redis. Nothing is cached between systems.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { loadConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';
import { createLogger } from '../../src/log.js';
import { QUEUES } from '../../src/queue/names.js';
import { TaskClient, type TaskInfo } from '../../src/queue/task-client.js';
import { createRedis } from '../../src/redis/connection.js';
import { WorkerPool } from '../../workers/supervisor.js';

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Environment for a codeindex process (server or worker) of one bench system. */
export interface SystemEnv {
  home: string;
  prefix: string;
  tmp: string;
  env: Record<string, string>;
}

/** A private data dir and queue prefix; `extra` overrides settings (embeddings, test jobs...). */
export function makeSystemEnv(extra: Record<string, string> = {}): SystemEnv {
  const tmp = mkdtempSync(join(tmpdir(), 'ci-bench-'));
  const home = join(tmp, 'home');
  const prefix = `bench-${randomUUID().slice(0, 8)}`;
  return {
    home,
    prefix,
    tmp,
    env: {
      CODEINDEX_HOME: home,
      REDIS_URL,
      CODEINDEX_QUEUE_PREFIX: prefix,
      CODEINDEX_LOG_LEVEL: 'warn',
      CODEINDEX_CLEANUP_CRON: '',
      CODEINDEX_WATCH: '0',
      // Embeddings run after the index task succeeds and would steal CPU from the next figure;
      // the query bench turns them on for its own index (hybrid search needs vectors).
      CODEINDEX_EMBEDDINGS: 'off',
      ...extra,
    },
  };
}

export interface BenchSystem {
  cfg: Config;
  sys: SystemEnv;
  tasks: TaskClient;
  pool: WorkerPool | null;
  /** Resolves when the task ends; `endMs` is the worker's finish time (epoch ms). */
  waitForTask(
    taskId: string,
    pollMs?: number,
    timeoutMs?: number,
  ): Promise<{ info: TaskInfo; endMs: number }>;
  /** Stops the workers, closes queues, deletes the Redis keys and the temp dir. */
  close(opts?: { keepHome?: boolean }): Promise<void>;
}

/**
 * Starts a system with `workers` worker processes (0 = producer only) and waits until every
 * worker is ready, so process start-up never counts as indexing time.
 */
export async function startSystem(workers: number, sys: SystemEnv = makeSystemEnv()): Promise<BenchSystem> {
  const env = { ...process.env, ...sys.env };
  const cfg = loadConfig({ workers }, env);
  const log = createLogger('bench', 'warn');
  const conn = createRedis(REDIS_URL, 'client');
  conn.on('error', () => {});
  const tasks = new TaskClient(cfg, conn, REDIS_URL);
  const pool =
    workers > 0
      ? new WorkerPool({ cfg, redisUrl: REDIS_URL, count: workers, queues: [...QUEUES], log, env: sys.env })
      : null;
  if (pool && !(await pool.ready(60_000))) throw new Error('worker pool did not become ready in 60 s');
  return {
    cfg,
    sys,
    tasks,
    pool,
    async waitForTask(taskId, pollMs = 20, timeoutMs = 30 * 60_000) {
      const end = Date.now() + timeoutMs;
      for (;;) {
        let info = await tasks.getTask(taskId);
        // TaskClient.getTask reads the job, then its state: a job that completes in between
        // reads SUCCESS with no result yet. Read it again (known race, reported in issue 6).
        if (info.state === 'SUCCESS' && info.result == null) info = await tasks.getTask(taskId);
        if (['SUCCESS', 'FAILURE', 'REVOKED'].includes(info.state)) {
          // The worker's own finish stamp: polling granularity does not inflate the figure.
          const endMs = info.finished_at ? Date.parse(info.finished_at) : Date.now();
          return { info, endMs };
        }
        if (Date.now() > end) throw new Error(`task ${taskId} still ${info.state} after ${timeoutMs} ms`);
        await sleep(pollMs);
      }
    },
    async close(opts = {}) {
      await pool?.stop(10_000);
      await tasks.close();
      conn.disconnect();
      await deletePrefix(sys.prefix);
      if (!opts.keepHome) rmSync(sys.tmp, { recursive: true, force: true });
    },
  };
}

/**
 * Waits until a queue has nothing left to do (three idle polls in a row, `pollMs` apart); false
 * after `timeoutMs`.
 */
export async function waitForQueueIdle(queue: Queue, timeoutMs: number, pollMs = 500): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  let idle = 0;
  while (Date.now() < end) {
    const c = await queue.getJobCounts('active', 'waiting', 'prioritized', 'delayed');
    const pending = (c.active ?? 0) + (c.waiting ?? 0) + (c.prioritized ?? 0) + (c.delayed ?? 0);
    idle = pending === 0 ? idle + 1 : 0;
    if (idle >= 3) return true;
    await sleep(pollMs);
  }
  return false;
}

/** Removes every Redis key of a queue prefix (the shared Redis itself is never touched otherwise). */
export async function deletePrefix(prefix: string): Promise<void> {
  const r = new Redis(REDIS_URL, { maxRetriesPerRequest: 1, lazyConnect: true });
  r.on('error', () => {});
  try {
    await r.connect();
    let cursor = '0';
    do {
      const [next, keys] = await r.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length) await r.del(...keys);
    } while (cursor !== '0');
  } finally {
    r.disconnect();
  }
}
