import { resolve } from 'node:path';
import type { LanguageId, SymbolKind } from '../indexer/types.js';
import { dottedSymbol, nameKey, qualifiedParts } from './identifiers.js';
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
  /** One edit from the query; two edits: 2 less. Between a tight subsequence and a loose one. */
  typo: 34,
} as const;
export const QUALIFIER_BONUS = 4;

export const MAX_CHAR = '\u{10FFFF}';
/** Prefix matches scanned per query: bounds the cost of one-word queries like `get`. */
export const MAX_PREFIX_CANDIDATES = 3000;
/** Caps on the fuzzy tiers, so a short query cannot fan out over the whole index. */
export const MAX_WORD_KEYS = 2000;
export const MAX_SUBSEQUENCE_KEYS = 300;
/** Keys the typo tier compares with the query, at most (they share its first two characters). */
export const MAX_TYPO_KEYS = 5000;

/**
 * Tier D, typos: edits allowed between the query's key and a name's key, by the query key's
 * length (`BehaviourSubject` -> `BehaviorSubject`, `swtchMap` -> `switchMap`): none under 4
 * characters (too many short names are one edit apart), 1 up to 7, 2 from 8.
 */
export function maxTypoEdits(keyLength: number): number {
  return keyLength >= 8 ? 2 : keyLength >= 4 ? 1 : 0;
}

/**
 * The typo tier's candidate keys (either engine): distinct keys that share the query key's first
 * two characters (a typo there is not looked for: it keeps the scan to a slice of the key index)
 * and whose length is within the edits allowed. Placeholders as {@link typoKeysParams}.
 */
export const TYPO_KEYS_SQL = `SELECT DISTINCT name_key FROM symbols
  WHERE name_key >= ? AND name_key < ? AND length(name_key) BETWEEN ? AND ? LIMIT ${MAX_TYPO_KEYS}`;

export function typoKeysParams(key: string): unknown[] {
  const chars = [...key];
  const anchor = chars.slice(0, 2).join('');
  const edits = maxTypoEdits(chars.length);
  return [anchor, anchor + MAX_CHAR, chars.length - edits, chars.length + edits];
}

/**
 * Edit distance of `a` and `b` with adjacent transpositions (optimal string alignment), or
 * `max + 1` as soon as it must exceed `max`.
 */
export function editDistance(a: string, b: string, max: number): number {
  const n = a.length;
  const m = b.length;
  if (Math.abs(n - m) > max) return max + 1;
  // Three rows of UTF-16 units (keys are mostly ASCII; both engines use this same function), reused
  // between calls; only the band |i - j| <= max is computed (cells outside it are over the bound).
  if (scratch.length < 3 * (m + 1)) scratch = new Int32Array(3 * (m + 1) * 2);
  const far = max + 1;
  let prev2 = 0;
  let prev = m + 1;
  let row = 2 * (m + 1);
  for (let j = 0; j <= m; j++) {
    scratch[prev + j] = j <= max ? j : far;
    scratch[prev2 + j] = far;
  }
  for (let i = 1; i <= n; i++) {
    const ai = a.charCodeAt(i - 1);
    const from = Math.max(1, i - max);
    const to = Math.min(m, i + max);
    scratch[row] = i <= max ? i : far;
    if (from > 1) scratch[row + from - 1] = far;
    let best = far;
    if (from === 1) best = scratch[row]!;
    for (let j = from; j <= to; j++) {
      const bj = b.charCodeAt(j - 1);
      let d = Math.min(
        scratch[prev + j]! + 1,
        scratch[row + j - 1]! + 1,
        scratch[prev + j - 1]! + (ai === bj ? 0 : 1),
      );
      if (i > 1 && j > 1 && ai === b.charCodeAt(j - 2) && a.charCodeAt(i - 2) === bj)
        d = Math.min(d, scratch[prev2 + j - 2]! + 1);
      scratch[row + j] = Math.min(d, far);
      if (d < best) best = d;
    }
    if (to < m) scratch[row + to + 1] = far;
    if (best > max) return far;
    const t = prev2;
    prev2 = prev;
    prev = row;
    row = t;
  }
  return Math.min(scratch[prev + m]!, far);
}
let scratch = new Int32Array(96);

