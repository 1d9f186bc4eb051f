import { existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { CodeindexError } from '../errors.js';

/** Default wait for another process's write lock. */
export const DEFAULT_BUSY_TIMEOUT_MS = 10_000;
/**
 * Page cache per connection. A cold index of the 33 MB TypeScript corpus writes as fast with 16 MB
 * as with 64 MB (pages missed are in the OS cache), and each worker process keeps 48 MB less.
 */
const WRITER_CACHE_KIB = 16_384;
const READER_CACHE_KIB = 32_768;
/**
 * WAL pages before a commit checkpoints (SQLite's default is 1000). A cold index rewrites the same
 * index pages (symbol names, refs, FTS segments) in many consecutive batches, and every checkpoint
 * copies the latest version of each back into the database file and syncs it. With 32,000 pages
 * (128 MB) that happens a few times per run instead of after every few batches. On the 33 MB
 * TypeScript corpus the SQLite writes took 4.2 s instead of 5.2 s (4,000 pages) in a series where
 * the disk was slow to sync, final checkpoint included, and the same within noise when it was
 * fast. The periodic cleanup truncates the WAL file again.
 */
const WRITER_WAL_AUTOCHECKPOINT_PAGES = 32_000;
/** After a checkpoint resets the WAL, its file is cut back to this size (SQLite keeps it otherwise). */
const WRITER_JOURNAL_SIZE_LIMIT_BYTES = 64 * 1024 * 1024;

/**
 * Opens a read-write connection: creates the parent directory, WAL (readers never block the
 * writer and vice versa), NORMAL sync (durable at checkpoints, safe against corruption in WAL),
 * foreign keys for the cascades, and a busy timeout so concurrent writers queue instead of failing.
 */
export function openWritable(dbPath: string, busyTimeoutMs: number): Database.Database {
  mkdirSync(dirname(dbPath), { recursive: true });
  const db = new Database(dbPath);
  try {
    db.pragma(`busy_timeout = ${Math.max(0, Math.floor(busyTimeoutMs))}`);
    db.pragma('journal_mode = WAL');
    db.pragma(`wal_autocheckpoint = ${WRITER_WAL_AUTOCHECKPOINT_PAGES}`);
    db.pragma(`journal_size_limit = ${WRITER_JOURNAL_SIZE_LIMIT_BYTES}`);
    tune(db, WRITER_CACHE_KIB);
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}

/**
 * Opens a read-only connection for query processes. The database must exist: a query never
 * creates an empty index as a side effect.
 */
export function openReadonly(dbPath: string, busyTimeoutMs: number): Database.Database {
  if (!existsSync(dbPath)) {
    throw new CodeindexError(
      'NOT_INDEXED',
      `no index at ${dbPath} yet: index a repository first (index_repository)`,
    );
  }
  const db = new Database(dbPath, { readonly: true, fileMustExist: true });
  try {
    db.pragma(`busy_timeout = ${Math.max(0, Math.floor(busyTimeoutMs))}`);
    tune(db, READER_CACHE_KIB);
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}

function tune(db: Database.Database, cacheKib: number): void {
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma('temp_store = MEMORY');
  db.pragma(`cache_size = -${cacheKib}`);
}
