import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createExtractor } from '../../src/indexer/index.js';
import type { LanguageId } from '../../src/indexer/types.js';
import { groupSymbolHits, moreLinesText, searchSymbolGroups } from '../../src/mcp/symbol-groups.js';
import { type IndexStore, openIndexStore } from '../../src/store/index.js';
import { extracted, tempDir } from './helpers/fixtures.js';

const tmp = tempDir();
let store: IndexStore;
const extractor = createExtractor();

const write = (path: string, language: LanguageId, text: string) =>
  extracted(extractor, path, language, text);

// Three overload signatures and the implementation (lines 1, 2, 3, 4), as rxjs writes them.
const OPERATORS = [
  'export function merge<T>(a: T): T;',
  'export function merge<T>(a: T, b: T): T;',
  'export function merge<T>(a: T, b: T, c: T): T;',
  'export function merge(...args: unknown[]): unknown {',
  '  return args[0];',
  '}',
  '',
  'export class Emitter {',
  "  on(event: 'data', fn: () => void): this;",
  "  on(event: 'end', fn: () => void): this;",
  '  on(event: string, fn: () => void): this {',
  '    return this;',
  '  }',
  '}',
  '',
].join('\n');

const OBSERVABLE = 'export function merge(...sources: unknown[]): unknown {\n  return sources;\n}\n';

const PROPS = [
  'class Job:',
  '    @property',
  '    def merge(self):',
  '        return self._m',
  '',
  '    @merge.setter',
  '    def merge(self, value):',
  '        self._m = value',
  '',
].join('\n');

// Thirty copies of one name in one file, then one more file defining it: a page of two groups
// needs more rows than four per group.
const MANY = Array.from({ length: 30 }, (_, i) => `export function spread(a${i}: number): number;`)
  .concat(['export function spread(...a: number[]): number {', '  return a.length;', '}', ''])
  .join('\n');

before(async () => {
  store = openIndexStore(join(tmp.dir, 'groups.db'));
  await store.writeBatch('/repo', [
    write('src/operators/merge.ts', 'typescript', OPERATORS),
    write('src/observable/merge.ts', 'typescript', OBSERVABLE),
    write('src/job.py', 'python', PROPS),
    write('src/many.ts', 'typescript', MANY),
    write('src/spread.ts', 'typescript', 'export function spread(): number {\n  return 0;\n}\n'),
    // The same statement namespace at the top of three files, and one with a body.
    ...['Request', 'Response', 'Kernel'].map((c) =>
      write(`app/Http/${c}.php`, 'php', `<?php\n\nnamespace App\\Http;\n\nclass ${c}\n{\n}\n`),
    ),
    write('app/Legacy.php', 'php', '<?php\nnamespace App\\Http {\n  class Legacy {}\n}\n'),
  ]);
});
after(async () => {
  await store.close();
  tmp.cleanup();
});

const label = (g: {
  hit: { path: string; line: number; container: string | null; name: string };
  moreLines: number[];
}) =>
  `${g.hit.path.slice('/repo/'.length)}:${g.hit.line} ${g.hit.container ? `${g.hit.container}.` : ''}${g.hit.name} ${JSON.stringify(g.moreLines)}`;

test('one result per name in a file and container: overloads, getter and setter', async () => {
  // The store itself returns every definition: four for the overloaded function alone.
  const raw = await store.searchSymbols({ query: 'merge', limit: 50 });
  assert.equal(raw.hits.filter((h) => h.path.endsWith('operators/merge.ts')).length, 4);

  const { groups, hasMore } = await searchSymbolGroups(store, { query: 'merge', limit: 20 });
  assert.equal(hasMore, false);
  assert.deepEqual(groups.map(label).sort(), [
    'src/job.py:3 Job.merge [7]',
    'src/observable/merge.ts:1 merge []',
    'src/operators/merge.ts:1 merge [2,3,4]',
  ]);
  const method = await searchSymbolGroups(store, { query: 'on', kind: 'method', limit: 20 });
  assert.deepEqual(method.groups.map(label), ['src/operators/merge.ts:9 Emitter.on [10,11]']);
  assert.equal(moreLinesText([2, 3, 4]), ' (+3 more: lines 2, 3, 4)');
  assert.equal(moreLinesText([7]), ' (+1 more: line 7)');
  assert.equal(moreLinesText([]), '');
});

test('pages count groups: no group is repeated or skipped, however many copies a name has', async () => {
  const all = await searchSymbolGroups(store, { query: 'merge', limit: 20 });
  const seen: string[] = [];
  for (let offset = 0; ; offset++) {
    const page = await searchSymbolGroups(store, { query: 'merge', limit: 1, offset });
    seen.push(...page.groups.map(label));
    assert.equal(page.hasMore, offset < all.groups.length - 1);
    if (!page.hasMore) break;
  }
  assert.deepEqual(seen, all.groups.map(label));

  // 31 rows of `spread` in one file: a page of two groups still holds both files.
  const spread = await searchSymbolGroups(store, { query: 'spread', limit: 2 });
  assert.deepEqual(
    spread.groups.map((g) => `${g.hit.path.slice('/repo/'.length)} +${g.moreLines.length}`).sort(),
    ['src/many.ts +30', 'src/spread.ts +0'],
  );
  assert.equal(spread.hasMore, false);
});

test('a statement namespace repeated at the top of many files is one result, counting the others', async () => {
  const raw = await store.searchSymbols({ query: 'App\\Http', kind: 'namespace', limit: 50 });
  assert.equal(raw.hits.length, 4);
  const { groups } = await searchSymbolGroups(store, { query: 'App\\Http', kind: 'namespace', limit: 20 });
  assert.deepEqual(
    groups
      .map(
        (g) =>
          `${g.hit.path.slice('/repo/'.length)}:${g.hit.line}-${g.hit.endLine} +${g.moreFiles} ${JSON.stringify(g.moreLines)}`,
      )
      .sort(),
    // The namespace with a body (lines 2-4) is a definition of its own.
    ['app/Http/Kernel.php:3-3 +2 []', 'app/Legacy.php:2-4 +0 []'],
  );
  assert.equal(moreLinesText([], 2), ' (+2 more files)');
  assert.equal(moreLinesText([], 1), ' (+1 more file)');
});

test("a file's outline groups the same way, in source order", async () => {
  const outline = (await store.fileOutline('/repo/src/operators/merge.ts'))!;
  assert.equal(outline.length, 8);
  assert.deepEqual(
    groupSymbolHits(outline).map(
      (g) => `${g.hit.line} ${g.hit.container ?? ''}.${g.hit.name} ${JSON.stringify(g.moreLines)}`,
    ),
    ['1 .merge [2,3,4]', '8 .Emitter []', '9 Emitter.on [10,11]'],
  );
});
