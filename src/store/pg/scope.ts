import type { ScopeEntry } from '../paths.js';
import { scopeInRoots, wholeIndexScope } from '../query-context.js';
import type { PathScope } from '../types.js';
import { allRootsPg, type Queryable, type RootRef } from './context.js';

/**
 * Where the roots come from for a pool whose store keeps them between calls (`RootsCache`);
 * other pools and transaction clients read them.
 */
const rootSources = new WeakMap<Queryable, () => Promise<RootRef[]>>();

/** Serves `db`'s scope lookups from `roots` instead of a read per query. */
export function useRootSource(db: Queryable, roots: () => Promise<RootRef[]>): void {
  rootSources.set(db, roots);
}

/** The kept roots of `db`'s store, when it keeps them (see `useRootSource`). */
export function rootSourceOf(db: Queryable): (() => Promise<RootRef[]>) | undefined {
  return rootSources.get(db);
}

/** The scope of an optional path prefix (null = everything), as `scopeOf` of the SQLite engine. */
export async function scopeOfPg(
  db: Queryable,
  pathPrefix: PathScope | undefined,
): Promise<ScopeEntry[] | null> {
  const source = rootSources.get(db);
  const roots = source !== undefined ? await source() : await allRootsPg(db);
  if (pathPrefix === undefined) return wholeIndexScope(roots);
  return scopeInRoots(roots, pathPrefix);
}
