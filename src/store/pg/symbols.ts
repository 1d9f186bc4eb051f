import { resolve } from 'node:path';
import { relativeToRoot, scopeFilter } from '../paths.js';
import { paging } from '../query-context.js';
import {
  addSubsequenceScores,
  type Candidate,
  compareCandidates,
  MAX_CHAR,
  MAX_PREFIX_CANDIDATES,
  MAX_SUBSEQUENCE_KEYS,
  MAX_WORD_KEYS,
  type Matcher,
  parseQuery,
  QUALIFIER_BONUS,
  SYMBOL_SCORES,
  type SymbolRow,
  subsequenceAnchor,
  toHit,
  wordPartScores,
} from '../symbol-search.js';
import type { SymbolHit, SymbolQuery, SymbolSearchResult } from '../types.js';
import { allRootsPg, type Queryable, rowsOf } from './context.js';
import { scopeOfPg } from './scope.js';

interface Filters {
  join: string;
  where: string;
  params: unknown[];
}

async function filtersOf(db: Queryable, q: SymbolQuery): Promise<Filters> {
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
  const scope = await scopeOfPg(db, q.pathPrefix);
  if (scope !== null) {
    join = ' JOIN files f ON f.id = s.file_id';
    const f = scopeFilter(scope);
    where.push(f.sql);
    params.push(...f.params);
  }
  return { join, where: where.map((w) => ` AND ${w}`).join(''), params };
}

/** The SQLite engine's NAME_SCORE in PostgreSQL: `substr` counts characters in both. */
const NAME_SCORE = `CASE WHEN s.name = ?::text THEN ${SYMBOL_SCORES.exact}
  WHEN substr(s.name, 1, ?::int) = ?::text THEN ${SYMBOL_SCORES.prefix}
  WHEN s.name_lower = ?::text THEN ${SYMBOL_SCORES.caseInsensitiveExact}
  WHEN substr(s.name_lower, 1, ?::int) = ?::text THEN ${SYMBOL_SCORES.caseInsensitivePrefix}
  WHEN s.name_key = ?::text THEN ${SYMBOL_SCORES.keyExact}
  ELSE ${SYMBOL_SCORES.keyPrefix} END`;

const nameScoreParams = (m: Matcher): unknown[] => [
  m.name,
  [...m.name].length,
  m.name,
  m.lower,
  [...m.lower].length,
  m.lower,
  m.key,
];

function qualifierSql(m: Matcher): { sql: string; params: unknown[] } {
  return m.qualifier === null
    ? { sql: '', params: [] }
    : {
        sql: ` + CASE WHEN lower(s.container) = ?::text THEN ${QUALIFIER_BONUS} ELSE 0 END`,
        params: [m.qualifier],
      };
}

const ORDER = 'ORDER BY score DESC, s.rank, length(s.name), s.name, s.id';

/**
 * Symbol search with the SQLite engine's tiers, scores and tie-breaks (see `searchSymbols` in
 * `../symbol-search.ts`): exact key, key prefix, word-part suffixes, subsequence from a word start.
 */
export async function searchSymbolsPg(db: Queryable, q: SymbolQuery): Promise<SymbolSearchResult> {
  const { limit, offset } = paging(q.limit, q.offset);
  const m = parseQuery(q.query);
  if (m.name.length === 0 || limit === 0) return { hits: [], hasMore: false };
  const need = offset + limit + 1;
  const f = await filtersOf(db, q);
  const qual = qualifierSql(m);
  let capped = false;

  let found = await rowsOf<Candidate>(
    db,
    `SELECT s.id, s.rank, s.name, ${NAME_SCORE}${qual.sql} AS score FROM symbols s${f.join}
     WHERE s.name_key = ?${m.key === '' ? ' AND s.name_lower = ?' : ''}${f.where} ${ORDER} LIMIT ?`,
    [...nameScoreParams(m), ...qual.params, m.key, ...(m.key === '' ? [m.lower] : []), ...f.params, need],
  );

  if (m.key !== '') {
    // The candidate cap takes the alphabetically first keys, as SQLite's index scan does.
    const prefix = await rowsOf<Candidate & { n: number }>(
      db,
      `SELECT id, score, rank, name, count(*) OVER () AS n FROM (
         SELECT s.id, s.rank, s.name, ${NAME_SCORE}${qual.sql} AS score FROM symbols s${f.join}
         WHERE s.name_key > ? AND s.name_key < ?${f.where}
         ORDER BY s.name_key, s.id LIMIT ${MAX_PREFIX_CANDIDATES}
       ) AS s ${ORDER} LIMIT ?`,
      [...nameScoreParams(m), ...qual.params, m.key, m.key + MAX_CHAR, ...f.params, need],
    );
    found = found
      .concat(prefix.map(({ n: _n, ...c }) => c))
      .sort(compareCandidates)
      .slice(0, need);
    capped ||= (prefix[0]?.n ?? 0) >= MAX_PREFIX_CANDIDATES;
  }

  if (found.length < need && m.key.length >= 2) {
    const keys = await fuzzyKeys(db, m.key, need - found.length);
    capped ||= keys.capped;
    if (keys.scores.size > 0) {
      const fuzzy = await rowsOf<Candidate>(
        db,
        `SELECT s.id, s.rank, s.name, k.value${qual.sql} AS score
         FROM unnest(?::text[], ?::int[]) AS k(key, value)
         JOIN symbols s ON s.name_key = k.key${f.join}
         WHERE true${f.where} ${ORDER} LIMIT ?`,
        [
          // The qualifier's score term comes before unnest(?, ?) in the statement.
          ...qual.params,
          [...keys.scores.keys()],
          [...keys.scores.values()],
          ...f.params,
          need - found.length,
        ],
      );
      found = found.concat(fuzzy);
    }
  }

  const hasMore = found.length > offset + limit;
  const page = found.slice(offset, offset + limit);
  const hits = await symbolDetails(db, page);
  return !hasMore && !capped ? { hits, total: found.length, hasMore } : { hits, hasMore };
}

