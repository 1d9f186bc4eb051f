import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { indexDbPath } from '../../src/config/paths.js';
import type { DeadLetterRecord } from '../../src/queue/task-client.js';
import { openIndexStore } from '../../src/store/index.js';
import { TEST_FAIL_BATCH_MARKER } from '../../workers/processors/dispatch.js';
import {
  type JobsEnv,
  makeClient,
  makeJobsEnv,
  type SpawnedWorker,
  spawnWorker,
  waitForEnd,
} from './helpers.js';

/**
 * A batch that exhausts its retries inside a repository run (Celery: a chord header task that
 * fails for good). The run ends FAILURE, with its partial summary as the result (the batch counted
 * in `failed_batches`, `partial: true`), the other batches' files are indexed, and the failed batch is dead-lettered with its paths, so
 * retry_task can run it again once the cause is fixed. Nothing is silently lost.
 */
describe('a batch that exhausts its retries inside a repository run', () => {
  let env: JobsEnv;
  let client: ReturnType<typeof makeClient>;
  let worker: SpawnedWorker;
  let repo: string;

  before(async () => {
    env = makeJobsEnv({
      batchSize: 2,
      policies: {
        batch: {
          attempts: 2,
          backoffMs: 100,
          backoffMaxMs: 200,
          softTimeLimitMs: 30_000,
          hardTimeLimitMs: 60_000,
        },
      },
    });
    repo = join(env.tmp, 'repo');
    mkdirSync(repo, { recursive: true });
    for (const name of ['alpha', 'beta', 'gamma', 'delta', 'omega']) {
      writeFileSync(join(repo, `${name}.ts`), `export function ${name}Fn(): number {\n  return 1;\n}\n`);
    }
    writeFileSync(join(repo, `zz${TEST_FAIL_BATCH_MARKER}.ts`), 'export const poisoned = 1;\n');
    client = makeClient(env);
    worker = await spawnWorker(env, ['indexing', 'maintenance']);
  });
  after(async () => {
    worker?.kill('SIGKILL');
    await client?.close();
    await env?.cleanup();
  });

  test('the run fails with its partial summary, indexes the rest, and dead-letters the batch', async () => {
    const id = await client.tasks.enqueue('index-repository', { root: repo });
    const { info } = await waitForEnd(client.tasks, id, 60_000);
    assert.equal(info.state, 'FAILURE');
    assert.match(info.error ?? '', /^incomplete: 1 of \d+ batches failed for good/);
    const summary = info.result as {
      files_scanned: number;
      files_indexed: number;
      failed_batches: number;
      partial: boolean;
    };
    assert.equal(summary.partial, true);
    assert.equal(summary.files_scanned, 6);
    assert.equal(summary.failed_batches, 1);

    const dead = await client.tasks.deadLetter.getJobs(
      ['waiting', 'paused', 'delayed', 'prioritized'],
      0,
      50,
    );
    const records = dead.map((j) => j.data as DeadLetterRecord).filter((r) => r.name === 'index-batch');
    assert.equal(records.length, 1, JSON.stringify(records));
    const record = records[0]!;
    assert.equal(record.attempts, 2);
    assert.match(record.error, /batch failure injected/);
    const failedPaths = (record.payload as { paths: string[] }).paths;
    assert.ok(
      failedPaths.some((p) => p.includes(TEST_FAIL_BATCH_MARKER)),
      JSON.stringify(failedPaths),
    );

    // Every file outside the failed batch is indexed; none inside it is.
    assert.equal(summary.files_indexed, 6 - failedPaths.length);
    const store = openIndexStore(indexDbPath(env.cfg), { readonly: true });
    try {
      const indexed = (await store.searchSymbols({ query: 'Fn', limit: 50 })).hits
        .map((h) => h.path.slice(repo.length + 1))
        .sort();
      const expected = ['alpha.ts', 'beta.ts', 'delta.ts', 'gamma.ts', 'omega.ts'].filter(
        (f) => !failedPaths.includes(f),
      );
      assert.deepEqual(indexed, expected);
    } finally {
      await store.close();
    }
  });
});
