import { joinRootPath, scopeFilter } from './paths.js';
import type { QueryContext } from './query-context.js';
import { scopeOf } from './query-context.js';
import { USE_KINDS_MASK } from './ref-sites.js';
import type { GraphData, PathScope } from './types.js';

/** The names column of `imports` (a JSON array of strings). */
export function importNames(json: string): string[] {
  try {
    const v: unknown = JSON.parse(json);
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    return [];
  }
}

/**
 * Everything a repository map needs, in four scans: indexed files (with their language and
 * root-relative path, which the map uses to tell source from tests), their definitions, and their
 * references by name (non-import refs only), and their imports. Scoped by an absolute path prefix.
 */
export function graphData(ctx: QueryContext, pathPrefix: PathScope | undefined): GraphData {
  const scope = scopeOf(ctx, pathPrefix);
  const f = scope === null ? { sql: '1', params: [] as unknown[] } : scopeFilter(scope);
  const files = ctx.statements
    .get<{ id: number; rel: string; root: string; language: string | null }>(
      `SELECT f.id, f.path AS rel, r.path AS root, f.language FROM files f JOIN roots r ON r.id = f.root_id
       WHERE f.status = 'indexed' AND ${f.sql} ORDER BY f.id`,
    )
    .all(...f.params)
    .map((r) => ({
      id: r.id,
      path: joinRootPath(r.root, r.rel),
      rel: r.rel,
      root: r.root,
      language: r.language,
    }));
  const symbols = ctx.statements
    .get<{
      fileId: number;
      name: string;
      kind: string;
      line: number;
      container: string | null;
      signature: string;
    }>(
      `SELECT s.file_id AS fileId, s.name, s.kind, s.start_line AS line, s.container, s.signature
       FROM symbols s JOIN files f ON f.id = s.file_id WHERE ${f.sql} ORDER BY s.file_id, s.start_line`,
    )
    .all(...f.params);
  const refs = ctx.statements
    .get<{ fileId: number; name: string }>(
      `SELECT r.file_id AS fileId, r.name FROM refs r JOIN files f ON f.id = r.file_id
       WHERE (r.kinds & ${USE_KINDS_MASK}) != 0 AND ${f.sql}`,
    )
    .all(...f.params);
  const imports = ctx.statements
    .get<{ fileId: number; source: string; names: string }>(
      `SELECT i.file_id AS fileId, i.source, i.names FROM imports i JOIN files f ON f.id = i.file_id
       WHERE ${f.sql} ORDER BY i.file_id, i.line, i.id`,
    )
    .all(...f.params)
    .map((r) => ({ fileId: r.fileId, source: r.source, names: importNames(r.names) }));
  return { files, symbols, refs, imports };
}
