import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { CLEANUP_SCHEDULER_ID } from '../../src/queue/schedules.js';
import { REPO_ROOT } from '../helpers/env.js';
import {
  type JobsEnv,
  makeClient,
  makeJobsEnv,
  type SpawnedWorker,
  spawnWorker,
  waitFor,
} from './helpers.js';

const CHILD = join(REPO_ROOT, 'dist/test/jobs/ensure-schedules-child.js');

/** Starts the child, waits for it to be connected, and returns a function that releases it. */
async function startChild(env: Record<string, string>) {
  const p = spawn(process.execPath, [CHILD], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  p.stdout.on('data', (d: Buffer) => {
    out += d.toString();
  });
  p.stderr.on('data', (d: Buffer) => {
    err += d.toString();
  });
  const exited = new Promise<number | null>((r) => p.once('exit', (code) => r(code)));
  await waitFor(
    'the child to connect',
    () => out.includes('ready') || (p.exitCode !== null && Promise.reject(new Error(err))),
    15_000,
    10,
  );
  return {
    go: () => p.stdin.end('go\n'),
    done: async () => {
      const code = await exited;
      assert.equal(code, 0, err);
      assert.ok(out.includes('done'));
      return { out, err };
    },
  };
}

/** Celery beat: cron schedules as BullMQ job schedulers, one per id however many servers start. */
describe('periodic tasks', () => {
  let env: JobsEnv;
  let worker: SpawnedWorker | undefined;
  after(async () => {
    worker?.kill('SIGKILL');
    await env?.cleanup();
  });

  test('two processes registering at once create exactly one schedule, and it fires every second', async () => {
    env = makeJobsEnv({}, { CODEINDEX_CLEANUP_CRON: '* * * * * *' });
    const c = makeClient(env);
    try {
      const children = await Promise.all([startChild(env.env), startChild(env.env), startChild(env.env)]);
      for (const ch of children) ch.go();
      for (const ch of children) await ch.done();

      const q = c.tasks.queues.maintenance;
      const schedulers = await q.getJobSchedulers();
      assert.equal(schedulers.length, 1, JSON.stringify(schedulers));
      assert.equal(schedulers[0]?.key, CLEANUP_SCHEDULER_ID);
      assert.equal(schedulers[0]?.pattern, '* * * * * *');
      assert.equal(await q.getJobSchedulersCount(), 1);
      // One next run is queued, not one per process.
      const next = await q.getJobs(['delayed', 'waiting', 'prioritized']);
      assert.equal(next.filter((j) => j.name === 'cleanup').length, 1, next.map((j) => j.id).join(','));

      worker = await spawnWorker(env, ['maintenance']);
      const t0 = Date.now();
      const ran = await waitFor(
        'three cleanup runs',
        async () => {
          const done = await q.getJobs(['completed']);
          const cleanups = done.filter((j) => j.name === 'cleanup');
          return cleanups.length >= 3 ? cleanups : null;
        },
        15_000,
        100,
      );
      assert.ok(Date.now() - t0 < 10_000);
      // One run per second of the cron, not a burst: each run is scheduled for a distinct whole
      // second (BullMQ ids scheduler runs `repeat:<id>:<millis>`), however late load makes it start.
      const slots = ran
        .map((j) => Number(/^repeat:cleanup-daily:(\d+)$/.exec(j.id ?? '')?.[1]))
        .sort((a, b) => a - b);
      for (const ms of slots)
        assert.equal(ms % 1000, 0, `run scheduled at ${ms} (ids ${ran.map((j) => j.id)})`);
      assert.equal(new Set(slots).size, slots.length, `duplicate runs: ${slots.join(',')}`);
      for (const j of ran)
        assert.ok(j.returnvalue && typeof j.returnvalue === 'object', 'each run did the cleanup');
      assert.equal((await q.getJobs(['failed'])).length, 0);
      assert.equal(await q.getJobSchedulersCount(), 1);
    } finally {
      await c.close();
    }
  });

  test('a connection closed while the schedule is registered refuses the call and prints nothing', async () => {
    // BullMQ creates a queue's job scheduler lazily, on the queue's connection; when that is
    // closed under it, the error went to console.error as a stack trace (no 'error' listener).
    const ch = await startChild({ ...env.env, CLOSE_DURING: '1' });
    ch.go();
    const { out, err } = await ch.done();
    assert.match(out, /refused: Connection is closed/);
    assert.doesNotMatch(err, /ConnectionClosedError|\n\s+at /, err);
  });

  test('an empty cron removes the schedule', async () => {
    const off = makeJobsEnv({}, { CODEINDEX_CLEANUP_CRON: '', CODEINDEX_QUEUE_PREFIX: env.prefix });
    const ch = await startChild(off.env);
    ch.go();
    await ch.done();
    const c = makeClient(env);
    try {
      assert.equal(await c.tasks.queues.maintenance.getJobSchedulersCount(), 0);
    } finally {
      await c.close();
      await off.cleanup();
    }
  });
});
