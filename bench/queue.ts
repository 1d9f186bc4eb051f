/**
 * Queue overhead: no-op jobs per second through our layer (TaskClient.enqueue: payload validation,
 * job options, issued-id record; a codeindex worker process running `test-sleep {ms:0, steps:1}`)
 * against bare BullMQ (Queue.add + a Worker with an empty processor in its own process), same
 * Redis, same run, both with one worker process at concurrency 1 and the same enqueue concurrency.
 */
import { fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { round } from './lib/stats.js';
import { deletePrefix, makeSystemEnv, REDIS_URL, startSystem } from './lib/system.js';

const BARE_WORKER = fileURLToPath(new URL('./bare-worker.js', import.meta.url));
const IN_FLIGHT = 32;

export interface QueueResult {
  jobs: number;
  ours: { jobsPerSec: number; ms: number };
  bare: { jobsPerSec: number; ms: number };
  /** ours / bare throughput (1.0 = no overhead). */
  ratio: number;
}

async function pumpJobs(
  n: number,
  add: (i: number) => Promise<unknown>,
  completed: () => Promise<number>,
): Promise<number> {
  const t0 = performance.now();
  let next = 0;
  const lane = async () => {
    while (next < n) await add(next++);
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, lane));
  while ((await completed()) < n) await sleep(5);
  return performance.now() - t0;
}

async function measureOurs(n: number): Promise<{ jobsPerSec: number; ms: number }> {
  const system = await startSystem(1, makeSystemEnv({ CODEINDEX_TEST_JOBS: '1' }));
  try {
    const q = system.tasks.queues.maintenance;
    const ms = await pumpJobs(
      n,
      () => system.tasks.enqueue('test-sleep', { ms: 0, steps: 1 }),
      async () => (await q.getJobCounts('completed')).completed ?? 0,
    );
    return { jobsPerSec: round((n / ms) * 1000, 0), ms: round(ms, 1) };
  } finally {
    await system.close();
  }
}

async function measureBare(n: number): Promise<{ jobsPerSec: number; ms: number }> {
  const prefix = `bench-bare-${randomUUID().slice(0, 8)}`;
  const name = 'noop';
  const child = fork(BARE_WORKER, [name, prefix], {
    env: { ...process.env, REDIS_URL },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    execArgv: [],
  });
  const connection = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  const queue = new Queue(name, { connection, prefix });
  try {
    await new Promise<void>((resolve, reject) => {
      child.once('message', () => resolve());
      child.once('exit', (c) => reject(new Error(`bare worker exited ${c}`)));
    });
    const ms = await pumpJobs(
      n,
      (i) => queue.add('noop', { i }),
      async () => (await queue.getJobCounts('completed')).completed ?? 0,
    );
    return { jobsPerSec: round((n / ms) * 1000, 0), ms: round(ms, 1) };
  } finally {
    child.removeAllListeners('exit');
    child.kill('SIGTERM');
    await queue.close();
    connection.disconnect();
    await deletePrefix(prefix);
  }
}

export async function measureQueue(n: number): Promise<QueueResult> {
  const bare = await measureBare(n);
  const ours = await measureOurs(n);
  return { jobs: n, ours, bare, ratio: round(ours.jobsPerSec / bare.jobsPerSec, 2) };
}
