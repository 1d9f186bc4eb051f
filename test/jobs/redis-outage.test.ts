import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
import type { WorkerPool } from '../../workers/supervisor.js';
import { freePort, startPrivateRedis } from '../helpers/env.js';
import {
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

describe('Redis restarts in the middle of a run', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  after(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  test('the run completes; workers and the client reconnect and carry on', async () => {
    const redis = await startPrivateRedis({ appendonly: true });
    cleanups.push(() => redis.stop());
    cleanups.push(() => rmSync(redis.dir, { recursive: true, force: true }));
    // Locks outlive the short outage, so in-flight batches keep them (a longer outage would
    // only mean they are retried as stalled).
    const env = makeJobsEnv({ batchSize: 20, lockDurationMs: 6000 }, { REDIS_URL: redis.url });
    cleanups.push(() => env.cleanup());
    const repoDir = mkdtempSync(join(tmpdir(), 'ci-restart-repo-'));
    cleanups.push(() => rmSync(repoDir, { recursive: true, force: true }));
    const repo = generateRepo(repoDir, 400, 60);
    const pool: WorkerPool = await startPool(env, 2, ['indexing', 'maintenance']);
    cleanups.push(() => pool.stop(2000));
    const c = makeClient(env);
    cleanups.push(() => c.close());

    const id = await c.tasks.enqueue('index-repository', { root: repo });
    const before = await waitFor(
      'a few batches to finish',
      async () => {
        const t = await c.tasks.getTask(id);
        const done = Number(/(\d+)\/\d+ batches done/.exec(t.progress?.status ?? '')?.[1] ?? 0);
        return done >= 2 ? done : null;
      },
      60_000,
      10,
    );
    await redis.stop();
    // While Redis is down the client fails fast with one clear error, never hangs.
    const down = await c.tasks.getTask(id).then(
      () => 'answered',
      (e: Error & { code?: string }) => e.code,
    );
    assert.equal(down, 'REDIS_UNAVAILABLE');
    await sleep(1000);
    await redis.start();

    const { info } = await waitForEnd(c.tasks, id, 90_000);
    assert.equal(info.state, 'SUCCESS', JSON.stringify(info));
    const s = info.result as { failed_batches: number; files_indexed: number; files_unchanged: number };
    assert.equal(s.failed_batches, 0);
    assert.equal(s.files_indexed + s.files_unchanged, 400);
    assert.ok(before < 20, `Redis went away after ${before}/20 batches`);
    const db = new Database(join(env.home, 'index.db'), { readonly: true });
    try {
      const n = (
        db.prepare(`SELECT count(*) AS n FROM files WHERE status = 'indexed'`).get() as { n: number }
      ).n;
      assert.equal(n, 400);
    } finally {
      db.close();
    }
    // The workers still consume after the restart.
    const after = await c.tasks.enqueue('test-sleep', { ms: 10, steps: 1 });
    assert.equal((await waitForEnd(c.tasks, after, 20_000)).info.state, 'SUCCESS');
  });
});

describe('shutdown when Redis is gone', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  after(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  test('SIGTERM ends a worker within its deadline even with Redis stopped and a job running', async () => {
    const redis = await startPrivateRedis();
    cleanups.push(() => redis.stop());
    cleanups.push(() => rmSync(redis.dir, { recursive: true, force: true }));
    const env: JobsEnv = makeJobsEnv({}, { REDIS_URL: redis.url });
    // The private Redis goes away with its keys: only the files need removing.
    cleanups.push(() => rmSync(env.tmp, { recursive: true, force: true }));
    const deadline = 1500;
    const w: SpawnedWorker = await spawnWorker(env, ['maintenance', 'indexing'], {
      CODEINDEX_SHUTDOWN_DEADLINE_MS: String(deadline),
    });
    cleanups.push(() => w.kill('SIGKILL'));
    const c = makeClient(env);
    cleanups.push(() => c.close());
    const id = await c.tasks.enqueue('test-sleep', { ms: 60_000, steps: 600 });
    await waitFor('the job to run', async () =>
      ['STARTED', 'PROGRESS'].includes((await c.tasks.getTask(id)).state),
    );
    await c.close();
    await redis.stop();
    await sleep(300);
    const t0 = Date.now();
    w.kill('SIGTERM');
    const exit = await Promise.race([w.exited, sleep(15_000, null, { ref: false })]);
    const took = Date.now() - t0;
    assert.ok(exit, `worker still running ${took} ms after SIGTERM:\n${w.stderr().slice(-2000)}`);
    assert.ok(took < deadline + 1000, `worker took ${took} ms to exit (deadline ${deadline} ms)`);
    assert.equal(exit.signal, null, 'it exited by itself, not by a signal');
    console.log(`worker exited ${took} ms after SIGTERM with Redis gone (deadline ${deadline} ms)`);
  });
});

describe('Redis AUTH through the URL', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  after(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  test('workers and producers authenticate with the password in REDIS_URL', async () => {
    const port = await freePort();
    const password = 'pw-for-codeindex-test';
    const server = spawn(
      'redis-server',
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--requirepass',
        password,
        '--save',
        '',
        '--appendonly',
        'no',
      ],
      { stdio: 'ignore' },
    );
    cleanups.push(() => {
      server.kill('SIGKILL');
    });
    const url = `redis://:${password}@127.0.0.1:${port}`;
    const env = makeJobsEnv({}, { REDIS_URL: url });
    cleanups.push(() => rmSync(env.tmp, { recursive: true, force: true }));
    const c = makeClient(env);
    cleanups.push(() => c.close());
    const id = await waitFor(
      'Redis to accept the password',
      () => c.tasks.enqueue('test-sleep', { ms: 5, steps: 1 }),
      10_000,
      100,
    );
    const w = await spawnWorker(env, ['maintenance']);
    cleanups.push(() => w.kill('SIGKILL'));
    assert.equal((await waitForEnd(c.tasks, id)).info.state, 'SUCCESS');
    // The password never shows up in messages.
    const bad = makeJobsEnv({}, { REDIS_URL: `redis://:wrong-password@127.0.0.1:${port}` });
    cleanups.push(() => rmSync(bad.tmp, { recursive: true, force: true }));
    const cb = makeClient(bad);
    cleanups.push(() => cb.close());
    const err = await cb.tasks.getTask(id).then(
      () => null,
      (e: Error) => e,
    );
    assert.ok(err, 'a wrong password must fail');
    assert.ok(!err.message.includes('wrong-password'), err.message);
    // It says what is wrong, not just that Redis did not answer.
    assert.match(
      err.message,
      /rejected the credentials \((WRONGPASS|NOAUTH)[^)]*\): fix the user and password in REDIS_URL/,
    );
  });
});
