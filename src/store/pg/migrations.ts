import type { Pool, PoolClient } from 'pg';
import { CodeindexError } from '../../errors.js';
import { EXTRACTOR_VERSION } from '../../indexer/extractor-version.js';
import { isSecondaryPath } from '../../indexer/path-class.js';
import { SECONDARY_RANK } from '../symbol-rank.js';
import { MARK_EXTRACT_AGAIN } from '../types.js';

/** One schema step, run in its own transaction: its SQL, then `run` when it has one. */
export interface PgMigration {
  version: number;
  description: string;
  sql: string;
  /** A step whose work needs JavaScript (e.g. a path's class), inside the step's transaction. */
  run?: (client: PoolClient) => Promise<void>;
}

/**
 * The text search configuration of chunk search: SQLite's FTS5 uses `porter unicode61` (Porter
 * stemming, no stop words), so this is the English Snowball stemmer without a stop-word list over
 * the default parser. The parser does not split camelCase: documents carry the word parts of their
 * identifiers themselves (see `./search-text.ts`).
 */
const TEXT_SEARCH = `
CREATE TEXT SEARCH DICTIONARY codeindex_stem (TEMPLATE = snowball, LANGUAGE = english);
CREATE TEXT SEARCH CONFIGURATION codeindex (COPY = simple);
ALTER TEXT SEARCH CONFIGURATION codeindex
  ALTER MAPPING FOR asciiword, word, numword, asciihword, hword, numhword,
    hword_asciipart, hword_part, hword_numpart
  WITH codeindex_stem;
`;

/**
 * v1: the tables of the SQLite index at its schema v5 (`../migrations.ts`), in PostgreSQL types.
 * Times are epoch milliseconds (BIGINT); `mtime_ms` keeps sub-millisecond precision. Text columns
 * that are searched by prefix (`name_key`, `suffix`) use the C collation, so a B-tree serves
 * `LIKE 'abc%'`. Chunks carry their full-text document as a `tsvector` (GIN) instead of a separate
 * FTS table; vectors are little-endian float32 arrays in `bytea`, usable without extensions.
 */
