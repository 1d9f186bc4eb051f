#!/usr/bin/env node
/**
 * A worker process: `node dist/workers/worker.js --queues indexing,maintenance`.
 * Forked by the supervisor (config arrives resolved in CODEINDEX_RESOLVED_CONFIG) or run by
 * `codeindex worker`. Closes gracefully on SIGINT/SIGTERM with a deadline.
 */
import { configFromEnv, loadConfig } from '../src/config/load.js';
import { errorMessage, isCodeindexError } from '../src/errors.js';
import { createLogger } from '../src/log.js';
import { QUEUES, type QueueName } from '../src/queue/names.js';
import { resolveRedisUrl } from '../src/redis/embedded.js';
import { startWorkerRuntime, type WorkerMessage } from './runtime.js';

/** Parses `--queues a,b` (Celery's -Q). */
export function parseQueues(spec: string | undefined): QueueName[] {
  if (!spec) return [...QUEUES];
  const list = spec
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const q of list) {
    if (!(QUEUES as readonly string[]).includes(q))
      throw new Error(`unknown queue ${q}: use ${QUEUES.join(', ')}`);
  }
  return list as QueueName[];
}

/** Runs a worker until a signal (or recycling) stops it. Returns the exit code. */
export async function runWorkerProcess(
  queueSpec: string | undefined,
  cfgIn?: ReturnType<typeof loadConfig>,
): Promise<number> {
  const cfg =
    cfgIn ??
    (process.env.CODEINDEX_RESOLVED_CONFIG
      ? configFromEnv(process.env.CODEINDEX_RESOLVED_CONFIG)
      : loadConfig());
  const log = createLogger(`worker:${process.pid}`, cfg.logLevel);
  const queues = parseQueues(queueSpec);
  const redisUrl = await resolveRedisUrl(cfg, log);
  // The supervisor may be gone by the time a message is sent (it gave up waiting for this worker,
  // or died): a closed channel is then not an error of this process, whose 'disconnect' handler
  // below stops it. Without the callback, the send would throw an unhandled 'error' event.
  const send = process.send
    ? (m: WorkerMessage) => {
        if (process.connected) process.send?.(m, undefined, undefined, () => {});
      }
    : undefined;
  let stop: (code: number) => void = () => {};
  const stopped = new Promise<number>((r) => {
    stop = r;
  });
  const onSignal = (sig: string) => {
    log.info(`received ${sig}, finishing current jobs`);
    stop(0);
  };
  // The supervisor went away (also while this worker was still starting): do not linger as an orphan.
  if (process.send) {
    process.once('disconnect', () => onSignal('disconnect'));
    // It may have closed before this module loaded: its 'disconnect' event is then gone.
    if (!process.connected) onSignal('disconnect');
  }
  const runtime = await startWorkerRuntime({
    cfg,
    redisUrl,
    queues,
    log,
    ...(send ? { send } : {}),
    onRecycle: () => stop(0),
  });
  process.once('SIGINT', () => onSignal('SIGINT'));
  process.once('SIGTERM', () => onSignal('SIGTERM'));
  const code = await stopped;
  const deadlineMs = Number(process.env.CODEINDEX_SHUTDOWN_DEADLINE_MS ?? 10_000);
  // Backstop: a close that still hangs (a driver ignoring its timeouts) must not outlive the deadline.
  setTimeout(() => {
    process.stderr.write(`codeindex worker: shutdown passed its ${deadlineMs} ms deadline; exiting\n`);
    process.exit(code === 0 ? 1 : code);
  }, deadlineMs + 500).unref();
  await runtime.close(deadlineMs);
  return code;
}

const isMain = process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href;
if (isMain) {
  const idx = process.argv.indexOf('--queues');
  const spec = idx >= 0 ? process.argv[idx + 1] : undefined;
  runWorkerProcess(spec)
    .then((code) => process.exit(code))
    .catch((err) => {
      process.stderr.write(`codeindex worker: ${errorMessage(err)}\n`);
      process.exit(isCodeindexError(err, 'CONFIG_INVALID') ? 2 : 1);
    });
}
