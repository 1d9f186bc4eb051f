import { realpathSync } from 'node:fs';
import { resolve } from 'node:path';
import { CodeindexError } from '../errors.js';
import type { ToolContext } from './context.js';

function real(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return p;
  }
}

/**
 * The absolute path prefix a query is limited to: the given `path_prefix` (which must lie inside
 * an allowed root), else the single allowed root, else nothing (all indexed roots).
 */
export async function queryScope(
  ctx: ToolContext,
  pathPrefix: string | undefined,
): Promise<string | undefined> {
  const roots = (await ctx.allowedRoots()).map(real);
  if (pathPrefix) {
    const abs = real(resolve(pathPrefix));
    if (!roots.some((r) => abs === r || abs.startsWith(`${r}/`))) {
      throw new CodeindexError(
        'PATH_OUTSIDE_ROOT',
        `${abs} is outside the allowed roots (${roots.join(', ')}): add it to CODEINDEX_ROOTS or open the client in that folder`,
      );
    }
    return abs;
  }
  // Without a prefix, filtering costs a join per candidate; skip it when every indexed root is
  // one the client may see anyway (the usual case).
  try {
    const indexed = ctx.store().listRoots();
    if (indexed.every((r) => roots.some((a) => r.path === a || r.path.startsWith(`${a}/`)))) return undefined;
  } catch {
    // Not indexed yet: the caller reports that.
  }
  return roots.length === 1 ? roots[0] : undefined;
}
