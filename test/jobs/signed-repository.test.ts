import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
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
  waitForEnd,
} from './helpers.js';

/**
 * With CODEINDEX_SECRET set, the batches a repository run adds are signed too: before, workers
 * rejected them as unsigned and the run ended SUCCESS with no file indexed.
 */
describe('a repository run with a job secret', () => {
  let env: JobsEnv;
  let client: ReturnType<typeof makeClient>;
  let worker: SpawnedWorker;
  let repo: string;

  before(async () => {
    env = makeJobsEnv({ batchSize: 2 }, { CODEINDEX_SECRET: 'a-test-secret-of-32-characters!!' });
    repo = join(env.tmp, 'repo');
    mkdirSync(repo, { recursive: true });
    for (const name of ['alpha', 'beta', 'gamma', 'delta', 'omega']) {
      writeFileSync(join(repo, `${name}.ts`), `export function ${name}Fn(): number {\n  return 1;\n}\n`);
    }
    client = makeClient(env);
    worker = await spawnWorker(env, ['indexing', 'maintenance']);
  });
  after(async () => {
    worker?.kill('SIGKILL');
    await client?.close();
    await env?.cleanup();
  });

  test('indexes every file, with no batch rejected', async () => {
    const id = await client.tasks.enqueue('index-repository', { root: repo });
    const { info } = await waitForEnd(client.tasks, id, 60_000);
    assert.equal(info.state, 'SUCCESS', info.error ?? '');
    const summary = info.result as { files_indexed: number; failed_batches: number };
    assert.equal(summary.failed_batches, 0, JSON.stringify(summary));
    assert.equal(summary.files_indexed, 5, JSON.stringify(summary));
    const store = openIndexStore(indexDbPath(env.cfg), { readonly: true });
    try {
      const indexed = (await store.searchSymbols({ query: 'Fn', limit: 50 })).hits
        .map((h) => h.path.slice(repo.length + 1))
        .sort();
      assert.deepEqual(indexed, ['alpha.ts', 'beta.ts', 'delta.ts', 'gamma.ts', 'omega.ts']);
    } finally {
      await store.close();
    }
  });
});