/**
 * Tier D scores of candidate keys: 34 for one edit, 32 for two (a near miss of the same length
 * ranks with the tightest subsequences, above `TestServeHTTPDeepCopy` for `ServeHTTPP`); keys the
 * query's key starts (tier A's) are left out. A key that tier B or C also scores keeps the higher.
 */
export function typoScores(key: string, keys: readonly string[]): Map<string, number> {
  const max = maxTypoEdits([...key].length);
  const scores = new Map<string, number>();
  if (max === 0) return scores;
  for (const k of keys) {
    if (k.startsWith(key)) continue;
    const d = editDistance(key, k, max);
    if (d >= 1 && d <= max) scores.set(k, SYMBOL_SCORES.typo - 2 * (d - 1));
  }
  return scores;
}

/** A ranked match before its details are read: everything comes from the covering index. */
export interface Candidate {
  id: number;
  score: number;
  rank: number;
  name: string;
}

/** The same order as the SQL `ORDER`: score, stored tie-break, name length, name, id. */
export function compareCandidates(a: Candidate, b: Candidate): number {
  return (
    b.score - a.score ||
    a.rank - b.rank ||
    a.name.length - b.name.length ||
    (a.name < b.name ? -1 : a.name > b.name ? 1 : 0) ||
    a.id - b.id
  );
}

interface Filters {
  /** Extra FROM (the files join, only when a filter needs it). */
  join: string;
  where: string;
  params: unknown[];
}

export interface Matcher {
  name: string;
  lower: string;
  key: string;
  qualifier: string | null;
}

/**
 * `Outer.Inner.method` / `mod::fn` / `-[EXFoo updateProps:]` -> the name to match and the qualifier
 * (lowercased) to prefer.
 */
export function parseQuery(query: string): Matcher {
  const parts = qualifiedParts(query);
  const name = parts.at(-1) ?? dottedSymbol(query);
  const qualifier = parts.length < 2 ? null : parts.slice(0, -1).join('.').toLowerCase();
  return { name, lower: name.toLowerCase(), key: nameKey(name), qualifier };
}

function filtersOf(ctx: QueryContext, q: SymbolQuery): Filters {
  const where: string[] = [];
  const params: unknown[] = [];
  let join = '';
  if (q.kind !== undefined) {
    where.push('s.kind = ?');
    params.push(q.kind);
  }
  if (q.language !== undefined) {
    join = ' JOIN files f ON f.id = s.file_id';
    where.push('f.language = ?');
    params.push(q.language);
  }
  const scope = scopeOf(ctx, q.pathPrefix);
  if (scope !== null) {
    join = ' JOIN files f ON f.id = s.file_id';
    const f = scopeFilter(scope);
    where.push(f.sql);
    params.push(...f.params);
  }
  return { join, where: where.map((w) => ` AND ${w}`).join(''), params };
}

/**
 * Within a prefix tier, shorter names first: a prefix match loses one point per
 * {@link PREFIX_LENGTH_STEP} characters it has past the query, at most {@link PREFIX_LENGTH_MAX}
 * (so `get_templ` puts `get_template` before `get_template_locals` whatever their kinds). The cap
 * keeps every tier above the next one.
 */
const PREFIX_LENGTH_STEP = 4;
const PREFIX_LENGTH_MAX = 4;

/**
 * SQL scoring a name/key match, for SQLite or (`pg`) PostgreSQL, whose `substr` and `length` count
 * characters as SQLite's do; placeholders as {@link nameScoreParams} gives them.
 */
export function nameScoreSql(pg: boolean): string {
  const t = pg ? '::text' : '';
  const i = pg ? '::int' : '';
  // better-sqlite3 binds a JS number as a real: cast it, so the division is an integer one.
  const len = pg ? '?::int' : 'CAST(? AS INTEGER)';
  const longer = (col: string) =>
    `${pg ? 'least' : 'min'}(${PREFIX_LENGTH_MAX}, (length(${col}) - ${len}) / ${PREFIX_LENGTH_STEP})`;
  return `CASE WHEN s.name = ?${t} THEN ${SYMBOL_SCORES.exact}
  WHEN substr(s.name, 1, ?${i}) = ?${t} THEN ${SYMBOL_SCORES.prefix} - ${longer('s.name')}
  WHEN s.name_lower = ?${t} THEN ${SYMBOL_SCORES.caseInsensitiveExact}
  WHEN substr(s.name_lower, 1, ?${i}) = ?${t} THEN ${SYMBOL_SCORES.caseInsensitivePrefix} - ${longer('s.name_lower')}
  WHEN s.name_key = ?${t} THEN ${SYMBOL_SCORES.keyExact}
  ELSE ${SYMBOL_SCORES.keyPrefix} - ${longer('s.name_key')} END`;
}
const NAME_SCORE = nameScoreSql(false);

