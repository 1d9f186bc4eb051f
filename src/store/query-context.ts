import type Database from 'better-sqlite3';
import type { ScopeEntry } from './paths.js';
import { resolveScope } from './paths.js';
import type { StatementCache } from './statement-cache.js';

/** What the query modules share: the connection, its statement cache, the clock. */
export interface QueryContext {
  db: Database.Database;
  statements: StatementCache;
  now: () => number;
}

/** `{id, path}` of every root; roots are few, so they are read per query. */
export function allRoots(ctx: QueryContext): { id: number; path: string }[] {
  return ctx.statements.get<{ id: number; path: string }>('SELECT id, path FROM roots ORDER BY path').all();
}

/** The scope of an optional absolute path prefix (null = everything). */
export function scopeOf(ctx: QueryContext, pathPrefix: string | undefined): ScopeEntry[] | null {
  return pathPrefix === undefined ? null : resolveScope(allRoots(ctx), pathPrefix);
}

/** Clamps a caller's limit/offset to sane integers. */
export function paging(limit: number, offset: number | undefined): { limit: number; offset: number } {
  return {
    limit: Math.max(0, Math.min(1000, Math.floor(Number.isFinite(limit) ? limit : 20))),
    offset: Math.max(0, Math.floor(offset !== undefined && Number.isFinite(offset) ? offset : 0)),
  };
}