const SCHEMA_V1 = `
${TEXT_SEARCH}

CREATE TABLE roots (
  id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  path TEXT NOT NULL UNIQUE,
  created_at BIGINT NOT NULL,
  last_indexed_at BIGINT,
  last_queried_at BIGINT,
  generation BIGINT NOT NULL DEFAULT 0,
  chunks_version BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE files (
  id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  root_id BIGINT NOT NULL REFERENCES roots(id) ON DELETE CASCADE,
  path TEXT NOT NULL,
  language TEXT,
  size BIGINT NOT NULL,
  mtime_ms DOUBLE PRECISION NOT NULL,
  sha256 TEXT,
  indexed_at BIGINT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('indexed', 'skipped', 'failed')),
  reason TEXT,
  error TEXT,
  symbol_count INTEGER NOT NULL DEFAULT 0,
  ref_count INTEGER NOT NULL DEFAULT 0,
  chunk_count INTEGER NOT NULL DEFAULT 0,
  UNIQUE (root_id, path)
);

CREATE TABLE symbols (
  id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  file_id BIGINT NOT NULL REFERENCES files(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  name_lower TEXT NOT NULL,
  name_key TEXT COLLATE "C" NOT NULL,
  kind TEXT NOT NULL,
  start_line INTEGER NOT NULL,
  start_col INTEGER NOT NULL,
  end_line INTEGER NOT NULL,
  end_col INTEGER NOT NULL,
  container TEXT,
  signature TEXT NOT NULL,
  doc TEXT,
  exported BOOLEAN NOT NULL,
  -- Precomputed tie-break, lower first: not exported, kind rank, path length (see symbolRank).
  rank INTEGER NOT NULL
);
CREATE INDEX symbols_file ON symbols (file_id);
-- Symbol search scores and orders candidates from the index alone.
CREATE INDEX symbols_name_key ON symbols (name_key) INCLUDE (name, name_lower, rank, kind, file_id);

-- Distinct names and the keys of their word-part tails (see nameSuffixes), as in SQLite.
CREATE TABLE symbol_names (name TEXT PRIMARY KEY);
CREATE TABLE name_parts (
  suffix TEXT COLLATE "C" NOT NULL,
  name_key TEXT COLLATE "C" NOT NULL,
  PRIMARY KEY (suffix, name_key)
);

-- One row per (name, file): kinds is a bitmask, sites the packed positions (see ref-sites.ts).
CREATE TABLE refs (
  name TEXT NOT NULL,
  file_id BIGINT NOT NULL REFERENCES files(id) ON DELETE CASCADE,
  kinds INTEGER NOT NULL,
  sites TEXT NOT NULL,
  PRIMARY KEY (name, file_id)
);
CREATE INDEX refs_file ON refs (file_id);

CREATE TABLE imports (
  id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  file_id BIGINT NOT NULL REFERENCES files(id) ON DELETE CASCADE,
  source TEXT NOT NULL,
  names TEXT NOT NULL,
  line INTEGER NOT NULL
);
CREATE INDEX imports_file ON imports (file_id);

CREATE TABLE chunks (
  id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  file_id BIGINT NOT NULL REFERENCES files(id) ON DELETE CASCADE,
  start_line INTEGER NOT NULL,
  end_line INTEGER NOT NULL,
  symbol TEXT,
  kind TEXT NOT NULL,
  content TEXT NOT NULL,
  context TEXT NOT NULL DEFAULT '',
  hash TEXT NOT NULL,
  -- to_tsvector('codeindex', chunkDocument(...)): the content and its identifiers' word parts.
  document TSVECTOR NOT NULL
);
CREATE INDEX chunks_file ON chunks (file_id);
CREATE INDEX chunks_hash ON chunks (hash);
CREATE INDEX chunks_document ON chunks USING GIN (document);

-- Keyed by chunk content hash + model, never cascaded: cleanup prunes hashes no chunk has.
CREATE TABLE vectors (
  id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  hash TEXT NOT NULL,
  model TEXT NOT NULL,
  dims INTEGER NOT NULL,
  vector BYTEA NOT NULL,
  created_at BIGINT NOT NULL,
  UNIQUE (hash, model)
);

CREATE TABLE counters (name TEXT PRIMARY KEY, value BIGINT NOT NULL);
INSERT INTO counters (name, value) VALUES ('vectors', 1);

CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
`;

/**
 * v2: paths and symbol names compare byte-wise (the C collation), as SQLite's BINARY does
 * whatever the database's default collation: scope filters select a directory with the range
 * `[dir/, dir0)`, and results are ordered by path and name the same way in both engines.
 */
const SCHEMA_V2 = `
ALTER TABLE roots ALTER COLUMN path TYPE TEXT COLLATE "C";
ALTER TABLE files ALTER COLUMN path TYPE TEXT COLLATE "C";
ALTER TABLE symbols ALTER COLUMN name TYPE TEXT COLLATE "C";
ALTER TABLE symbols ALTER COLUMN name_lower TYPE TEXT COLLATE "C";
`;

/**
 * v3: chunk rows up to a page stay whole and uncompressed (the default compresses a row's largest
 * values once it passes 2 kB). A text search reads the document of every chunk that matches, and
 * decompressing them cost 10-20 % of a search for a word in thousands of chunks (Django: "get"
 * 5.7 -> 4.6 ms, "model" 4.6 -> 3.7 ms); writing them uncompressed costs the server less CPU too.
 * Rows written before keep their layout until their file is indexed again.
 */
const SCHEMA_V3 = `
ALTER TABLE chunks SET (toast_tuple_target = 8160);
`;

/**
 * v4: every change to `roots` (a new or removed root, a finished generation, every write batch's
 * chunks version, a query stamp) notifies the channel `codeindex_roots` once per statement, so
 * query processes can keep the roots list between calls (`RootsCache`).
 */
const SCHEMA_V4 = `
CREATE OR REPLACE FUNCTION codeindex_roots_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('codeindex_roots', '');
  RETURN NULL;
END
$$;
CREATE TRIGGER roots_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON roots
  FOR EACH STATEMENT EXECUTE FUNCTION codeindex_roots_changed();
`;

/**
 * v5: the symbol-name index is keyed by (name_key, id) and carries every column symbol search
 * scores with, so the exact, prefix and word-part tiers read it alone (index-only scans once a
 * VACUUM has set the visibility map, see `optimizePg`), and the prefix tier reads its candidates in
 * the order it keeps them (name_key, id) and stops at its cap instead of sorting them all.
 */
