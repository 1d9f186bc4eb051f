import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { openIndexStore } from '../../src/store/index.js';
import type { WorkerPool } from '../../workers/supervisor.js';
import { type JobsEnv, makeClient, makeJobsEnv, startPool, waitForEnd } from './helpers.js';

/**
 * A file tree-sitter is pathologically slow on (unclosed brackets by the hundred thousand: minutes
 * of error recovery and query matching) is cut off at the parse budget and recorded as failed,
 * with a message that says what to do; the rest of its batch is indexed and the task succeeds.
 */
test('a file past the parse budget is a failed file, not a stuck batch', async () => {
  const repo = mkdtempSync(join(tmpdir(), 'ci-parse-timeout-'));
  let env: JobsEnv | undefined;
  let pool: WorkerPool | undefined;
  after(async () => {
    await pool?.stop(2000);
    await env?.cleanup();
    rmSync(repo, { recursive: true, force: true });
  });
  mkdirSync(join(repo, 'src'));
  writeFileSync(join(repo, 'src/good.py'), 'def good_function():\n    return 1\n');
  // C: the tree walks that replace the query cursor for Python, TypeScript and JavaScript are
  // linear on such input (test/indexer/parse-timeout.test.ts; 170 ms for this file in TypeScript,
  // close enough to the budget to pass or fail with the machine's load), but C's parse takes about
  // 70 s on 2 cores. Lines of 100 brackets: one line of 300,000 would be skipped as minified.
  writeFileSync(join(repo, 'src/brackets.c'), `int x[] = ${`${'{'.repeat(100)}\n`.repeat(3000)}`);
  env = makeJobsEnv({ parseTimeoutMs: 300 });
  pool = await startPool(env, 1, ['indexing']);
  const c = makeClient(env);
  try {
    const t0 = Date.now();
    const id = await c.tasks.enqueue('index-repository', { root: repo });
    const { info } = await waitForEnd(c.tasks, id, 60_000);
    assert.equal(info.state, 'SUCCESS', JSON.stringify(info));
    const s = info.result as {
      files_indexed: number;
      files_failed: number;
      failed_files: { path: string; error: string }[];
    };
    assert.equal(s.files_indexed, 1, JSON.stringify(s));
    assert.equal(s.files_failed, 1, JSON.stringify(s));
    assert.equal(s.failed_files[0]?.path, 'src/brackets.c');
    assert.match(s.failed_files[0]?.error ?? '', /longer than 300 ms .*CODEINDEX_PARSE_TIMEOUT_MS/);
    // Without the budget this file alone takes minutes.
    assert.ok(Date.now() - t0 < 30_000, `${Date.now() - t0} ms`);
  } finally {
    await c.close();
  }
  const store = openIndexStore(join(env.home, 'index.db'), { readonly: true });
  try {
    assert.equal((await store.searchSymbols({ query: 'good_function', limit: 5 })).hits.length, 1);
  } finally {
    await store.close();
  }
});
