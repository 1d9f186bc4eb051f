import type { QueryContext } from './query-context.js';
import type { OptimizeOptions, OptimizeResult } from './types.js';

/** VACUUM only when at least this share of the file is free pages (it rewrites the whole file). */
const VACUUM_FREE_SHARE = 0.25;

/**
 * Periodic upkeep: merge the full-text index into one segment, refresh the query planner's
 * statistics (`PRAGMA optimize`), fold the WAL back into the database, and VACUUM when deletions
 * left much of the file empty (unless `vacuum: false`).
 *
 * Every batch commit leaves the FTS5 index a new segment, which its automerge folds together only
 * partly; a query reads each segment's posting lists. On Go's standard library (95k chunks) the
 * merge took 0.43 s and text search p50 went from 1.46-1.51 ms to 0.94-0.96 ms (p95 9.8-11.1 ->
 * 9.4 ms).
 */
export function optimize(ctx: QueryContext, opts: OptimizeOptions = {}): OptimizeResult {
  const { db } = ctx;
  db.exec("INSERT INTO chunks_fts(chunks_fts) VALUES('optimize')");
  db.pragma('optimize');
  const pages = Number(db.pragma('page_count', { simple: true }));
  const free = Number(db.pragma('freelist_count', { simple: true }));
  let vacuumed = false;
  if (opts.vacuum !== false && pages > 0 && free / pages >= VACUUM_FREE_SHARE) {
    db.exec('VACUUM');
    vacuumed = true;
  }
  db.pragma('wal_checkpoint(TRUNCATE)');
  return { pages, freePages: free, vacuumed };
}