const SCHEMA_V5 = `
DROP INDEX symbols_name_key;
CREATE INDEX symbols_name_key ON symbols (name_key, id) INCLUDE (name, name_lower, rank, kind, file_id);
`;

/**
 * v6: the best chunks of each common lexeme, built by the upkeep (see `./text-top.ts`): chunk ids
 * and their ranks, best first.
 */
const SCHEMA_V6 = `
CREATE TABLE text_top (
  term TEXT PRIMARY KEY,
  df DOUBLE PRECISION NOT NULL,
  ids BIGINT[] NOT NULL,
  ranks DOUBLE PRECISION[] NOT NULL
);
`;

/**
 * v7: symbols of tests, fixtures, examples and the other secondary files rank after the code's own
 * (the SQLite engine's v8): their stored tie-break moves up once. The paths are classified in
 * JavaScript, and their files' symbols updated in batches.
 */
async function secondaryRanksV7(client: PoolClient): Promise<void> {
  const files = await client.query<{ id: string; path: string }>('SELECT id::text AS id, path FROM files');
  const ids = files.rows.filter((f) => isSecondaryPath(f.path)).map((f) => f.id);
  for (let i = 0; i < ids.length; i += 10_000)
    await client.query(
      'UPDATE symbols SET rank = rank + $1 WHERE file_id = ANY($2::bigint[]) AND rank < $1',
      [SECONDARY_RANK, ids.slice(i, i + 10_000)],
    );
}

/** Every schema version in order. Append new steps; never edit a released one. */
export const PG_MIGRATIONS: readonly PgMigration[] = [
  { version: 1, description: 'initial schema (SQLite schema v5)', sql: SCHEMA_V1 },
  { version: 2, description: 'byte-wise collation of paths and symbol names', sql: SCHEMA_V2 },
  { version: 3, description: 'chunk rows up to a page stored whole and uncompressed', sql: SCHEMA_V3 },
  { version: 4, description: 'roots changes notify codeindex_roots', sql: SCHEMA_V4 },
  { version: 5, description: 'symbol-name index keyed by (name_key, id), covering', sql: SCHEMA_V5 },
  { version: 6, description: 'text_top: best chunks of common lexemes', sql: SCHEMA_V6 },
  {
    version: 7,
    description: 'symbols: secondary files rank after source',
    sql: '',
    run: secondaryRanksV7,
  },
];

/** The PostgreSQL schema version this code reads and writes. */
export const PG_SCHEMA_VERSION = PG_MIGRATIONS[PG_MIGRATIONS.length - 1]?.version ?? 0;

/**
 * The advisory lock every process takes to migrate: 'codeindx' as a big-endian 64-bit integer.
 * Passed as text: it does not fit a JavaScript number exactly.
 */
export const MIGRATION_LOCK_KEY = '7165064345437955192';

/** What one {@link migratePg} call did. */
export interface PgMigrateResult {
  /** Versions this call applied (empty when another process had already done it). */
  applied: number[];
  /** The schema version afterwards. */
  version: number;
  /** Whether `pg_trgm` is installed and symbol names have their trigram index. */
  trigram: boolean;
}

/**
 * Brings the schema of the connected database up to date. The whole run holds a session-level
 * advisory lock, so processes that start together migrate once: the others wait, then find
 * nothing to do. Each step commits with its version row, so a step that fails leaves the
 * version before it. A database with a newer schema is refused.
 *
 * Optional extensions come after the versioned steps, on every run (cheap when done): `pg_trgm`
 * and a trigram index on symbol keys, for fuzzy names, when the server has the extension and the
 * role may create it. Without it everything else works.
 *
 * `steps` is for tests; the schema is {@link PG_MIGRATIONS}.
 */
