import { existsSync } from 'node:fs';
import { CodeindexError } from '../errors.js';
import { joinRootPath } from './paths.js';
import type { QueryContext } from './query-context.js';
import { BUMP_CHUNKS_VERSION } from './roots.js';
import type { CleanupOptions, CleanupResult } from './types.js';
import { BUMP_VECTORS_VERSION } from './vectors.js';

const DAY_MS = 86_400_000;

/** The epoch-ms cutoff of a cleanup run; throws on a bad `days`. */
export function cleanupCutoff(opts: CleanupOptions, now: number): number {
  if (!Number.isFinite(opts.days) || opts.days < 0) {
    throw new CodeindexError('INVALID_PAYLOAD', `cleanup days must be a number >= 0, got ${opts.days}`);
  }
  return (opts.now ?? now) - opts.days * DAY_MS;
}

/** A root neither indexed nor queried since the cutoff, or whose directory is gone. */
export function isStaleRoot(root: RootActivityRow, cutoff: number): boolean {
  const lastActive = Math.max(root.last_indexed_at ?? root.created_at, root.last_queried_at ?? 0);
  return lastActive < cutoff || !existsSync(root.path);
}

/** What the cleanup reads of a root. */
export interface RootActivityRow {
  id: number;
  path: string;
  created_at: number;
  last_indexed_at: number | null;
  last_queried_at: number | null;
}

/**
 * Removes roots that were neither indexed nor queried since the cutoff, or whose directory is
 * gone; then, in the roots that stay, the rows of files that no longer exist on disk. A real run
 * also prunes vectors and symbol names nothing refers to any more. `deletedFiles` counts only
 * files removed from roots that stay (a removed root takes its files with it).
 */
export function cleanup(ctx: QueryContext, opts: CleanupOptions): CleanupResult {
  const cutoff = cleanupCutoff(opts, ctx.now());
  const roots = ctx.statements
    .get<RootActivityRow>(
      'SELECT id, path, created_at, last_indexed_at, last_queried_at FROM roots ORDER BY path',
    )
    .all();
  const staleRoots: RootActivityRow[] = [];
  const missingFiles: number[] = [];
  const shrunkRoots = new Set<number>();
  const filesOf = ctx.statements.get<{ id: number; path: string }>(
    'SELECT id, path FROM files WHERE root_id = ?',
  );
  for (const root of roots) {
    if (isStaleRoot(root, cutoff)) {
      staleRoots.push(root);
      continue;
    }
    for (const f of filesOf.iterate(root.id)) {
      if (!existsSync(joinRootPath(root.path, f.path))) {
        missingFiles.push(f.id);
        shrunkRoots.add(root.id);
      }
    }
  }
  const result: CleanupResult = {
    deletedRoots: staleRoots.map((r) => r.path),
    deletedFiles: missingFiles.length,
    cutoffDate: new Date(cutoff).toISOString(),
  };
  if (opts.dryRun) return result;

  const deleteRoot = ctx.statements.get('DELETE FROM roots WHERE id = ?');
  const deleteFile = ctx.statements.get('DELETE FROM files WHERE id = ?');
  const bumpChunks = ctx.statements.get(BUMP_CHUNKS_VERSION);
  ctx.db
    .transaction(() => {
      for (const r of staleRoots) deleteRoot.run(r.id);
      for (const id of missingFiles) deleteFile.run(id);
      for (const id of shrunkRoots) bumpChunks.run(id);
    })
    .immediate();
  result.prunedVectors = ctx.db
    .transaction(() => {
      const pruned = ctx.db
        .prepare('DELETE FROM vectors WHERE hash NOT IN (SELECT hash FROM chunks)')
        .run().changes;
      if (pruned > 0) ctx.db.prepare(BUMP_VECTORS_VERSION).run();
      ctx.db.prepare('DELETE FROM name_parts WHERE name_key NOT IN (SELECT name_key FROM symbols)').run();
      ctx.db.prepare('DELETE FROM symbol_names WHERE name NOT IN (SELECT name FROM symbols)').run();
      return pruned;
    })
    .immediate();
  return result;
}