export function nameScoreParams(m: Matcher): unknown[] {
  const len = [...m.name].length;
  const lowerLen = [...m.lower].length;
  return [m.name, len, m.name, len, m.lower, lowerLen, m.lower, lowerLen, m.key, [...m.key].length];
}

/** Text for a `LIKE … ESCAPE '\\'` pattern: its `\\`, `%` and `_` match themselves. */
function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/**
 * `LIKE` patterns (escaped with `\\`) of the paths of a module named as a qualifier's last part:
 * `Effect.retry` means `Effect.ts`'s top-level `retry`, `helpers.slugify` `helpers.py`'s, and
 * `Effect/index.ts` is the module `Effect` too.
 */
export function moduleFilePatterns(qualifier: string): string[] {
  const mod = escapeLike(qualifier.split('.').at(-1) ?? '');
  return [`${mod}.%`, `%/${mod}.%`, `${mod}/index.%`, `%/${mod}/index.%`];
}

/**
 * The SQL term (`+ CASE …`) of a qualified query's container bonus, for either engine; empty for
 * an unqualified query (the bonus reads the table, so only qualified queries pay for it).
 */
export function qualifierTerm(
  m: Matcher,
  like: 'LIKE' | 'ILIKE',
  cast = '',
): { sql: string; params: unknown[] } {
  if (m.qualifier === null) return { sql: '', params: [] };
  const patterns = moduleFilePatterns(m.qualifier);
  const paths = patterns.map(() => `qf.path ${like} ?${cast} ESCAPE '\\'`).join(' OR ');
  const last = m.qualifier.slice(m.qualifier.lastIndexOf('.') + 1);
  const escaped = escapeLike(last);
  const suffix = `lower(s.container) LIKE ?${cast} ESCAPE '\\'`;
  return {
    // The qualifier's class itself first (a Kotlin companion object's member is its class's); then
    // a class of the qualifier's last name in any namespace (`Thor::Group#dispatch` for Ruby's
    // `class Thor::Group`, indexed as `Group`); then a top-level definition of a module named as
    // the qualifier (`Effect.retry` is `Effect.ts`'s `retry`), after a real member of the class:
    // Go's `Registry.Register` is the method, not registry.go's function `Register`.
    sql: ` + CASE WHEN lower(s.container) IN (?${cast}, ?${cast}) THEN ${QUALIFIER_BONUS}
      WHEN lower(s.container) IN (?${cast}, ?${cast}) OR ${suffix} OR ${suffix} THEN ${QUALIFIER_BONUS - 1}
      WHEN s.container IS NULL AND EXISTS (SELECT 1 FROM files qf WHERE qf.id = s.file_id AND (${paths}))
      THEN ${QUALIFIER_BONUS - 2} ELSE 0 END`,
    params: [
      m.qualifier,
      `${m.qualifier}.companion`,
      last,
      `${last}.companion`,
      `%.${escaped}`,
      `%.${escaped}.companion`,
      ...patterns,
    ],
  };
}

const ORDER = 'ORDER BY score DESC, s.rank, length(s.name), s.name, s.id';

/**
 * Symbol search in tiers, each read from an index and ranked in SQL by score, then the stored
 * tie-break (exported, kind, path length), then name length:
 * - A1: the query's key exactly (`getUser` also finds `get_user`, `GetUser`): exact 100,
 *   case-insensitive exact 80, same key 60.
 * - A2: keys starting with it: prefix 90, case-insensitive prefix 70, key prefix 55. At most
 *   3000 such symbols (alphabetically first keys) are ranked.
 * - B (only when A cannot fill the page): a word part of the name starts with the query
 *   (`fetchUser`, `getUserById` for `user`): 50 when the name ends with it, else 45.
 * - C (same): the query is a subsequence of the name from a word start (`userService` for
 *   `usr`): 30 to 34, tighter matches higher.
 * - D (with B and C, ranked with them): the name's key is one or two edits from the query's
 *   (`BehaviourSubject`, `swtchMap`): 34, or 32 for two edits (see {@link maxTypoEdits}).
 * Details (paths, signatures) are read only for the page returned.
 */