export async function migratePg(
  pool: Pool,
  steps: readonly PgMigration[] = PG_MIGRATIONS,
): Promise<PgMigrateResult> {
  const client = await pool.connect();
  let failed = false;
  try {
    await client.query('SELECT pg_advisory_lock($1::bigint)', [MIGRATION_LOCK_KEY]);
    try {
      return await migrateLocked(client, steps);
    } finally {
      await client.query('SELECT pg_advisory_unlock($1::bigint)', [MIGRATION_LOCK_KEY]);
    }
  } catch (err) {
    failed = true;
    throw err;
  } finally {
    if (failed) {
      // Closed rather than reused: that also ends its session and so releases the lock, whatever
      // state the failure left it in. An error the server sends while it closes means nothing.
      client.on('error', () => {});
    }
    client.release(failed);
  }
}

async function migrateLocked(client: PoolClient, steps: readonly PgMigration[]): Promise<PgMigrateResult> {
  await client.query(`CREATE TABLE IF NOT EXISTS codeindex_migrations (
    version INTEGER PRIMARY KEY,
    description TEXT NOT NULL,
    applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
  )`);
  const current = await pgSchemaVersion(client);
  const latest = steps[steps.length - 1]?.version ?? 0;
  if (current > latest) {
    throw new CodeindexError(
      'INTERNAL',
      `the PostgreSQL index has schema v${current}, newer than this codeindex (v${latest}): upgrade codeindex`,
    );
  }
  const applied: number[] = [];
  for (const m of steps) {
    if (m.version <= current) continue;
    await client.query('BEGIN');
    try {
      if (m.sql.trim() !== '') await client.query(m.sql);
      await m.run?.(client);
      await client.query('INSERT INTO codeindex_migrations (version, description) VALUES ($1, $2)', [
        m.version,
        m.description,
      ]);
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {});
      throw new CodeindexError(
        'INTERNAL',
        `PostgreSQL schema step v${m.version} (${m.description}) failed: ${(err as Error).message}`,
      );
    }
    applied.push(m.version);
  }
  await syncExtractorVersionPg(client);
  const trigram = await ensureTrigram(client);
  return { applied, version: await pgSchemaVersion(client), trigram };
}

/**
 * `syncExtractorVersion` of the SQLite engine: when the index was extracted by an older extractor,
 * every file is marked as changed so the next run or watcher pass extracts it again; the old rows
 * answer until then. The version only moves up. Runs under the migration lock.
 */
async function syncExtractorVersionPg(client: PoolClient): Promise<void> {
  const r = await client.query<{ value: string }>("SELECT value FROM meta WHERE key = 'extractor_version'");
  const stored = Number(r.rows[0]?.value ?? 0) || 0;
  if (stored >= EXTRACTOR_VERSION) return;
  await client.query('BEGIN');
  try {
    await client.query(`UPDATE files SET ${MARK_EXTRACT_AGAIN}`);
    await client.query(
      `INSERT INTO meta (key, value) VALUES ('extractor_version', $1)
       ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
      [String(EXTRACTOR_VERSION)],
    );
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  }
}

/** The highest applied version; 0 for a database without codeindex tables. */
export async function pgSchemaVersion(client: PoolClient | Pool): Promise<number> {
  const exists = await client.query<{ t: string | null }>(
    "SELECT to_regclass('codeindex_migrations')::text AS t",
  );
  if (exists.rows[0]?.t == null) return 0;
  const r = await client.query<{ v: number | null }>('SELECT max(version) AS v FROM codeindex_migrations');
  return r.rows[0]?.v ?? 0;
}

/**
 * Creates `pg_trgm` when possible; whether it exists. No trigram index is built: no query uses one
 * (the engines share their matching tiers, and SQLite has no fuzzy tier), and a GIN trigram index
 * on `name_key` answers `=` too, so the planner chose it over the B-tree for the word-part tier's
 * key lookups: 10 ms a key instead of 0.05 (search_symbols p95 300 ms on Django). One made by an
 * earlier codeindex is dropped.
 */
async function ensureTrigram(client: PoolClient): Promise<boolean> {
  await client.query('DROP INDEX IF EXISTS symbols_name_key_trgm');
  const available = await client.query("SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'");
  if (available.rowCount === 0) return false;
  try {
    await client.query('CREATE EXTENSION IF NOT EXISTS pg_trgm');
    return true;
  } catch {
    // Installed on the server but not creatable by this role (pg_trgm is trusted from
    // PostgreSQL 13 on, so this means a role without CREATE on the database): no fuzzy index.
    return false;
  }
}
