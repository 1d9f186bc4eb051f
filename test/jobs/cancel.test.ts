import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import {
  generateRepo,
  makeClient,
  makeJobsEnv,
  type SpawnedWorker,
  spawnWorker,
  waitFor,
  waitForEnd,
} from './helpers.js';

/** Celery's revoke (and terminate=True for running tasks). */
describe('cancel', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  after(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  test('a waiting job is removed and reads REVOKED; a worker never runs it', async () => {
    const env = makeJobsEnv();
    cleanups.push(() => env.cleanup());
    const c = makeClient(env);
    cleanups.push(() => c.close());
    const id = await c.tasks.enqueue('test-sleep', { ms: 10, steps: 1 });
    const keep = await c.tasks.enqueue('test-sleep', { ms: 10, steps: 1 });
    assert.equal((await c.tasks.getTask(id)).state, 'PENDING');
    const r = await c.tasks.cancel(id);
    assert.equal(r.state, 'REVOKED');
    assert.equal(await c.tasks.queues.maintenance.getJob(id), undefined, 'the job is gone from the queue');
    const gone = await c.tasks.getTask(id);
    assert.equal(gone.state, 'REVOKED');
    // Its record still says what it was and when it was queued.
    assert.equal(gone.name, 'test-sleep');
    assert.ok(Math.abs(Date.parse(gone.created_at) - Date.now()) < 60_000, gone.created_at);
    // Cancelling again is harmless.
    assert.equal((await c.tasks.cancel(id)).state, 'REVOKED');
    const w = await spawnWorker(env, ['maintenance']);
    cleanups.push(() => w.kill('SIGKILL'));
    assert.equal((await waitForEnd(c.tasks, keep)).info.state, 'SUCCESS');
    assert.equal((await c.tasks.getTask(id)).state, 'REVOKED');
    const counts = await c.tasks.queues.maintenance.getJobCounts(
      'completed',
      'failed',
      'waiting',
      'prioritized',
    );
    assert.deepEqual(
      [counts.completed, counts.failed, counts.waiting, counts.prioritized],
      [1, 0, 0, 0],
      'only the kept job ran',
    );
  });

  test('an active job is aborted through its signal, ends REVOKED, and is neither retried nor dead-lettered', async () => {
    const env = makeJobsEnv();
    cleanups.push(() => env.cleanup());
    const c = makeClient(env);
    cleanups.push(() => c.close());
    const w: SpawnedWorker = await spawnWorker(env, ['maintenance']);
    cleanups.push(() => w.kill('SIGKILL'));
    const id = await c.tasks.enqueue('test-sleep', { ms: 60_000, steps: 600 });
    await waitFor('the job to run', async () => (await c.tasks.getTask(id)).state === 'PROGRESS');
    const t0 = Date.now();
    const r = await c.tasks.cancel(id);
    assert.equal(r.state, 'REVOKED');
    const { info } = await waitForEnd(c.tasks, id, 10_000);
    const took = Date.now() - t0;
    assert.equal(info.state, 'REVOKED');
    assert.ok(took < 3000, `the abort took ${took} ms`);
    assert.equal(info.attempts, 1, 'a cancelled job is not retried (attempts: 3)');
    const job = await c.tasks.queues.maintenance.getJob(id);
    assert.equal(await job?.getState(), 'failed');
    assert.match(job?.failedReason ?? '', /^REVOKED:/);
    assert.equal(await c.tasks.deadLetter.getJob(`dl_${id}`), undefined, 'cancelled is not dead');
    // The worker is fine and takes the next job.
    const next = await c.tasks.enqueue('test-sleep', { ms: 10, steps: 1 });
    assert.equal((await waitForEnd(c.tasks, next)).info.state, 'SUCCESS');
  });

  test('cancelling a repository task cancels its batches and the task ends REVOKED', async () => {
    const env = makeJobsEnv({ batchSize: 10 });
    cleanups.push(() => env.cleanup());
    const repo = generateRepo(join(env.tmp, 'repo'), 300, 60);
    const c = makeClient(env);
    cleanups.push(() => c.close());
    const w = await spawnWorker(env, ['indexing']);
    cleanups.push(() => w.kill('SIGKILL'));
    const id = await c.tasks.enqueue('index-repository', { root: repo });
    // Cancel while batches are queued and one is running.
    await waitFor(
      'batches to run',
      async () => {
        const t = await c.tasks.getTask(id);
        const active = await c.tasks.queues.indexing.getJobs(['active']);
        return t.state === 'PROGRESS' && active.some((j) => j.name === 'index-batch') ? t : null;
      },
      30_000,
      10,
    );
    const r = await c.tasks.cancel(id);
    assert.equal(r.state, 'REVOKED');
    assert.match(r.detail, /\d+ child jobs cancelled/);
    const { info } = await waitForEnd(c.tasks, id, 20_000);
    assert.equal(info.state, 'REVOKED', JSON.stringify(info));
    // It ran: its end must not read as if it never started.
    assert.doesNotMatch(JSON.stringify(info), /before it ran/);

    const batches = await waitFor('every batch to settle', async () => {
      const jobs = await c.tasks.queues.indexing.getJobs(['waiting', 'prioritized', 'active', 'delayed']);
      return jobs.length === 0 ? true : null;
    });
    assert.ok(batches);
    const done = await c.tasks.queues.indexing.getJobs(['completed']);
    const doneBatches = done.filter((j) => j.name === 'index-batch').length;
    assert.ok(doneBatches < 30, `${doneBatches} of 30 batches ran despite the cancel`);
    const failed = await c.tasks.queues.indexing.getJobs(['failed']);
    for (const j of failed) assert.match(j.failedReason, /^REVOKED:/, `${j.id} failed for another reason`);
    // A batch removed before it ran still answers REVOKED (its id was issued), never "not found".
    const removed = Array.from({ length: 30 }, (_, i) => `${id}b${i}`).filter(
      (b) => !done.some((j) => j.id === b) && !failed.some((j) => j.id === b),
    );
    assert.ok(removed.length > 0, 'some batches were removed before they ran');
    for (const b of removed) assert.equal((await c.tasks.getTask(b)).state, 'REVOKED', b);
    const dead = await c.tasks.listTasks({ state: 'dead', limit: 100 });
    assert.deepEqual(dead, [], 'nothing cancelled is dead-lettered');
  });
});
