import type Database from 'better-sqlite3';
import { CodeindexError } from '../errors.js';
import { resolveScope, type ScopeEntry, withoutNestedRoots } from './paths.js';
import type { StatementCache } from './statement-cache.js';
import type { PathScope } from './types.js';

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

/**
 * The scope of an optional absolute path prefix, or of several (null = everything). With several,
 * those that select nothing indexed are left out; `NOT_INDEXED` when none selects anything.
 */
export function scopeOf(ctx: QueryContext, pathPrefix: PathScope | undefined): ScopeEntry[] | null {
  if (pathPrefix === undefined) return wholeIndexScope(allRoots(ctx));
  return scopeInRoots(allRoots(ctx), pathPrefix);
}

/**
 * The scope of the whole index: null (no filter), unless a root is inside another; then every
 * root, the outer ones without the inner ones' subtrees (see `withoutNestedRoots`).
 */
export function wholeIndexScope(roots: readonly { id: number; path: string }[]): ScopeEntry[] | null {
  const scope = withoutNestedRoots(
    roots.map((r) => ({ rootId: r.id, rel: null })),
    roots,
  );
  return scope.some((e) => e.exclude !== undefined) ? scope : null;
}

/** {@link scopeOf} over a list of roots already read (any engine). */
export function scopeInRoots(
  roots: readonly { id: number; path: string }[],
  pathPrefix: PathScope,
): ScopeEntry[] {
  if (typeof pathPrefix === 'string') return withoutNestedRoots(resolveScope(roots, pathPrefix), roots);
  const out: ScopeEntry[] = [];
  for (const p of pathPrefix) {
    try {
      out.push(...resolveScope(roots, p));
    } catch (err) {
      if (!(err instanceof CodeindexError) || err.code !== 'NOT_INDEXED') throw err;
    }
  }
  if (out.length === 0) {
    throw new CodeindexError(
      'NOT_INDEXED',
      `nothing is indexed under ${pathPrefix.join(', ') || 'the allowed roots'}: call index_repository with the project folder first`,
    );
  }
  return withoutNestedRoots(out, roots);
}

/** Clamps a caller's limit/offset to sane integers. */
export function paging(limit: number, offset: number | undefined): { limit: number; offset: number } {
  return {
    limit: Math.max(0, Math.min(1000, Math.floor(Number.isFinite(limit) ? limit : 20))),
    offset: Math.max(0, Math.floor(offset !== undefined && Number.isFinite(offset) ? offset : 0)),
  };
}
