import assert from 'node:assert/strict';
import { hostname } from 'node:os';
import { after, describe, test } from 'node:test';
import type { WorkerPool } from '../../workers/supervisor.js';
import { type JobsEnv, makeClient, makeJobsEnv, startPool, waitForEnd } from './helpers.js';

/** Which worker process ran each job: BullMQ keeps the worker name (`host:pid`) on the job. */
async function runAndCollect(env: JobsEnv, jobs: number): Promise<{ pid: number; started: number }[]> {
  const c = makeClient(env);
  try {
    const ids: string[] = [];
    for (let i = 0; i < jobs; i++) ids.push(await c.tasks.enqueue('test-sleep', { ms: 30, steps: 1 }));
    const out: { pid: number; started: number }[] = [];
    for (const id of ids) {
      const { info } = await waitForEnd(c.tasks, id, 30_000);
      assert.equal(info.state, 'SUCCESS', `job ${id} was lost or failed: ${JSON.stringify(info)}`);
      const job = await c.tasks.queues.maintenance.getJob(id);
      const by = job?.processedBy ?? '';
      assert.ok(by.startsWith(`${hostname()}:`), by);
      out.push({ pid: Number(by.split(':').at(-1)), started: job?.processedOn ?? 0 });
    }
    return out.sort((a, b) => a.started - b.started);
  } finally {
    await c.close();
  }
}

/** Celery's max_tasks_per_child and max_memory_per_child, with the supervised pool. */
describe('worker recycling', () => {
  const pools: WorkerPool[] = [];
  const envs: JobsEnv[] = [];
  after(async () => {
    for (const p of pools) await p.stop(2000);
    for (const e of envs) await e.cleanup();
  });

  test('maxTasksPerChild=2: each worker process runs exactly 2 jobs, is replaced, and no job is lost', async () => {
    const env = makeJobsEnv({ maxTasksPerChild: 2 });
    envs.push(env);
    const pool = await startPool(env, 1, ['maintenance']);
    pools.push(pool);
    const firstPid = pool.status()[0]?.pid;
    const runs = await runAndCollect(env, 7);
    const perPid = new Map<number, number>();
    for (const r of runs) perPid.set(r.pid, (perPid.get(r.pid) ?? 0) + 1);
    assert.equal(runs[0]?.pid, firstPid);
    assert.deepEqual(
      [...perPid.values()],
      [2, 2, 2, 1],
      `jobs per worker process, in order: ${JSON.stringify([...perPid])}`,
    );
    // Consecutive jobs share a process in pairs: the pool started a new process after each pair.
    for (let i = 0; i < runs.length; i += 2) {
      if (runs[i + 1]) assert.equal(runs[i]?.pid, runs[i + 1]?.pid);
      if (runs[i + 2]) assert.notEqual(runs[i]?.pid, runs[i + 2]?.pid);
    }
    assert.ok((pool.status()[0]?.restarts ?? 0) >= 3);
  });

  test('maxMemoryPerChildMb: a worker above the RSS limit is replaced after its job', async () => {
    // Any Node process is above 1 MB RSS, so every job ends its process.
    const env = makeJobsEnv({ maxMemoryPerChildMb: 1 });
    envs.push(env);
    const pool = await startPool(env, 1, ['maintenance']);
    pools.push(pool);
    const runs = await runAndCollect(env, 3);
    assert.equal(new Set(runs.map((r) => r.pid)).size, 3, `pids ${runs.map((r) => r.pid).join(',')}`);
  });
});
