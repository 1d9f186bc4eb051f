import { REPO_MAP_MAX_SYMBOLS } from '../config/schema.js';
import { CodeindexError } from '../errors.js';
import { joinRootPath, scopeFilter } from './paths.js';
import type { QueryContext } from './query-context.js';
import { scopeOf } from './query-context.js';
import { USE_KINDS_MASK, unpackRefSites } from './ref-sites.js';
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
 * The most definitions a repository map ranks at once by default (`repoMapMaxSymbols`). The map
 * holds every definition, reference and import of its scope in memory: Go's standard library
 * (195,000 definitions) takes about 2 s and 400 MB, and 1.1 million (Go, /usr/include and Python's
 * library together) took 12 s and 2.2 GB.
 */
export const GRAPH_MAX_SYMBOLS = REPO_MAP_MAX_SYMBOLS;

/** A scope's indexed files with their definition counts, as the graph reads them first. */
export interface GraphFileCount {
  rel: string;
  root: string;
  symbols: number;
}

/**
 * Refuses a scope with more than `max` definitions, before anything else is read, with a message
 * that names its biggest directories to map instead.
 */
export function checkGraphSize(
  files: readonly GraphFileCount[],
  scope: PathScope | undefined,
  max: number,
): void {
  let total = 0;
  for (const f of files) total += f.symbols;
  if (total <= max) return;
  // The directories one level below the scope (below each root when the scope is not one path).
  const one = typeof scope === 'string' ? scope : scope?.length === 1 ? scope[0] : undefined;
  const base = one === undefined ? null : one.replace(/[\\/]+$/, '');
  const dirs = new Map<string, number>();
  for (const f of files) {
    const abs = joinRootPath(f.root, f.rel);
    const below = base !== null && abs.startsWith(`${base}/`) ? abs.slice(base.length + 1) : f.rel;
    const head = below.split('/')[0] ?? below;
    const dir = base !== null && abs.startsWith(`${base}/`) ? `${base}/${head}` : joinRootPath(f.root, head);
    dirs.set(dir, (dirs.get(dir) ?? 0) + f.symbols);
  }
  // The biggest parts that fit; when none does, the biggest parts (to be split further).
  const bySize = [...dirs.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  const fitting = bySize.filter(([, n]) => n <= max);
  const biggest = (fitting.length > 0 ? fitting : bySize)
    .slice(0, 3)
    .map(([d, n]) => `${d} (${n.toLocaleString('en-US')})`);
  throw new CodeindexError(
    'SCOPE_TOO_LARGE',
    `${base ?? 'the index'} holds ${total.toLocaleString('en-US')} definitions in ${files.length.toLocaleString('en-US')} files, more than a repository map ranks at once (${max.toLocaleString('en-US')}): pass path for one part of it, such as ${biggest.join(', ')}`,
  );
}

/** A row of {@link graphFilesSql}. */
export interface GraphFileRow extends GraphFileCount {
  id: number;
  language: string | null;
}

/** The graph's first scan (both engines): the scope's indexed files with their definition counts. */
export function graphFilesSql(where: string): string {
  return `SELECT f.id, f.path AS rel, r.path AS root, f.language, f.symbol_count AS symbols
    FROM files f JOIN roots r ON r.id = f.root_id
    WHERE f.status = 'indexed' AND ${where} ORDER BY f.id`;
}

/** The graph's files from {@link graphFilesSql}'s rows, once the scope's size is checked. */
export function graphFiles(
  rows: readonly GraphFileRow[],
  scope: PathScope | undefined,
  maxSymbols: number,
): GraphData['files'] {
  checkGraphSize(rows, scope, maxSymbols);
  return rows.map((r) => ({
    id: r.id,
    path: joinRootPath(r.root, r.rel),
    rel: r.rel,
    root: r.root,
    language: r.language,
  }));
}

/**
 * The built-in classes the extractor names for literal receivers, in every language
 * (`LanguageRules.literalClasses`): `', '.join(parts)` is `str.join`, `[a, b].map(f)` is
 * `Array.map`. A call on a literal is no use of any definition of the repository.
 */
export const LITERAL_RECEIVERS: ReadonlySet<string> = new Set([
  'str',
  'bytes',
  'list',
  'dict',
  'array',
  'String',
  'Array',
  'RegExp',
]);

/**
 * The refs columns `graphData` reads: a row's sites only when one of them has a receiver hint, a
 * literal receiver or none at all (a plain function's call; the receiver is a site's last
 * element). Other rows are not parsed. `contains` is the engine's substring test.
 */
export function graphRefsSelect(contains: (column: string, needle: string) => string): string {
  const needles = ['"~', ',""]', ...[...LITERAL_RECEIVERS].map((c) => `,"${c}"]`)];
  return `CASE WHEN ${needles.map((n) => contains('r.sites', n)).join(' OR ')} THEN r.sites END AS sites`;
}

/**
 * A graph ref from a refs row: with `hints` when every use site is a call on a variable, with
 * `bare` when every one is a plain call (`super()`, `type(x)`: a function or a class, never a
 * method or a field), where calls on a literal count as either; null when every use is a call on
 * a literal (Django's 700 files of `', '.join(…)` gave their uses to the template filter `join`
 * and to `Query.join`).
 */
export function graphRef(
  fileId: number,
  name: string,
  sites: string | null,
): GraphData['refs'][number] | null {
  if (sites === null) return { fileId, name };
  const hints = new Set<string>();
  let literal = false;
  let bare = false;
  for (const s of unpackRefSites(sites)) {
    if (s[2] === 'import') continue;
    if (s[4] === '') bare = true;
    else if (s[4] !== null && LITERAL_RECEIVERS.has(s[4])) literal = true;
    else if (s[5] === undefined) return { fileId, name };
    else hints.add(s[5]);
  }
  if (hints.size > 0) return bare ? { fileId, name } : { fileId, name, hints: [...hints] };
  if (bare) return { fileId, name, bare: true };
  return literal ? null : { fileId, name };
}

/**
 * Everything a repository map needs, in four scans: indexed files (with their language and
 * root-relative path, which the map uses to tell source from tests), their definitions, and their
 * references by name (non-import refs only), and their imports. Scoped by an absolute path prefix.
 */
export function graphData(
  ctx: QueryContext,
  pathPrefix: PathScope | undefined,
  maxSymbols = GRAPH_MAX_SYMBOLS,
): GraphData {
  const scope = scopeOf(ctx, pathPrefix);
  const f = scope === null ? { sql: '1', params: [] as unknown[] } : scopeFilter(scope);
  const files = graphFiles(
    ctx.statements.get<GraphFileRow>(graphFilesSql(f.sql)).all(...f.params),
    pathPrefix,
    maxSymbols,
  );
  const symbols = ctx.statements
    .get<{
      fileId: number;
      name: string;
      kind: string;
      line: number;
      endLine: number;
      container: string | null;
      signature: string;
    }>(
      `SELECT s.file_id AS fileId, s.name, s.kind, s.start_line AS line, s.end_line AS endLine, s.container, s.signature
       FROM symbols s JOIN files f ON f.id = s.file_id WHERE ${f.sql} ORDER BY s.file_id, s.start_line`,
    )
    .all(...f.params);
  const refs = ctx.statements
    .get<{ fileId: number; name: string; sites: string | null }>(
      `SELECT r.file_id AS fileId, r.name, ${graphRefsSelect((c, n) => `instr(${c}, '${n}') > 0`)}
       FROM refs r JOIN files f ON f.id = r.file_id
       WHERE (r.kinds & ${USE_KINDS_MASK}) != 0 AND ${f.sql}`,
    )
    .all(...f.params)
    .flatMap((r) => graphRef(r.fileId, r.name, r.sites) ?? []);
  const imports = ctx.statements
    .get<{ fileId: number; source: string; names: string }>(
      `SELECT i.file_id AS fileId, i.source, i.names FROM imports i JOIN files f ON f.id = i.file_id
       WHERE ${f.sql} ORDER BY i.file_id, i.line, i.id`,
    )
    .all(...f.params)
    .map((r) => ({ fileId: r.fileId, source: r.source, names: importNames(r.names) }));
  return { files, symbols, refs, imports };
}
