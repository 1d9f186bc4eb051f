import type Database from 'better-sqlite3';
import { CodeindexError } from '../errors.js';
import { EXTRACTOR_VERSION } from '../indexer/extractor-version.js';
import { isSecondaryPath } from '../indexer/path-class.js';
import { SECONDARY_RANK } from './symbol-rank.js';
import { MARK_EXTRACT_AGAIN } from './types.js';

/** One schema step. `version` is what `PRAGMA user_version` holds after it ran. */
export interface Migration {
  version: number;
  description: string;
  up(db: Database.Database): void;
}

const SCHEMA_V1 = `
CREATE TABLE roots (
  id INTEGER PRIMARY KEY,
  path TEXT NOT NULL UNIQUE,
  created_at INTEGER NOT NULL,
  last_indexed_at INTEGER,
  last_queried_at INTEGER,
  generation INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE files (
  id INTEGER PRIMARY KEY,
  root_id INTEGER NOT NULL REFERENCES roots(id) ON DELETE CASCADE,
  path TEXT NOT NULL,
  language TEXT,
  size INTEGER NOT NULL,
  mtime_ms REAL NOT NULL,
  sha256 TEXT,
  indexed_at INTEGER NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('indexed', 'skipped', 'failed')),
  reason TEXT,
  error TEXT,
  symbol_count INTEGER NOT NULL DEFAULT 0,
  ref_count INTEGER NOT NULL DEFAULT 0,
  chunk_count INTEGER NOT NULL DEFAULT 0,
  UNIQUE (root_id, path)
);

CREATE TABLE symbols (
  id INTEGER PRIMARY KEY,
  file_id INTEGER NOT NULL REFERENCES files(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  name_lower TEXT NOT NULL,
  name_key TEXT NOT NULL,
  kind TEXT NOT NULL,
  start_line INTEGER NOT NULL,
  start_col INTEGER NOT NULL,
  end_line INTEGER NOT NULL,
  end_col INTEGER NOT NULL,
  container TEXT,
  signature TEXT NOT NULL,
  doc TEXT,
  exported INTEGER NOT NULL,
  -- Precomputed tie-break, lower first: not exported, kind rank, path length (see symbolRank).
  rank INTEGER NOT NULL
);
CREATE INDEX symbols_file ON symbols(file_id);
-- Covering index for symbol search: candidates are scored and ordered without touching the table.
CREATE INDEX symbols_name_key ON symbols(name_key, name, name_lower, rank, kind, file_id);

-- Distinct names and the keys of their word-part tails, for word-part and subsequence matching
-- without scanning symbols. Append-only; cleanup prunes keys no symbol uses any more.
CREATE TABLE symbol_names (name TEXT PRIMARY KEY) WITHOUT ROWID;
CREATE TABLE name_parts (
  suffix TEXT NOT NULL,
  name_key TEXT NOT NULL,
  PRIMARY KEY (suffix, name_key)
) WITHOUT ROWID;

CREATE TABLE refs (
  id INTEGER PRIMARY KEY,
  file_id INTEGER NOT NULL REFERENCES files(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  kind TEXT NOT NULL,
  line INTEGER NOT NULL,
  col INTEGER NOT NULL,
  enclosing TEXT
);
CREATE INDEX refs_file ON refs(file_id);
CREATE INDEX refs_name ON refs(name);

CREATE TABLE imports (
  id INTEGER PRIMARY KEY,
  file_id INTEGER NOT NULL REFERENCES files(id) ON DELETE CASCADE,
  source TEXT NOT NULL,
  names TEXT NOT NULL,
  line INTEGER NOT NULL
);
CREATE INDEX imports_file ON imports(file_id);

CREATE TABLE chunks (
  id INTEGER PRIMARY KEY,
  file_id INTEGER NOT NULL REFERENCES files(id) ON DELETE CASCADE,
  start_line INTEGER NOT NULL,
  end_line INTEGER NOT NULL,
  symbol TEXT,
  kind TEXT NOT NULL,
  content TEXT NOT NULL,
  hash TEXT NOT NULL
);
CREATE INDEX chunks_file ON chunks(file_id);

-- Contentless: the text lives in chunks.content; rowid = chunks.id. 'parts' holds the word parts
-- of camelCase identifiers so 'retry backoff' finds retryBackoffMax.
CREATE VIRTUAL TABLE chunks_fts USING fts5(
  content, parts,
  content = '', contentless_delete = 1,
  tokenize = 'porter unicode61 remove_diacritics 2'
);
-- Fires for direct deletes and for ON DELETE CASCADE from files/roots alike.
CREATE TRIGGER chunks_fts_delete AFTER DELETE ON chunks BEGIN
  DELETE FROM chunks_fts WHERE rowid = old.id;
END;

-- Keyed by chunk content hash + model: unchanged chunks are never embedded twice, across files
-- and roots. Not tied to chunks by a foreign key; cleanup prunes hashes no chunk has.
CREATE TABLE vectors (
  hash TEXT NOT NULL,
  model TEXT NOT NULL,
  dims INTEGER NOT NULL,
  vector BLOB NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (hash, model)
) WITHOUT ROWID;
`;

