import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import type { WorkerPool } from '../../workers/supervisor.js';
import {
  dumpIndexOf,
  duplicates,
  generateRepo,
  type JobsEnv,
  makeClient,
  makeJobsEnv,
  type SpawnedWorker,
  spawnWorker,
  startPool,
  waitFor,
  waitForEnd,
} from './helpers.js';

/**
 * Celery's acks_late + reject_on_worker_lost: a worker SIGKILLed in the middle of a batch loses no
 * job. The batch's lock expires, it is retried, and because writes are idempotent the index ends
 * identical to a clean run: the same rows, no duplicates.
 */
describe('at-least-once delivery', () => {
  const repoDir = mkdtempSync(join(tmpdir(), 'ci-alo-repo-'));
  const repo = generateRepo(repoDir, 400, 40);
  const envs: JobsEnv[] = [];
  let pool: WorkerPool | undefined;
  let reference: SpawnedWorker | undefined;
  after(async () => {
    await pool?.stop(2000);
    reference?.kill('SIGKILL');
    for (const e of envs) await e.cleanup();
    rmSync(repoDir, { recursive: true, force: true });
  });

  async function cleanRun() {
    const env = makeJobsEnv({ batchSize: 20 });
    envs.push(env);
    reference = await spawnWorker(env, ['indexing']);
    const c = makeClient(env);
    try {
      const id = await c.tasks.enqueue('index-repository', { root: repo });
      const { info } = await waitForEnd(c.tasks, id, 90_000);
      assert.equal(info.state, 'SUCCESS', JSON.stringify(info));
      return dumpIndexOf(env);
    } finally {
      await c.close();
    }
  }

  async function runWithKill() {
    const env = makeJobsEnv({ batchSize: 20 });
    envs.push(env);
    pool = await startPool(env, 2, ['indexing']);
    const c = makeClient(env);
    try {
      const id = await c.tasks.enqueue('index-repository', { root: repo });
      // Workers killed (more than one when a kill lands just after a batch finished: see below).
      let kills = 0;
      // Kill a worker while it holds a batch, once a few batches are done (so it is mid-run).
      const killed = await waitFor(
        'a worker in the middle of a batch',
        async () => {
          const t = await c.tasks.getTask(id);
          const done = Number(/(\d+)\/\d+ batches done/.exec(t.progress?.status ?? '')?.[1] ?? 0);
          if (done < 2) return null;
          const slots = pool!.status();
          const i = slots.findIndex((s) => s.job && /b\d+$/.test(s.job));
          if (i < 0) return null;
          const jobId = slots[i]!.job!;
          const pid = pool!.killOne(i);
          kills++;
          // The slot's status can trail its worker by a moment: a batch that completed just
          // before the signal was not interrupted, so kill again, on a batch still running.
          const job = await c.tasks.queues.indexing.getJob(jobId);
          if ((await job?.getState()) === 'completed' && (job?.attemptsStarted ?? 0) < 2) return null;
          return { jobId, pid, doneBefore: done };
        },
        60_000,
        10,
      );
      const { info } = await waitForEnd(c.tasks, id, 90_000);
      assert.equal(info.state, 'SUCCESS', JSON.stringify(info));
      const s = info.result as {
        failed_batches: number;
        files_failed: number;
        files_indexed: number;
        files_unchanged: number;
      };
      assert.equal(s.failed_batches, 0);
      assert.equal(s.files_failed, 0);
      assert.equal(s.files_indexed + s.files_unchanged, 400, JSON.stringify(s));
      const batch = await c.tasks.queues.indexing.getJob(killed.jobId);
      assert.equal(await batch?.getState(), 'completed');
      assert.ok(
        (batch?.attemptsStarted ?? 0) >= 2,
        `killed batch ${killed.jobId} started ${batch?.attemptsStarted} times`,
      );
      assert.equal(batch?.stalledCounter, 1, 'it was recovered as a stalled job');
      assert.ok(killed.doneBefore < 20, `killed after ${killed.doneBefore}/20 batches`);
      // Parsing yields to the event loop, so no live worker ever lost its 2 s lock: only batches of
      // killed workers stalled. A kill that landed just after its batch completed (the slot's status
      // trailed the worker) interrupted the batch the worker had moved on to, so up to one per kill.
      const all = await c.tasks.queues.indexing.getJobs(['completed']);
      const stalled = all.filter((j) => j.stalledCounter > 0).map((j) => j.id);
      assert.ok(stalled.includes(killed.jobId), JSON.stringify(stalled));
      assert.ok(
        stalled.length <= kills,
        `${stalled.length} stalled batches after ${kills} kills: ${stalled}`,
      );
      return dumpIndexOf(env);
    } finally {
      await c.close();
    }
  }

  test('SIGKILL during index_repository: every job completes and the index equals a clean run', async () => {
    const [clean, killed] = await Promise.all([cleanRun(), runWithKill()]);
    assert.equal(clean.files.length, 400);
    assert.ok(clean.symbols.length > 2000, `symbols ${clean.symbols.length}`);
    for (const table of ['files', 'symbols', 'refs', 'chunks', 'imports'] as const) {
      assert.deepEqual(duplicates(killed[table]), [], `duplicate ${table} rows`);
      assert.equal(killed[table].length, clean[table].length, `${table} row count`);
      assert.deepEqual(killed[table], clean[table], `${table} rows differ from the clean run`);
    }
  });
});
