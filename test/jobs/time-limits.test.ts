import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import type { DeadLetterRecord } from '../../src/queue/task-client.js';
import type { WorkerPool } from '../../workers/supervisor.js';
import {
  generateRepo,
  makeClient,
  makeJobsEnv,
  type SpawnedWorker,
  spawnWorker,
  startPool,
  waitFor,
  waitForEnd,
} from './helpers.js';

const policy = (over: Record<string, number>) => ({
  attempts: 2,
  backoffMs: 200,
  backoffMaxMs: 400,
  softTimeLimitMs: 30_000,
  hardTimeLimitMs: 60_000,
  ...over,
});

describe('soft time limit', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  after(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  test('a job past its soft limit stops between steps, fails with SoftTimeLimitExceeded and is retried', async () => {
    const env = makeJobsEnv({ policies: { maintenance: policy({ attempts: 2, softTimeLimitMs: 300 }) } });
    cleanups.push(() => env.cleanup());
    const c = makeClient(env);
    cleanups.push(() => c.close());
    const w = await spawnWorker(env, ['maintenance']);
    cleanups.push(() => w.kill('SIGKILL'));
    const id = await c.tasks.enqueue('test-sleep', { ms: 10_000, steps: 100 });
    const { info, seen } = await waitForEnd(c.tasks, id);
    assert.equal(info.state, 'FAILURE');
    assert.ok(seen.includes('RETRY'), seen.join(' '));
    assert.equal(info.attempts, 2);
    // Stopped after ~3 of 100 steps, between steps: the message says how much was left.
    const left = Number(
      /^soft time limit exceeded: stopped with (\d+) of 100 left/.exec(info.error ?? '')?.[1],
    );
    assert.ok(left >= 80 && left < 100, `${info.error}`);
    const job = await c.tasks.queues.maintenance.getJob(id);
    const ran = (job?.finishedOn ?? 0) - (job?.processedOn ?? 0);
    assert.ok(ran < 2000, `the last attempt ran ${ran} ms; a 300 ms soft limit should stop it`);
    assert.equal(job?.stacktrace?.length, 2);
    assert.ok(
      job?.stacktrace?.every((s) => s.startsWith('SoftTimeLimitExceeded')),
      String(job?.stacktrace),
    );
  });

  test('an index batch past its soft limit saves the files it parsed; retries finish the rest', async () => {
    const env = makeJobsEnv({
      batchSize: 400,
      policies: { batch: policy({ attempts: 20, backoffMs: 300, backoffMaxMs: 300, softTimeLimitMs: 250 }) },
    });
    cleanups.push(() => env.cleanup());
    const repo = generateRepo(join(env.tmp, 'repo'), 240, 300);
    const c = makeClient(env);
    cleanups.push(() => c.close());
    const w = await spawnWorker(env, ['indexing']);
    cleanups.push(() => w.kill('SIGKILL'));
    const id = await c.tasks.enqueue('index-repository', { root: repo });
    const batchId = `${id}b0`;
    const dbPath = join(env.home, 'index.db');
    const indexedFiles = () => {
      const db = new Database(dbPath, { readonly: true, fileMustExist: true });
      try {
        return (db.prepare(`SELECT count(*) AS n FROM files WHERE status = 'indexed'`).get() as { n: number })
          .n;
      } finally {
        db.close();
      }
    };
    // Between attempts (RETRY), the index already holds what the stopped attempt parsed.
    const partial = await waitFor(
      'the batch to be waiting for a retry with partial work saved',
      async () => {
        const t = await c.tasks.getTask(batchId).catch(() => null);
        if (t?.state !== 'RETRY') return null;
        const n = indexedFiles();
        return { n, error: t.error ?? '' };
      },
      30_000,
      20,
    );
    assert.ok(partial.n > 0 && partial.n < 240, `indexed ${partial.n} of 240 after the first attempt`);
    assert.match(
      partial.error,
      /soft time limit exceeded: stopped with \d+ of 240 left; work done so far is saved/,
    );

    const { info } = await waitForEnd(c.tasks, id, 60_000);
    assert.equal(info.state, 'SUCCESS', JSON.stringify(info));
    const batch = await c.tasks.queues.indexing.getJob(batchId);
    assert.ok((batch?.attemptsMade ?? 0) >= 2, `batch attempts ${batch?.attemptsMade}`);
    const s = info.result as { files_indexed: number; files_unchanged: number; failed_batches: number };
    assert.equal(s.failed_batches, 0);
    // The last attempt indexed what was left; the files saved by earlier attempts read as unchanged.
    assert.equal(s.files_indexed + s.files_unchanged, 240);
    assert.equal(indexedFiles(), 240);
  });
});

describe('hard time limit', () => {
  let pool: WorkerPool | undefined;
  let worker: SpawnedWorker | undefined;
  const env = makeJobsEnv({
    policies: { maintenance: policy({ attempts: 3, hardTimeLimitMs: 1000 }) },
  });
  after(async () => {
    await pool?.stop(2000);
    worker?.kill('SIGKILL');
    await env.cleanup();
  });

  test('the supervisor kills the worker; the job is retried as stalled, then fails and is dead-lettered', async () => {
    const c = makeClient(env);
    try {
      pool = await startPool(env, 1, ['maintenance']);
      const firstPid = pool.status()[0]?.pid;
      const id = await c.tasks.enqueue('test-sleep', { ms: 60_000, steps: 600 });
      const pids = new Set<number>();
      const { info } = await waitFor(
        'the job to fail after its stalls',
        async () => {
          const p = pool?.status()[0]?.pid;
          if (p) pids.add(p);
          const t = await c.tasks.getTask(id);
          return t.state === 'FAILURE' ? { info: t } : null;
        },
        40_000,
        50,
      );
      assert.match(info.error ?? '', /stalled more than allowable limit/);
      const job = await c.tasks.queues.maintenance.getJob(id);
      // Ran, was killed, ran again after the first stall, was killed again; BullMQ then fails it
      // when a worker next takes it (the third start runs no processor: a deferred failure).
      assert.equal(job?.attemptsStarted, 3, `started ${job?.attemptsStarted} times`);
      assert.equal(job?.stalledCounter, 2);
      assert.ok(pids.size >= 3 && pids.has(firstPid!), `worker pids seen: ${[...pids].join(',')}`);
      assert.ok((pool.status()[0]?.restarts ?? 0) >= 2);
      const rec = await waitFor('the dead letter', async () => {
        const j = await c.tasks.deadLetter.getJob(`dl_${id}`);
        return j?.data as DeadLetterRecord | undefined;
      });
      assert.equal(rec.name, 'test-sleep');
      assert.match(rec.error, /stalled more than allowable limit/);
      assert.deepEqual(rec.payload, { ms: 60_000, steps: 600 });
    } finally {
      await c.close();
    }
  });
});
