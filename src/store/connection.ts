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
 * Page size of a new database (SQLite's default is 4 KB; an existing database keeps its own). Every
 * batch commit appends each page it changed to the WAL, and a cold index changes the same index
 * pages (symbol names, refs, FTS segments) in batch after batch: with 8 KB pages there are half
 * as many frames to checksum, write and hash into the WAL index. On the TypeScript corpus the
 * commits took 0.3 s instead of 0.8 s and the SQLite writes as a whole 3.7 s instead of 4.15 s
 * (inserts into fuller pages cost a little more); on Go's standard library 7.3 s instead of 7.55 s.
 * 16 KB pages made the inserts slower again (3.7-3.9 s on TypeScript).
 */
const WRITER_PAGE_SIZE = 8192;
/**
 * WAL bytes before a commit checkpoints (SQLite's default is 1000 pages). A cold index rewrites the
 * same index pages in many consecutive batches, and every checkpoint copies the latest version of
 * each back into the database file and syncs it. With 128 MB that happens a few times per run
 * instead of after every few batches. On the 33 MB TypeScript corpus the SQLite writes took 4.2 s
 * instead of 5.2 s (16 MB) in a series where the disk was slow to sync, final checkpoint
 * included, and the same within noise when it was fast. The periodic cleanup truncates the WAL
 * file again.
 */
const WRITER_WAL_AUTOCHECKPOINT_BYTES = 128 * 1024 * 1024;
/** After a checkpoint resets the WAL, its file is cut back to this size (SQLite keeps it otherwise). */
const WRITER_JOURNAL_SIZE_LIMIT_BYTES = 64 * 1024 * 1024;

/**
 * Opens a read-write connection: creates the parent directory, WAL (readers never block the
 * writer and vice versa), NORMAL sync (durable at checkpoints, safe against corruption in WAL),
 * foreign keys for the cascades, and a busy timeout so concurrent writers queue instead of failing.
 */
export function openWritable(dbPath: string, busyTimeoutMs: number): Database.Database {
  let db: Database.Database;
  try {
    mkdirSync(dirname(dbPath), { recursive: true });
    db = new Database(dbPath);
  } catch (err) {
    throw unopenable(dbPath, err, 'write');
  }
  try {
    db.pragma(`busy_timeout = ${Math.max(0, Math.floor(busyTimeoutMs))}`);
    // Only takes effect on a new, empty database, and only before it switches to WAL.
    db.pragma(`page_size = ${WRITER_PAGE_SIZE}`);
    db.pragma('journal_mode = WAL');
    const pageSize = Number(db.pragma('page_size', { simple: true }));
    db.pragma(`wal_autocheckpoint = ${Math.round(WRITER_WAL_AUTOCHECKPOINT_BYTES / pageSize)}`);
    db.pragma(`journal_size_limit = ${WRITER_JOURNAL_SIZE_LIMIT_BYTES}`);
    tune(db, WRITER_CACHE_KIB);
    return db;
  } catch (err) {
    db.close();
    throw unopenable(dbPath, err, 'write');
  }
}

/**
 * SQLite's and the file system's ways of saying a file or its directory cannot be opened or
 * written (EEXIST: a file stands where a directory of the path should be).
 */
const UNOPENABLE = /^(?:SQLITE_(?:CANTOPEN|READONLY|PERM|AUTH)\w*|EACCES|EPERM|EROFS|ENOTDIR|EEXIST)$/;

/**
 * A permission problem opening the index as one line saying what to do (a data dir on a read-only
 * mount, or owned by another user, said only "attempt to write a readonly database" or "unable to
 * open database file"); any other error as it is.
 */
function unopenable(dbPath: string, err: unknown, mode: 'read' | 'write'): unknown {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code !== 'string' || !UNOPENABLE.test(code)) return err;
  const why = err instanceof Error ? err.message : String(err);
  const need =
    mode === 'write'
      ? `this user must be able to write ${dirname(dbPath)}`
      : `SQLite writes ${dbPath}-shm and -wal beside it even to read, so this user must be able to write ${dirname(dbPath)}`;
  return new CodeindexError(
    'STORE_UNAVAILABLE',
    `cannot ${mode} the index at ${dbPath} (${why}): ${need}, or set CODEINDEX_HOME to a data dir it can write`,
  );
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
  let db: Database.Database;
  try {
    db = new Database(dbPath, { readonly: true, fileMustExist: true });
  } catch (err) {
    throw unopenable(dbPath, err, 'read');
  }
  try {
    db.pragma(`busy_timeout = ${Math.max(0, Math.floor(busyTimeoutMs))}`);
    tune(db, READER_CACHE_KIB);
    return db;
  } catch (err) {
    db.close();
    throw unopenable(dbPath, err, 'read');
  }
}

function tune(db: Database.Database, cacheKib: number): void {
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma('temp_store = MEMORY');
  db.pragma(`cache_size = -${cacheKib}`);
}
