import type { RequestHandler } from 'express';
import { errorMessage } from '../errors.js';
import { QUEUES } from '../queue/names.js';
import { withRedisDeadline } from '../redis/connection.js';
import { indexMayExist } from '../store/index.js';
import type { HttpAppDeps } from './deps.js';

/** How long each health check may take before it counts as failed. */
const CHECK_DEADLINE_MS = 2000;

export interface HealthReport {
  status: 'ok' | 'fail';
  checks: {
    redis: { ok: boolean; latency_ms?: number; error?: string };
    sqlite: { ok: boolean; roots?: number; note?: string; error?: string };
    workers: { ok: boolean; count: number; by_queue: Record<string, number>; error?: string };
  };
}

async function timed<T>(p: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const t0 = performance.now();
  const value = await p();
  return { value, ms: Math.round((performance.now() - t0) * 10) / 10 };
}

/** Runs the three checks (Redis PING, a SQLite read, connected workers) in parallel, each with a deadline. */
export async function checkHealth(deps: HttpAppDeps): Promise<HealthReport> {
  const redis = (async (): Promise<HealthReport['checks']['redis']> => {
    try {
      const url = await deps.redisUrl();
      const tasks = await deps.tasks();
      const { ms } = await timed(() =>
        withRedisDeadline(url, () => tasks.connection.ping(), CHECK_DEADLINE_MS),
      );
      return { ok: true, latency_ms: ms };
    } catch (err) {
      return { ok: false, error: errorMessage(err) };
    }
  })();
  const sqlite = (async (): Promise<HealthReport['checks']['sqlite']> => {
    // No index yet is a healthy state: the first index_repository creates it.
    if (!indexMayExist(deps.cfg)) return { ok: true, roots: 0, note: 'nothing indexed yet' };
    try {
      return { ok: true, roots: (await deps.store().listRoots()).length };
    } catch (err) {
      return { ok: false, error: errorMessage(err) };
    }
  })();
  const workers = (async (): Promise<HealthReport['checks']['workers']> => {
    const byQueue: Record<string, number> = {};
    try {
      const url = await deps.redisUrl();
      const tasks = await deps.tasks();
      await withRedisDeadline(
        url,
        async () => {
          for (const q of QUEUES) byQueue[q] = (await tasks.queues[q].getWorkers()).length;
        },
        CHECK_DEADLINE_MS,
      );
      // The same process can appear on several queues: the count is of distinct workers per queue.
      const count = Math.max(0, ...Object.values(byQueue));
      return { ok: (byQueue.indexing ?? 0) > 0, count, by_queue: byQueue };
    } catch (err) {
      return { ok: false, count: 0, by_queue: byQueue, error: errorMessage(err) };
    }
  })();
  const checks = { redis: await redis, sqlite: await sqlite, workers: await workers };
  const ok = checks.redis.ok && checks.sqlite.ok && checks.workers.ok;
  return { status: ok ? 'ok' : 'fail', checks };
}

/**
 * `GET /healthz`: 200 when Redis answers, the index is readable and at least one worker consumes
 * the indexing queue; 503 otherwise. Without the token (when one is set) only the status is shown.
 */
export function healthHandler(deps: HttpAppDeps): RequestHandler {
  return async (_req, res) => {
    const report = await checkHealth(deps);
    res.status(report.status === 'ok' ? 200 : 503);
    res.setHeader('Cache-Control', 'no-store');
    res.json(res.locals.unauthenticated ? { status: report.status } : report);
  };
}
