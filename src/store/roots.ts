import type { LanguageId } from '../indexer/types.js';
import { normalizeRootPath } from './paths.js';
import type { QueryContext } from './query-context.js';
import type { FileState, FileStatus, RootRow, RootStatus, SkipReason } from './types.js';

const MAX_FAILED_FILES = 20;

/**
 * Bumps a root's chunks version (parameter: the root id); run it inside every transaction that
 * adds, changes or removes the root's files, so cached vector matrices and counts see the change.
 */
export const BUMP_CHUNKS_VERSION = 'UPDATE roots SET chunks_version = chunks_version + 1 WHERE id = ?';

interface RootDbRow {
  id: number;
  path: string;
  created_at: number;
  last_indexed_at: number | null;
  last_queried_at: number | null;
  generation: number;
  chunks_version: number;
}

function toRootRow(r: RootDbRow): RootRow {
  return {
    id: r.id,
    path: r.path,
    createdAt: r.created_at,
    lastIndexedAt: r.last_indexed_at,
    lastQueriedAt: r.last_queried_at,
    generation: r.generation,
    chunksVersion: r.chunks_version,
  };
}

/** Every root, by path. */
export function listRoots(ctx: QueryContext): RootRow[] {
  return ctx.statements.get<RootDbRow>('SELECT * FROM roots ORDER BY path').all().map(toRootRow);
}

interface FileStateRow {
  path: string;
  size: number;
  mtime_ms: number;
  sha256: string | null;
  status: FileStatus;
}

/** What the skip-unchanged check needs for every file of a root (empty when the root is unknown). */
export function getFileStates(
  ctx: QueryContext,
  rootPath: string,
  relPaths?: readonly string[],
): Map<string, FileState> {
  if (relPaths) {
    const out = new Map<string, FileState>();
    for (const p of relPaths) {
      const s = getFileState(ctx, rootPath, p);
      if (s) out.set(p, s);
    }
    return out;
  }
  const rows = ctx.statements
    .get<FileStateRow>(
      `SELECT f.path, f.size, f.mtime_ms, f.sha256, f.status
       FROM files f JOIN roots r ON r.id = f.root_id WHERE r.path = ?`,
    )
    .all(normalizeRootPath(rootPath));
  const out = new Map<string, FileState>();
  for (const r of rows)
    out.set(r.path, { size: r.size, mtimeMs: r.mtime_ms, sha256: r.sha256, status: r.status });
  return out;
}

/** The stored state of one file, with a skipped file's reason and a failed one's error, or null. */
export function getFileState(ctx: QueryContext, rootPath: string, relPath: string): FileState | null {
  const r = ctx.statements
    .get<FileStateRow & { reason: SkipReason | null; error: string | null }>(
      `SELECT f.path, f.size, f.mtime_ms, f.sha256, f.status, f.reason, f.error
       FROM files f JOIN roots r ON r.id = f.root_id WHERE r.path = ? AND f.path = ?`,
    )
    .get(normalizeRootPath(rootPath), relPath);
  return r === undefined
    ? null
    : {
        size: r.size,
        mtimeMs: r.mtime_ms,
        sha256: r.sha256,
        status: r.status,
        reason: r.reason,
        error: r.error,
      };
}

interface StatusGroupRow {
  status: FileStatus;
  reason: SkipReason | null;
  language: LanguageId | null;
  files: number;
  symbols: number;
  refs: number;
  chunks: number;
}

/**
 * Counts per root. Symbol/ref/chunk totals come from per-file counters kept by `writeBatch`, so
 * this is one grouped scan of `files`, not a count over the big tables.
 */
export function rootStatus(ctx: QueryContext, rootPath?: string): RootStatus[] {
  const roots =
    rootPath === undefined
      ? ctx.statements.get<RootDbRow>('SELECT * FROM roots ORDER BY path').all()
      : ctx.statements.get<RootDbRow>('SELECT * FROM roots WHERE path = ?').all(normalizeRootPath(rootPath));
  const groups = ctx.statements.get<StatusGroupRow>(
    `SELECT status, reason, language, count(*) AS files, sum(symbol_count) AS symbols,
            sum(ref_count) AS refs, sum(chunk_count) AS chunks
     FROM files WHERE root_id = ? GROUP BY status, reason, language`,
  );
  const failed = ctx.statements.get<{ path: string; error: string | null }>(
    `SELECT path, error FROM files WHERE root_id = ? AND status = 'failed' ORDER BY path LIMIT ${MAX_FAILED_FILES}`,
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
      failedFiles: failed.all(root.id).map((f) => ({ path: f.path, error: f.error ?? 'unknown error' })),
    };
    for (const g of groups.all(root.id)) {
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
