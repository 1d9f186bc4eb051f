import { existsSync, realpathSync } from 'node:fs';
import { resolve } from 'node:path';
import { findRootFor, outsideRootsError } from '../discovery/index.js';
import { CodeindexError } from '../errors.js';
import type { IndexStore, RootRow } from '../store/types.js';
import type { ToolContext } from './context.js';

function real(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return p;
  }
}

/** True when `path` is `dir` or lies below it. */
export function isUnder(dir: string, path: string): boolean {
  return path === dir || path.startsWith(dir.endsWith('/') ? dir : `${dir}/`);
}

/** A path relative to the deepest root that holds it, `/`-separated (the path itself if none). */
export function relativeTo(roots: readonly Pick<RootRow, 'path'>[], path: string): string {
  let best = '';
  for (const r of roots) if (isUnder(r.path, path) && r.path.length > best.length) best = r.path;
  return (best === '' ? path : path.slice(best.length)).replace(/\\/g, '/').replace(/^\/+/, '');
}

/**
 * What a query may look at: the given `path_prefix` (which must lie inside an allowed root) as a
 * one-element list; else the allowed roots; else undefined when every indexed root lies inside an
 * allowed root anyway (no filter needed, the usual case). A data dir can hold projects of other
 * clients: their files must never show up in this client's results.
 */
export async function queryScope(
  ctx: Pick<ToolContext, 'allowedRoots' | 'store'>,
  pathPrefix: string | undefined,
): Promise<string[] | undefined> {
  return confineToRoots(await ctx.allowedRoots(), ctx.store, pathPrefix);
}

/** `queryScope` for a caller that has its allowed roots and store at hand (the HTTP API). */
export async function confineToRoots(
  allowedRoots: readonly string[],
  store: () => IndexStore,
  pathPrefix: string | undefined,
): Promise<string[] | undefined> {
  const roots = allowedRoots.map(real);
  if (pathPrefix) {
    const abs = real(resolve(pathPrefix));
    if (!roots.some((r) => isUnder(r, abs))) throw outsideRootsError(pathPrefix, abs, roots);
    if (!existsSync(abs)) await mustNotBeMissing(abs, store);
    return [abs];
  }
  // Without a prefix, filtering costs a join per candidate; skip it when every indexed root is
  // one the client may see anyway.
  try {
    // An empty index keeps the roots as the scope, so the query says NOT_INDEXED.
    const indexed = await store().listRoots();
    if (indexed.length > 0 && indexed.every((r) => roots.some((a) => isUnder(a, r.path)))) return undefined;
  } catch {
    // Not indexed yet: the query reports that.
  }
  return roots;
}

/**
 * A scope that does not exist answered "no symbols match", and an assistant took that for the
 * answer. It is PATH_NOT_FOUND when this host sees the indexed root it lies in (so the path is
 * truly not there); a server on a host without the source tree (the index in PostgreSQL) cannot
 * tell, and searches the index as asked.
 */
async function mustNotBeMissing(abs: string, store: () => IndexStore): Promise<void> {
  let roots: string[];
  try {
    roots = (await store().listRoots()).map((r) => r.path);
  } catch {
    return;
  }
  const root = findRootFor(abs, roots);
  // Not on disk and in no indexed root: nothing to answer from (it said NOT_INDEXED, as if
  // indexing it could help).
  if (root === undefined)
    throw new CodeindexError(
      'PATH_NOT_FOUND',
      `${abs} does not exist and no indexed root holds it: check the path`,
    );
  if (!existsSync(root)) return;
  throw new CodeindexError(
    'PATH_NOT_FOUND',
    `${abs} does not exist: check the spelling, or pass a folder or file inside ${root}`,
  );
}

/**
 * The one directory a scope names, for callers that show paths relative to it (the repo map) or
 * record which root was queried; undefined for a union of several.
 */
export function singleScope(scope: readonly string[] | undefined): string | undefined {
  return scope?.length === 1 ? scope[0] : undefined;
}

/**
 * The one directory a query's paths can be shown relative to: its scope's, or, for a query over
 * everything the client may see (scope undefined), the one allowed root, else the one of the
 * `indexed` roots (as the caller read them); undefined when the answer spans several.
 */
export async function displayRoot(
  ctx: Pick<ToolContext, 'allowedRoots'>,
  scope: readonly string[] | undefined,
  indexed: readonly { path: string }[],
): Promise<string | undefined> {
  if (scope !== undefined) return singleScope(scope);
  const allowed = await ctx.allowedRoots();
  if (allowed.length === 1) return real(allowed[0] as string);
  return indexed.length === 1 ? indexed[0]?.path : undefined;
}

/** Whether an indexed root and a scope overlap (the root holds, or lies inside, a scope entry). */
export function rootInScope(root: string, scope: readonly string[] | undefined): boolean {
  return scope === undefined || scope.some((p) => isUnder(p, root) || isUnder(root, p));
}
