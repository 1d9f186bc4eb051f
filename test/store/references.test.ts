import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { openIndexStore } from '../../src/store/index.js';
import { chunk, indexed, ref, sym, tempDir } from './helpers/fixtures.js';

const tmp = tempDir();
after(tmp.cleanup);

test('findReferences: by name or qualified name, with enclosing symbol and line text', async () => {
  const store = openIndexStore(join(tmp.dir, 'refs.db'));
  const code = [
    'class Api {',
    '  load() {',
    '    const u =   fetchUser(id);  ',
    '    return u;',
    '  }',
    '}',
  ].join('\n');
  await store.writeBatch('/repo', [
    indexed('b.ts', {
      refs: [ref('fetchUser', 3, { enclosing: 'Api.load', col: 16 }), ref('other', 4)],
      chunks: [
        chunk(code, 1, 'Api', 'symbol'),
        chunk('  load() {\n    const u =   fetchUser(id);', 2, 'Api.load'),
      ],
    }),
    indexed('a.ts', { refs: [ref('fetchUser', 7, { kind: 'new' }), ref('fetchUser', 2)] }),
    indexed('lib/c.ts', { refs: [ref('fetchUser', 1)] }),
  ]);

  const all = await store.findReferences({ symbol: 'fetchUser', limit: 10 });
  assert.equal(all.hasMore, false);
  assert.deepEqual(
    all.hits.map((h) => `${h.path}:${h.line}`),
    ['/repo/a.ts:2', '/repo/a.ts:7', '/repo/b.ts:3', '/repo/lib/c.ts:1'],
  );
  const inB = all.hits[2]!;
  assert.equal(inB.enclosing, 'Api.load');
  assert.equal(inB.text, 'const u =   fetchUser(id);');
  assert.equal(inB.col, 16);
  assert.equal(all.hits[1]!.kind, 'new');
  assert.equal(all.hits[0]!.text, null, 'no chunk covers the line');

  assert.equal((await store.findReferences({ symbol: 'UserApi.fetchUser', limit: 10 })).hits.length, 4);
  assert.equal((await store.findReferences({ symbol: 'users::fetchUser', limit: 10 })).hits.length, 4);
  const page = await store.findReferences({ symbol: 'fetchUser', limit: 2, offset: 1 });
  assert.equal(page.hasMore, true);
  assert.deepEqual(
    page.hits.map((h) => h.line),
    [7, 3],
  );
  assert.equal(
    (await store.findReferences({ symbol: 'fetchUser', limit: 10, pathPrefix: '/repo/lib' })).hits.length,
    1,
  );
  assert.equal((await store.findReferences({ symbol: 'nothing', limit: 10 })).hits.length, 0);
  assert.equal((await store.findReferences({ symbol: '', limit: 10 })).hits.length, 0);
  await store.close();
});

test('findReferences: the defining language and source files first, a language filter', async () => {
  const store = openIndexStore(join(tmp.dir, 'refs-rank.db'));
  await store.writeBatch('/repo', [
    indexed('a/backoffs.rs', { language: 'rust', refs: [ref('calculate', 3)] }),
    indexed('src/backoffs.ts', {
      symbols: [sym('calculate', 'method', { container: 'Backoffs' })],
      refs: [ref('calculate', 9)],
    }),
    indexed('src/worker.ts', { refs: [ref('calculate', 4)] }),
    indexed('tests/backoffs.test.ts', { refs: [ref('calculate', 2)] }),
    indexed('lib/backoffs.py', {
      language: 'python',
      symbols: [sym('calculate', 'method', { container: 'Other' })],
    }),
  ]);
  const order = async (symbol: string, language?: string) =>
    (await store.findReferences({ symbol, limit: 10, ...(language ? { language } : {}) })).hits.map((h) =>
      h.path.slice('/repo/'.length),
    );
  // Backoffs.calculate is defined in TypeScript: the Rust port comes last, tests after source.
  assert.deepEqual(await order('Backoffs.calculate'), [
    'src/backoffs.ts',
    'src/worker.ts',
    'tests/backoffs.test.ts',
    'a/backoffs.rs',
  ]);
  assert.deepEqual(await order('calculate', 'rust'), ['a/backoffs.rs']);
  const paged = await store.findReferences({ symbol: 'Backoffs.calculate', limit: 2, offset: 2 });
  assert.deepEqual(
    paged.hits.map((h) => h.path),
    ['/repo/tests/backoffs.test.ts', '/repo/a/backoffs.rs'],
  );
  await store.close();
});

test('a folder indexed as its own root inside an indexed project: each file is read once, from the inner root', async () => {
  const store = openIndexStore(join(tmp.dir, 'nested.db'));
  const file = (path: string) =>
    indexed(path, {
      symbols: [sym('RNSModule', 'class', { startLine: 1, exported: true })],
      refs: [ref('RNSModule', 3, { kind: 'type' })],
      chunks: [chunk('class RNSModule {}\n\nlet m: RNSModule', 1, 'RNSModule')],
    });
  // The project, then its ios/ folder on its own.
  await store.writeBatch('/work/app', [file('ios/RNSModule.ts'), file('src/index.ts')]);
  await store.writeBatch('/work/app/ios', [file('RNSModule.ts')]);
  for (const scope of ['/work/app', '/work/app/ios', ['/work/app', '/work/app/ios'], undefined] as const) {
    const scoped = typeof scope === 'string' || scope === undefined ? scope : [...scope];
    const graph = await store.graphData(scoped);
    assert.deepEqual(
      graph.files.map((f) => f.path).sort(),
      typeof scope === 'string' && scope === '/work/app/ios'
        ? ['/work/app/ios/RNSModule.ts']
        : ['/work/app/ios/RNSModule.ts', '/work/app/src/index.ts'],
      JSON.stringify(scope),
    );
    // The file under ios/ comes from the inner root.
    assert.equal(graph.files.find((f) => f.path.endsWith('ios/RNSModule.ts'))?.root, '/work/app/ios');
    const where = scoped === undefined ? {} : { pathPrefix: scoped };
    const symbols = await store.searchSymbols({ query: 'RNSModule', ...where, limit: 10 });
    assert.equal(symbols.hits.filter((h) => h.path === '/work/app/ios/RNSModule.ts').length, 1);
    const refs = await store.findReferences({ symbol: 'RNSModule', ...where, limit: 10 });
    assert.equal(refs.hits.filter((h) => h.path === '/work/app/ios/RNSModule.ts').length, 1);
    const text = await store.searchText({ query: 'RNSModule', ...where, limit: 10 });
    assert.equal(text.hits.filter((h) => h.path === '/work/app/ios/RNSModule.ts').length, 1);
  }
  await store.close();
});
