import { resolve } from 'node:path';
import type { LanguageId, SymbolKind } from '../indexer/types.js';
import { nameKey } from './identifiers.js';
import type { SqlFilter } from './paths.js';
import { joinRootPath, relativeToRoot, scopeFilter } from './paths.js';
import type { QueryContext } from './query-context.js';
import { allRoots, paging, scopeOf } from './query-context.js';
import type { SymbolHit, SymbolQuery, SymbolSearchResult } from './types.js';

/** Scores by match tier; the gaps leave room for the +4 container bonus of `Class.member` queries. */
export const SYMBOL_SCORES = {
  exact: 100,
  prefix: 90,
  caseInsensitiveExact: 80,
  caseInsensitivePrefix: 70,
  keyExact: 60,
  keyPrefix: 55,
  wordSuffix: 50,
  wordPrefix: 45,
  subsequence: 30,
} as const;

/** Definitions people look for first; variables and fields last. */
const KIND_RANK: Record<SymbolKind, number> = {
  class: 0,
  interface: 0,
  struct: 0,
  trait: 0,
  enum: 0,
  function: 0,
  type: 1,
  method: 1,
  module: 1,
  namespace: 1,
  constructor: 2,
  constant: 2,
  property: 3,
  field: 3,
  variable: 4,
};
const KIND_RANK_SQL = `CASE s.kind ${Object.entries(KIND_RANK)
  .map(([k, r]) => `WHEN '${k}' THEN ${r}`)
  .join(' ')} ELSE 5 END`;

const MAX_CHAR = '\u{10FFFF}';
/** Caps on the fuzzy tiers, so a short query cannot fan out over the whole index. */
const MAX_WORD_KEYS = 2000;
const MAX_SUBSEQUENCE_KEYS = 500;
const MAX_FUZZY_ROWS = 5000;

const SELECT_SYMBOL = `s.id, s.name, s.name_key, s.kind, s.start_line, s.start_col, s.end_line, s.container,
  s.signature, s.doc, s.exported, f.path AS rel, f.language, r.path AS root, ${KIND_RANK_SQL} AS kind_rank`;

interface SymbolRow {
  id: number;
  name: string;
  name_key: string;
  kind: SymbolKind;
  start_line: number;
  start_col: number;
  end_line: number;
  container: string | null;
  signature: string;
  doc: string | null;
  exported: number;
  rel: string;
  language: LanguageId;
  root: string;
  kind_rank: number;
  score: number;
}

function toHit(r: SymbolRow): SymbolHit {
  return {
    name: r.name,
    kind: r.kind,
    path: joinRootPath(r.root, r.rel),
    language: r.language,
    line: r.start_line,
    col: r.start_col,
    endLine: r.end_line,
    container: r.container,
    signature: r.signature,
    doc: r.doc,
    score: r.score,
  };
}

/** The tie-break after score: exported, definition kinds, shorter paths, shorter names. */
function compareRows(a: SymbolRow, b: SymbolRow): number {
  return (
    b.score - a.score ||
    b.exported - a.exported ||
    a.kind_rank - b.kind_rank ||
    a.rel.length - b.rel.length ||
    a.name.length - b.name.length ||
    (a.name < b.name ? -1 : a.name > b.name ? 1 : 0) ||
    (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0) ||
    a.start_line - b.start_line
  );
}

function filtersOf(ctx: QueryContext, q: SymbolQuery): SqlFilter {
  const sql: string[] = [];
  const params: unknown[] = [];
  if (q.kind !== undefined) {
    sql.push('s.kind = ?');
    params.push(q.kind);
  }
  if (q.language !== undefined) {
    sql.push('f.language = ?');
    params.push(q.language);
  }
  const scope = scopeOf(ctx, q.pathPrefix);
  if (scope !== null) {
    const f = scopeFilter(scope);
    sql.push(f.sql);
    params.push(...f.params);
  }
  return { sql: sql.map((s) => ` AND ${s}`).join(''), params };
}

