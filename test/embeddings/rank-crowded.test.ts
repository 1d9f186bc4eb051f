import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { loadConfig } from '../../src/config/load.js';
import { type CodeSearch, createCodeSearch } from '../../src/mcp/code-search.js';
import { openIndexStore } from '../../src/store/index.js';
import type { IndexStore } from '../../src/store/types.js';
import { chunk, indexed, tempDir } from '../store/helpers/fixtures.js';

// A repository whose tests outnumber its source, as in most repositories with a test suite: 120
// test files each say "route handler registered" more densely than the one source file that
// registers route handlers. BM25 alone ranks every test chunk above the source chunk, so a pool of
// the first few dozen candidates holds no source at all.
const tmp = tempDir('codeindex-rank-crowded-');
const cfg = loadConfig({}, { CODEINDEX_HOME: tmp.dir, CODEINDEX_EMBEDDINGS: 'off' });
let store: IndexStore;
let search: CodeSearch;
const TESTS = 120;

before(async () => {
  store = openIndexStore(join(tmp.dir, 'index.db'));
  search = createCodeSearch(cfg, () => store);
  const source = chunk(
    [
      'function addRoute(opts) {',
      '  // every route handler is registered in the router here',
      '  const context = buildContext(opts);',
      '  router.on(opts.method, opts.url, context.handler);',
      '  return context;',
      '}',
      'function buildContext(opts) { return { handler: opts.handler, config: opts.config, schema: opts.schema }; }',
    ].join('\n'),
    10,
    'addRoute',
  );
  const tests = Array.from({ length: TESTS }, (_, i) =>
    indexed(`test/route-${i}.test.js`, {
      chunks: [
        chunk(
          `test('route handler registered ${i}', t => {\n  // route handler registered route handler\n  app.route({ url: '/${i}', handler })\n})`,
          1,
          null,
          'code',
        ),
      ],
    }),
  );
  await store.writeBatch('/repo', [indexed('lib/route.js', { chunks: [source] }), ...tests]);
  // The same, plus 11 source files denser than the tests that the query's `exclude` leaves out.
  const compat = Array.from({ length: 11 }, (_, i) =>
    indexed(`lib/compat/route-${i}.js`, {
      chunks: [
        chunk(
          `// route handler registered route handler registered route handler registered ${i}\nexports.r${i} = handler`,
          1,
          `r${i}`,
        ),
      ],
    }),
  );
  await store.writeBatch('/repo2', [
    indexed('lib/route.js', { chunks: [source] }),
    ...tests.map((t) => ({ ...t })),
    ...compat,
  ]);
});
after(async () => {
  await search.close();
  await store.close();
  tmp.cleanup();
});

const q = {
  query: 'where are route handlers registered',
  mode: 'text' as const,
  limit: 10,
  offset: 0,
  pathPrefix: '/repo',
};

test('the text ranking alone puts the source below every test', async () => {
  const r = await store.rankText({ query: q.query, limit: TESTS + 1, pathPrefix: '/repo' });
  const chunks = await store.chunksByIds(r.ids);
  const paths = r.ids.map((id) => chunks.find((c) => c.chunkId === id)?.path);
  // What makes the case: the source is last, far past the pool a page of 10 files reads (66).
  assert.equal(paths.indexOf('/repo/lib/route.js'), TESTS);
});

test('source ranks first even when tests fill the whole candidate pool', async () => {
  const byFile = await search.search({ ...q, groupBy: 'file' });
  assert.equal(byFile.files?.[0]?.path, '/repo/lib/route.js');
  assert.equal(byFile.files?.length, 10);
  const byChunk = await search.search(q);
  assert.equal(byChunk.hits[0]?.path, '/repo/lib/route.js');
});

test('a query that asks for tests gets the tests first', async () => {
  const r = await search.search({ ...q, query: 'tests of route handlers registered', groupBy: 'file' });
  assert.match(r.files?.[0]?.path ?? '', /^\/repo\/test\//);
  const all = await search.search({ ...q, includeTests: true, groupBy: 'file' });
  assert.match(all.files?.[0]?.path ?? '', /^\/repo\/test\//);
});

test('source files the query excludes do not count as the page of source the pool needs', async () => {
  const r = await search.search({
    ...q,
    pathPrefix: '/repo2',
    exclude: ['lib/compat/**'],
    groupBy: 'file',
  });
  assert.equal(r.files?.[0]?.path, '/repo2/lib/route.js');
  assert.ok(!r.files?.some((f) => f.path.includes('/compat/')));
});
