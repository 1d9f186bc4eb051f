import { dirname, resolve } from 'node:path';
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
import { preparedRows, type Queryable } from './context.js';
import { scopeOfPg } from './scope.js';

interface Filters {
  /** The files join when a filter needs it (the candidate subqueries read no other table). */
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
 * The details of the best `LIMIT ?` candidates of `candidates` (a subquery with `id, rank, name,
 * score` and any extra columns), in `ORDER`: the ranking and the details in one statement, so a
 * tier costs one round trip.
 */
const withDetails = (candidates: string, extra = ''): string =>
  `SELECT c.score, c.rank${extra}, s.id, s.name, s.kind, s.start_line, s.start_col, s.end_line,
     s.container, s.signature, s.doc, f.path AS rel, f.language, r.path AS root
   FROM (SELECT * FROM (${candidates}) AS s ${ORDER} LIMIT ?) AS c
   JOIN symbols s ON s.id = c.id JOIN files f ON f.id = s.file_id JOIN roots r ON r.id = f.root_id
   ORDER BY c.score DESC, c.rank, length(s.name), s.name, s.id`;

type Found = Candidate & SymbolRow;

/**
 * Symbol search with the SQLite engine's tiers, scores and tie-breaks (see `searchSymbols` in
 * `../symbol-search.ts`): exact key, key prefix, word-part suffixes, subsequence from a word start.
 * The exact and prefix tiers run concurrently (two connections of the pool), each returning its
 * rows with their details; the fuzzy tiers run only when those two leave the page short.
 */
export async function searchSymbolsPg(db: Queryable, q: SymbolQuery): Promise<SymbolSearchResult> {
  const { limit, offset } = paging(q.limit, q.offset);
  const m = parseQuery(q.query);
  if (m.name.length === 0 || limit === 0) return { hits: [], hasMore: false };
  const need = offset + limit + 1;
  const f = await filtersOf(db, q);
  const qual = qualifierSql(m);
  let capped = false;

  const exact = preparedRows<Found>(
    db,
    withDetails(
      `SELECT s.id, s.rank, s.name, ${NAME_SCORE}${qual.sql} AS score FROM symbols s${f.join}
       WHERE s.name_key = ?${m.key === '' ? ' AND s.name_lower = ?' : ''}${f.where}`,
    ),
    [...nameScoreParams(m), ...qual.params, m.key, ...(m.key === '' ? [m.lower] : []), ...f.params, need],
  );
  // The candidate cap takes the alphabetically first keys, as SQLite's index scan does.
  const prefix =
    m.key === ''
      ? Promise.resolve([])
      : preparedRows<Found & { n: number }>(
          db,
          withDetails(
            `SELECT id, score, rank, name, count(*) OVER () AS n FROM (
               SELECT s.id, s.rank, s.name, ${NAME_SCORE}${qual.sql} AS score FROM symbols s${f.join}
               WHERE s.name_key > ? AND s.name_key < ?${f.where}
               ORDER BY s.name_key, s.id LIMIT ${MAX_PREFIX_CANDIDATES}
             ) AS s`,
            ', c.n',
          ),
          [...nameScoreParams(m), ...qual.params, m.key, m.key + MAX_CHAR, ...f.params, need],
        );
  // The fuzzy tiers' keys are looked up alongside (one statement): they are needed whenever the
  // first two tiers leave the page short, which is most queries for a specific name.
  const keyRows = m.key.length >= 2 ? fuzzyKeyRows(db, m.key) : Promise.resolve(null);
  const [exactRows, prefixRows, keyLookup] = await Promise.all([exact, prefix, keyRows]);
  capped ||= (prefixRows[0]?.n ?? 0) >= MAX_PREFIX_CANDIDATES;
  let found: Found[] = exactRows
    .concat(prefixRows.map(({ n: _n, ...c }) => c))
    .sort(compareCandidates)
    .slice(0, need);

  if (found.length < need && keyLookup !== null) {
    const keys = fuzzyKeys(m.key, keyLookup, need - found.length);
    capped ||= keys.capped;
    if (keys.scores.size > 0) {
      const fuzzy = await preparedRows<Found>(
        db,
        withDetails(
          `SELECT s.id, s.rank, s.name, k.value${qual.sql} AS score
           FROM unnest(?::text[], ?::int[]) AS k(key, value)
           JOIN symbols s ON s.name_key = k.key${f.join}
           WHERE true${f.where}`,
        ),
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
  const hits = found.slice(offset, offset + limit).map((r) => toHit(r, r.score));
  return !hasMore && !capped ? { hits, total: found.length, hasMore } : { hits, hasMore };
}

interface KeyRows {
  words: { suffix: string; name_key: string }[];
  /** null when the key is too short for the subsequence tier. */
  seq: { name_key: string }[] | null;
}

/**
 * The `name_parts` rows of tiers B and C, as `fuzzyKeys` of the SQLite engine reads them (LIKE for
 * GLOB), in one statement: word parts starting with the key, and keys holding its letters in order
 * after an anchor.
 */
async function fuzzyKeyRows(db: Queryable, key: string): Promise<KeyRows> {
  const words = `SELECT 0 AS tier, suffix, name_key FROM (
      SELECT suffix, name_key FROM name_parts WHERE suffix >= ? AND suffix < ?
      ORDER BY suffix, name_key LIMIT ${MAX_WORD_KEYS}) AS w`;
  const sub = subsequenceAnchor(key);
  if (sub === null) {
    const rows = await preparedRows<{ suffix: string; name_key: string }>(db, words, [key, key + MAX_CHAR]);
    return { words: rows, seq: null };
  }
  // Keys hold only letters, digits and `$`, none of them LIKE syntax.
  const pattern = `${sub.anchor}%${sub.rest.join('%')}%`;
  const rows = await preparedRows<{ tier: number; suffix: string; name_key: string }>(
    db,
    `${words} UNION ALL SELECT 1, suffix, name_key FROM (
       SELECT suffix, name_key FROM name_parts WHERE suffix >= ? AND suffix < ? AND suffix LIKE ?
       ORDER BY suffix, name_key LIMIT ${MAX_SUBSEQUENCE_KEYS}) AS q`,
    [key, key + MAX_CHAR, sub.anchor, sub.anchor + MAX_CHAR, pattern],
  );
  return { words: rows.filter((r) => r.tier === 0), seq: rows.filter((r) => r.tier === 1) };
}

/** Tier B and C keys and their scores, as `fuzzyKeys` of the SQLite engine. */
function fuzzyKeys(
  key: string,
  rows: KeyRows,
  wanted: number,
): { scores: Map<string, number>; capped: boolean } {
  const scores = wordPartScores(key, rows.words);
  let capped = rows.words.length === MAX_WORD_KEYS;
  if (scores.size < wanted && rows.seq !== null) {
    capped ||= rows.seq.length === MAX_SUBSEQUENCE_KEYS;
    addSubsequenceScores(scores, key, rows.seq);
  }
  return { scores, capped };
}

/**
 * Symbols of one file in source order, or null when it is not indexed (as the SQLite engine): the
 * innermost root holding the path and the file's symbols in one statement.
 */
export async function fileOutlinePg(db: Queryable, absPath: string): Promise<SymbolHit[] | null> {
  const abs = resolve(absPath);
  // Every directory above the file could be a root: the deepest one that holds the file wins.
  const roots: string[] = [];
  const rels: string[] = [];
  for (let dir = dirname(abs); ; dir = dirname(dir)) {
    const rel = relativeToRoot(dir, abs);
    if (rel !== null && rel !== '') {
      roots.push(dir);
      rels.push(rel);
    }
    if (dirname(dir) === dir) break;
  }
  const rows = await preparedRows<Partial<SymbolRow> & { status: string }>(
    db,
    `WITH file AS (
       SELECT f.id, f.status, f.path, f.language, r.path AS root
       FROM unnest(?::text[], ?::text[]) WITH ORDINALITY AS c(root, rel, n)
       JOIN roots r ON r.path = c.root JOIN files f ON f.root_id = r.id AND f.path = c.rel
       ORDER BY c.n LIMIT 1
     )
     SELECT file.status, s.id, s.name, s.kind, s.start_line, s.start_col, s.end_line, s.container,
       s.signature, s.doc, file.path AS rel, file.language, file.root
     FROM file LEFT JOIN symbols s ON s.file_id = file.id AND file.status = 'indexed'
     ORDER BY s.start_line, s.start_col, s.end_line DESC, s.id`,
    [roots, rels],
  );
  if (rows.length === 0 || rows[0]!.status !== 'indexed') return null;
  return rows.filter((r) => r.id !== null).map((r) => toHit(r as SymbolRow, 0));
}
