import { isSecondaryPath } from '../indexer/path-class.js';
import { joinRootPath, scopeFilter } from './paths.js';
import type { QueryContext } from './query-context.js';
import { paging, scopeOf } from './query-context.js';
import { unpackRefSites } from './ref-sites.js';
import type { RefQuery, RefSearchResult } from './types.js';

const MAX_LINE_TEXT = 200;

interface RefRow {
  name: string;
  sites: string;
  file_id: number;
  rel: string;
  root: string;
  language: string | null;
}

/** `Class.method`, `pkg::fn`, `Class#method` -> `method`: refs are stored by their last name part. */
export function refName(symbol: string): string {
  const parts = symbol.trim().split(/\.|::|#/);
  return (parts[parts.length - 1] ?? '').trim();
}

/**
 * References to a name, most relevant files first: files in a language that defines the name
 * (the container's, for `Class.method`) before others, source before tests, fixtures, examples
 * and the like, then root, path and position. Rows are one per (name, file), ordered in memory
 * (their packed sites are not unpacked for that) and unpacked until the page is full.
 * The source line is read back from the smallest chunk that covers it (chunks carry the file's
 * text), so refs store no text.
 */
export function findReferences(ctx: QueryContext, q: RefQuery): RefSearchResult {
  const { limit, offset } = paging(q.limit, q.offset);
  const name = refName(q.symbol);
  if (name.length === 0 || limit === 0) return { hits: [], hasMore: false };
  const scope = scopeOf(ctx, q.pathPrefix);
  const filter = scope === null ? { sql: '', params: [] } : scopeFilter(scope);
  const rows = ctx.statements
    .get<RefRow>(
      `SELECT rf.name, rf.sites, f.id AS file_id, f.path AS rel, r.path AS root, f.language
       FROM refs rf JOIN files f ON f.id = rf.file_id JOIN roots r ON r.id = f.root_id
       WHERE rf.name = ?${filter.sql === '' ? '' : ` AND ${filter.sql}`}
       ORDER BY r.path, f.path`,
    )
    .all(name, ...filter.params)
    .filter((r) => q.language === undefined || r.language === q.language);
  const container = containerOf(q.symbol);
  const defLanguages = new Set(
    ctx.statements
      .get<{ language: string | null }>(
        container === null
          ? `SELECT DISTINCT f.language FROM symbols s JOIN files f ON f.id = s.file_id WHERE s.name = ?`
          : `SELECT DISTINCT f.language FROM symbols s JOIN files f ON f.id = s.file_id
             WHERE s.name = ? AND (s.container = ? OR s.container LIKE ?)`,
      )
      .all(...(container === null ? [name] : [name, container, `%.${container}`]))
      .map((l) => l.language),
  );
  const tier = (r: RefRow): number =>
    (defLanguages.size > 0 && !defLanguages.has(r.language) ? 2 : 0) + (isSecondaryPath(r.rel) ? 1 : 0);
  // Stable sort: within a tier the SQL's root and path order stands.
  rows.sort((a, b) => tier(a) - tier(b));
  const lineText = ctx.statements.get<{ start_line: number; content: string }>(
    `SELECT start_line, content FROM chunks
     WHERE file_id = ? AND start_line <= ? AND end_line >= ?
     ORDER BY end_line - start_line LIMIT 1`,
  );
  const hits: RefSearchResult['hits'] = [];
  let skip = offset;
  let hasMore = false;
  for (const r of rows) {
    const sites = unpackRefSites(r.sites);
    if (skip >= sites.length) {
      skip -= sites.length;
      continue;
    }
    for (const [line, col, kind, enclosing] of sites.slice(skip)) {
      if (hits.length === limit) {
        hasMore = true;
        break;
      }
      const chunk = lineText.get(r.file_id, line, line);
      hits.push({
        name: r.name,
        kind,
        path: joinRootPath(r.root, r.rel),
        line,
        col,
        enclosing,
        text: chunk === undefined ? null : lineOf(chunk.content, line - chunk.start_line),
      });
    }
    skip = 0;
    if (hasMore) break;
  }
  return { hits, hasMore };
}

/** `Queue.add` -> `Queue`, `a.b.C.m` -> `C`; null for a bare name. */
function containerOf(symbol: string): string | null {
  const parts = symbol.trim().split(/\.|::|#/);
  return parts.length < 2 ? null : (parts[parts.length - 2] ?? '').trim() || null;
}

/** Line `index` (0-based) of `content`, trimmed and capped; null when out of range. */
function lineOf(content: string, index: number): string | null {
  let start = 0;
  for (let i = 0; i < index; i++) {
    const nl = content.indexOf('\n', start);
    if (nl < 0) return null;
    start = nl + 1;
  }
  const end = content.indexOf('\n', start);
  const line = content.slice(start, end < 0 ? undefined : end).trim();
  return line.length > MAX_LINE_TEXT ? `${line.slice(0, MAX_LINE_TEXT - 1)}…` : line;
}