export function searchSymbols(ctx: QueryContext, q: SymbolQuery): SymbolSearchResult {
  const { limit, offset } = paging(q.limit, q.offset);
  const m = parseQuery(q.query);
  if (m.name.length === 0 || limit === 0) return { hits: [], hasMore: false };
  const need = offset + limit + 1;
  const f = filtersOf(ctx, q);
  const qual = qualifierTerm(m, 'LIKE');
  let capped = false;

  const exact = ctx.statements
    .get<Candidate>(
      `SELECT s.id, s.rank, s.name, ${NAME_SCORE}${qual.sql} AS score FROM symbols s${f.join}
       WHERE s.name_key = ?${m.key === '' ? ' AND s.name_lower = ?' : ''}${f.where} ${ORDER} LIMIT ?`,
    )
    .all(...nameScoreParams(m), ...qual.params, m.key, ...(m.key === '' ? [m.lower] : []), ...f.params, need);
  let found = exact;

  // Prefix scores (90/70/55) interleave with exact-key ones (100/80/60): always merge both.
  if (m.key !== '') {
    // n: how many prefix matches were ranked (window functions run before the LIMIT).
    const prefix = ctx.statements
      .get<Candidate & { n: number }>(
        `SELECT id, score, rank, name, count(*) OVER () AS n FROM (
           SELECT s.id, s.rank, s.name, ${NAME_SCORE}${qual.sql} AS score FROM symbols s${f.join}
           WHERE s.name_key > ? AND s.name_key < ?${f.where} LIMIT ${MAX_PREFIX_CANDIDATES}
         ) AS s ${ORDER} LIMIT ?`,
      )
      .all(...nameScoreParams(m), ...qual.params, m.key, m.key + MAX_CHAR, ...f.params, need);
    found = found.concat(prefix).sort(compareCandidates).slice(0, need);
    capped ||= (prefix[0]?.n ?? 0) >= MAX_PREFIX_CANDIDATES;
  }

  if (found.length < need && m.key.length >= 2) {
    const keys = fuzzyKeys(ctx, m.key, need - found.length);
    capped ||= keys.capped;
    // Tier D's keys join B and C's: one ranking of the three.
    if (maxTypoEdits([...m.key].length) > 0) {
      const candidates = ctx.statements
        .get<{ name_key: string }>(TYPO_KEYS_SQL)
        .all(...typoKeysParams(m.key))
        .map((r) => r.name_key);
      capped ||= candidates.length === MAX_TYPO_KEYS;
      for (const [k, score] of typoScores(m.key, candidates))
        keys.scores.set(k, Math.max(score, keys.scores.get(k) ?? 0));
    }
    if (keys.scores.size > 0) {
      const fuzzy = ctx.statements
        .get<Candidate>(
          `SELECT s.id, s.rank, s.name, k.value${qual.sql} AS score FROM json_each(?) k
           JOIN symbols s ON s.name_key = k.key${f.join}
           WHERE 1${f.where} ${ORDER} LIMIT ?`,
        )
        .all(
          // The qualifier's score term comes before json_each(?) in the statement.
          ...qual.params,
          JSON.stringify(Object.fromEntries(keys.scores)),
          ...f.params,
          need - found.length,
        );
      found = found.concat(fuzzy);
    }
  }

  const hasMore = found.length > offset + limit;
  const page = found.slice(offset, offset + limit);
  const hits = symbolDetails(ctx, page);
  return !hasMore && !capped ? { hits, total: found.length, hasMore } : { hits, hasMore };
}

/**
 * Keys for tiers B and C from the word-part tails table, with their scores; keys that start with
 * the query are tier A's and left out. Subsequence matching anchors the first 1-3 characters at
 * a word start (more for longer queries), which keeps the scan to a small slice of the index.
 */
