import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { loadConfig } from '../../src/config/load.js';
import { type CodeSearch, createCodeSearch, poolSize } from '../../src/mcp/code-search.js';
import { openIndexStore } from '../../src/store/index.js';
import type { IndexStore } from '../../src/store/types.js';
import { chunk, indexed, tempDir } from '../store/helpers/fixtures.js';

// A file that answers in three places (`lib/child.js`) against one that answers once a little
// better (`lib/single.js`), among 60 files whose single chunk holds two of the three words. The
// answering file's second and third chunks rank after the fillers: with a pool sized from a page
// of 3 they were not read, and the file came after `lib/single.js`; with a page of 10 they were.
const tmp = tempDir('codeindex-rank-pool-');
const cfg = loadConfig({}, { CODEINDEX_HOME: tmp.dir, CODEINDEX_EMBEDDINGS: 'off' });
let store: IndexStore;
let search: CodeSearch;
const FILLERS = 60;

before(async () => {
  store = openIndexStore(join(tmp.dir, 'index.db'));
  search = createCodeSearch(cfg, () => store);
  const filler = (i: number) =>
    indexed(`lib/filler-${i}.js`, {
      chunks: [
        chunk(`function f${i}(bindings) {\n  // child bindings ${i}\n  return bindings;\n}`, 1, `f${i}`),
      ],
    });
  const child = indexed('lib/child.js', {
    chunks: [
      chunk(
        'function child(bindings, options) {\n  // merge the child logger bindings with the parent ones\n  const merged = Object.assign({}, this.bindings, bindings);\n  return new Logger(merged, options);\n}',
        1,
        'child',
      ),
      chunk(
        'function setBindings(newBindings) {\n  // bindings of a child are serialised once\n  const chindings = this.serialize(newBindings);\n  this.chindings = chindings;\n  this.level = this.level;\n  this.version = 1;\n}',
        10,
        'setBindings',
      ),
      chunk(
        'function bindings() {\n  // the parsed bindings of this child logger and of its parents\n  const chindings = this.chindings;\n  const parsed = JSON.parse(chindings);\n  delete parsed.pid;\n  return parsed;\n}',
        20,
        'bindings',
      ),
    ],
  });
  const single = indexed('lib/single.js', {
    chunks: [
      chunk(
        'function merge(child, bindings) {\n  // merge child bindings of the logger\n  return { child, bindings };\n}',
        1,
        'merge',
      ),
    ],
  });
  await store.writeBatch('/repo', [child, single, ...Array.from({ length: FILLERS }, (_, i) => filler(i))]);
});

after(async () => {
  await store.close();
  tmp.cleanup();
});

test('the pool is never narrower than for the default page', () => {
  assert.equal(poolSize(0, 3, true), poolSize(0, 10, true));
  assert.equal(poolSize(0, 1, false), poolSize(0, 10, false));
  assert.ok(poolSize(0, 30, true) > poolSize(0, 10, true));
});

test('a smaller limit returns the first files of the default answer', async () => {
  for (const query of [
    'where are the child logger bindings merged',
    'child bindings',
    'merge bindings of a child logger',
  ]) {
    const page = async (limit: number) =>
      (await search.search({ query, mode: 'text', groupBy: 'file', limit, offset: 0 })).files?.map(
        (f) => f.path,
      ) ?? [];
    const ten = await page(10);
    assert.ok(ten.length >= 3, query);
    for (const limit of [1, 2, 3, 5])
      assert.deepEqual(await page(limit), ten.slice(0, limit), `${query} at ${limit}`);
  }
});
