import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { after, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { CodeindexError } from '../../src/errors.js';
import {
  type JobsEnv,
  makeClient,
  makeJobsEnv,
  type SpawnedWorker,
  spawnWorker,
  waitFor,
  waitForEnd,
} from './helpers.js';

async function errorCode(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'no error';
  } catch (err) {
    assert.ok(err instanceof CodeindexError, String(err));
    return err.code;
  }
}

/** Celery's result_expires: finished records go away after a configurable age, and say so. */
describe('result expiry', () => {
  let env: JobsEnv;
  let worker: SpawnedWorker;
  let c: ReturnType<typeof makeClient>;
  after(async () => {
    worker?.kill('SIGKILL');
    await c?.close();
    await env?.cleanup();
  });

  test('an expired id says TASK_EXPIRED, a never-issued id says TASK_NOT_FOUND', async () => {
    env = makeJobsEnv({
      resultTtlSeconds: 1,
      failedTtlSeconds: 1,
      policies: {
        maintenance: {
          attempts: 1,
          backoffMs: 0,
          backoffMaxMs: 0,
          softTimeLimitMs: 30_000,
          hardTimeLimitMs: 60_000,
        },
      },
    });
    c = makeClient(env);
    worker = await spawnWorker(env, ['maintenance', 'indexing']);

    const ok = await c.tasks.enqueue('test-sleep', { ms: 1, steps: 1 });
    const bad = await c.tasks.enqueue('test-fail', { message: 'x' });
    assert.equal((await waitForEnd(c.tasks, ok)).info.state, 'SUCCESS');
    assert.equal((await waitForEnd(c.tasks, bad)).info.state, 'FAILURE');
    await sleep(1100);
    // BullMQ drops records past their age when a later job of the queue ends the same way.
    const later = await c.tasks.enqueue('test-sleep', { ms: 1, steps: 1 });
    const laterBad = await c.tasks.enqueue('test-fail', { message: 'y' });
    await waitForEnd(c.tasks, later);
    await waitForEnd(c.tasks, laterBad);
    const gone = async (id: string) => (await c.tasks.queues.maintenance.getJob(id)) === undefined;
    await waitFor('both records to expire', async () => (await gone(ok)) && (await gone(bad)));
    assert.equal(await errorCode(c.tasks.getTask(ok)), 'TASK_EXPIRED');
    assert.equal(await errorCode(c.tasks.getTask(bad)), 'TASK_EXPIRED');
    await assert.rejects(c.tasks.getTask(ok), /finished and its record expired/);

    assert.equal(await errorCode(c.tasks.getTask('mnt_0123456789abcdef0123456789abcdef')), 'TASK_NOT_FOUND');
    assert.equal(await errorCode(c.tasks.getTask('idx_ffffffffffffffffffffffffffffffff')), 'TASK_NOT_FOUND');
    assert.equal(await errorCode(c.tasks.getTask('not-a-task')), 'TASK_NOT_FOUND');
    assert.equal(await errorCode(c.tasks.cancel('mnt_0123456789abcdef0123456789abcdef')), 'TASK_NOT_FOUND');
  });

  test('the cleanup task prunes expired records of every queue, even with nothing else running', async () => {
    writeFileSync(`${env.tmp}/a.ts`, 'export const a = 1;\n');
    const file = await c.tasks.enqueue('index-file', { root: env.tmp, path: 'a.ts' });
    assert.equal((await waitForEnd(c.tasks, file)).info.state, 'SUCCESS');
    await sleep(1100);
    // Nothing else finished on the indexing queue, so BullMQ alone would keep the record.
    assert.ok(await c.tasks.queues.indexing.getJob(file), 'still there before the cleanup');
    const cleanup = await c.tasks.enqueue('cleanup', { days: 7 });
    const { info } = await waitForEnd(c.tasks, cleanup);
    assert.equal(info.state, 'SUCCESS');
    assert.ok((info.result as { jobsPruned: number }).jobsPruned >= 1, JSON.stringify(info.result));
    assert.equal(await c.tasks.queues.indexing.getJob(file), undefined);
    assert.equal(await errorCode(c.tasks.getTask(file)), 'TASK_EXPIRED');
  });
});
