import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import Database from 'better-sqlite3';
import { isCodeindexError } from '../../src/errors.js';
import { EXTRACTOR_VERSION } from '../../src/indexer/extractor-version.js';
import { staleChecker } from '../../src/mcp/context.js';
import { openIndexStore, SCHEMA_VERSION } from '../../src/store/index.js';
import { MIGRATIONS } from '../../src/store/migrations.js';
import { SECONDARY_RANK } from '../../src/store/symbol-rank.js';
import { recordedMtime } from '../../src/store/types.js';
import { indexed, sym, tempDir } from './helpers/fixtures.js';

const tmp = tempDir();
after(tmp.cleanup);

test('creates the schema from empty, with WAL and the parent directory', async () => {
  const dbPath = join(tmp.dir, 'nested', 'dir', 'index.db');
  const store = openIndexStore(dbPath);
  await store.close();
  assert.ok(existsSync(dbPath));
  const db = new Database(dbPath, { readonly: true });
  assert.equal(db.pragma('user_version', { simple: true }), SCHEMA_VERSION);
  assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
  const tables = db
    .prepare("SELECT name FROM sqlite_schema WHERE type IN ('table') ORDER BY name")
    .pluck()
    .all() as string[];
  for (const t of ['roots', 'files', 'symbols', 'refs', 'imports', 'chunks', 'chunks_fts', 'vectors']) {
    assert.ok(tables.includes(t), `missing table ${t}`);
  }
  db.close();
});

test('a new database gets 8 KB pages; an existing one keeps the page size it was made with', async () => {
  const fresh = join(tmp.dir, 'fresh-pages.db');
  await openIndexStore(fresh).close();
  const a = new Database(fresh, { readonly: true });
  assert.equal(a.pragma('page_size', { simple: true }), 8192);
  a.close();

  const old = join(tmp.dir, 'old-pages.db');
  const raw = new Database(old);
  raw.pragma('page_size = 4096');
  raw.pragma('journal_mode = WAL');
  raw.exec('CREATE TABLE keep (x)');
  raw.close();
  const store = openIndexStore(old);
  await store.writeBatch('/repo', [indexed('a.ts', { symbols: [sym('alpha')] })]);
  assert.equal((await store.searchSymbols({ query: 'alpha', limit: 5 })).hits.length, 1);
  await store.close();
  const b = new Database(old, { readonly: true });
  assert.equal(b.pragma('page_size', { simple: true }), 4096);
  b.close();
});

test('re-opening is idempotent and keeps data', async () => {
  const dbPath = join(tmp.dir, 'reopen.db');
  const a = openIndexStore(dbPath);
  await a.writeBatch('/repo', [indexed('a.ts', { symbols: [sym('alpha')] })]);
  await a.close();
  const b = openIndexStore(dbPath);
  const c = openIndexStore(dbPath);
  assert.equal((await b.searchSymbols({ query: 'alpha', limit: 5 })).hits.length, 1);
  assert.equal((await c.listRoots()).length, 1);
  await b.close();
  await c.close();
});

test('read-only open of a missing database is NOT_INDEXED and creates nothing', () => {
  const dbPath = join(tmp.dir, 'missing', 'index.db');
  assert.throws(
    () => openIndexStore(dbPath, { readonly: true }),
    (err) => isCodeindexError(err, 'NOT_INDEXED'),
  );
  assert.equal(existsSync(dbPath), false);
});

test('read-only store reads while a writer writes, and refuses writes', async () => {
  const dbPath = join(tmp.dir, 'ro.db');
  const writer = openIndexStore(dbPath);
  await writer.writeBatch('/repo', [indexed('a.ts', { symbols: [sym('first')] })]);
  const reader = openIndexStore(dbPath, { readonly: true });
  assert.equal(reader.readonly, true);
  assert.equal((await reader.searchSymbols({ query: 'first', limit: 5 })).hits.length, 1);
  await writer.writeBatch('/repo', [indexed('b.ts', { symbols: [sym('second')] })]);
  assert.equal((await reader.searchSymbols({ query: 'second', limit: 5 })).hits.length, 1);
  await assert.rejects(
    () => reader.writeBatch('/repo', []),
    (err) => isCodeindexError(err, 'INTERNAL'),
  );
  // touchQueried goes through its own best-effort connection.
  await reader.touchQueried('/repo');
  assert.equal(typeof (await writer.listRoots())[0]?.lastQueriedAt, 'number');
  await reader.close();
  await writer.close();
});

test('read-only open migrates an older schema once', async () => {
  const dbPath = join(tmp.dir, 'old.db');
  const raw = new Database(dbPath);
  raw.pragma('journal_mode = WAL');
  raw.close();
  const reader = openIndexStore(dbPath, { readonly: true });
  assert.deepEqual(await reader.listRoots(), []);
  await reader.close();
});

