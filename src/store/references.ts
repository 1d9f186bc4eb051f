import type { RefKind } from '../indexer/types.js';
import { joinRootPath, scopeFilter } from './paths.js';
import type { QueryContext } from './query-context.js';
import { paging, scopeOf } from './query-context.js';
import type { RefQuery, RefSearchResult } from './types.js';

const MAX_LINE_TEXT = 200;

interface RefRow {
  name: string;
  kind: RefKind;
  line: number;
  col: number;
  enclosing: string | null;
  file_id: number;
  rel: string;
  root: string;
}

/** `Class.method`, `pkg::fn`, `Class#method` -> `method`: refs are stored by their last name part. */
export function refName(symbol: string): string {
  const parts = symbol.trim().split(/\.|::|#/);
  return (parts[parts.length - 1] ?? '').trim();
}

/**
 * References to a name, ordered by root, path and position. The source line is read back from
 * the smallest chunk that covers it (chunks carry the file's text), so refs store no text.
 */
export function findReferences(ctx: QueryContext, q: RefQuery): RefSearchResult {
  const { limit, offset } = paging(q.limit, q.offset);
  const name = refName(q.symbol);
  if (name.length === 0 || limit === 0) return { hits: [], hasMore: false };
  const scope = scopeOf(ctx, q.pathPrefix);
  const filter = scope === null ? { sql: '', params: [] } : scopeFilter(scope);
  const rows = ctx.statements
    .get<RefRow>(
      `SELECT rf.name, rf.kind, rf.line, rf.col, rf.enclosing, f.id AS file_id, f.path AS rel, r.path AS root
       FROM refs rf JOIN files f ON f.id = rf.file_id JOIN roots r ON r.id = f.root_id
       WHERE rf.name = ?${filter.sql === '' ? '' : ` AND ${filter.sql}`}
       ORDER BY r.path, f.path, rf.line, rf.col
       LIMIT ? OFFSET ?`,
    )
    .all(name, ...filter.params, limit + 1, offset);
  const hasMore = rows.length > limit;
  const lineText = ctx.statements.get<{ start_line: number; content: string }>(
    `SELECT start_line, content FROM chunks
     WHERE file_id = ? AND start_line <= ? AND end_line >= ?
     ORDER BY end_line - start_line LIMIT 1`,
  );
  const hits = rows.slice(0, limit).map((r) => {
    const chunk = lineText.get(r.file_id, r.line, r.line);
    return {
      name: r.name,
      kind: r.kind,
      path: joinRootPath(r.root, r.rel),
      line: r.line,
      col: r.col,
      enclosing: r.enclosing,
      text: chunk === undefined ? null : lineOf(chunk.content, r.line - chunk.start_line),
    };
  });
  return { hits, hasMore };
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
