import type { QueryContext } from './query-context.js';
import type { OptimizeResult } from './types.js';

/** VACUUM only when at least this share of the file is free pages (it rewrites the whole file). */
const VACUUM_FREE_SHARE = 0.25;

/**
 * Periodic upkeep: refresh the query planner's statistics (`PRAGMA optimize`), fold the WAL back
 * into the database, and VACUUM when deletions left much of the file empty.
 */
export function optimize(ctx: QueryContext): OptimizeResult {
  const { db } = ctx;
  db.pragma('optimize');
  const pages = Number(db.pragma('page_count', { simple: true }));
  const free = Number(db.pragma('freelist_count', { simple: true }));
  let vacuumed = false;
  if (pages > 0 && free / pages >= VACUUM_FREE_SHARE) {
    db.exec('VACUUM');
    vacuumed = true;
  }
  db.pragma('wal_checkpoint(TRUNCATE)');
  return { pages, freePages: free, vacuumed };
}
