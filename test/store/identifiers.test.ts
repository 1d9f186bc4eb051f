import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import Database from 'better-sqlite3';
import {
  chunkSubTokens,
  dottedSymbol,
  nameKey,
  nameSuffixes,
  splitIdentifier,
} from '../../src/store/identifiers.js';
import { openIndexStore } from '../../src/store/index.js';
import { unpackRefSites } from '../../src/store/ref-sites.js';
import { chunk, indexed, ref, sym, tempDir } from './helpers/fixtures.js';

// The Unicode-regex definitions the ASCII fast paths must agree with.
const PART = /\p{Lu}+(?=\p{Lu}\p{Ll})|\p{Lu}?\p{Ll}+|\p{Lu}+|\p{N}+|\p{L}+/gu;
const CAMEL_WORD = /[\p{L}\p{N}]*(?:\p{Ll}\p{Lu}|\p{Lu}\p{Lu}\p{Ll}|\p{L}\p{N}|\p{N}\p{L})[\p{L}\p{N}]*/gu;
const refSplit = (name: string): string[] => (name.match(PART) ?? []).map((p) => p.toLowerCase());
function refSubTokens(content: string): string {
  const seen = new Set<string>();
  const lines: string[] = [];
  for (const m of content.matchAll(CAMEL_WORD)) {
    if (seen.has(m[0])) continue;
    seen.add(m[0]);
    const parts = refSplit(m[0]);
    if (parts.length > 1) lines.push(parts.join(' '));
  }
  return lines.join('\n');
}

const SAMPLES = [
  'getUserById',
  'HTMLParser',
  'retry_backoff_max',
  'XMLHttpRequest2Factory',
  'utf8Decode',
  'v2',
  '2fa',
  'ABC',
  'abc',
  'a1b2C3',
  '$scope',
  '__proto__',
  'IOError',
  'parseURLs',
  'x',
  '',
  'kebab-case-name',
  'ÄpfelBirne',
  'naïveSet',
  'café2Go',
];

test('splitIdentifier / nameKey / nameSuffixes: ASCII fast path matches the Unicode definition', () => {
  for (const s of SAMPLES) {
    assert.deepEqual(splitIdentifier(s), refSplit(s), s);
    assert.equal(nameKey(s), s.toLowerCase().replace(/[^\p{L}\p{N}$]/gu, ''), s);
  }
  assert.deepEqual(nameSuffixes('getUserById'), ['getuserbyid', 'userbyid', 'byid', 'id']);
});

test('chunkSubTokens: the scanner and its caches match the CAMEL_WORD regex, ASCII or not', () => {
  const texts = [
    SAMPLES.join(' '),
    'function getUserById(id: number) { return fetchJSON("/users/" + id) ?? HTMLParser.parse(x2y); }',
    'const retryBackoffMax = 3; // retryBackoffMax again, ABCDef, AbC, aBC, x1, 1x, 12, ab_Cd',
    'class IOError extends Error {}\nlet é = naïveSet + caféBar;\n',
    'tail word at end: endsWithCamelCase',
    'startsWith: camelCase\n\tmixedTabs\r\nwindowsLineEnds2',
    // Non-ASCII: CJK (letters without case), Arabic-Indic and superscript digits, titlecase,
    // an astral capital (two UTF-16 units), a lone surrogate, Greek and Cyrillic camelCase.
    '数据Base 名前2 x٣y a²b ǅemal 𝒜bc a𝒜b \ud800Ab xY\udc00 αβΓδ ДомРабота ÀÉÎõ',
    '/** Ünïcödé JSDoc → getÜserById, HTTPServerÉtat, naïveSet2 */',
    '',
  ];
  for (const t of texts) {
    assert.equal(chunkSubTokens(t), refSubTokens(t), t);
    // Second call goes through the word cache.
    assert.equal(chunkSubTokens(t), refSubTokens(t), t);
  }
});

const tmp = tempDir();
after(tmp.cleanup);

