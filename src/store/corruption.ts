import { closeSync, existsSync, openSync, readdirSync, renameSync, statSync, unlinkSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { CodeindexError } from '../errors.js';

/**
 * A damaged index file: how it is recognised, set aside and replaced.
 *
 * SQLite says so with `SQLITE_NOTADB` (a damaged header: "file is not a database") or
 * `SQLITE_CORRUPT*` (a damaged page, found when a statement reads it). The index holds nothing
 * that the sources cannot give again, so the answer is never to repair in place: the file (with
 * its -wal and -shm) is renamed to `index.db.corrupt-<time>`, kept for inspection, a new index is
 * created, and the roots are indexed again. One process does the renaming (an exclusive lock
 * file); the others notice the file was replaced (another inode) and reopen.
 */

/** True for SQLite's "damaged file" errors. */
export function isCorruptionError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^SQLITE_(CORRUPT|NOTADB)/.test(code);
}

/** The inode of the index file (0 when missing): a different one means another process replaced it. */
export function fileIdentity(dbPath: string): number {
  try {
    return statSync(dbPath).ino;
  } catch {
    return 0;
  }
}

/** A lock file older than this is left over from a process that died while holding it. */
const STALE_LOCK_MS = 60_000;

/**
 * Sets the damaged file aside, unless another process already did (the file at `dbPath` is no
 * longer the one with inode `seenIno`). Returns the new name, or null when there was nothing to do.
 */
export function quarantineIndex(dbPath: string, seenIno: number, now = Date.now()): string | null {
  const lock = `${dbPath}.quarantine.lock`;
  let fd: number;
  try {
    fd = openSync(lock, 'wx');
  } catch {
    try {
      if (now - statSync(lock).mtimeMs > STALE_LOCK_MS) unlinkSync(lock);
    } catch {
      // Gone meanwhile.
    }
    return null;
  }
  try {
    const ino = fileIdentity(dbPath);
    if (ino === 0 || (seenIno !== 0 && ino !== seenIno)) return null;
    const stamp = new Date(now).toISOString().replace(/[:.]/g, '-');
    const to = `${dbPath}.corrupt-${stamp}`;
    renameSync(dbPath, to);
    for (const ext of ['-wal', '-shm']) if (existsSync(dbPath + ext)) renameSync(dbPath + ext, to + ext);
    return to;
  } finally {
    closeSync(fd);
    try {
      unlinkSync(lock);
    } catch {
      // Already removed as stale by another process.
    }
  }
}

/** Roots recorded in a damaged file, as far as it can still be read (none when it cannot). */
export function rootsOfDamaged(file: string): string[] {
  try {
    const db = new Database(file, { readonly: true, fileMustExist: true });
    try {
      return (db.prepare('SELECT path FROM roots').all() as { path: string }[]).map((r) => r.path);
    } finally {
      db.close();
    }
  } catch {
    return [];
  }
}

/** The one line a user gets when the index turned out to be damaged. */
export function corruptionError(dbPath: string, cause: unknown, movedTo: string | null): CodeindexError {
  const what = cause instanceof Error ? cause.message.split('\n')[0] : String(cause);
  return new CodeindexError(
    'INDEX_CORRUPT',
    movedTo
      ? `the index file ${dbPath} is damaged (${what}); it was moved to ${movedTo} and is being rebuilt from the sources: index_status shows progress, ask again in a moment`
      : `the index file ${dbPath} is damaged (${what}) and is being rebuilt from the sources: index_status shows progress, ask again in a moment (codeindex doctor checks the file)`,
    { cause },
  );
}

/**
 * `PRAGMA integrity_check` (every page, every index against its table: seconds on a large index).
 * Returns the problems, an empty list when the file is sound.
 */
export function integrityProblems(dbPath: string, max = 20): string[] {
  let db: Database.Database;
  try {
    db = new Database(dbPath, { readonly: true, fileMustExist: true });
  } catch (err) {
    return [(err as Error).message];
  }
  try {
    const rows = db.pragma(`integrity_check(${max})`) as { integrity_check: string }[];
    const out = rows.map((r) => r.integrity_check).filter((m) => m !== 'ok');
    return out;
  } catch (err) {
    return [(err as Error).message];
  } finally {
    db.close();
  }
}

/** How long after a damaged file was set aside a missing index reads as "being rebuilt". */
const REBUILD_NOTICE_MS = 10 * 60_000;

/** The file a damaged index was moved to in the last minutes, if any (the rebuild is under way). */
export function recentQuarantine(dbPath: string, now = Date.now()): string | null {
  const dir = dirname(dbPath);
  const prefix = `${basename(dbPath)}.corrupt-`;
  try {
    let best: { file: string; at: number } | null = null;
    for (const name of readdirSync(dir)) {
      if (!name.startsWith(prefix) || /-(wal|shm)$/.test(name)) continue;
      // A rename changes the file's ctime, not its mtime.
      const at = statSync(join(dir, name)).ctimeMs;
      if (now - at < REBUILD_NOTICE_MS && (!best || at > best.at)) best = { file: join(dir, name), at };
    }
    return best?.file ?? null;
  } catch {
    return null;
  }
}

/** `INDEX_CORRUPT` for a query that finds no index (or no root) while a rebuild is under way. */
export function rebuildingError(movedTo: string): CodeindexError {
  return new CodeindexError(
    'INDEX_CORRUPT',
    `the index file was damaged and moved to ${movedTo}; it is being rebuilt from the sources: ask again in a moment (index_status shows progress)`,
  );
}
