import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, test } from 'node:test';
import Database from 'better-sqlite3';
import { isCodeindexError } from '../../src/errors.js';
import { openIndexStore } from '../../src/store/index.js';
import { chunk, failed, indexed, ref, skipped, sym, tempDir } from './helpers/fixtures.js';

const tmp = tempDir();
after(tmp.cleanup);
let n = 0;
const fresh = (now?: () => number) => {
  const dbPath = join(tmp.dir, `w${n++}.db`);
  return { dbPath, store: openIndexStore(dbPath, now === undefined ? {} : { now }) };
};
const count = (dbPath: string, sql: string): number => {
  const db = new Database(dbPath, { readonly: true });
  try {
    return db.prepare(sql).pluck().get() as number;
  } finally {
    db.close();
  }
};

test('a changed file replaces its rows: no duplicates, FTS follows', async () => {
  const { dbPath, store } = fresh();
  const v1 = indexed('src/a.ts', {
    symbols: [sym('oldName'), sym('kept', 'class')],
    refs: [ref('callOld', 3)],
    imports: [{ source: './x', names: ['a'], line: 1 }],
    chunks: [chunk('function oldName() { return legacyMarker; }')],
  });
  const r1 = await store.writeBatch('/repo', [v1, indexed('src/b.ts', { symbols: [sym('other')] })]);
  assert.deepEqual(r1, { files: 2, removed: 0, symbols: 3, refs: 1, chunks: 1 });

  const v2 = indexed('src/a.ts', {
    symbols: [sym('newName'), sym('kept', 'class')],
    refs: [ref('callNew', 3)],
    chunks: [chunk('function newName() { return freshMarker; }')],
  });
  await store.writeBatch('/repo', [v2]);
  await store.writeBatch('/repo', [v2]);

  assert.equal((await store.searchSymbols({ query: 'oldName', limit: 10 })).hits.length, 0);
  assert.equal((await store.searchSymbols({ query: 'newName', limit: 10 })).hits.length, 1);
  assert.equal((await store.searchSymbols({ query: 'kept', limit: 10 })).hits.length, 1);
  assert.equal((await store.findReferences({ symbol: 'callOld', limit: 10 })).hits.length, 0);
  assert.equal((await store.findReferences({ symbol: 'callNew', limit: 10 })).hits.length, 1);
  assert.equal((await store.searchText({ query: 'legacyMarker', limit: 10 })).hits.length, 0);
  assert.equal((await store.searchText({ query: 'freshMarker', limit: 10 })).hits.length, 1);
  await store.close();
  assert.equal(count(dbPath, 'SELECT count(*) FROM files'), 2);
  assert.equal(count(dbPath, 'SELECT count(*) FROM symbols'), 3);
  assert.equal(count(dbPath, 'SELECT count(*) FROM imports'), 0);
  assert.equal(count(dbPath, 'SELECT count(*) FROM chunks'), 1);
});

test('removals, removeFiles, removeUnder and removeRoot cascade to every table', async () => {
  const { dbPath, store } = fresh();
  const withRows = (p: string) =>
    indexed(p, {
      symbols: [sym(`s_${p.replace(/\W/g, '_')}`)],
      refs: [ref('x', 1)],
      chunks: [chunk(`// ${p}`)],
    });
  await store.writeBatch(
    '/repo',
    ['a.ts', 'lib/b.ts', 'lib/c.ts', 'lib/sub/d.ts', 'libx/e.ts', 'z.ts'].map(withRows),
  );
  const r = await store.writeBatch('/repo', [], ['a.ts', 'nope.ts']);
  assert.equal(r.removed, 1);
  assert.equal(await store.removeFiles('/repo', ['z.ts']), 1);
  assert.equal(await store.removeUnder('/repo', 'lib/'), 3);
  assert.deepEqual([...(await store.getFileStates('/repo')).keys()], ['libx/e.ts']);
  assert.equal(await store.removeUnder('/unknown', 'lib'), 0);
  assert.equal(await store.removeRoot('/repo'), true);
  assert.equal(await store.removeRoot('/repo'), false);
  await store.close();
  for (const t of ['files', 'symbols', 'refs', 'chunks'])
    assert.equal(count(dbPath, `SELECT count(*) FROM ${t}`), 0, t);
  assert.equal(count(dbPath, "SELECT count(*) FROM chunks_fts WHERE chunks_fts MATCH 'libx'"), 0);
});

