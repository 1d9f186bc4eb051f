import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { REPO_ROOT, startPrivateRedis } from '../helpers/env.js';
import { dumpIndexOf, makeClient, makeJobsEnv, startPool, waitFor, waitForEnd } from '../jobs/helpers.js';

const cleanups: (() => Promise<void> | void)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

/**
 * Drill: Redis is killed with SIGKILL in the middle of a repository run (no shutdown, the AOF's
 * last second may be lost), then started again on the same port and directory. The run must end
 * SUCCESS and the index must hold exactly what a run without the outage holds. The repository is
 * real code: bullmq's ES module build, copied.
 */
test('drill: redis-server killed with SIGKILL mid-index and restarted: the run completes and the index equals a clean run', async () => {
  const repo = mkdtempSync(join(tmpdir(), 'ci-redis-kill-repo-'));
  cleanups.push(() => rmSync(repo, { recursive: true, force: true }));
  cpSync(join(REPO_ROOT, 'node_modules/bullmq/dist/esm'), repo, { recursive: true });

  // The reference: the same repository indexed with nothing going wrong.
  const clean = makeJobsEnv({ batchSize: 5 });
  cleanups.push(() => clean.cleanup());
  {
    const pool = await startPool(clean, 2, ['indexing', 'maintenance']);
    const c = makeClient(clean);
    try {
      const id = await c.tasks.enqueue('index-repository', { root: repo });
      const { info } = await waitForEnd(c.tasks, id, 120_000);
      assert.equal(info.state, 'SUCCESS', JSON.stringify(info));
    } finally {
      await c.close();
      await pool.stop(5000);
    }
  }

  const redis = await startPrivateRedis({ appendonly: true });
  cleanups.push(() => redis.stop());
  const env = makeJobsEnv(
    { batchSize: 5, lockDurationMs: 5000, stalledIntervalMs: 2000 },
    { REDIS_URL: redis.url },
  );
  cleanups.push(() => env.cleanup());
  const pool = await startPool(env, 2, ['indexing', 'maintenance']);
  cleanups.push(() => pool.stop(2000));
  const c = makeClient(env);
  cleanups.push(() => c.close());

  const id = await c.tasks.enqueue('index-repository', { root: repo });
  const done = await waitFor(
    'a few batches to finish',
    async () => {
      const t = await c.tasks.getTask(id);
      const m = /(\d+)\/(\d+) batches done/.exec(t.progress?.status ?? '');
      return m && Number(m[1]) >= 3 ? { done: Number(m[1]), of: Number(m[2]) } : null;
    },
    60_000,
    10,
  );
  assert.ok(done.done < done.of, `Redis went away after ${done.done}/${done.of} batches`);
  await redis.kill();
  await new Promise((r) => setTimeout(r, 500));
  const restartedAt = Date.now();
  await redis.start();

  const { info } = await waitForEnd(c.tasks, id, 120_000);
  const recoveredMs = Date.now() - restartedAt;
  assert.equal(info.state, 'SUCCESS', JSON.stringify(info));
  const s = info.result as { failed_batches: number };
  assert.equal(s.failed_batches, 0);

  const want = await dumpIndexOf(clean);
  const got = await dumpIndexOf(env);
  for (const k of ['files', 'symbols', 'refs', 'chunks', 'imports'] as const) {
    assert.equal(
      got[k].length,
      want[k].length,
      `${k}: ${got[k].length} rows, a clean run has ${want[k].length}`,
    );
    assert.deepEqual(got[k], want[k], `${k} differ from a clean run`);
  }
  assert.ok(want.symbols.length > 500, `${want.symbols.length} symbols`);
  process.stderr.write(
    `redis-kill drill: ${done.done}/${done.of} batches done at the kill; SUCCESS ${recoveredMs} ms after the restart\n`,
  );
});
