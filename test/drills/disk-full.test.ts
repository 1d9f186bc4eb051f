import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import Database from 'better-sqlite3';
import { FIXTURES, REPO_ROOT } from '../helpers/env.js';
import {
  dumpIndex,
  FAST_POLICY,
  type JobsEnv,
  makeClient,
  makeJobsEnv,
  startPool,
  waitForEnd,
} from '../jobs/helpers.js';

const cleanups: (() => Promise<void> | void)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

/** Mounts a tmpfs of `size` over `dir`; false when this process may not mount (not root, a container). */
function mountTmpfs(dir: string, size: string): boolean {
  mkdirSync(dir, { recursive: true });
  return spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir]).status === 0;
}

function indexedFiles(env: JobsEnv): number {
  const db = new Database(join(env.home, 'index.db'), { readonly: true });
  try {
    return (db.prepare("SELECT count(*) AS n FROM files WHERE status = 'indexed'").get() as { n: number }).n;
  } finally {
    db.close();
  }
}

const policy = { ...FAST_POLICY, attempts: 2, backoffMs: 50, backoffMaxMs: 50 };

/**
 * Drill: the data dir's disk fills up part-way through a repository run (a tmpfs too small for
 * the index). The run must end FAILURE with the reason in one line and its partial summary,
 * index_status must show what is missing, what was indexed stays, and once there is space again
 * a re-run completes with an index equal to a clean run's.
 */
test('drill: the disk fills part-way through a run; after space is freed a re-run completes', async (t) => {
  const probe = mkdtempSync(join(tmpdir(), 'ci-mount-probe-'));
  const can = mountTmpfs(probe, '1m');
  if (can) spawnSync('umount', [probe]);
  rmSync(probe, { recursive: true, force: true });
  if (!can) {
    t.skip('cannot mount a tmpfs here (needs root outside a restricted container): disk-full drill skipped');
    return;
  }
  const repo = mkdtempSync(join(tmpdir(), 'ci-disk-full-repo-'));
  cleanups.push(() => rmSync(repo, { recursive: true, force: true }));
  cpSync(join(REPO_ROOT, 'node_modules/bullmq/dist/esm'), join(repo, 'bullmq'), { recursive: true });
  cpSync(join(FIXTURES, 'langs'), join(repo, 'langs'), { recursive: true });

  const config = { batchSize: 10, policies: { batch: policy, repository: policy } };
  // The reference, on an ordinary disk.
  const clean = makeJobsEnv(config);
  cleanups.push(() => clean.cleanup());
  {
    const pool = await startPool(clean, 1, ['indexing', 'maintenance']);
    const c = makeClient(clean);
    try {
      const id = await c.tasks.enqueue('index-repository', { root: repo });
      assert.equal((await waitForEnd(c.tasks, id, 120_000)).info.state, 'SUCCESS');
    } finally {
      await c.close();
      await pool.stop(5000);
    }
  }

  const env = makeJobsEnv(config);
  // The data dir is a 2 MB disk: the index of this repository needs several times that.
  cleanups.push(() => env.cleanup());
  assert.ok(mountTmpfs(env.home, '2m'));
  // Runs before env.cleanup (cleanups run last first), after the workers have stopped.
  cleanups.push(() => {
    spawnSync('umount', ['-l', env.home]);
  });
  const pool = await startPool(env, 1, ['indexing', 'maintenance']);
  cleanups.push(() => pool.stop(2000));
  const c = makeClient(env);
  cleanups.push(() => c.close());

  const first = await c.tasks.enqueue('index-repository', { root: repo });
  const { info } = await waitForEnd(c.tasks, first, 120_000);
  assert.equal(info.state, 'FAILURE', JSON.stringify(info));
  assert.match(info.error ?? '', /full|ENOSPC/i, info.error);
  assert.equal((info.error ?? '').split('\n').length, 1);
  const failures = await c.tasks.rootFailures([repo]);
  const record = failures.get(repo);
  assert.ok(record, 'index_status has a record of the incomplete run');
  assert.ok(record.failed_batches > 0 && record.files_not_indexed > 0, JSON.stringify(record));
  assert.match(record.first_errors[0]?.error ?? '', /full|ENOSPC/i);
  const kept = indexedFiles(env);
  process.stderr.write(
    `disk-full drill: ${kept} files indexed before the disk filled; ${record.failed_batches} of ${record.batches} batches failed; error: ${info.error}\n`,
  );

  // Space again: the disk grows, the same run is asked for again.
  assert.equal(spawnSync('mount', ['-o', 'remount,size=256m', env.home]).status, 0);
  const second = await c.tasks.enqueue('index-repository', { root: repo });
  const again = await waitForEnd(c.tasks, second, 120_000);
  assert.equal(again.info.state, 'SUCCESS', JSON.stringify(again.info));
  assert.equal((await c.tasks.rootFailures([repo])).get(repo), undefined, 'the record is cleared');
  assert.ok(indexedFiles(env) >= kept);
  const want = dumpIndex(join(clean.home, 'index.db'));
  const got = dumpIndex(join(env.home, 'index.db'));
  for (const k of ['files', 'symbols', 'refs', 'chunks', 'imports'] as const) {
    assert.deepEqual(got[k], want[k], `${k} differ from a clean run`);
  }
});