test('a newer schema is refused with a clear error', () => {
  const dbPath = join(tmp.dir, 'newer.db');
  const raw = new Database(dbPath);
  raw.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
  raw.close();
  assert.throws(() => openIndexStore(dbPath), /newer than this codeindex/);
});

test('v1 -> v2 packs one-row-per-reference refs into (name, file) rows, in position order', async () => {
  const dbPath = join(tmp.dir, 'v1.db');
  const raw = new Database(dbPath);
  raw.pragma('journal_mode = WAL');
  MIGRATIONS[0]!.up(raw);
  raw.pragma('user_version = 1');
  raw.exec(`
    INSERT INTO roots (id, path, created_at) VALUES (1, '/repo', 0);
    INSERT INTO files (id, root_id, path, language, size, mtime_ms, indexed_at, status, ref_count)
      VALUES (1, 1, 'a.ts', 'typescript', 10, 1, 0, 'indexed', 4), (2, 1, 'b.ts', 'typescript', 10, 1, 0, 'indexed', 1);
    INSERT INTO refs (file_id, name, kind, line, col, enclosing) VALUES
      (1, 'run', 'call', 9, 2, 'main'), (1, 'run', 'import', 1, 9, NULL), (1, 'Task', 'type', 3, 5, NULL),
      (1, 'run', 'call', 9, 1, 'main'), (2, 'run', 'new', 4, 0, 'B.start');
  `);
  raw.close();
  const store = openIndexStore(dbPath);
  const refs = await store.findReferences({ symbol: 'run', limit: 10 });
  assert.deepEqual(
    refs.hits.map((h) => [h.path, h.line, h.col, h.kind, h.enclosing]),
    [
      ['/repo/a.ts', 1, 9, 'import', null],
      ['/repo/a.ts', 9, 1, 'call', 'main'],
      ['/repo/a.ts', 9, 2, 'call', 'main'],
      ['/repo/b.ts', 4, 0, 'new', 'B.start'],
    ],
  );
  // Paging walks across the packed rows.
  const page = await store.findReferences({ symbol: 'run', limit: 2, offset: 2 });
  assert.deepEqual(
    page.hits.map((h) => [h.path, h.line, h.col]),
    [
      ['/repo/a.ts', 9, 2],
      ['/repo/b.ts', 4, 0],
    ],
  );
  assert.equal(page.hasMore, false);
  assert.equal((await store.findReferences({ symbol: 'run', limit: 3 })).hasMore, true);
  await store.close();
  const db = new Database(dbPath, { readonly: true });
  assert.equal(db.pragma('user_version', { simple: true }), SCHEMA_VERSION);
  const rows = db.prepare('SELECT name, file_id, kinds FROM refs ORDER BY name, file_id').raw().all();
  // kinds bits: call 1, new 2, type 4, inherit 8, import 16.
  assert.deepEqual(rows, [
    ['Task', 1, 4],
    ['run', 1, 17],
    ['run', 2, 2],
  ]);
  db.close();
});

test('v2 -> v3 moves vectors into a rowid table, keeps them searchable, and starts the vectors version', async () => {
  const dbPath = join(tmp.dir, 'v2.db');
  const raw = new Database(dbPath);
  raw.pragma('journal_mode = WAL');
  MIGRATIONS[0]!.up(raw);
  MIGRATIONS[1]!.up(raw);
  raw.pragma('user_version = 2');
  const vec = (xs: number[]) => Buffer.from(new Float32Array(xs).buffer);
  raw.exec(`
    INSERT INTO roots (id, path, created_at) VALUES (1, '/repo', 0);
    INSERT INTO files (id, root_id, path, language, size, mtime_ms, indexed_at, status, chunk_count)
      VALUES (1, 1, 'a.ts', 'typescript', 10, 1, 0, 'indexed', 2);
    INSERT INTO chunks (id, file_id, start_line, end_line, symbol, kind, content, hash) VALUES
      (7, 1, 1, 2, 'a', 'symbol', 'function a() {}', 'ha'), (8, 1, 3, 4, 'b', 'symbol', 'function b() {}', 'hb');
  `);
  raw
    .prepare('INSERT INTO vectors (hash, model, dims, vector, created_at) VALUES (?, ?, 2, ?, 5)')
    .run('ha', 'm', vec([1, 0]));
  raw.close();
  const store = openIndexStore(dbPath);
  const loaded = await store.loadVectors('/repo', 'm');
  assert.deepEqual([loaded.ids, [...loaded.matrix], loaded.dims], [[7], [1, 0], 2]);
  assert.deepEqual(
    (await store.chunksMissingVectors('/repo', 'm', 10)).map((c) => [c.hash, c.chunkId]),
    [['hb', 8]],
  );
  const before = await store.vectorsVersion();
  assert.ok(before >= 1);
  await store.upsertVectors('m', 2, [{ hash: 'hb', vector: new Float32Array([0, 2]) }]);
  assert.equal(await store.vectorsVersion(), before + 1);
  assert.deepEqual([...(await store.loadVectors('/repo', 'm')).matrix], [1, 0, 0, 1]);
  await store.close();
  const db = new Database(dbPath, { readonly: true });
  assert.equal(db.pragma('user_version', { simple: true }), SCHEMA_VERSION);
  const info = db.prepare("SELECT sql FROM sqlite_schema WHERE name = 'vectors'").pluck().get() as string;
  assert.match(info, /id INTEGER PRIMARY KEY/);
  db.close();
});

