import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { loadConfig } from '../../src/config/load.js';
import { type CodeSearch, createCodeSearch } from '../../src/mcp/code-search.js';
import { openIndexStore } from '../../src/store/index.js';
import type { IndexStore } from '../../src/store/types.js';
import { chunk, indexed, tempDir } from '../store/helpers/fixtures.js';

const tmp = tempDir('codeindex-rank-');
const cfg = loadConfig({}, { CODEINDEX_HOME: tmp.dir, CODEINDEX_EMBEDDINGS: 'off' });
let store: IndexStore;
let search: CodeSearch;

// A small repository: the source of a retry countdown, a test dense in the same words, a port of
// the source in another language, and a docs page.
before(async () => {
  store = openIndexStore(join(tmp.dir, 'index.db'));
  search = createCodeSearch(cfg, () => store);
  const src = chunk(
    'function retryCountdown(task, attempt) {\n  // exponential backoff for a failed task\n  return Math.min(task.maxDelay, 2 ** attempt);\n}',
    10,
    'retryCountdown',
  );
  const src2 = chunk(
    'export function scheduleRetry(task) {\n  return retryCountdown(task, task.attempts);\n}',
    30,
    'scheduleRetry',
  );
  const test1 = chunk(
    "it('retry countdown of a failed task', () => {\n  // retry countdown failed task backoff retry countdown\n  expect(retryCountdown(failedTask, 3)).toBe(8);\n});",
    1,
    null,
    'code',
  );
  const port = chunk(
    'def retry_countdown(task, attempt):\n    """Failed task retry countdown."""\n    return min(task.max_delay, 2 ** attempt)',
    1,
    'retry_countdown',
  );
  const docs = chunk(
    'function showRetryCountdown() { /* failed task retry countdown backoff */ }',
    1,
    'showRetryCountdown',
  );
  await store.writeBatch('/repo', [
    indexed('src/retry.ts', { chunks: [src, src2] }),
    indexed('src/a.ts', { chunks: [chunk('export const a = 1;', 1, 'a')] }),
    indexed('src/b.ts', { chunks: [chunk('export const b = 2;', 1, 'b')] }),
    indexed('src/c.ts', { chunks: [chunk('export const c = 3;', 1, 'c')] }),
    indexed('test/retry.test.ts', { chunks: [test1] }),
    indexed('python/retry.py', { language: 'python', chunks: [port] }),
    indexed('docs/examples/retry.ts', { chunks: [docs] }),
  ]);
});
after(async () => {
  await search.close();
  await store.close();
  tmp.cleanup();
});

const q = {
  query: 'where is the retry countdown computed for a failed task',
  mode: 'text' as const,
  limit: 10,
  offset: 0,
};

test('source ranks above a test denser in the query words, a port and a docs page', async () => {
  const r = await search.search({ ...q, groupBy: 'file' });
  assert.deepEqual(
    r.files?.map((f) => f.path),
    // The docs page's definition name holds the query's words; the test's body only repeats them.
    [
      '/repo/src/retry.ts',
      '/repo/python/retry.py',
      '/repo/docs/examples/retry.ts',
      '/repo/test/retry.test.ts',
    ],
  );
  // Grouped by file: the file's chunks sit inside its entry, best first.
  assert.deepEqual(
    r.files?.[0]?.hits.map((h) => h.symbol),
    ['retryCountdown', 'scheduleRetry'],
  );
  assert.equal(r.hits.length, 5);
});

test('a query that asks for tests, or include_tests, lifts the test', async () => {
  const asked = await search.search({
    ...q,
    query: 'test of the retry countdown for a failed task',
    groupBy: 'file',
  });
  assert.equal(asked.files?.[0]?.path, '/repo/test/retry.test.ts');
  const included = await search.search({ ...q, groupBy: 'file', includeTests: true });
  assert.equal(included.files?.[0]?.path, '/repo/test/retry.test.ts');
});

test('exclude globs leave files out; chunk mode ranks chunks', async () => {
  const r = await search.search({ ...q, groupBy: 'chunk', exclude: ['src/**', '*.py'] });
  assert.deepEqual(
    r.hits.map((h) => h.path),
    ['/repo/docs/examples/retry.ts', '/repo/test/retry.test.ts'],
  );
  assert.equal(r.files, undefined);
});

test('paging by file: the second page starts at the second file', async () => {
  const first = await search.search({ ...q, groupBy: 'file', limit: 1 });
  const second = await search.search({ ...q, groupBy: 'file', limit: 1, offset: 1 });
  assert.equal(first.files?.[0]?.path, '/repo/src/retry.ts');
  assert.equal(second.files?.[0]?.path, '/repo/python/retry.py');
  assert.equal(first.hasMore, true);
});
