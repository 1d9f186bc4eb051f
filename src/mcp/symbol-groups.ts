import { nameKey } from '../store/identifiers.js';
import type { IndexStore, SymbolHit, SymbolQuery } from '../store/types.js';

/**
 * One name defined several times in one file and container: TypeScript overload signatures
 * (rxjs's `switchMap` has four, `@types/node`'s `on` twenty), Python `@overload` stubs, a
 * property's getter and setter, a definition repeated under `if`/`try` branches, C++ and Java
 * overloads. Each was a line of `search_symbols`, and on a TypeScript library half of a page of 20
 * was copies (`merge`: 10 of 20). Results are grouped by (file, container, name, kind): the
 * best-ranked definition stands for the group (same rank: the first in the file) and the lines
 * of the others are listed with it.
 */
export interface SymbolGroup {
  hit: SymbolHit;
  /** Lines of the group's other definitions, ascending. */
  moreLines: number[];
  /** Other files of a namespace declared as a statement (see {@link groupKey}); 0 otherwise. */
  moreFiles: number;
}

/**
 * Rows read per group a page needs. The copies of a name share its score and stored rank, so they
 * sit next to each other in the ranking; four rows per group fill a page unless most results are
 * copies, and then more are read.
 */
const ROWS_PER_GROUP = 4;
/** The most rows one store call returns (its own cap). */
const STORE_PAGE = 1000;
/** Rows read for one page at most, whatever the copies: a bound on the work of a query. */
const MAX_ROWS = 8000;

/**
 * A namespace declared as a one-line statement (PHP's and C#'s `namespace App\Http;`) is
 * repeated at the top of every file in it, so one such name is one group across files (the
 * first file stands for it, the others are counted): on league/commonmark, `search_symbols
 * "DelimiterProcessor"` gave six of its 20 lines to `namespace …\Delimiter\Processor` copies.
 */
function groupKey(h: SymbolHit): string {
  if (h.kind === 'namespace' && h.endLine === h.line) return `\u0000ns\u0000${h.name}`;
  const singleton = isSingletonMethod(h) ? '\u0000self' : '';
  return `${h.path}\u0000${h.container ?? ''}\u0000${h.name}\u0000${h.kind}${singleton}`;
}

/**
 * A Ruby class method (`def self.parse`): no overload of the instance method of the same name
 * (`def parse`), which a class may define beside it, so the two are never one group.
 */
export function isSingletonMethod(h: Pick<SymbolHit, 'signature'>): boolean {
  return /^\s*def\s+self\./.test(h.signature);
}

/** Adds hits to `groups` (keyed by file, container, name and kind), in the order given. */
function addToGroups(groups: Map<string, SymbolGroup>, hits: readonly SymbolHit[]): void {
  for (const hit of hits) {
    const key = groupKey(hit);
    const group = groups.get(key);
    if (group === undefined) groups.set(key, { hit, moreLines: [], moreFiles: 0 });
    else if (group.hit.path !== hit.path) group.moreFiles++;
    else group.moreLines.push(hit.line);
  }
}

/** Hits grouped (see {@link SymbolGroup}), each group where its first hit was. */
export function groupSymbolHits(hits: readonly SymbolHit[]): SymbolGroup[] {
  const groups = new Map<string, SymbolGroup>();
  addToGroups(groups, hits);
  const all = [...groups.values()];
  for (const g of all) g.moreLines.sort((a, b) => a - b);
  return all;
}

/**
 * The query to run: two to four words (`queryset filter`, `model save`) are read as a qualified
 * name (`queryset.filter`: the last word the name, the others its container, which ranks first)
 * when a definition of that name in such a container exists; else the query runs as given (its
 * words joined match names like `queryset_filter`, and fuzzy ones).
 */
async function qualifiedIfDefined(store: Pick<IndexStore, 'searchSymbols'>, q: SymbolQuery): Promise<string> {
  const words = q.query.trim().split(/\s+/);
  if (words.length < 2 || words.length > 4 || !words.every((w) => /^[\p{L}\p{N}_$]+$/u.test(w)))
    return q.query;
  const qualified = words.join('.');
  const top = (await store.searchSymbols({ ...q, query: qualified, limit: 1, offset: 0 })).hits[0];
  const container = nameKey(top?.container?.split('.').at(-1) ?? '');
  const named = top !== undefined && nameKey(top.name) === nameKey(words.at(-1)!);
  return named && container !== '' && container === nameKey(words.at(-2)!) ? qualified : q.query;
}

/**
 * `store.searchSymbols` with one entry per group (see {@link SymbolGroup}). `offset` and `limit`
 * count groups: the ranking is read from its start each time (as the store itself does for an
 * offset), so a page never repeats a group of an earlier one.
 */
export async function searchSymbolGroups(
  store: Pick<IndexStore, 'searchSymbols'>,
  query: SymbolQuery,
): Promise<{ groups: SymbolGroup[]; hasMore: boolean }> {
  const q = { ...query, query: await qualifiedIfDefined(store, query) };
  const limit = Math.max(0, Math.floor(q.limit));
  const offset = Math.max(0, Math.floor(q.offset ?? 0));
  const wanted = offset + limit + 1;
  const groups = new Map<string, SymbolGroup>();
  let read = 0;
  let more = true;
  let target = wanted * ROWS_PER_GROUP;
  while (more && read < MAX_ROWS) {
    const until = Math.min(target, MAX_ROWS);
    while (more && read < until) {
      const r = await store.searchSymbols({
        ...q,
        limit: Math.min(STORE_PAGE, until - read),
        offset: read,
      });
      addToGroups(groups, r.hits);
      read += r.hits.length;
      more = r.hasMore && r.hits.length > 0;
    }
    // Copies filled the rows read: read as many again until the page's groups are in.
    if (groups.size >= wanted) break;
    target = read * 2;
  }
  const all = [...groups.values()];
  for (const g of all) g.moreLines.sort((a, b) => a - b);
  return { groups: all.slice(offset, offset + limit), hasMore: all.length > offset + limit };
}

/** ` (+2 more: lines 12, 17)` for a group with copies, ` (+3 more files)`, else empty. */
export function moreLinesText(moreLines: readonly number[], moreFiles = 0): string {
  if (moreFiles > 0) return ` (+${moreFiles} more file${moreFiles === 1 ? '' : 's'})`;
  if (moreLines.length === 0) return '';
  const shown = moreLines.slice(0, 5).join(', ');
  return ` (+${moreLines.length} more: line${moreLines.length === 1 ? '' : 's'} ${shown}${moreLines.length > 5 ? ', …' : ''})`;
}