test('an index extracted by an older extractor marks every file as changed once, on a read-write or a read-only open', async () => {
  for (const readonly of [false, true]) {
    const dbPath = join(tmp.dir, `extractor-${readonly}.db`);
    await openIndexStore(dbPath).close();
    const raw = new Database(dbPath);
    raw.exec(`
      INSERT INTO roots (id, path, created_at) VALUES (1, '/repo', 0);
      INSERT INTO files (id, root_id, path, language, size, mtime_ms, sha256, indexed_at, status, chunk_count)
        VALUES (1, 1, 'a.rb', 'ruby', 10, 5, 'abc', 0, 'indexed', 1),
               (2, 1, 'b.ex', NULL, 10, 5, NULL, 0, 'skipped', 0);
    `);
    const files = () => raw.prepare('SELECT path, mtime_ms, sha256 FROM files ORDER BY id').all();
    const recorded = () =>
      raw.prepare("SELECT value FROM meta WHERE key = 'extractor_version'").pluck().get();
    // A fresh index records the version it is extracted with, and marks nothing.
    assert.equal(recorded(), String(EXTRACTOR_VERSION));
    raw
      .prepare("UPDATE meta SET value = ? WHERE key = 'extractor_version'")
      .run(String(EXTRACTOR_VERSION - 1));
    await openIndexStore(dbPath, { readonly }).close();
    // The recorded mtime is kept, negated (-5 - 1): results tell an edited file from an unchanged one.
    assert.deepEqual(files(), [
      { path: 'a.rb', mtime_ms: -6, sha256: '' },
      { path: 'b.ex', mtime_ms: -6, sha256: null },
    ]);
    assert.equal(recordedMtime(-6), 5);
    assert.equal(recordedMtime(5), 5);
    assert.equal(recorded(), String(EXTRACTOR_VERSION));
    // Re-indexed since: opening again marks nothing.
    raw.exec('UPDATE files SET mtime_ms = 7');
    await openIndexStore(dbPath, { readonly }).close();
    assert.deepEqual(
      files().map((f) => (f as { mtime_ms: number }).mtime_ms),
      [7, 7],
    );
    // A newer extractor's index is left alone by this one.
    raw
      .prepare("UPDATE meta SET value = ? WHERE key = 'extractor_version'")
      .run(String(EXTRACTOR_VERSION + 1));
    await openIndexStore(dbPath, { readonly }).close();
    assert.deepEqual(
      files().map((f) => (f as { mtime_ms: number }).mtime_ms),
      [7, 7],
    );
    raw.close();
  }
});

test('a file marked for extraction again by a newer extractor is not stale unless it changed on disk', async () => {
  const repo = join(tmp.dir, 'marked-repo');
  mkdirSync(repo);
  const file = join(repo, 'a.rb');
  writeFileSync(file, 'def a; end\n');
  const dbPath = join(tmp.dir, 'marked.db');
  await openIndexStore(dbPath).close();
  const raw = new Database(dbPath);
  const st = statSync(file);
  raw.prepare('INSERT INTO roots (id, path, created_at) VALUES (1, ?, 0)').run(repo);
  raw
    .prepare(
      `INSERT INTO files (id, root_id, path, language, size, mtime_ms, sha256, indexed_at, status, chunk_count)
       VALUES (1, 1, 'a.rb', 'ruby', ?, ?, 'abc', 0, 'indexed', 1)`,
    )
    .run(st.size, st.mtimeMs);
  raw.prepare("UPDATE meta SET value = ? WHERE key = 'extractor_version'").run(String(EXTRACTOR_VERSION - 1));
  const store = openIndexStore(dbPath);
  try {
    // Marked: the next run extracts it again (the recorded mtime matches no file) ...
    const states = await store.getFileStates(repo);
    assert.ok((states.get('a.rb')?.mtimeMs ?? 0) < 0);
    // ... but results of the unchanged file are not stale.
    assert.equal((await staleChecker(store, [file]))(file), false);
    writeFileSync(file, 'def a; 1; end\n');
    assert.equal((await staleChecker(store, [file]))(file), true);
  } finally {
    await store.close();
    raw.close();
  }
});