test('multi-row inserts: counts that are not multiples of the row buckets keep every row, in order', async () => {
  const dbPath = join(tmp.dir, 'multi.db');
  const store = openIndexStore(dbPath);
  // 85 = 64 + 16 + 4 + 1 rows: every bucket size is used.
  const n = 85;
  const symbols = Array.from({ length: n }, (_, i) =>
    sym(`symbolNumber${i}`, 'function', { startLine: i + 1 }),
  );
  const refs = Array.from({ length: n }, (_, i) => ref(`calledName${i}`, i + 1));
  const chunks = Array.from({ length: n }, (_, i) =>
    chunk(`function symbolNumber${i}() { uniqueMarker${i}; }`, i + 1),
  );
  const r = await store.writeBatch('/repo', [
    indexed('src/a.ts', { symbols, refs, chunks, imports: [{ source: './x', names: ['a'], line: 1 }] }),
    indexed('src/b.ts', { symbols: [sym('lonelyOne')], chunks: [chunk('const lonelyOne = 1;')] }),
  ]);
  assert.deepEqual(r, { files: 2, removed: 0, symbols: n + 1, refs: n, chunks: n + 1 });
  const db = new Database(dbPath, { readonly: true });
  try {
    const names = db.prepare('SELECT name FROM symbols ORDER BY id').pluck().all() as string[];
    assert.deepEqual(names, [...symbols.map((s) => s.name), 'lonelyOne']);
    // One refs row per (name, file): every name is there once, with its one site.
    const refRows = db.prepare('SELECT name, sites FROM refs ORDER BY name').all() as {
      name: string;
      sites: string;
    }[];
    assert.deepEqual(
      refRows.map((r) => [r.name, unpackRefSites(r.sites)]),
      refs
        .map((x) => [x.name, [[x.line, x.col, x.kind, x.enclosing, x.receiver ?? null]]])
        .sort((a, b) => (String(a[0]) < String(b[0]) ? -1 : 1)),
    );
    // FTS rowids are the chunk ids: every chunk is found by its own marker and its camelCase parts.
    for (const i of [0, 63, 64, 79, 80, 83, 84]) {
      const id = db
        .prepare('SELECT id FROM chunks WHERE content = ?')
        .pluck()
        .get(chunks[i]?.content) as number;
      const hit = db
        .prepare('SELECT rowid FROM chunks_fts WHERE chunks_fts MATCH ?')
        .pluck()
        .all(`uniqueMarker${i}`) as number[];
      assert.deepEqual(hit, [id], `chunk ${i}`);
    }
    const parts = db
      .prepare(`SELECT count(*) FROM chunks_fts WHERE chunks_fts MATCH '"symbol number"'`)
      .pluck()
      .get();
    assert.equal(parts, n);
  } finally {
    db.close();
  }
  // A rewrite that drops rows and adds new ones keeps ids unique and the FTS in step.
  await store.writeBatch('/repo', [indexed('src/a.ts', { chunks: [chunk('const replacedMarker = 1;')] })]);
  assert.equal((await store.searchText({ query: 'uniqueMarker3', limit: 5 })).hits.length, 0);
  assert.equal((await store.searchText({ query: 'replaced marker', limit: 5 })).hits.length, 1);
  assert.equal((await store.searchText({ query: 'lonelyOne', limit: 5 })).hits.length, 1);
  await store.close();
});

test('the word cache of chunkSubTokens does not keep the texts its words were cut from alive', () => {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  gc();
  const before = getHeapStatistics().used_heap_size;
  for (let i = 0; i < 30; i++) {
    // 2 MB of text per round, unique: a long camelCase word the cache keeps, and a 1 MB one
    // (minified code) that it must not keep.
    const text = `${i}${' '.repeat(1024 * 1024)}someLongCamelCaseIdentifierNumber${i}Here; a${i}${'x'.repeat(1024 * 1024)}`;
    assert.match(chunkSubTokens(text), new RegExp(`^some long camel case identifier number ${i} here$`, 'm'));
  }
  gc();
  const grown = getHeapStatistics().used_heap_size - before;
  // Keeping the texts would hold 30 x 2 MB; the words themselves are a few KB.
  assert.ok(grown < 8 * 1024 * 1024, `heap grew by ${Math.round(grown / 1024)} KB`);
});

test('dottedSymbol: Objective-C method names as the searches read them', () => {
  assert.equal(dottedSymbol('-[EXFoo updateProps:withOldProps:]'), 'EXFoo.updateProps');
  assert.equal(dottedSymbol(' +[EXFoo sharedInstance] '), 'EXFoo.sharedInstance');
  assert.equal(dottedSymbol('-[NSString(EXGreeting) ex_isBlank]'), 'NSString.ex_isBlank');
  assert.equal(dottedSymbol('updateProps:withOldProps:'), 'updateProps');
  assert.equal(dottedSymbol('EXFoo.greet:'), 'EXFoo.greet');
  // Go's method expressions and JavaScript's prototype paths name the class's method.
  assert.equal(dottedSymbol('(*Server).Shutdown'), 'Server.Shutdown');
  assert.equal(dottedSymbol('( Server ).Close'), 'Server.Close');
  assert.equal(dottedSymbol('Reply.prototype.send'), 'Reply.send');
  assert.equal(dottedSymbol('a.B.prototype.c'), 'a.B.c');
  // Everything else as written.
  assert.equal(dottedSymbol('std::vector'), 'std::vector');
  assert.equal(dottedSymbol('Queue.add'), 'Queue.add');
  assert.equal(dottedSymbol('[a-z]*'), '[a-z]*');
  assert.equal(dottedSymbol('-'), '-');
});
