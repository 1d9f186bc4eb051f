import { isSecondaryPath } from '../indexer/path-class.js';
import { joinRootPath, scopeFilter } from './paths.js';
import type { QueryContext } from './query-context.js';
import { paging, scopeOf } from './query-context.js';
import { REF_KIND_BIT, type RefSite, unpackRefSites } from './ref-sites.js';
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
  // `Class.method`: a call whose receiver names another class (`Other.method()`, `self.method()`
  // in another class) is not a use; one on this class or a subclass comes first; one whose
  // receiver's type is unknown (`job.method()`) is kept after those.
  const accepted = container === null ? null : classAndSubclasses(ctx, container);
  const sitesOf = new Map<RefRow, RefSite[]>();
  const sitesFor = (r: RefRow): RefSite[] => {
    let sites = sitesOf.get(r);
    if (sites === undefined) {
      sites = unpackRefSites(r.sites);
      if (accepted !== null) sites = sites.filter((s) => s[4] === null || accepted.has(s[4]));
      sitesOf.set(r, sites);
    }
    return sites;
  };
  const resolvedTier = (r: RefRow): number =>
    accepted === null || sitesFor(r).some((s) => s[4] !== null) ? 0 : 1;
  const tier = (r: RefRow): number =>
    (defLanguages.size > 0 && !defLanguages.has(r.language) ? 4 : 0) +
    (isSecondaryPath(r.rel) ? 2 : 0) +
    resolvedTier(r);
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
    const sites = sitesFor(r);
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

/** Levels of subclasses followed from a class (`B extends A`, `C extends B`). */
const SUBCLASS_DEPTH = 3;

/**
 * A class's name and the names of the classes that extend or implement it, as the index's
 * `inherit` references tell (the enclosing definition of each is the subclass), a few levels down.
 */
function classAndSubclasses(ctx: QueryContext, name: string): Set<string> {
  const out = new Set([name]);
  const lookup = ctx.statements.get<{ sites: string }>(
    `SELECT sites FROM refs WHERE name = ? AND kinds & ${REF_KIND_BIT.inherit} != 0`,
  );
  let level = [name];
  for (let depth = 0; depth < SUBCLASS_DEPTH && level.length > 0; depth++) {
    const next: string[] = [];
    for (const parent of level) {
      for (const row of lookup.all(parent)) {
        for (const [, , kind, enclosing] of unpackRefSites(row.sites)) {
          if (kind !== 'inherit' || enclosing === null) continue;
          const child = enclosing.slice(enclosing.lastIndexOf('.') + 1);
          if (!out.has(child)) {
            out.add(child);
            next.push(child);
          }
        }
      }
    }
    level = next;
  }
  return out;
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