/**
 * v2: one refs row per (name, file) instead of one per reference (see `./ref-sites.ts`). Existing
 * rows are converted in place; `kinds` bits and kind numbers follow REF_KINDS order (call, new,
 * type, inherit, import).
 */
const REFS_V2 = `
CREATE TABLE refs_v2 (
  name TEXT NOT NULL,
  file_id INTEGER NOT NULL REFERENCES files(id) ON DELETE CASCADE,
  kinds INTEGER NOT NULL,
  sites TEXT NOT NULL,
  PRIMARY KEY (name, file_id)
) WITHOUT ROWID;
INSERT INTO refs_v2 (name, file_id, kinds, sites)
  SELECT name, file_id,
         max(kind = 'call') | (max(kind = 'new') << 1) | (max(kind = 'type') << 2)
           | (max(kind = 'inherit') << 3) | (max(kind = 'import') << 4),
         json_group_array(json_array(line, col,
           CASE kind WHEN 'call' THEN 0 WHEN 'new' THEN 1 WHEN 'type' THEN 2 WHEN 'inherit' THEN 3 ELSE 4 END,
           enclosing) ORDER BY line, col)
  FROM refs GROUP BY name, file_id;
DROP TABLE refs;
ALTER TABLE refs_v2 RENAME TO refs;
CREATE INDEX refs_file ON refs(file_id);
`;

/**
 * v3: vectors in a rowid table. As a WITHOUT ROWID table, each 2 KB vector was split between its
 * b-tree cell (about 1 KB of local payload) and an overflow page, so loading a root's matrix read
 * every vector from two pages (2.4 s for the 67k vectors of Go's standard library, 1 s now). Plus
 * a one-row version counter that every vector write bumps and a per-root version of its chunks,
 * so query processes notice new vectors and changed chunks without counting them.
 */
const VECTORS_V3 = `
CREATE TABLE vectors_v3 (
  id INTEGER PRIMARY KEY,
  hash TEXT NOT NULL,
  model TEXT NOT NULL,
  dims INTEGER NOT NULL,
  vector BLOB NOT NULL,
  created_at INTEGER NOT NULL,
  UNIQUE (hash, model)
);
INSERT INTO vectors_v3 (hash, model, dims, vector, created_at)
  SELECT hash, model, dims, vector, created_at FROM vectors;
DROP TABLE vectors;
ALTER TABLE vectors_v3 RENAME TO vectors;
ALTER TABLE roots ADD COLUMN chunks_version INTEGER NOT NULL DEFAULT 0;
CREATE TABLE counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
INSERT INTO counters (name, value) VALUES ('vectors', 1);
`;

/**
 * v4: chunks carry their context (qualified name; signature and doc for a long definition's later
 * windows), searched and embedded with them. Chunks written before have none and their hashes
 * cover the content only, so every indexed file is marked as changed: the next run or watcher
 * pass re-extracts it (the old rows keep answering until then).
 */
const CHUNK_CONTEXT_V4 = `
ALTER TABLE chunks ADD COLUMN context TEXT NOT NULL DEFAULT '';
UPDATE files SET mtime_ms = -1, sha256 = '' WHERE status = 'indexed';
`;

/**
 * v5: a key/value table for facts about the whole index; the first is the extractor version the
 * files were extracted with (see {@link syncExtractorVersion}).
 */
const META_V5 = `
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
`;

/**
 * v6: a covering index for a root's counts (`rootStatus`: files, symbols, refs and chunks per
 * status, skip reason and language). Without it the counts read every row of the files table:
 * 66 ms on the 130,000 file rows of the scale corpus (`index_status` 90-115 ms over MCP, and the
 * first `search_code` of each index generation pays it too); with it, 15 ms.
 */
const FILE_COUNTS_V6 = `
CREATE INDEX files_counts ON files(root_id, status, reason, language, symbol_count, ref_count, chunk_count);
`;

/**
 * v7: the best chunks of each common word, built by the upkeep (see `./text-top.ts`): one row per
 * word with its document frequency, its IDF at the build and a blob of (chunk id, bm25 rank) pairs
 * as float64, best first.
 */
