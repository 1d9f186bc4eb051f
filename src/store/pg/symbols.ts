import { dirname, resolve } from 'node:path';
import { relativeToRoot, scopeFilter } from '../paths.js';
import { paging } from '../query-context.js';
import {
  MAX_CHAR,
  MAX_PREFIX_CANDIDATES,
  MAX_SUBSEQUENCE_KEYS,
  MAX_TYPO_KEYS,
  MAX_WORD_KEYS,
  maxTypoEdits,
  nameScoreParams,
  nameScoreSql,
  parseQuery,
  QUALIFIER_BONUS,
  qualifierTerm,
  SYMBOL_SCORES,
  type SymbolRow,
  subsequenceAnchor,
  TYPO_KEYS_SQL,
  toHit,
  typoKeysParams,
  typoScores,
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

/** The SQLite engine's NAME_SCORE in PostgreSQL. */
const NAME_SCORE = nameScoreSql(true);

/** The order of a tier's candidates, read from `symbols s` ... */
const ORDER = 'ORDER BY score DESC, s.rank, length(s.name), s.name, s.id';
/** ... and of candidates read from a tier's rows. */
const ROW_ORDER = 'ORDER BY score DESC, rank, length(name), name, id';

interface FoundRow extends SymbolRow {
  /** 0: exact and prefix tiers (ranked together); 1: word-part and subsequence tiers. */
  tier: number;
  score: number;
  rank: number;
  /** Rows scanned by the prefix tier, word-part keys read, subsequence keys read (null: not run). */
  prefix_n: number | null;
  words_n: number | null;
  seq_n: number | null;
}

/**
 * Symbol search with the SQLite engine's tiers, scores and tie-breaks (see `searchSymbols` in
 * `../symbol-search.ts`): exact key, key prefix, word-part suffixes, subsequence from a word start
 * (and typos: a second run when the first tiers leave the page short), in ONE statement with the
 * hits' details (a round trip costs more than most searches). The
 * fuzzy tiers sit behind conditions on the first tiers' count (PostgreSQL's one-time filters), so
 * they run only when those leave the page short, as in the SQLite engine; so does the
 * subsequence tier behind the word-part tier's count.
 */
export async function searchSymbolsPg(db: Queryable, q: SymbolQuery): Promise<SymbolSearchResult> {
  const { limit, offset } = paging(q.limit, q.offset);
  const m = parseQuery(q.query);
  if (m.name.length === 0 || limit === 0) return { hits: [], hasMore: false };
  const need = offset + limit + 1;
  const f = await filtersOf(db, q);
  const qual = qualifierTerm(m, 'ILIKE', '::text');
  const scored = `SELECT s.id, s.rank, s.name, ${NAME_SCORE}${qual.sql} AS score FROM symbols s${f.join}`;
  const scoredParams = [...nameScoreParams(m), ...qual.params];

  /** The tiers in one statement; `typo`: tier D's keys and scores, ranked with B and C. */
  const run = async (typo: Map<string, number> | null): Promise<FoundRow[]> => {
    const ctes: string[] = [];
    const params: unknown[] = [];
    const cte = (name: string, sql: string, ...p: unknown[]) => {
      ctes.push(`${name} AS MATERIALIZED (${sql})`);
      params.push(...p);
    };
    cte(
      'ex',
      `${scored} WHERE s.name_key = ?${m.key === '' ? ' AND s.name_lower = ?' : ''}${f.where} ${ORDER} LIMIT ?`,
      ...scoredParams,
      m.key,
      ...(m.key === '' ? [m.lower] : []),
      ...f.params,
      need,
    );
    const withPrefix = m.key !== '';
    if (withPrefix) {
      // The candidate cap takes the alphabetically first keys, as SQLite's index scan does.
      cte(
        'pre',
        `${scored} WHERE s.name_key > ? AND s.name_key < ?${f.where}
         ORDER BY s.name_key, s.id LIMIT ${MAX_PREFIX_CANDIDATES}`,
        ...scoredParams,
        m.key,
        m.key + MAX_CHAR,
        ...f.params,
      );
    }
    cte(
      'ab',
      withPrefix
        ? `SELECT * FROM (SELECT * FROM ex UNION ALL (SELECT * FROM pre ${ROW_ORDER} LIMIT ?)) AS x ${ROW_ORDER} LIMIT ?`
        : 'SELECT * FROM ex',
      ...(withPrefix ? [need, need] : []),
    );
    const sub = m.key.length >= 2 ? subsequenceAnchor(m.key) : null;
    const fuzzy = m.key.length >= 2;
    if (fuzzy) {
      cte('gate', 'SELECT count(*) AS found FROM ab');
      cte(
        'words',
        `SELECT suffix, name_key FROM name_parts WHERE suffix >= ? AND suffix < ?
         ORDER BY suffix, name_key LIMIT ${MAX_WORD_KEYS}`,
        m.key,
        m.key + MAX_CHAR,
      );
      // Tier B: keys with a word part starting with the key (tier A's keys left out).
      cte(
        'bk',
        `SELECT name_key AS key,
           max(CASE WHEN suffix = ? THEN ${SYMBOL_SCORES.wordSuffix} ELSE ${SYMBOL_SCORES.wordPrefix} END) AS value
         FROM words WHERE NOT starts_with(name_key, ?) GROUP BY name_key`,
        m.key,
        m.key,
      );
      if (sub !== null) {
        // Tier C, only when tier B cannot fill what is left of the page. Keys hold only letters,
        // digits and `$`, none of them LIKE syntax.
        cte(
          'seq',
          `SELECT name_key FROM name_parts WHERE suffix >= ? AND suffix < ? AND suffix LIKE ?
           AND (SELECT count(*) FROM bk) < ? - (SELECT found FROM gate)
           ORDER BY suffix, name_key LIMIT ${MAX_SUBSEQUENCE_KEYS}`,
          sub.anchor,
          sub.anchor + MAX_CHAR,
          `${sub.anchor}%${sub.rest.join('%')}%`,
          need,
        );
        cte(
          'ck',
          `SELECT DISTINCT name_key AS key,
             ${SYMBOL_SCORES.subsequence} + greatest(0, 4 - (char_length(name_key) - ?) / 3) AS value
           FROM seq WHERE NOT starts_with(name_key, ?) AND name_key NOT IN (SELECT key FROM bk)`,
          [...m.key].length,
          m.key,
        );
      }
      const merged = `SELECT key, value FROM bk${sub === null ? '' : ' UNION ALL SELECT key, value FROM ck'}`;
      // Tier D's keys join B and C's; a key in both keeps the higher score (as in SQLite).
      const keySource =
        typo === null
          ? merged
          : `SELECT key, max(value) AS value FROM (${merged}
             UNION ALL SELECT key, value FROM unnest(?::text[], ?::int[]) AS t(key, value)) AS u GROUP BY key`;
      cte(
        'fz',
        `SELECT s.id, s.rank, s.name, k.value${qual.sql} AS score
         FROM (${keySource}) AS k
         JOIN symbols s ON s.name_key = k.key${f.join}
         WHERE (SELECT found FROM gate) < ?${f.where} ${ORDER} LIMIT ?`,
        ...qual.params,
        ...(typo === null ? [] : [[...typo.keys()], [...typo.values()]]),
        need,
        ...f.params,
        need,
      );
    }
    const counts = [
      withPrefix ? '(SELECT count(*) FROM pre)' : 'NULL::bigint',
      fuzzy ? 'CASE WHEN (SELECT found FROM gate) < ? THEN (SELECT count(*) FROM words) END' : 'NULL::bigint',
      sub !== null
        ? 'CASE WHEN (SELECT count(*) FROM bk) < ? - (SELECT found FROM gate) THEN (SELECT count(*) FROM seq) END'
        : 'NULL::bigint',
    ];
    const countParams = [...(fuzzy ? [need] : []), ...(sub !== null ? [need] : [])];
    const rows = await preparedRows<FoundRow>(
      db,
      `WITH ${ctes.join(',\n')}
       SELECT n.prefix_n, n.words_n, n.seq_n, t.tier, t.score, t.rank, s.id, s.name, s.kind, s.start_line,
         s.start_col, s.end_line, s.container, s.signature, s.doc, f.path AS rel, f.language, r.path AS root,
         f.size, f.mtime_ms
       FROM (SELECT ${counts[0]} AS prefix_n, ${counts[1]} AS words_n, ${counts[2]} AS seq_n) AS n
       LEFT JOIN (
         SELECT 0 AS tier, id, rank, name, score FROM ab
         ${fuzzy ? 'UNION ALL SELECT 1, id, rank, name, score FROM fz' : ''}
       ) AS t ON true
       LEFT JOIN symbols s ON s.id = t.id LEFT JOIN files f ON f.id = s.file_id LEFT JOIN roots r ON r.id = f.root_id
       ORDER BY t.tier, t.score DESC, t.rank, length(s.name), s.name, s.id`,
      [...params, ...countParams],
    );
    return rows;
  };
  let rows = await run(null);
  let typoCapped = false;
  // Tier D (typos) when A left the page short, as in the SQLite engine: its candidate keys are read
  // and scored here, and the statement runs again with them (two more round trips, only then).
  const found = rows.filter((r) => r.id !== null).slice(0, need);
  if (
    m.key.length >= 2 &&
    maxTypoEdits([...m.key].length) > 0 &&
    found.filter((r) => r.tier === 0).length < need &&
    // A full page whose every score is above any typo's (qualifier bonus included) cannot change.
    !(found.length === need && Math.min(...found.map((r) => r.score)) > SYMBOL_SCORES.typo + QUALIFIER_BONUS)
  ) {
    const candidates = (
      await preparedRows<{ name_key: string }>(db, TYPO_KEYS_SQL, typoKeysParams(m.key))
    ).map((r) => r.name_key);
    typoCapped = candidates.length === MAX_TYPO_KEYS;
    const typo = typoScores(m.key, candidates);
    if (typo.size > 0) rows = await run(typo);
  }
  const counted = rows[0]!;
  // The fuzzy tiers fill what the first two left of the page.
  const page = rows.filter((r) => r.id !== null).slice(0, need);
  const capped =
    typoCapped ||
    (counted.prefix_n ?? 0) >= MAX_PREFIX_CANDIDATES ||
    counted.words_n === MAX_WORD_KEYS ||
    counted.seq_n === MAX_SUBSEQUENCE_KEYS;
  const hasMore = page.length > offset + limit;
  const hits = page.slice(offset, offset + limit).map((r) => toHit(r, r.score));
  return !hasMore && !capped ? { hits, total: page.length, hasMore } : { hits, hasMore };
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
       SELECT f.id, f.status, f.path, f.language, r.path AS root, f.size, f.mtime_ms
       FROM unnest(?::text[], ?::text[]) WITH ORDINALITY AS c(root, rel, n)
       JOIN roots r ON r.path = c.root JOIN files f ON f.root_id = r.id AND f.path = c.rel
       ORDER BY c.n LIMIT 1
     )
     SELECT file.status, s.id, s.name, s.kind, s.start_line, s.start_col, s.end_line, s.container,
       s.signature, s.doc, file.path AS rel, file.language, file.root, file.size, file.mtime_ms
     FROM file LEFT JOIN symbols s ON s.file_id = file.id AND file.status = 'indexed'
     ORDER BY s.start_line, s.start_col, s.end_line DESC, s.id`,
    [roots, rels],
  );
  if (rows.length === 0 || rows[0]!.status !== 'indexed') return null;
  return rows.filter((r) => r.id !== null).map((r) => toHit(r as SymbolRow, 0));
}