function fuzzyKeys(
  ctx: QueryContext,
  key: string,
  wanted: number,
): {
  scores: Map<string, number>;
  capped: boolean;
} {
  const words = ctx.statements
    .get<{ suffix: string; name_key: string }>(
      'SELECT suffix, name_key FROM name_parts WHERE suffix >= ? AND suffix < ? LIMIT ?',
    )
    .all(key, key + MAX_CHAR, MAX_WORD_KEYS);
  const scores = wordPartScores(key, words);
  let capped = words.length === MAX_WORD_KEYS;

  // Each word key has at least one symbol (unless filtered out), so C is needed only when B
  // cannot fill what is left of the page.
  const sub = scores.size < wanted ? subsequenceAnchor(key) : null;
  if (sub !== null) {
    const pattern = `${sub.anchor}*${sub.rest.join('*')}*`;
    const seq = ctx.statements
      .get<{ name_key: string }>(
        'SELECT name_key FROM name_parts WHERE suffix >= ? AND suffix < ? AND suffix GLOB ? LIMIT ?',
      )
      .all(sub.anchor, sub.anchor + MAX_CHAR, pattern, MAX_SUBSEQUENCE_KEYS);
    capped ||= seq.length === MAX_SUBSEQUENCE_KEYS;
    addSubsequenceScores(scores, key, seq);
  }
  return { scores, capped };
}

/** Tier B scores of the `name_parts` rows whose suffix starts with `key` (tier A keys left out). */
export function wordPartScores(
  key: string,
  words: readonly { suffix: string; name_key: string }[],
): Map<string, number> {
  const scores = new Map<string, number>();
  for (const w of words) {
    if (w.name_key.startsWith(key)) continue;
    const score = w.suffix === key ? SYMBOL_SCORES.wordSuffix : SYMBOL_SCORES.wordPrefix;
    scores.set(w.name_key, Math.max(scores.get(w.name_key) ?? 0, score));
  }
  return scores;
}

/**
 * Tier C's scan: the first 1-3 characters of the key (more for longer keys) anchored at a word
 * start, then the other characters in order with anything between. Null for keys under 3 chars.
 */
export function subsequenceAnchor(key: string): { anchor: string; rest: string[] } | null {
  const chars = [...key];
  if (chars.length < 3) return null;
  const anchorLength = chars.length >= 8 ? 3 : chars.length >= 5 ? 2 : 1;
  return { anchor: chars.slice(0, anchorLength).join(''), rest: chars.slice(anchorLength) };
}

/** Adds tier C scores (30-34, tighter matches higher) for keys tiers A and B have not taken. */
export function addSubsequenceScores(
  scores: Map<string, number>,
  key: string,
  seq: readonly { name_key: string }[],
): void {
  const length = [...key].length;
  for (const { name_key: k } of seq) {
    if (k.startsWith(key) || scores.has(k)) continue;
    const extra = [...k].length - length;
    scores.set(k, SYMBOL_SCORES.subsequence + Math.max(0, 4 - Math.floor(extra / 3)));
  }
}

export interface SymbolRow {
  id: number;
  name: string;
  kind: SymbolKind;
  start_line: number;
  start_col: number;
  end_line: number;
  container: string | null;
  signature: string;
  doc: string | null;
  rel: string;
  language: LanguageId;
  root: string;
  /** The file's indexed size and mtime. */
  size: number;
  mtime_ms: number;
}

const SELECT_DETAILS = `SELECT s.id, s.name, s.kind, s.start_line, s.start_col, s.end_line, s.container,
  s.signature, s.doc, f.path AS rel, f.language, r.path AS root, f.size, f.mtime_ms
  FROM symbols s JOIN files f ON f.id = s.file_id JOIN roots r ON r.id = f.root_id`;

export function toHit(r: SymbolRow, score: number): SymbolHit {
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
    score,
    indexed: { size: r.size, mtimeMs: r.mtime_ms },
  };
}

/** Full hits for ranked candidates, in their order. */
function symbolDetails(ctx: QueryContext, page: Candidate[]): SymbolHit[] {
  if (page.length === 0) return [];
  const rows = ctx.statements
    .get<SymbolRow>(`${SELECT_DETAILS} WHERE s.id IN (SELECT value FROM json_each(?))`)
    .all(JSON.stringify(page.map((c) => c.id)));
  const byId = new Map(rows.map((r) => [r.id, r]));
  const hits: SymbolHit[] = [];
  for (const c of page) {
    const r = byId.get(c.id);
    if (r !== undefined) hits.push(toHit(r, c.score));
  }
  return hits;
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
        `${SELECT_DETAILS} WHERE s.file_id = ? ORDER BY s.start_line, s.start_col, s.end_line DESC, s.id`,
      )
      .all(file.id)
      .map((r) => toHit(r, 0));
  }
  return null;
}