/** `Outer.Inner.method` / `mod::fn` -> the name to match and the qualifier (lowercased) to prefer. */
function parseQuery(query: string): { name: string; qualifier: string | null } {
  const q = query.trim();
  const parts = q.split(/\.|::|#/).filter((p) => p.length > 0);
  if (parts.length < 2) return { name: q, qualifier: null };
  return { name: parts[parts.length - 1]!, qualifier: parts.slice(0, -1).join('.').toLowerCase() };
}

/**
 * Symbol search in tiers: (A) keys starting with the query key, scored in SQL as exact >
 * prefix > case-insensitive exact > case-insensitive prefix > key exact (`get_user` for
 * `getUser`) > key prefix; then, only when A cannot fill the page, (B) names with a word part
 * starting with the query (`fetchUser` for `user`) and (C) names whose word-part tail contains
 * the query as a subsequence (`userService` for `usr`). Every tier is index-backed.
 */
export function searchSymbols(ctx: QueryContext, q: SymbolQuery): SymbolSearchResult {
  const { limit, offset } = paging(q.limit, q.offset);
  const { name, qualifier } = parseQuery(q.query);
  if (name.length === 0 || limit === 0) return { hits: [], hasMore: false };
  const need = offset + limit + 1;
  const filters = filtersOf(ctx, q);
  const key = nameKey(name);
  const lower = name.toLowerCase();

  const keyCond = key === '' ? "s.name_key = '' AND s.name_lower = ?" : 's.name_key >= ? AND s.name_key < ?';
  const keyParams = key === '' ? [lower] : [key, key + MAX_CHAR];
  const tierA = ctx.statements
    .get<SymbolRow>(
      `SELECT ${SELECT_SYMBOL},
         CASE WHEN s.name = ? THEN ${SYMBOL_SCORES.exact}
              WHEN substr(s.name, 1, ?) = ? THEN ${SYMBOL_SCORES.prefix}
              WHEN s.name_lower = ? THEN ${SYMBOL_SCORES.caseInsensitiveExact}
              WHEN substr(s.name_lower, 1, ?) = ? THEN ${SYMBOL_SCORES.caseInsensitivePrefix}
              WHEN s.name_key = ? THEN ${SYMBOL_SCORES.keyExact}
              ELSE ${SYMBOL_SCORES.keyPrefix} END
         + CASE WHEN ? IS NOT NULL AND lower(s.container) = ? THEN 4 ELSE 0 END AS score
       FROM symbols s JOIN files f ON f.id = s.file_id JOIN roots r ON r.id = f.root_id
       WHERE ${keyCond}${filters.sql}
       ORDER BY score DESC, s.exported DESC, kind_rank, length(f.path), length(s.name), s.name, f.path, s.start_line
       LIMIT ?`,
    )
    .all(
      name,
      [...name].length,
      name,
      lower,
      [...lower].length,
      lower,
      key,
      qualifier,
      qualifier,
      ...keyParams,
      ...filters.params,
      need,
    );

  let rows = tierA;
  let capped = false;
  if (tierA.length < need && key.length >= 2) {
    const seen = new Set<string>();
    const fuzzy: SymbolRow[] = [];
    const wordKeys = new Map<string, number>();
    const partRows = ctx.statements
      .get<{ suffix: string; name_key: string }>(
        'SELECT suffix, name_key FROM name_parts WHERE suffix >= ? AND suffix < ? LIMIT ?',
      )
      .all(key, key + MAX_CHAR, MAX_WORD_KEYS);
    capped ||= partRows.length === MAX_WORD_KEYS;
    for (const p of partRows) {
      if (p.name_key.startsWith(key)) continue;
      const score = p.suffix === key ? SYMBOL_SCORES.wordSuffix : SYMBOL_SCORES.wordPrefix;
      wordKeys.set(p.name_key, Math.max(wordKeys.get(p.name_key) ?? 0, score));
    }
    for (const k of wordKeys.keys()) seen.add(k);
    capped ||= collectByKeys(ctx, wordKeys, filters, qualifier, fuzzy);

    const chars = [...key];
    if (chars.length >= 3 && tierA.length + fuzzy.length < need) {
      const first = chars[0]!;
      const seqKeys = new Map<string, number>();
      const keyRows = ctx.statements
        .get<{ name_key: string }>(
          `SELECT DISTINCT name_key FROM name_parts
           WHERE suffix >= ? AND suffix < ? AND suffix GLOB ?
           ORDER BY length(name_key), name_key LIMIT ?`,
        )
        .all(first, first + MAX_CHAR, `${chars.join('*')}*`, MAX_SUBSEQUENCE_KEYS);
      capped ||= keyRows.length === MAX_SUBSEQUENCE_KEYS;
      for (const { name_key: k } of keyRows) {
        if (k.startsWith(key) || seen.has(k)) continue;
        // Tighter matches first: the fewer extra characters, the higher (up to +4).
        const extra = [...k].length - chars.length;
        seqKeys.set(k, SYMBOL_SCORES.subsequence + Math.max(0, 4 - Math.floor(extra / 3)));
      }
      capped ||= collectByKeys(ctx, seqKeys, filters, qualifier, fuzzy);
    }
    fuzzy.sort(compareRows);
    rows = tierA.concat(fuzzy);
  }

  const hasMore = rows.length > offset + limit;
  const hits = rows.slice(offset, offset + limit).map(toHit);
  return !hasMore && !capped ? { hits, total: rows.length, hasMore } : { hits, hasMore };
}

/** Appends the symbols of the given keys (scored per key) to `out`; true when capped. */
function collectByKeys(
  ctx: QueryContext,
  keys: Map<string, number>,
  filters: SqlFilter,
  qualifier: string | null,
  out: SymbolRow[],
): boolean {
  if (keys.size === 0) return false;
  const rows = ctx.statements
    .get<SymbolRow>(
      `SELECT ${SELECT_SYMBOL}, 0 AS score
       FROM symbols s JOIN files f ON f.id = s.file_id JOIN roots r ON r.id = f.root_id
       WHERE s.name_key IN (SELECT value FROM json_each(?))${filters.sql}
       LIMIT ?`,
    )
    .all(JSON.stringify([...keys.keys()]), ...filters.params, MAX_FUZZY_ROWS);
  for (const r of rows) {
    const bonus = qualifier !== null && r.container?.toLowerCase() === qualifier ? 4 : 0;
    r.score = (keys.get(r.name_key) ?? 0) + bonus;
    out.push(r);
  }
  return rows.length === MAX_FUZZY_ROWS;
}

/** Symbols of one file in source order, or null when the file is not in the index (or was skipped). */
export function fileOutline(ctx: QueryContext, absPath: string): SymbolHit[] | null {
  const abs = resolve(absPath);
  const roots = allRoots(ctx).sort((a, b) => b.path.length - a.path.length);
  for (const root of roots) {
    const rel = relativeToRoot(root.path, abs);
    if (rel === null || rel === '') continue;
    const file = ctx.statements
      .get<{ id: number; status: string }>('SELECT id, status FROM files WHERE root_id = ? AND path = ?')
      .get(root.id, rel);
    if (file === undefined) continue;
    if (file.status !== 'indexed') return null;
    return ctx.statements
      .get<SymbolRow>(
        `SELECT ${SELECT_SYMBOL}, 0 AS score
         FROM symbols s JOIN files f ON f.id = s.file_id JOIN roots r ON r.id = f.root_id
         WHERE s.file_id = ? ORDER BY s.start_line, s.start_col, s.end_line DESC, s.id`,
      )
      .all(file.id)
      .map(toHit);
  }
  return null;
}
