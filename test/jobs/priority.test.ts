import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { PRIORITY } from '../../src/queue/names.js';
import {
  type JobsEnv,
  makeClient,
  makeJobsEnv,
  type SpawnedWorker,
  spawnWorker,
  waitForEnd,
} from './helpers.js';

/**
 * Celery priorities on BullMQ: jobs queued while no worker runs are taken high first, then normal,
 * then low; a job enqueued without a priority counts as normal (BullMQ would otherwise run
 * priority-0 jobs before every prioritized one).
 */
describe('priorities', () => {
  let env: JobsEnv;
  let worker: SpawnedWorker | undefined;
  after(async () => {
    worker?.kill('SIGKILL');
    await env?.cleanup();
  });

  test('one worker with concurrency 1 runs high, then normal, then low', async () => {
    env = makeJobsEnv({ concurrency: 1 });
    const c = makeClient(env);
    try {
      // Interleaved, so insertion order can not explain the result.
      const plan: [string, 'low' | 'normal' | 'high' | undefined][] = [
        ['low-1', 'low'],
        ['normal-1', 'normal'],
        ['none-1', undefined],
        ['high-1', 'high'],
        ['low-2', 'low'],
        ['high-2', 'high'],
        ['normal-2', 'normal'],
      ];
      const ids = new Map<string, string>();
      for (const [label, priority] of plan) {
        const id = await c.tasks.enqueue('test-sleep', { ms: 20, steps: 1 }, priority ? { priority } : {});
        ids.set(id, label);
      }
      const waiting = await c.tasks.queues.maintenance.getJobs(['prioritized', 'waiting']);
      assert.equal(waiting.length, plan.length, 'all jobs wait while no worker runs');
      const byLabel = new Map([...ids].map(([id, l]) => [l, id]));
      const prio = async (label: string) =>
        (await c.tasks.queues.maintenance.getJob(byLabel.get(label)!))?.opts.priority;
      assert.equal(await prio('high-1'), PRIORITY.high);
      assert.equal(await prio('none-1'), PRIORITY.normal, 'no priority means normal, not BullMQ 0');
      assert.equal(await prio('low-1'), PRIORITY.low);

      worker = await spawnWorker(env, ['maintenance']);
      const finished: { label: string; processedOn: number }[] = [];
      for (const [id, label] of ids) {
        const { info } = await waitForEnd(c.tasks, id);
        assert.equal(info.state, 'SUCCESS');
        const job = await c.tasks.queues.maintenance.getJob(id);
        finished.push({ label, processedOn: job?.processedOn ?? 0 });
      }
      const order = finished.sort((a, b) => a.processedOn - b.processedOn).map((f) => f.label);
      // By priority, and first-in first-out within one priority.
      assert.deepEqual(order, ['high-1', 'high-2', 'normal-1', 'none-1', 'normal-2', 'low-1', 'low-2']);
    } finally {
      await c.close();
    }
  });

  test('a repository task runs at the priority its payload names (not only its batches)', async () => {
    const c = makeClient(env);
    try {
      const low = await c.tasks.enqueue('index-repository', { root: env.tmp, priority: 'low' });
      const dflt = await c.tasks.enqueue('index-repository', { root: env.tmp });
      const file = await c.tasks.enqueue('index-file', { root: env.tmp, path: 'a.ts' }, { priority: 'high' });
      const q = c.tasks.queues.indexing;
      assert.equal((await q.getJob(low))?.opts.priority, PRIORITY.low);
      assert.equal((await q.getJob(dflt))?.opts.priority, PRIORITY.normal);
      assert.equal((await q.getJob(file))?.opts.priority, PRIORITY.high);
    } finally {
      await c.close();
    }
  });
});
