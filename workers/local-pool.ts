import type { Config } from '../src/config/schema.js';
import type { Logger } from '../src/log.js';
import { QUEUES } from '../src/queue/names.js';
import type { WorkerPool } from './supervisor.js';

/**
 * The worker pool a command runs next to itself (`serve`, `index`, `watch`, `dashboard`):
 * `cfg.workers` processes on every queue, or none with `--workers 0` (external workers).
 */
export async function startLocalPool(cfg: Config, redisUrl: string, log: Logger): Promise<WorkerPool | null> {
  if (cfg.workers <= 0) return null;
  const { WorkerPool } = await import('./supervisor.js');
  return new WorkerPool({ cfg, redisUrl, count: cfg.workers, queues: [...QUEUES], log: log.child('pool') });
}

/** One line for humans: who runs the jobs. */
export function describePool(cfg: Config, pool: WorkerPool | null): string {
  return pool ? `${cfg.workers} worker processes` : 'external workers';
}

/** Resolves on the first SIGINT or SIGTERM. */
export function untilSignal(): Promise<void> {
  return new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
}
