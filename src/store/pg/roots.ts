import type { LanguageId } from '../../indexer/types.js';
import { normalizeRootPath } from '../paths.js';
import type { FileState, FileStatus, RootRow, RootStatus, SkipReason } from '../types.js';
import { type Queryable, rowsOf } from './context.js';

const MAX_FAILED_FILES = 20;

/** Bumps a root's chunks version (parameter: the root id), as `BUMP_CHUNKS_VERSION` in SQLite. */
export const BUMP_CHUNKS_VERSION_PG = 'UPDATE roots SET chunks_version = chunks_version + 1 WHERE id = ?';

interface RootDbRow {
  id: number;
  path: string;
  created_at: number;
  last_indexed_at: number | null;
  last_queried_at: number | null;
  generation: number;
  chunks_version: number;
}

/** Every root, by path. */
export async function listRootsPg(db: Queryable): Promise<RootRow[]> {
  const rows = await rowsOf<RootDbRow>(db, 'SELECT * FROM roots ORDER BY path');
  return rows.map((r) => ({
    id: r.id,
    path: r.path,
    createdAt: r.created_at,
    lastIndexedAt: r.last_indexed_at,
    lastQueriedAt: r.last_queried_at,
    generation: r.generation,
    chunksVersion: r.chunks_version,
  }));
}

interface FileStateRow {
  path: string;
  size: number;
  mtime_ms: number;
  sha256: string | null;
  status: FileStatus;
}

const FILE_STATE = `SELECT f.path, f.size, f.mtime_ms, f.sha256, f.status
  FROM files f JOIN roots r ON r.id = f.root_id WHERE r.path = ?`;

const toState = (r: FileStateRow): FileState => ({
  size: r.size,
  mtimeMs: r.mtime_ms,
  sha256: r.sha256,
  status: r.status,
});

/** What the skip-unchanged check needs for every file of a root (empty when the root is unknown). */
export async function getFileStatesPg(
  db: Queryable,
  rootPath: string,
  relPaths?: readonly string[],
): Promise<Map<string, FileState>> {
  const rows = relPaths
    ? await rowsOf<FileStateRow>(db, `${FILE_STATE} AND f.path = ANY(?::text[])`, [
        normalizeRootPath(rootPath),
        [...relPaths],
      ])
    : await rowsOf<FileStateRow>(db, FILE_STATE, [normalizeRootPath(rootPath)]);
  return new Map(rows.map((r) => [r.path, toState(r)]));
}

/** The stored state of one file, with a skipped file's reason and a failed one's error, or null. */
export async function getFileStatePg(
  db: Queryable,
  rootPath: string,
  relPath: string,
): Promise<FileState | null> {
  const [r] = await rowsOf<FileStateRow & { reason: SkipReason | null; error: string | null }>(
    db,
    `SELECT f.path, f.size, f.mtime_ms, f.sha256, f.status, f.reason, f.error
     FROM files f JOIN roots r ON r.id = f.root_id WHERE r.path = ? AND f.path = ?`,
    [normalizeRootPath(rootPath), relPath],
  );
  return r === undefined ? null : { ...toState(r), reason: r.reason, error: r.error };
}

interface StatusGroupRow {
  root_id: number;
  status: FileStatus;
  reason: SkipReason | null;
  language: LanguageId | null;
  files: number;
  symbols: number;
  refs: number;
  chunks: number;
}

/** Counts per root from the per-file counters, as `rootStatus` of the SQLite engine. */
export async function rootStatusPg(db: Queryable, rootPath?: string): Promise<RootStatus[]> {
  const roots =
    rootPath === undefined
      ? await rowsOf<RootDbRow>(db, 'SELECT * FROM roots ORDER BY path')
      : await rowsOf<RootDbRow>(db, 'SELECT * FROM roots WHERE path = ?', [normalizeRootPath(rootPath)]);
  if (roots.length === 0) return [];
  const ids = roots.map((r) => r.id);
  const groups = await rowsOf<StatusGroupRow>(
    db,
    `SELECT root_id, status, reason, language, count(*) AS files, sum(symbol_count) AS symbols,
            sum(ref_count) AS refs, sum(chunk_count) AS chunks
     FROM files WHERE root_id = ANY(?::bigint[]) GROUP BY root_id, status, reason, language`,
    [ids],
  );
  const failed = await rowsOf<{ root_id: number; path: string; error: string | null }>(
    db,
    `SELECT root_id, path, error FROM (
       SELECT root_id, path, error, row_number() OVER (PARTITION BY root_id ORDER BY path) AS n
       FROM files WHERE root_id = ANY(?::bigint[]) AND status = 'failed'
     ) AS x WHERE n <= ${MAX_FAILED_FILES} ORDER BY root_id, path`,
    [ids],
  );
  return roots.map((root) => {
    const s: RootStatus = {
      root: root.path,
      generation: root.generation,
      lastIndexedAt: root.last_indexed_at,
      files: { indexed: 0, skipped: 0, failed: 0 },
      skippedByReason: {},
      skippedByLanguage: {},
      symbols: 0,
      refs: 0,
      chunks: 0,
      languages: {},
      failedFiles: failed
        .filter((f) => f.root_id === root.id)
        .map((f) => ({ path: f.path, error: f.error ?? 'unknown error' })),
    };
    for (const g of groups) {
      if (g.root_id !== root.id) continue;
      s.files[g.status] += g.files;
      s.symbols += g.symbols;
      s.refs += g.refs;
      s.chunks += g.chunks;
      if (g.status === 'skipped' && g.reason !== null) {
        s.skippedByReason[g.reason] = (s.skippedByReason[g.reason] ?? 0) + g.files;
        const byReason = s.skippedByLanguage[g.language ?? 'other'] ?? {};
        byReason[g.reason] = (byReason[g.reason] ?? 0) + g.files;
        s.skippedByLanguage[g.language ?? 'other'] = byReason;
      }
      if (g.status === 'indexed' && g.language !== null) {
        s.languages[g.language] = (s.languages[g.language] ?? 0) + g.files;
      }
    }
    return s;
  });
}
