import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { TEST_FAIL_BATCH_MARKER } from '../../workers/processors/dispatch.js';
import { CLI, callTool, makeTestEnv, startMcpClient } from '../helpers/env.js';

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
    assert.match(r.stderr, /incomplete: 1 of 3 batches failed for good, 1 files not indexed \(first: zz__/);
    assert.match(r.stdout, /failed batches: 1, 1 files not indexed/);
    assert.match(r.stdout, /2 indexed/);
  } finally {
    await env.cleanup();
  }
});

test('partial index over MCP: the task ends FAILURE with its partial summary; index_status shows the failures until a complete run', async () => {
  const env = makeTestEnv({
    CODEINDEX_TEST_JOBS: '1',
    CODEINDEX_EMBEDDINGS: 'off',
    CODEINDEX_WATCH: 'false',
    CODEINDEX_BATCH_SIZE: '1',
  });
  const repo = join(env.tmp, 'repo');
  mkdirSync(repo, { recursive: true });
  for (const name of ['alpha', 'beta'])
    writeFileSync(join(repo, `${name}.ts`), `export const ${name} = 1;\n`);
  const poisoned = join(repo, `zz${TEST_FAIL_BATCH_MARKER}.ts`);
  writeFileSync(poisoned, 'export const poisoned = 1;\n');
  const config = join(env.tmp, 'config.json');
  writeFileSync(
    config,
    JSON.stringify({
      policies: {
        batch: {
          attempts: 2,
          backoffMs: 50,
          backoffMaxMs: 50,
          softTimeLimitMs: 30_000,
          hardTimeLimitMs: 60_000,
        },
      },
    }),
  );
  const mcp = await startMcpClient({ ...env.env, CODEINDEX_CONFIG: config, CODEINDEX_ROOTS: repo }, [
    '--workers',
    '1',
  ]);
  try {
    const first = await callTool(mcp.client, 'index_repository', {
      path: repo,
      wait: true,
      wait_seconds: 120,
    });
    assert.equal(first.state, 'FAILURE', JSON.stringify(first));
    assert.match(String(first.error), /^incomplete: 1 of 3 batches failed for good, 1 files not indexed/);
    const result = first.result as Record<string, unknown>;
    assert.equal(result.partial, true);
    assert.equal(result.files_indexed, 2);
    assert.equal(result.failed_batches, 1);
    assert.equal(result.files_not_indexed, 1);
    const errors = result.first_errors as { first_file: string; error: string }[];
    assert.equal(errors.length, 1);
    assert.equal(errors[0]!.first_file, `zz${TEST_FAIL_BATCH_MARKER}.ts`);
    assert.match(errors[0]!.error, /batch failure injected/);
    assert.notEqual((first.progress as { status: string }).status, 'done');

    const status = await callTool(mcp.client, 'index_status', { path: repo });
    const root = (status.roots as Record<string, unknown>[])[0]!;
    const incomplete = root.incomplete as {
      failed_batches: number;
      files_not_indexed: number;
      task_id: string;
    };
    assert.equal(incomplete.failed_batches, 1);
    assert.equal(incomplete.files_not_indexed, 1);
    assert.equal(incomplete.task_id, first.task_id);
    const text = await mcp.client.callTool({ name: 'index_status', arguments: { path: repo } });
    assert.match((text.content as { text: string }[])[0]!.text, /INCOMPLETE: .* 1 files in 1 failed batches/);

    // The cause goes away: the next run is complete, and index_status no longer reports failures.
    renameSync(poisoned, join(repo, 'gamma.ts'));
    const second = await callTool(mcp.client, 'index_repository', {
      path: repo,
      wait: true,
      wait_seconds: 120,
    });
    assert.equal(second.state, 'SUCCESS', JSON.stringify(second));
    assert.equal((second.result as { partial?: boolean }).partial, undefined);
    const after = await callTool(mcp.client, 'index_status', { path: repo });
    assert.equal((after.roots as Record<string, unknown>[])[0]!.incomplete, undefined);
  } finally {
    await mcp.close();
    await env.cleanup();
  }
});
