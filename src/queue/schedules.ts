import { getNextMillis } from 'bullmq';
import type { Config } from '../config/schema.js';
import { CodeindexError, errorMessage } from '../errors.js';
import type { Logger } from '../log.js';
import { JOBS } from './names.js';
import { signJobData } from './signing.js';
import type { TaskClient } from './task-client.js';
import { jobOptionsFor } from './task-client.js';

/** The id of the periodic cleanup schedule; upserting by id keeps one schedule however many servers start. */
export const CLEANUP_SCHEDULER_ID = 'cleanup-daily';

/**
 * Throws `CONFIG_INVALID` when `cleanupCron` is not a pattern BullMQ can schedule. Checked at start:
 * the scheduler only met it when registering, so a typo left a server running with a warning in
 * its log and no periodic cleanup.
 */
export function checkCleanupCron(cfg: Pick<Config, 'cleanupCron'>): void {
  if (!cfg.cleanupCron) return;
  try {
    getNextMillis(Date.now(), { pattern: cfg.cleanupCron });
  } catch (err) {
    throw new CodeindexError(
      'CONFIG_INVALID',
      `invalid setting cleanupCron (CODEINDEX_CLEANUP_CRON): ${JSON.stringify(cfg.cleanupCron)} is not a cron pattern (${errorMessage(err)}); use five fields such as "17 3 * * *", or an empty value to turn the periodic cleanup off`,
    );
  }
}

/**
 * Celery beat: registers the periodic cleanup (`cleanupCron`) as a BullMQ job scheduler.
 * An empty cron removes it.
 */
export async function ensureSchedules(cfg: Config, tasks: TaskClient): Promise<void> {
  const q = tasks.queues.maintenance;
  // BullMQ 5.81 reads the queue's connection inside a promise executor nobody awaits when it
  // first builds its job scheduler: a connection closed while it starts (a client that stops the
  // server right after its calls) was an unhandled rejection that killed the process. Waiting for
  // the connection here turns that into this call's error.
  await q.waitUntilReady();
  if (!cfg.cleanupCron) {
    await q.removeJobScheduler(CLEANUP_SCHEDULER_ID);
    return;
  }
  const payload = { days: cfg.cleanupDays, dryRun: false };
  let data: Record<string, unknown> = { ...payload };
  // Jobs of a schedule get ids BullMQ chooses: the signature is bound to the schedule instead.
  if (cfg.secret)
    data = signJobData(
      cfg.secret,
      {
        prefix: cfg.queuePrefix,
        queue: 'maintenance',
        name: JOBS.cleanup,
        id: `scheduler:${CLEANUP_SCHEDULER_ID}`,
      },
      data,
    );
  const o = jobOptionsFor(cfg, JOBS.cleanup);
  const opts: Record<string, unknown> = {};
  for (const k of ['attempts', 'backoff', 'removeOnComplete', 'removeOnFail', 'priority'] as const)
    if (o[k] !== undefined) opts[k] = o[k];
  await q.upsertJobScheduler(
    CLEANUP_SCHEDULER_ID,
    { pattern: cfg.cleanupCron },
    { name: JOBS.cleanup, data, opts },
  );
}

/**
 * Registers the schedules now, and again whenever the connection is ready after a reconnect: a
 * Redis restarted without persistence comes back empty, and the periodic tasks' next runs would
 * stay gone until the server restarted. Upserting by id makes the registration idempotent, so a
 * Redis that kept its data keeps one schedule and one next run. Returns what stops it.
 */
export function keepSchedules(
  cfg: Config,
  tasks: TaskClient,
  log: Pick<Logger, 'info' | 'warn'>,
  deadlineMs = 10_000,
): { registered: Promise<void>; stop(): void } {
  const register = () => tasks.withDeadline(() => ensureSchedules(cfg, tasks), deadlineMs);
  let first = true;
  const onReady = () => {
    // The first `ready` may be the connection's first connect, which `registered` covers.
    if (first) return;
    register().then(
      () => log.info('schedules registered again after Redis reconnected'),
      (err: unknown) => log.warn('could not register schedules again', { error: errorMessage(err) }),
    );
  };
  tasks.connection.on('ready', onReady);
  const registered = register().finally(() => {
    first = false;
  });
  return { registered, stop: () => tasks.connection.off('ready', onReady) };
}
