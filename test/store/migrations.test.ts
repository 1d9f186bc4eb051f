import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import Database from 'better-sqlite3';
import { isCodeindexError } from '../../src/errors.js';
import { openIndexStore, SCHEMA_VERSION } from '../../src/store/index.js';
import { indexed, sym, tempDir } from './helpers/fixtures.js';

const tmp = tempDir();
after(tmp.cleanup);

test('creates the schema from empty, with WAL and the parent directory', () => {
  const dbPath = join(tmp.dir, 'nested', 'dir', 'index.db');
  const store = openIndexStore(dbPath);
  store.close();
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

test('re-opening is idempotent and keeps data', () => {
  const dbPath = join(tmp.dir, 'reopen.db');
  const a = openIndexStore(dbPath);
  a.writeBatch('/repo', [indexed('a.ts', { symbols: [sym('alpha')] })]);
  a.close();
  const b = openIndexStore(dbPath);
  const c = openIndexStore(dbPath);
  assert.equal(b.searchSymbols({ query: 'alpha', limit: 5 }).hits.length, 1);
  assert.equal(c.listRoots().length, 1);
  b.close();
  c.close();
});

test('read-only open of a missing database is NOT_INDEXED and creates nothing', () => {
  const dbPath = join(tmp.dir, 'missing', 'index.db');
  assert.throws(
    () => openIndexStore(dbPath, { readonly: true }),
    (err) => isCodeindexError(err, 'NOT_INDEXED'),
  );
  assert.equal(existsSync(dbPath), false);
});

test('read-only store reads while a writer writes, and refuses writes', () => {
  const dbPath = join(tmp.dir, 'ro.db');
  const writer = openIndexStore(dbPath);
  writer.writeBatch('/repo', [indexed('a.ts', { symbols: [sym('first')] })]);
  const reader = openIndexStore(dbPath, { readonly: true });
  assert.equal(reader.readonly, true);
  assert.equal(reader.searchSymbols({ query: 'first', limit: 5 }).hits.length, 1);
  writer.writeBatch('/repo', [indexed('b.ts', { symbols: [sym('second')] })]);
  assert.equal(reader.searchSymbols({ query: 'second', limit: 5 }).hits.length, 1);
  assert.throws(
    () => reader.writeBatch('/repo', []),
    (err) => isCodeindexError(err, 'INTERNAL'),
  );
  // touchQueried goes through its own best-effort connection.
  reader.touchQueried('/repo');
  assert.equal(typeof writer.listRoots()[0]?.lastQueriedAt, 'number');
  reader.close();
  writer.close();
});

test('read-only open migrates an older schema once', () => {
  const dbPath = join(tmp.dir, 'old.db');
  const raw = new Database(dbPath);
  raw.pragma('journal_mode = WAL');
  raw.close();
  const reader = openIndexStore(dbPath, { readonly: true });
  assert.deepEqual(reader.listRoots(), []);
  reader.close();
});

test('a newer schema is refused with a clear error', () => {
  const dbPath = join(tmp.dir, 'newer.db');
  const raw = new Database(dbPath);
  raw.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
  raw.close();
  assert.throws(() => openIndexStore(dbPath), /newer than this codeindex/);
});