test('skipped and failed files are recorded and counted by reason', async () => {
  const { store } = fresh();
  await store.writeBatch('/repo/', [
    indexed('a.ts', { symbols: [sym('a'), sym('b')], refs: [ref('c', 1)], chunks: [chunk('a b')] }),
    indexed('p.py', { language: 'python', symbols: [sym('p')] }),
    skipped('big.bin', 'too_large'),
    skipped('img.png', 'binary'),
    { ...skipped('huge.ts', 'too_large'), language: 'typescript' },
    failed('bad.py', 'parse error at 3:1'),
  ]);
  const [s] = await store.rootStatus('/repo');
  assert.ok(s);
  assert.equal(s.root, '/repo');
  assert.deepEqual(s.files, { indexed: 2, skipped: 3, failed: 1 });
  assert.deepEqual(s.skippedByReason, { too_large: 2, binary: 1 });
  assert.deepEqual(s.skippedByLanguage, { other: { too_large: 1, binary: 1 }, typescript: { too_large: 1 } });
  assert.deepEqual(s.languages, { typescript: 1, python: 1 });
  assert.equal(s.symbols, 3);
  assert.equal(s.refs, 1);
  assert.equal(s.chunks, 1);
  assert.deepEqual(s.failedFiles, [{ path: 'bad.py', error: 'parse error at 3:1' }]);
  assert.deepEqual(await store.rootStatus('/elsewhere'), []);
  assert.equal((await store.rootStatus()).length, 1);

  // A file that becomes skipped loses its symbols.
  await store.writeBatch('/repo', [skipped('a.ts', 'too_large')]);
  assert.equal((await store.searchSymbols({ query: 'a', limit: 5 })).hits.length, 0);
  assert.equal(await store.fileOutline('/repo/a.ts'), null);
  await store.close();
});

test('file states, generations and the touchQueried throttle', async () => {
  let clock = 1_000_000;
  const { store } = fresh(() => clock);
  await store.writeBatch('/repo', [indexed('a.ts', {}, { size: 42, mtimeMs: 123.5, sha256: 'abc' })]);
  assert.deepEqual(await store.getFileState('/repo', 'a.ts'), {
    size: 42,
    mtimeMs: 123.5,
    sha256: 'abc',
    status: 'indexed',
    reason: null,
    error: null,
  });
  assert.equal(await store.getFileState('/repo', 'b.ts'), null);
  assert.equal((await store.getFileStates('/other')).size, 0);

  assert.equal((await store.listRoots())[0]?.generation, 0);
  assert.equal(await store.completeGeneration('/repo'), 1);
  clock += 10;
  assert.equal(await store.completeGeneration('/repo'), 2);
  assert.equal((await store.listRoots())[0]?.lastIndexedAt, clock);

  await store.touchQueried('/repo');
  assert.equal((await store.listRoots())[0]?.lastQueriedAt, clock);
  const first = clock;
  clock += 30_000;
  await store.touchQueried('/repo');
  assert.equal((await store.listRoots())[0]?.lastQueriedAt, first, 'throttled within a minute');
  clock += 31_000;
  await store.touchQueried('/repo');
  assert.equal((await store.listRoots())[0]?.lastQueriedAt, clock);
  await store.close();
});

test('bad paths are rejected and the whole batch rolls back', async () => {
  const { store } = fresh();
  await assert.rejects(
    () => store.writeBatch('relative/root', []),
    (e) => isCodeindexError(e, 'INVALID_PAYLOAD'),
  );
  await assert.rejects(
    () => store.writeBatch('/repo', [indexed('ok.ts', { symbols: [sym('ok')] }), indexed('../escape.ts')]),
    (e) => isCodeindexError(e, 'INVALID_PAYLOAD'),
  );
  assert.equal((await store.searchSymbols({ query: 'ok', limit: 5 })).hits.length, 0);
  assert.equal((await store.getFileStates('/repo')).size, 0);
  await store.close();
});

test('unchanged chunks keep their row across a rewrite; duplicate paths in a batch keep the last', async () => {
  const { store } = fresh();
  const keep = chunk('function keep() { return stableMarker; }', 1, 'keep');
  await store.writeBatch('/repo', [
    indexed('a.ts', { chunks: [keep, chunk('function gone() { return oldMarker; }', 5)] }),
  ]);
  const before = (await store.searchText({ query: 'stableMarker', limit: 5 })).hits[0]?.chunkId;
  const moved = { ...keep, startLine: 11, endLine: 11 };
  await store.writeBatch('/repo', [
    indexed('a.ts', { chunks: [chunk('function first() { return firstMarker; }', 1)] }),
    indexed('a.ts', { chunks: [moved, chunk('function added() { return newMarker; }', 1)] }),
  ]);
  const hit = (await store.searchText({ query: 'stableMarker', limit: 5 })).hits[0];
  assert.equal(hit?.chunkId, before, 'same chunk row');
  assert.equal(hit?.startLine, 11, 'its position was updated');
  assert.equal((await store.searchText({ query: 'oldMarker', limit: 5 })).hits.length, 0);
  assert.equal((await store.searchText({ query: 'firstMarker', limit: 5 })).hits.length, 0);
  assert.equal((await store.searchText({ query: 'newMarker', limit: 5 })).hits.length, 1);
  // A path both removed and written in one batch ends up written.
  await store.writeBatch('/repo', [indexed('b.ts', { symbols: [sym('bee')] })], ['b.ts']);
  assert.equal((await store.searchSymbols({ query: 'bee', limit: 5 })).hits.length, 1);
  await store.close();
});