test("a root's counts are read from the covering index, never from the files table's rows", async () => {
  const dbPath = join(tmp.dir, 'counts', 'index.db');
  const store = openIndexStore(dbPath);
  await store.close();
  const db = new Database(dbPath, { readonly: true });
  // The query of `rootStatus` (src/store/roots.ts).
  const plan = db
    .prepare(
      `EXPLAIN QUERY PLAN SELECT status, reason, language, count(*) AS files, sum(symbol_count) AS symbols,
              sum(ref_count) AS refs, sum(chunk_count) AS chunks
       FROM files WHERE root_id = ? GROUP BY status, reason, language`,
    )
    .all(1) as { detail: string }[];
  db.close();
  const details = plan.map((p) => p.detail).join(' | ');
  assert.match(details, /COVERING INDEX files_counts/);
  assert.doesNotMatch(details, /TEMP B-TREE/);
});

test('v7 -> v8: symbols of tests and examples move after the source definitions of their names, once', async () => {
  const dbPath = join(tmp.dir, 'secondary-ranks.db');
  const store = openIndexStore(dbPath);
  await store.writeBatch('/svc', [
    // The code's own helper is not exported; the test's and the example's are.
    indexed('lib/build.js', { symbols: [sym('build', 'function', { exported: false })] }),
    indexed('test/build.test.js', { symbols: [sym('build', 'function', { exported: true })] }),
    indexed('examples/app.js', { symbols: [sym('build', 'function', { exported: true })] }),
  ]);
  const order = async (s: Awaited<ReturnType<typeof openIndexStore>>) =>
    (await s.searchSymbols({ query: 'build', limit: 5 })).hits.map((h) => h.path);
  const expected = ['/svc/lib/build.js', '/svc/examples/app.js', '/svc/test/build.test.js'];
  assert.deepEqual(await order(store), expected);
  await store.close();

  // The same index as a v7 store wrote it: no secondary term, so the exported test helper led.
  const raw = new Database(dbPath);
  raw.prepare('UPDATE symbols SET rank = rank - ? WHERE rank >= ?').run(SECONDARY_RANK, SECONDARY_RANK);
  raw.pragma('user_version = 7');
  const ranks = () =>
    raw
      .prepare('SELECT f.path, s.rank FROM symbols s JOIN files f ON f.id = s.file_id ORDER BY s.rank')
      .all() as { path: string; rank: number }[];
  assert.equal(ranks().at(-1)?.path, 'lib/build.js');
  raw.close();

  const migrated = openIndexStore(dbPath);
  assert.deepEqual(await order(migrated), expected);
  await migrated.close();
  // Opened again: the ranks do not move a second time.
  const again = new Database(dbPath);
  const after = again.prepare('SELECT max(rank) AS m FROM symbols').get() as { m: number };
  assert.ok(after.m < 2 * SECONDARY_RANK, String(after.m));
  again.close();
});

test('a data dir the index cannot be opened in says so in one line, with what to do', async () => {
  const notADir = join(tmp.dir, 'a-file');
  writeFileSync(notADir, 'x');
  const path = join(notADir, 'index.db');
  assert.throws(
    () => openIndexStore(path),
    (err: unknown) =>
      isCodeindexError(err) &&
      err.code === 'STORE_UNAVAILABLE' &&
      err.message.startsWith(`cannot write the index at ${path} (`) &&
      err.message.endsWith('or set CODEINDEX_HOME to a data dir it can write') &&
      !err.message.includes('\n'),
  );
  // A data dir this user may not write (root may write any): reading needs the -shm file too.
  if (process.getuid?.() !== 0) {
    const dir = join(tmp.dir, 'read-only');
    mkdirSync(dir);
    const db = join(dir, 'index.db');
    await openIndexStore(db).close();
    chmodSync(dir, 0o555);
    try {
      assert.throws(
        () => openIndexStore(db, { readonly: true }).searchSymbols({ query: 'x', limit: 1 }),
        (err: unknown) =>
          isCodeindexError(err) &&
          err.code === 'STORE_UNAVAILABLE' &&
          /cannot read the index/.test(err.message),
      );
    } finally {
      chmodSync(dir, 0o755);
    }
  }
  // Another error (a file that is not a database) is not dressed up as a permission problem.
  const garbage = join(tmp.dir, 'garbage.db');
  writeFileSync(garbage, 'not a database at all, just text that is long enough to be read'.repeat(20));
  assert.throws(
    () => openIndexStore(garbage),
    (err: unknown) => !(isCodeindexError(err) && err.code === 'STORE_UNAVAILABLE'),
  );
});