/** Tier B and C keys from `name_parts`, as `fuzzyKeys` of the SQLite engine (LIKE for GLOB). */
async function fuzzyKeys(
  db: Queryable,
  key: string,
  wanted: number,
): Promise<{ scores: Map<string, number>; capped: boolean }> {
  const words = await rowsOf<{ suffix: string; name_key: string }>(
    db,
    'SELECT suffix, name_key FROM name_parts WHERE suffix >= ? AND suffix < ? ORDER BY suffix, name_key LIMIT ?',
    [key, key + MAX_CHAR, MAX_WORD_KEYS],
  );
  const scores = wordPartScores(key, words);
  let capped = words.length === MAX_WORD_KEYS;
  const sub = scores.size < wanted ? subsequenceAnchor(key) : null;
  if (sub !== null) {
    // Keys hold only letters, digits and `$`, none of them LIKE syntax.
    const pattern = `${sub.anchor}%${sub.rest.join('%')}%`;
    const seq = await rowsOf<{ name_key: string }>(
      db,
      `SELECT name_key FROM name_parts WHERE suffix >= ? AND suffix < ? AND suffix LIKE ?
       ORDER BY suffix, name_key LIMIT ?`,
      [sub.anchor, sub.anchor + MAX_CHAR, pattern, MAX_SUBSEQUENCE_KEYS],
    );
    capped ||= seq.length === MAX_SUBSEQUENCE_KEYS;
    addSubsequenceScores(scores, key, seq);
  }
  return { scores, capped };
}

const SELECT_DETAILS = `SELECT s.id, s.name, s.kind, s.start_line, s.start_col, s.end_line, s.container,
  s.signature, s.doc, f.path AS rel, f.language, r.path AS root
  FROM symbols s JOIN files f ON f.id = s.file_id JOIN roots r ON r.id = f.root_id`;

async function symbolDetails(db: Queryable, page: Candidate[]): Promise<SymbolHit[]> {
  if (page.length === 0) return [];
  const rows = await rowsOf<SymbolRow>(db, `${SELECT_DETAILS} WHERE s.id = ANY(?::bigint[])`, [
    page.map((c) => c.id),
  ]);
  const byId = new Map(rows.map((r) => [r.id, r]));
  const hits: SymbolHit[] = [];
  for (const c of page) {
    const r = byId.get(c.id);
    if (r !== undefined) hits.push(toHit(r, c.score));
  }
  return hits;
}

/** Symbols of one file in source order, or null when it is not indexed (as the SQLite engine). */
export async function fileOutlinePg(db: Queryable, absPath: string): Promise<SymbolHit[] | null> {
  const abs = resolve(absPath);
  const roots = (await allRootsPg(db)).sort((a, b) => b.path.length - a.path.length);
  for (const root of roots) {
    const rel = relativeToRoot(root.path, abs);
    if (rel === null || rel === '') continue;
    const [file] = await rowsOf<{ id: number; status: string }>(
      db,
      'SELECT id, status FROM files WHERE root_id = ? AND path = ?',
      [root.id, rel],
    );
    if (file === undefined) continue;
    if (file.status !== 'indexed') return null;
    const rows = await rowsOf<SymbolRow>(
      db,
      `${SELECT_DETAILS} WHERE s.file_id = ? ORDER BY s.start_line, s.start_col, s.end_line DESC, s.id`,
      [file.id],
    );
    return rows.map((r) => toHit(r, 0));
  }
  return null;
}