const TEXT_TOP_V7 = `
CREATE TABLE text_top (
  term TEXT PRIMARY KEY,
  df INTEGER NOT NULL,
  idf REAL NOT NULL,
  list BLOB NOT NULL
);
`;

/**
 * v8: symbols of tests, fixtures, examples and the other secondary files rank after the code's own
 * (`SECONDARY_RANK` in `./symbol-rank.ts`): their stored tie-break moves up once. Which files are
 * secondary is read from their paths in JavaScript (`isSecondaryPath`), so this step is not SQL.
 */
function secondaryRanksV8(db: Database.Database): void {
  const files = db.prepare('SELECT id, path FROM files').all() as { id: number; path: string }[];
  const update = db.prepare('UPDATE symbols SET rank = rank + ? WHERE file_id = ? AND rank < ?');
  for (const f of files) if (isSecondaryPath(f.path)) update.run(SECONDARY_RANK, f.id, SECONDARY_RANK);
}

/** Every schema version in order. Append new steps; never edit a released one. */
export const MIGRATIONS: readonly Migration[] = [
  { version: 1, description: 'initial schema', up: (db) => db.exec(SCHEMA_V1) },
  { version: 2, description: 'refs: one row per (name, file)', up: (db) => db.exec(REFS_V2) },
  {
    version: 3,
    description: 'vectors: rowid table; vectors version counter',
    up: (db) => db.exec(VECTORS_V3),
  },
  { version: 4, description: 'chunks: context', up: (db) => db.exec(CHUNK_CONTEXT_V4) },
  { version: 5, description: 'meta: extractor version', up: (db) => db.exec(META_V5) },
  { version: 6, description: 'files: covering index for root counts', up: (db) => db.exec(FILE_COUNTS_V6) },
  { version: 7, description: 'text_top: best chunks of common words', up: (db) => db.exec(TEXT_TOP_V7) },
  { version: 8, description: 'symbols: secondary files rank after source', up: secondaryRanksV8 },
];

/** The schema version this code reads and writes. */
export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]?.version ?? 0;

/** `PRAGMA user_version` of an open database. */
export function schemaVersion(db: Database.Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/**
 * Brings the schema up to date. Each step runs in its own IMMEDIATE transaction and re-reads the
 * version inside it, so several processes opening a fresh database at once migrate it once.
 */
export function migrate(db: Database.Database): void {
  const current = schemaVersion(db);
  if (current > SCHEMA_VERSION) {
    throw new CodeindexError(
      'INTERNAL',
      `index ${db.name} has schema v${current}, newer than this codeindex (v${SCHEMA_VERSION}): upgrade codeindex or delete the index`,
    );
  }
  for (const m of MIGRATIONS) {
    if (m.version <= current) continue;
    db.transaction(() => {
      if (schemaVersion(db) >= m.version) return;
      m.up(db);
      db.pragma(`user_version = ${m.version}`);
    }).immediate();
  }
  syncExtractorVersion(db);
}

const EXTRACTOR_KEY = 'extractor_version';

/** The extractor version an index's files were extracted with; 0 when it has none recorded. */
export function storedExtractorVersion(db: Database.Database): number {
  if (schemaVersion(db) < 5) return 0;
  const row = db.prepare('SELECT value FROM meta WHERE key = ?').pluck().get(EXTRACTOR_KEY);
  return typeof row === 'string' ? Number(row) || 0 : 0;
}

/**
 * When the index was extracted by an older extractor (its queries or rules changed what is taken
 * from unchanged source), every file is marked as changed, so the next run or watcher pass
 * extracts it again: a fix to a language reaches indexes made before it, and files once skipped
 * as unsupported are looked at again. The old rows keep answering until then. The version only
 * moves up: an older codeindex sharing the index does not mark it again.
 *
 * The mark is the recorded mtime made negative ({@link MARK_EXTRACT_AGAIN}): it matches no file on
 * disk, so every run reads and extracts the file again, while results still tell an edited file
 * from an unchanged one ({@link recordedMtime}). A mark of -1 only (the earlier form) made every
 * result of an upgraded index read "stale" until it was indexed again.
 */
export function syncExtractorVersion(db: Database.Database): void {
  if (storedExtractorVersion(db) >= EXTRACTOR_VERSION) return;
  db.transaction(() => {
    if (storedExtractorVersion(db) >= EXTRACTOR_VERSION) return;
    db.exec(`UPDATE files SET ${MARK_EXTRACT_AGAIN}`);
    db.prepare('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)').run(
      EXTRACTOR_KEY,
      String(EXTRACTOR_VERSION),
    );
  }).immediate();
}
