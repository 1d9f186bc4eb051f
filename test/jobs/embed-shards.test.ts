import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, test } from 'node:test';
import Database from 'better-sqlite3';
import type { Job } from 'bullmq';
import { generateRepo, makeClient, makeJobsEnv, spawnWorker, waitFor, waitForEnd } from './helpers.js';

const cleanups: (() => Promise<void> | void)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

test('with two embedding workers a root is embedded as two jobs, each taking its share, together covering it', async () => {
  const env = makeJobsEnv({}, { CODEINDEX_EMBEDDINGS: 'local', CODEINDEX_EMBEDDINGS_MODEL: 'local-hash' });
  cleanups.push(() => env.cleanup());
  const repo = generateRepo(join(env.tmp, 'repo'), 40);
  const c = makeClient(env);
  cleanups.push(() => c.close());
  for (let i = 0; i < 2; i++) {
    const w = await spawnWorker(env, ['indexing', 'embeddings']);
    cleanups.push(() => w.kill('SIGKILL'));
  }

  const repoTask = await c.tasks.enqueue('index-repository', { root: repo });
  const { info: repoInfo } = await waitForEnd(c.tasks, repoTask);
  assert.equal(repoInfo.state, 'SUCCESS', JSON.stringify(repoInfo));

  const all = () =>
    c.tasks.queues.embeddings.getJobs(['waiting', 'prioritized', 'active', 'delayed', 'completed', 'failed']);
  const jobs = await waitFor<Job[]>('two embed-chunks jobs', async () => {
    const found = (await all()).filter((j) => j.name === 'embed-chunks');
    return found.length >= 2 ? found : undefined;
  });
  const results: { embedded: number }[] = [];
  const shards: number[] = [];
  for (const job of jobs) {
    const { info } = await waitForEnd(c.tasks, job.id!);
    assert.equal(info.state, 'SUCCESS', JSON.stringify(info));
    results.push(info.result as { embedded: number });
    const payload = job.data as { shard: number; shards: number };
    assert.equal(payload.shards, 2);
    shards.push(payload.shard);
  }
  assert.deepEqual(shards.sort(), [0, 1]);

  const db = new Database(join(env.home, 'index.db'), { readonly: true });
  const embeddable = (
    db.prepare("SELECT count(DISTINCT hash) AS n FROM chunks WHERE kind IN ('header', 'symbol')").get() as {
      n: number;
    }
  ).n;
  const withVector = (
    db
      .prepare(
        "SELECT count(DISTINCT c.hash) AS n FROM chunks c JOIN vectors v ON v.hash = c.hash WHERE c.kind IN ('header', 'symbol')",
      )
      .get() as { n: number }
  ).n;
  // A content in chunks of both shards may be embedded by both (when neither has stored it yet).
  const inBothShards = (
    db
      .prepare(
        "SELECT count(*) AS n FROM (SELECT hash FROM chunks WHERE kind IN ('header', 'symbol') GROUP BY hash HAVING count(DISTINCT id % 2) = 2)",
      )
      .get() as { n: number }
  ).n;
  db.close();
  assert.ok(embeddable > 40, `${embeddable} embeddable chunks`);
  assert.equal(withVector, embeddable, 'every embeddable chunk has a vector');
  for (const r of results) assert.ok(r.embedded > embeddable / 4, `a shard embedded only ${r.embedded}`);
  const sum = results.reduce((n, r) => n + r.embedded, 0);
  assert.ok(
    sum >= embeddable && sum <= embeddable + inBothShards,
    `${sum} embedded for ${embeddable} contents (${inBothShards} in both shards)`,
  );
});
