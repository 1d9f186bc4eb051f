import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { Pool } from 'pg';
import { isCodeindexError } from '../../src/errors.js';
import { EXTRACTOR_VERSION } from '../../src/indexer/extractor-version.js';
import {
  MIGRATION_LOCK_KEY,
  migratePg,
  PG_MIGRATIONS,
  PG_SCHEMA_VERSION,
  pgSchemaVersion,
} from '../../src/store/pg/migrations.js';
import { chunkDocument } from '../../src/store/pg/search-text.js';
import { openPgStore } from '../../src/store/pg/store.js';
import { SECONDARY_RANK } from '../../src/store/symbol-rank.js';
import { createTestDatabase, type TestDatabase } from './helpers/pg.js';

// Created before the tests are declared: whether they run depends on it.
const db: TestDatabase | null = await createTestDatabase();
const pools: Pool[] = [];
const poolFor = (url: string) => {
  const p = new Pool({ connectionString: url, max: 2 });
  pools.push(p);
  return p;
};

// On a server of its own (in CI: the one .ci/run starts); dropped at the end.
describe('PostgreSQL schema and migrations', {
  skip: db === null ? 'no PostgreSQL at 127.0.0.1:5432 (set CODEINDEX_TEST_PG_URL)' : false,
}, () => {
  after(async () => {
    await Promise.all(pools.map((p) => p.end()));
    await db?.drop();
  });

  it('a login PostgreSQL refuses (an unknown role) is STORE_UNAVAILABLE in one line, as an unreachable server is', async () => {
    const url = new URL(db!.url);
    url.username = 'codeindex_no_such_role';
    url.password = '';
    const store = openPgStore(url.toString());
    try {
      await assert.rejects(
        () => store.searchSymbols({ query: 'x', limit: 1 }),
        (err: unknown) =>
          isCodeindexError(err) &&
          err.code === 'STORE_UNAVAILABLE' &&
          /codeindex_no_such_role/.test(err.message) &&
          /fix CODEINDEX_DATABASE_URL/.test(err.message) &&
          !err.message.includes('\n'),
      );
    } finally {
      await store.close();
    }
  });

  it('two processes migrating a new database together: one applies every step, the other waits and finds nothing to do', async () => {
    const url = db!.url;
    const [a, b] = await Promise.all([migratePg(poolFor(url)), migratePg(poolFor(url))]);
    const all = [...a.applied, ...b.applied].sort((x, y) => x - y);
    assert.deepEqual(
      all,
      Array.from({ length: PG_SCHEMA_VERSION }, (_, i) => i + 1),
      'each step applied exactly once',
    );
    assert.ok(a.applied.length === 0 || b.applied.length === 0, 'one migrator did all the work');
    assert.equal(a.version, PG_SCHEMA_VERSION);
    assert.equal(b.version, PG_SCHEMA_VERSION);

    const pool = poolFor(url);
    assert.equal(await pgSchemaVersion(pool), PG_SCHEMA_VERSION);
    const rows = await pool.query<{ version: number }>(
      'SELECT version FROM codeindex_migrations ORDER BY version',
    );
    assert.deepEqual(
      rows.rows.map((r) => r.version),
      all,
    );
    // A later start: nothing to apply, and the lock was released by both.
    assert.deepEqual((await migratePg(pool)).applied, []);
    const held = await pool.query(
      `SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted
         AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
    );
    assert.equal(held.rowCount, 0, 'no advisory lock left behind');
  });

  it('the schema mirrors the SQLite index: tables, cascades, and the search indexes', async () => {
    const pool = poolFor(db!.url);
    await migratePg(pool);
    const tables = (
      await pool.query<{ t: string }>(
        "SELECT table_name AS t FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1",
      )
    ).rows.map((r) => r.t);
    for (const t of [
      'roots',
      'files',
      'symbols',
      'symbol_names',
      'name_parts',
      'refs',
      'imports',
      'chunks',
      'vectors',
      'counters',
      'meta',
    ])
      assert.ok(tables.includes(t), `missing table ${t}`);
    const indexes = (
      await pool.query<{ i: string }>("SELECT indexname AS i FROM pg_indexes WHERE schemaname = 'public'")
    ).rows.map((r) => r.i);
    for (const i of ['symbols_name_key', 'chunks_document', 'refs_file', 'chunks_file'])
      assert.ok(indexes.includes(i), i);
    // v5: keyed by (name_key, id) and covering what symbol search scores with.
    const def = await pool.query<{ d: string }>(
      "SELECT indexdef AS d FROM pg_indexes WHERE indexname = 'symbols_name_key'",
    );
    assert.match(def.rows[0]!.d, /\(name_key, id\) INCLUDE \(name, name_lower, rank, kind, file_id\)/);
    const trgm = await pool.query("SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'");
    if (trgm.rowCount) {
      // No trigram index: the planner picked it over the B-tree for exact key lookups (40x slower).
      assert.ok(!indexes.includes('symbols_name_key_trgm'), 'no trigram index');
      assert.ok((await migratePg(pool)).trigram);
    }

    // Removing a root removes everything under it, as in SQLite.
    const root = await pool.query<{ id: string }>(
      "INSERT INTO roots (path, created_at) VALUES ('/repo', 1) RETURNING id",
    );
    const rootId = root.rows[0]!.id;
    const file = await pool.query<{ id: string }>(
      `INSERT INTO files (root_id, path, language, size, mtime_ms, sha256, indexed_at, status)
       VALUES ($1, 'src/retry.ts', 'typescript', 10, 1700000000000.5, 'abc', 2, 'indexed') RETURNING id`,
      [rootId],
    );
    const fileId = file.rows[0]!.id;
    await pool.query(
      `INSERT INTO symbols (file_id, name, name_lower, name_key, kind, start_line, start_col, end_line, end_col,
         signature, exported, rank)
       VALUES ($1, 'retryBackoffMax', 'retrybackoffmax', 'retrybackoffmax', 'function', 1, 0, 3, 1, 'f()', true, 0)`,
      [fileId],
    );
    await pool.query("INSERT INTO refs (name, file_id, kinds, sites) VALUES ('sleep', $1, 1, '[[2,4,0]]')", [
      fileId,
    ]);
    await pool.query(
      "INSERT INTO vectors (hash, model, dims, vector, created_at) VALUES ('h', 'm', 2, $1, 1)",
      [Buffer.from(new Float32Array([0.6, 0.8]).buffer)],
    );
    const mtime = await pool.query<{ m: number }>('SELECT mtime_ms AS m FROM files');
    assert.equal(mtime.rows[0]!.m, 1700000000000.5, 'mtime keeps sub-millisecond precision');
    const v = await pool.query<{ vector: Buffer }>('SELECT vector FROM vectors');
    const back = v.rows[0]!.vector;
    assert.deepEqual(
      [...new Float32Array(back.buffer, back.byteOffset, back.byteLength / 4)],
      [Math.fround(0.6), Math.fround(0.8)],
    );
    if (trgm.rowCount) {
      // A misspelt name finds the symbol through pg_trgm's similarity operator.
      const fuzzy = await pool.query<{ name: string }>('SELECT name FROM symbols WHERE name_key % $1', [
        'retrybakofmax',
      ]);
      assert.deepEqual(
        fuzzy.rows.map((r) => r.name),
        ['retryBackoffMax'],
      );
    }
    await pool.query('DELETE FROM roots WHERE id = $1', [rootId]);
    for (const t of ['files', 'symbols', 'refs']) {
      assert.equal((await pool.query(`SELECT 1 FROM ${t}`)).rowCount, 0, `${t} cascaded`);
    }
    assert.equal((await pool.query('SELECT 1 FROM vectors')).rowCount, 1, 'vectors are not tied to chunks');
  });

  it('chunk documents: identifiers are found by their parts, stemmed, whatever punctuation joins them', async () => {
    const pool = poolFor(db!.url);
    await migratePg(pool);
    const content = [
      'export function computeDelay(retryBackoffMax: number) {',
      '  return this.retryBackoff * HTMLParser.parse(src/foo.ts) + max_retries;',
      '}',
    ].join('\n');
    const matches = async (query: string): Promise<boolean> => {
      const r = await pool.query<{ hit: boolean }>(
        "SELECT to_tsvector('codeindex', $1) @@ plainto_tsquery('codeindex', $2) AS hit",
        [chunkDocument(content, ''), query],
      );
      return r.rows[0]!.hit;
    };
    for (const q of [
      'retry backoff',
      'backoff max',
      'html parser',
      'compute delay',
      'foo',
      'retries',
      'retry',
      'parsing',
      'computeDelay',
    ])
      assert.ok(await matches(q), q);
    assert.equal(await matches('jitter'), false);
    // `the` and `for` are words like any other (FTS5's porter tokenizer drops none either).
    const stop = await pool.query<{ v: string }>("SELECT to_tsvector('codeindex', 'for the win')::text AS v");
    assert.match(stop.rows[0]!.v, /'for'/);
    assert.match(stop.rows[0]!.v, /'the'/);
    // The context's name and signature are searched with the chunk.
    const withContext = await pool.query<{ hit: boolean }>(
      "SELECT to_tsvector('codeindex', $1) @@ plainto_tsquery('codeindex', 'user service') AS hit",
      [chunkDocument('  return 1;', 'UserService.getName\ngetName(): string\nA doc line')],
    );
    assert.ok(withContext.rows[0]!.hit);
  });

  it('an index extracted by an older extractor has every file marked as changed, once; a newer one is left alone', async () => {
    const pool = poolFor(db!.url);
    await migratePg(pool);
    const recorded = async () =>
      (await pool.query<{ value: string }>("SELECT value FROM meta WHERE key = 'extractor_version'")).rows[0]
        ?.value;
    const setRecorded = (v: number) =>
      pool.query("UPDATE meta SET value = $1 WHERE key = 'extractor_version'", [String(v)]);
    const files = async () =>
      (await pool.query('SELECT path, mtime_ms, sha256 FROM files ORDER BY path')).rows as {
        path: string;
        mtime_ms: number;
        sha256: string | null;
      }[];
    // A migrated database records the version its files are extracted with.
    assert.equal(await recorded(), String(EXTRACTOR_VERSION));
    const root = await pool.query<{ id: string }>(
      "INSERT INTO roots (path, created_at) VALUES ('/extractor-repo', 0) RETURNING id",
    );
    const rootId = root.rows[0]!.id;
    try {
      await pool.query(
        `INSERT INTO files (root_id, path, language, size, mtime_ms, sha256, indexed_at, status)
         VALUES ($1, 'a.c', 'c', 10, 5, 'abc', 0, 'indexed'), ($1, 'b.ex', NULL, 10, 5, NULL, 0, 'skipped')`,
        [rootId],
      );
      // Opened unchanged: nothing marked.
      await migratePg(pool);
      assert.deepEqual(
        (await files()).map((f) => f.mtime_ms),
        [5, 5],
      );
      await setRecorded(EXTRACTOR_VERSION - 1);
      await migratePg(pool);
      assert.deepEqual(await files(), [
        { path: 'a.c', mtime_ms: -6, sha256: '' },
        { path: 'b.ex', mtime_ms: -6, sha256: null },
      ]);
      assert.equal(await recorded(), String(EXTRACTOR_VERSION));
      // Re-indexed since: a later start marks nothing.
      await pool.query('UPDATE files SET mtime_ms = 7 WHERE root_id = $1', [rootId]);
      await migratePg(pool);
      assert.deepEqual(
        (await files()).map((f) => f.mtime_ms),
        [7, 7],
      );
      // An index a newer codeindex extracted: this one neither marks it nor lowers the version.
      await setRecorded(EXTRACTOR_VERSION + 1);
      await migratePg(pool);
      assert.deepEqual(
        (await files()).map((f) => f.mtime_ms),
        [7, 7],
      );
      assert.equal(await recorded(), String(EXTRACTOR_VERSION + 1));
    } finally {
      await setRecorded(EXTRACTOR_VERSION);
      await pool.query('DELETE FROM roots WHERE id = $1', [rootId]);
    }
  });

  it('v6 -> v7: symbols of tests and examples move after the source definitions of their names, once', async () => {
    const pool = poolFor(db!.url);
    await migratePg(pool);
    const root = await pool.query<{ id: string }>(
      "INSERT INTO roots (path, created_at) VALUES ('/ranks-repo', 0) RETURNING id",
    );
    const rootId = root.rows[0]!.id;
    try {
      const file = async (path: string) =>
        (
          await pool.query<{ id: string }>(
            `INSERT INTO files (root_id, path, language, size, mtime_ms, sha256, indexed_at, status)
             VALUES ($1, $2, 'javascript', 10, 5, 'abc', 0, 'indexed') RETURNING id`,
            [rootId, path],
          )
        ).rows[0]!.id;
      // Ranks as a v6 index stored them: the exported test helper (0 + kind 0 + path) first.
      for (const [path, rank] of [
        ['lib/build.js', 10_000_012],
        ['test/build.test.js', 18],
      ] as const)
        await pool.query(
          `INSERT INTO symbols (file_id, name, name_lower, name_key, kind, start_line, start_col, end_line,
             end_col, signature, exported, rank)
           VALUES ($1, 'build', 'build', 'build', 'function', 1, 0, 1, 0, 'function build ()', $2, $3)`,
          [await file(path), rank < 10_000_000, rank],
        );
      const ranks = async () =>
        (
          await pool.query<{ path: string; rank: number }>(
            'SELECT f.path, s.rank FROM symbols s JOIN files f ON f.id = s.file_id WHERE f.root_id = $1 ORDER BY s.rank',
            [rootId],
          )
        ).rows.map((r) => [r.path, r.rank]);
      await pool.query('DELETE FROM codeindex_migrations WHERE version >= 7');
      const r = await migratePg(pool);
      assert.ok(r.applied.includes(7), JSON.stringify(r.applied));
      assert.deepEqual(await ranks(), [
        ['lib/build.js', 10_000_012],
        ['test/build.test.js', SECONDARY_RANK + 18],
      ]);
      // Applied again (its version row gone): the guard keeps the ranks where they are.
      await pool.query('DELETE FROM codeindex_migrations WHERE version >= 7');
      await migratePg(pool);
      assert.deepEqual((await ranks())[1], ['test/build.test.js', SECONDARY_RANK + 18]);
    } finally {
      await pool.query('DELETE FROM roots WHERE id = $1', [rootId]);
    }
  });

  it('a failing step is rolled back and leaves the version before it; a newer schema is refused', async () => {
    const pool = poolFor(db!.url);
    await migratePg(pool);
    const broken = [
      ...PG_MIGRATIONS,
      {
        version: PG_SCHEMA_VERSION + 1,
        description: 'fails half way',
        sql: 'CREATE TABLE half (x int); SELECT 1/0',
      },
    ];
    await assert.rejects(
      migratePg(pool, broken),
      (e) => isCodeindexError(e, 'INTERNAL') && /fails half way.*division by zero/.test(String(e)),
    );
    assert.equal(await pgSchemaVersion(pool), PG_SCHEMA_VERSION);
    assert.equal(
      (await pool.query("SELECT to_regclass('half') AS t")).rows[0].t,
      null,
      'the step left nothing',
    );

    await pool.query(
      "INSERT INTO codeindex_migrations (version, description) VALUES ($1, 'from the future')",
      [PG_SCHEMA_VERSION + 1],
    );
    await assert.rejects(
      migratePg(pool),
      (e) => isCodeindexError(e, 'INTERNAL') && /newer than this/.test(String(e)),
    );
    await pool.query('DELETE FROM codeindex_migrations WHERE version = $1', [PG_SCHEMA_VERSION + 1]);
    // Failures released the lock on the way out: another session gets it at once.
    const c = await pool.connect();
    try {
      const probe = await c.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1::bigint) AS ok', [
        MIGRATION_LOCK_KEY,
      ]);
      assert.equal(probe.rows[0]!.ok, true);
      await c.query('SELECT pg_advisory_unlock($1::bigint)', [MIGRATION_LOCK_KEY]);
    } finally {
      c.release();
    }
  });
});
