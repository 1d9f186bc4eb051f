import type { ScopeEntry } from '../paths.js';
import { scopeInRoots } from '../query-context.js';
import type { PathScope } from '../types.js';
import { allRootsPg, type Queryable } from './context.js';

/** The scope of an optional path prefix (null = everything), as `scopeOf` of the SQLite engine. */
export async function scopeOfPg(
  db: Queryable,
  pathPrefix: PathScope | undefined,
): Promise<ScopeEntry[] | null> {
  if (pathPrefix === undefined) return null;
  return scopeInRoots(await allRootsPg(db), pathPrefix);
}
