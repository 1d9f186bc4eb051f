import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { TEST_FAIL_BATCH_MARKER } from '../../workers/processors/dispatch.js';
import { CLI, makeTestEnv } from '../helpers/env.js';

test('partial index: `codeindex index` exits 1 and says so when a batch failed for good', async () => {
  const env = makeTestEnv({
    CODEINDEX_TEST_JOBS: '1',
    CODEINDEX_EMBEDDINGS: 'off',
    CODEINDEX_BATCH_SIZE: '1',
  });
  try {
    const repo = join(env.tmp, 'repo');
    mkdirSync(repo, { recursive: true });
    for (const name of ['alpha', 'beta'])
      writeFileSync(join(repo, `${name}.ts`), `export const ${name} = 1;\n`);
    writeFileSync(join(repo, `zz${TEST_FAIL_BATCH_MARKER}.ts`), 'export const poisoned = 1;\n');
    const config = join(env.tmp, 'config.json');
    const policy = {
      attempts: 1,
      backoffMs: 50,
      backoffMaxMs: 50,
      softTimeLimitMs: 30_000,
      hardTimeLimitMs: 60_000,
    };
    writeFileSync(config, JSON.stringify({ policies: { batch: policy } }));
    const r = spawnSync(process.execPath, [CLI, 'index', repo, '--workers', '1'], {
      env: { ...env.env, CODEINDEX_CONFIG: config },
      encoding: 'utf8',
      timeout: 120_000,
    });
    assert.equal(r.status, 1, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stderr, /incomplete: 1 batch\(es\) failed/);
    assert.match(r.stdout, /failed batches: 1/);
  } finally {
    await env.cleanup();
  }
});
