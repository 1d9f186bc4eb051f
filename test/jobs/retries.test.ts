import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { DeadLetterRecord } from '../../src/queue/task-client.js';
import {
  type JobsEnv,
  makeClient,
  makeJobsEnv,
  rawQueue,
  type SpawnedWorker,
  spawnWorker,
  waitFor,
  waitForEnd,
} from './helpers.js';

/**
 * Celery's autoretry with exponential backoff, then a dead letter: a failing job is retried
 * `attempts` times with RETRY visible in between, then copied to the dead-letter queue with what an
 * operator needs; retry_task re-runs it. Unrecoverable input is never retried and dead-lettered once.
 */
describe('retries, backoff and dead letters', () => {
  let env: JobsEnv;
  let client: ReturnType<typeof makeClient>;
  let worker: SpawnedWorker;

  before(async () => {
    env = makeJobsEnv({
      policies: {
        maintenance: {
          attempts: 3,
          backoffMs: 400,
          backoffMaxMs: 800,
          softTimeLimitMs: 30_000,
          hardTimeLimitMs: 60_000,
        },
      },
    });
    client = makeClient(env);
    worker = await spawnWorker(env, ['maintenance']);
  });
  after(async () => {
    worker?.kill('SIGKILL');
    await client?.close();
    await env?.cleanup();
  });

  const deadRecord = async (taskId: string) =>
    (await client.tasks.deadLetter.getJob(`dl_${taskId}`))?.data as DeadLetterRecord | undefined;

  test('a failing job is retried with backoff, ends FAILURE after 3 attempts and is dead-lettered', async () => {
    const t0 = Date.now();
    const id = await client.tasks.enqueue('test-fail', { message: 'boom 42' });
    const { info, seen } = await waitForEnd(client.tasks, id);
    assert.equal(info.state, 'FAILURE');
    assert.equal(info.attempts, 3);
    assert.equal(info.error, 'boom 42');
    assert.ok(seen.includes('RETRY'), `RETRY is visible between attempts; saw ${seen.join(' ')}`);
    const job = await client.tasks.queues.maintenance.getJob(id);
    assert.ok(job?.finishedOn);
    // Two backoffs: attempt 1 waits 200-400 ms, attempt 2 waits 400-800 ms (equal jitter).
    const elapsed = job.finishedOn - t0;
    assert.ok(elapsed >= 600, `3 attempts with backoff took only ${elapsed} ms`);
    assert.equal(job.stacktrace?.length, 3, 'one stack per attempt');

    const rec = await waitFor('the dead-letter record', () => deadRecord(id));
    assert.equal(rec.taskId, id);
    assert.equal(rec.queue, 'maintenance');
    assert.equal(rec.name, 'test-fail');
    assert.deepEqual(rec.payload, { message: 'boom 42', unrecoverable: false });
    assert.equal(rec.error, 'boom 42');
    assert.equal(rec.attempts, 3);
    assert.ok(
      rec.stack.length >= 1 && rec.stack.every((s) => s.includes('Error: boom 42')),
      JSON.stringify(rec.stack),
    );

    const dead = await client.tasks.listTasks({ state: 'dead', limit: 50 });
    const listed = dead.find((t) => t.task_id === id);
    assert.ok(listed, 'list_tasks state=dead shows it');
    assert.equal(listed.name, 'test-fail');
    assert.equal(listed.attempts, 3);
    assert.equal(listed.error, 'boom 42');

    // retry_task re-runs it as a new task (it fails again here, which proves it ran).
    const retried = await client.tasks.retryTask(id);
    assert.equal(retried.retried_from, id);
    assert.notEqual(retried.task_id, id);
    assert.equal(await deadRecord(id), undefined, 'the dead letter is consumed by the retry');
    const again = await waitForEnd(client.tasks, retried.task_id);
    assert.equal(again.info.state, 'FAILURE');
    assert.equal(again.info.attempts, 3);
    assert.equal(again.info.name, 'test-fail');
    const rec2 = await waitFor('the second dead letter', () => deadRecord(retried.task_id));
    assert.deepEqual(rec2.payload, rec.payload);
  });

  test('an unrecoverable failure is not retried and is dead-lettered once', async () => {
    const id = await client.tasks.enqueue('test-fail', { message: 'bad input', unrecoverable: true });
    const { info, seen } = await waitForEnd(client.tasks, id);
    assert.equal(info.state, 'FAILURE');
    assert.equal(info.attempts, 1);
    assert.ok(!seen.includes('RETRY'), seen.join(' '));
    const rec = await waitFor('dead letter', () => deadRecord(id));
    assert.equal(rec.attempts, 1);
    assert.equal(rec.error, 'bad input');
  });

  test('a payload that fails validation (added with a raw BullMQ queue) is never retried', async () => {
    const q = rawQueue(env, 'maintenance');
    try {
      const id = 'mnt_rawbadpayload0000000000000000';
      await q.add(
        'test-sleep',
        { ms: 'soon' },
        { jobId: id, attempts: 5, backoff: { type: 'fixed', delay: 50 } },
      );
      await q.add('no-such-job', { x: 1 }, { jobId: 'mnt_rawunknownkind00000000000000', attempts: 5 });
      for (const [taskId, why] of [
        [id, /invalid test-sleep payload: ms/],
        ['mnt_rawunknownkind00000000000000', /unknown job kind no-such-job/],
      ] as const) {
        const job = await waitFor('the raw job to fail', async () => {
          const j = await q.getJob(taskId);
          return j?.finishedOn ? j : null;
        });
        assert.equal(await job.getState(), 'failed');
        assert.equal(job.attemptsMade, 1, 'never retried despite attempts: 5');
        assert.match(job.failedReason, why);
        const rec = await waitFor('dead letter', () => deadRecord(taskId));
        assert.equal(rec.attempts, 1);
      }
      const all = await client.tasks.deadLetter.getJobs([
        'waiting',
        'prioritized',
        'completed',
        'failed',
        'delayed',
      ]);
      assert.equal(
        all.filter((j) => (j.data as DeadLetterRecord).taskId === id).length,
        1,
        'dead-lettered once',
      );
    } finally {
      await q.close();
    }
  });
});
