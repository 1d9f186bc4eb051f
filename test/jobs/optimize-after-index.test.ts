import assert from 'node:assert/strict';
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { indexDbPath } from '../../src/config/paths.js';
import { openIndexStore } from '../../src/store/index.js';
import {
  type JobsEnv,
  makeClient,
  makeJobsEnv,
  type SpawnedWorker,
  spawnWorker,
  waitFor,
  waitForEnd,
} from './helpers.js';

/**
 * A repository run that indexed at least a batch worth of files queues one low-priority
 * `optimize-index` maintenance job after its SUCCESS: the full-text index is merged and the WAL
 * checkpointed, so the first save after a large index does not pay for it. Runs that index less
 * queue nothing.
 */
describe('optimize after a repository run', () => {
  let env: JobsEnv;
  let client: ReturnType<typeof makeClient>;
  let worker: SpawnedWorker;
  let repo: string;

  before(async () => {
    env = makeJobsEnv({ batchSize: 2 });
    repo = join(env.tmp, 'repo');
    mkdirSync(repo, { recursive: true });
    for (const name of ['alpha', 'beta', 'gamma', 'delta', 'omega']) {
      writeFileSync(
        join(repo, `${name}.ts`),
        `/** The ${name} step. */\nexport function ${name}Step(retryCount: number): number {\n  return retryCount + 1;\n}\n`,
      );
    }
    client = makeClient(env);
    worker = await spawnWorker(env, ['indexing', 'maintenance']);
  });
  after(async () => {
    worker?.kill('SIGKILL');
    await client?.close();
    await env?.cleanup();
  });

  const optimizeJobs = async () =>
    (
      await client.tasks.queues.maintenance.getJobs([
        'completed',
        'failed',
        'active',
        'waiting',
        'prioritized',
      ])
    ).filter((j) => j.name === 'optimize-index');

  test('a run of 5 files in 3 batches is followed by one optimize job; the WAL is folded back', async () => {
    const id = await client.tasks.enqueue('index-repository', { root: repo });
    const { info } = await waitForEnd(client.tasks, id, 60_000);
    assert.equal(info.state, 'SUCCESS', info.error ?? '');
    assert.equal((info.result as { files_indexed: number }).files_indexed, 5);

    await waitFor(
      'the optimize job to complete',
      async () =>
        (await client.tasks.queues.maintenance.getJobs(['completed'])).some(
          (j) => j.name === 'optimize-index',
        ),
      20_000,
    );
    const jobs = await optimizeJobs();
    assert.equal(jobs.length, 1, jobs.map((j) => `${j.name}:${j.id}`).join(', '));
    const result = jobs[0]!.returnvalue as {
      pages: number;
      freePages: number;
      vacuumed: boolean;
      textTop?: { terms: number; reused: boolean };
    };
    assert.ok(result.pages > 0, JSON.stringify(result));
    assert.equal(result.vacuumed, false);
    // The common-word lists were asked for (none on five files: no word is in 10,000 chunks).
    assert.deepEqual(result.textTop && { terms: result.textTop.terms, reused: result.textTop.reused }, {
      terms: 0,
      reused: false,
    });
    // wal_checkpoint(TRUNCATE) leaves an empty WAL file; nothing wrote after it.
    assert.equal(statSync(`${indexDbPath(env.cfg)}-wal`).size, 0);

    const store = openIndexStore(indexDbPath(env.cfg), { readonly: true });
    try {
      const hits = (await store.searchText({ query: 'retry count', limit: 10 })).hits;
      assert.equal(new Set(hits.map((h) => h.path)).size, 5, JSON.stringify(hits.map((h) => h.path)));
    } finally {
      await store.close();
    }
  });

  test('a run that indexes fewer files than a batch queues no optimize job', async () => {
    writeFileSync(join(repo, 'alpha.ts'), 'export function alphaStep(): number {\n  return 2;\n}\n');
    const id = await client.tasks.enqueue('index-repository', { root: repo });
    const { info } = await waitForEnd(client.tasks, id, 60_000);
    assert.equal(info.state, 'SUCCESS', info.error ?? '');
    assert.equal((info.result as { files_indexed: number }).files_indexed, 1);
    // Give a wrongly queued job the time to show up.
    await new Promise((r) => setTimeout(r, 500));
    assert.equal((await optimizeJobs()).length, 1);
  });
});
