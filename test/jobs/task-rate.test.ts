import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import {
  type JobsEnv,
  makeClient,
  makeJobsEnv,
  type SpawnedWorker,
  spawnWorker,
  waitFor,
  waitForEnd,
} from './helpers.js';

/** `task_status`'s progress carries the run's average rate and the ETA at that rate. */
describe('a running task reports its rate and time left', () => {
  let env: JobsEnv;
  let worker: SpawnedWorker | undefined;
  let c: ReturnType<typeof makeClient> | undefined;
  after(async () => {
    worker?.kill();
    await worker?.exited;
    await c?.close();
    await env?.cleanup();
  });

  test('a job sleeping 100 ms a step: at most 10 steps/s, and the ETA is what is left at that rate', async () => {
    env = makeJobsEnv();
    worker = await spawnWorker(env, ['maintenance']);
    c = makeClient(env);
    const id = await c.tasks.enqueue('test-sleep', { ms: 60_000, steps: 600 });
    const info = await waitFor(
      'ten steps done',
      async () => {
        const t = await c!.tasks.getTask(id);
        return (t.progress?.current ?? 0) >= 10 ? t : null;
      },
      30_000,
      100,
    );
    const p = info.progress!;
    assert.equal(info.state, 'PROGRESS');
    assert.equal(p.total, 600);
    // `current` steps done, each after a 100 ms sleep since the job started: never above 10/s.
    assert.ok(typeof p.rate === 'number' && p.rate > 0 && p.rate <= 10.05, JSON.stringify(p));
    const rate = p.rate;
    const left = (p.total - p.current) / rate;
    // The ETA is computed from the unrounded rate; the shown rate is rounded to 0.1.
    assert.ok(
      typeof p.eta_seconds === 'number' && Math.abs(p.eta_seconds - left) <= left * 0.01 + 1,
      `eta ${p.eta_seconds}, expected about ${left}`,
    );

    await c.tasks.cancel(id);
    const end = await waitForEnd(c.tasks, id, 20_000);
    assert.equal(end.info.state, 'REVOKED');
    // An ended task keeps its average, but has no time left to tell.
    assert.equal(end.info.progress?.eta_seconds ?? null, null);
  });
});
