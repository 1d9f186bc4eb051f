import pg from 'pg';
import { DEFAULT_TEXT_TOP_MIN_DF, keepLastBuild, REBUILD_COUNT_LIMIT, TEXT_TOP_SIZE } from '../text-top.js';
import { inlined, type Queryable, rowsOf } from './context.js';

/**
 * The common words' lists of best chunks on PostgreSQL (the SQLite engine's `../text-top.ts`).
 *
 * `ts_rank` reads every document that holds the query's word, so one common word took p50 535 /
 * p95 739 ms on 635,000 chunks. The rank of a chunk depends on that chunk alone (no IDF, no
 * average length), so a listed rank never goes stale: a one-word query reads the word's list,
 * keeps the chunks that still exist and pass the filters, and ranks the chunks added since the
 * build (identity ids above the list's watermark: PostgreSQL never hands an id out twice) with the
 * same `ts_rank` through the primary key. When the list cannot fill the page exactly, the scan runs.
 */

/** `meta` key: the highest chunk id the lists cover. */
const WATERMARK_KEY = 'text_top_watermark';
/** `meta` key: the options and the number of chunks of the last build (JSON). */
const BUILT_KEY = 'text_top_built';
/** Chunks added since the build that a query ranks itself; above this the scan runs. */
const MAX_FRESH = 2000;
/** How long a pool trusts the watermark it read (a newer one only makes the fresh range smaller). */
const WATERMARK_TTL_MS = 10_000;

export interface TextTopPgOptions {
  minDf?: number;
  size?: number;
  /** The rank expression over `c.document` with one `?` for the tsquery text (as text.ts). */
  rank: string;
}

/**
 * Builds the lists: the common lexemes from the planner's statistics of `chunks.document` (its
 * most common elements; run after ANALYZE), each lexeme's best `size` chunks by `rank`.
 */
export async function buildTextTopPg(
  db: pg.Pool,
  opts: TextTopPgOptions,
): Promise<{ terms: number; reused: boolean; ms: number }> {
  const t0 = performance.now();
  const minDf = opts.minDf ?? DEFAULT_TEXT_TOP_MIN_DF;
  const size = opts.size ?? TEXT_TOP_SIZE;
  if (minDf <= 0) {
    await db.query(
      `BEGIN; DELETE FROM text_top; DELETE FROM meta WHERE key IN ('${WATERMARK_KEY}', '${BUILT_KEY}'); COMMIT`,
    );
    return { terms: 0, reused: false, ms: performance.now() - t0 };
  }
  const [state] = await rowsOf<{ built: string | null; watermark: string | null; rows: number }>(
    db,
    `SELECT (SELECT value FROM meta WHERE key = '${BUILT_KEY}') AS built,
            (SELECT value FROM meta WHERE key = '${WATERMARK_KEY}') AS watermark,
            (SELECT reltuples FROM pg_class WHERE oid = 'chunks'::regclass)::float8 AS rows`,
  );
  const rows = Math.max(0, state?.rows ?? 0);
  if (state?.built && state.watermark !== null) {
    const built = JSON.parse(state.built) as { minDf: number; size: number; rows: number };
    const [fresh] = await rowsOf<{ n: number }>(
      db,
      'SELECT count(*)::int AS n FROM (SELECT 1 FROM chunks WHERE id > ? LIMIT ?) AS x',
      [Number(state.watermark), REBUILD_COUNT_LIMIT],
    );
    // As SQLite's: the last build's lists are kept while little changed since.
    const sameOptions = built.minDf === minDf && built.size === size;
    if (keepLastBuild({ sameOptions, fresh: fresh?.n ?? 0, rowsThen: built.rows, rowsNow: rows })) {
      const [n] = await rowsOf<{ n: number }>(db, 'SELECT count(*)::int AS n FROM text_top');
      return { terms: n?.n ?? 0, reused: true, ms: performance.now() - t0 };
    }
  }
  const [w] = await rowsOf<{ w: string | null }>(db, 'SELECT max(id)::text AS w FROM chunks');
  const watermark = Number(w?.w ?? 0);
  // Lexemes with their estimated share of rows (ANALYZE samples 300 x the statistics target).
  const common = await rowsOf<{ lexeme: string; df: number }>(
    db,
    `SELECT e.lexeme, (e.freq * c.reltuples)::bigint::float8 AS df
     FROM pg_stats s CROSS JOIN pg_class c
       CROSS JOIN unnest(s.most_common_elems::text::text[], s.most_common_elem_freqs) AS e(lexeme, freq)
     WHERE s.schemaname = current_schema() AND s.tablename = 'chunks' AND s.attname = 'document'
       AND c.oid = 'chunks'::regclass AND e.lexeme IS NOT NULL AND e.freq * c.reltuples >= ?
     ORDER BY df DESC`,
    [minDf],
  );
  const lists: { term: string; df: number; ids: string[]; ranks: number[] }[] = [];
  for (const { lexeme, df } of common) {
    // The lexeme as a tsquery value (not through the dictionaries again: a stem may stem further).
    const query = `'${lexeme.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;
    const best = await rowsOf<{ id: string; rank: number }>(
      db,
      `SELECT c.id::text AS id, ${opts.rank.replace("to_tsquery('codeindex', ?)", '?::tsquery')} AS rank
       FROM chunks c WHERE c.document @@ ?::tsquery AND c.id <= ? ORDER BY rank DESC, c.id LIMIT ?`,
      [query, query, watermark, size],
    );
    lists.push({ term: lexeme, df, ids: best.map((r) => r.id), ranks: best.map((r) => r.rank) });
  }
  const client = await db.connect();
  try {
    await client.query('BEGIN');
    await client.query('DELETE FROM text_top');
    for (const l of lists)
      await client.query(
        'INSERT INTO text_top (term, df, ids, ranks) VALUES ($1, $2, $3::bigint[], $4::float8[])',
        [l.term, l.df, l.ids, l.ranks],
      );
    await client.query(
      `INSERT INTO meta (key, value) VALUES ('${WATERMARK_KEY}', $1), ('${BUILT_KEY}', $2)
       ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
      [String(watermark), JSON.stringify({ minDf, size, rows })],
    );
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  } finally {
    client.release();
  }
  return { terms: lists.length, reused: false, ms: performance.now() - t0 };
}

const watermarks = new WeakMap<object, { value: number | null; at: number }>();

/**
 * Words a pool found no list for, under the watermark they were looked up at. Such a word's query
 * goes straight to the scan instead of a statement that finds no list first (a round trip,
 * about 1 ms). A new build moves the watermark and empties the set. A word that gains a list at
 * the same watermark only keeps being answered by the scan: the same page, more slowly.
 */
const unlistedWords = new WeakMap<object, { watermark: number; words: Set<string> }>();
/** Words remembered per pool; past this the set starts again. */
const UNLISTED_MAX = 10_000;

function unlistedAt(db: Queryable, watermark: number): Set<string> {
  let e = unlistedWords.get(db);
  if (e === undefined || e.watermark !== watermark || e.words.size >= UNLISTED_MAX) {
    e = { watermark, words: new Set() };
    unlistedWords.set(db, e);
  }
  return e.words;
}

/** The lists' watermark (null: no lists), remembered per pool for a few seconds. */
async function watermarkOf(db: Queryable): Promise<number | null> {
  const hit = watermarks.get(db);
  if (hit !== undefined && performance.now() - hit.at < WATERMARK_TTL_MS) return hit.value;
  const [r] = await rowsOf<{ value: string }>(db, `SELECT value FROM meta WHERE key = '${WATERMARK_KEY}'`);
  const value = r === undefined ? null : Number(r.value);
  if (db instanceof pg.Pool) watermarks.set(db, { value, at: performance.now() });
  return value;
}

export interface TopQuery {
  /** The query's one word (see `compileTextQuery().single`). */
  word: string;
  /** The query as tsquery text (`compileTsQuery().match`). */
  match: string;
  /** FROM and filter conditions of the query (`textFilter` in text.ts). */
  from: string;
  where: string;
  params: unknown[];
  /** Rows the page needs: offset + limit + 1. */
  need: number;
  rank: string;
}

/**
 * The best `need` chunks of a one-word query from its list, best first (rank: higher is better),
 * or null when the list cannot answer exactly. One statement: the list's rows that still exist and
 * pass the filters (as many as the page needs), the fresh chunks ranked through the primary key,
 * and the number of fresh chunks (none are ranked when there are more than MAX_FRESH).
 */
export async function rankFromTopPg(
  db: Queryable,
  run: (statement: string) => Promise<{ src: string; id: string; rank: number; pos?: number }[]>,
  q: TopQuery,
): Promise<{ id: number; rank: number }[] | null> {
  const watermark = await watermarkOf(db);
  if (watermark === null) return null;
  const unlisted = unlistedAt(db, watermark);
  if (unlisted.has(q.word)) return null;
  // The list's head is checked first (each check reads a chunk row; the whole list would cost
  // 2,000); the rest only when the head does not fill the page, as filters may leave it.
  const head = 2 * q.need + 32;
  const statement = inlined(
    `WITH term AS (
       SELECT min(x) AS term FROM unnest(tsvector_to_array(to_tsvector('codeindex', ?))) AS x HAVING count(*) = 1
     ), t AS (
       SELECT u.id, u.rank, u.pos FROM text_top tt
         CROSS JOIN unnest(tt.ids, tt.ranks) WITH ORDINALITY AS u(id, rank, pos)
       WHERE tt.term = (SELECT term FROM term)
     ), head AS (
       SELECT t.id, t.rank::real AS rank, t.pos FROM t JOIN ${q.from} ON c.id = t.id
       WHERE t.pos <= ${head}${q.where} ORDER BY t.pos LIMIT ?
     ), listed AS (
       SELECT id, rank, pos FROM head
       UNION ALL (
         SELECT t.id, t.rank::real, t.pos FROM t JOIN ${q.from} ON c.id = t.id
         WHERE t.pos > ${head} AND (SELECT count(*) FROM head) < ?${q.where} ORDER BY t.pos LIMIT ?
       )
     ), n AS (
       SELECT count(*) AS n FROM (SELECT 1 FROM chunks WHERE id > ? LIMIT ${MAX_FRESH + 1}) AS x
     ), fresh AS (
       SELECT c.id, ${q.rank} AS rank FROM ${q.from}
       WHERE c.id > ? AND (SELECT n FROM n) <= ${MAX_FRESH} AND c.document @@ to_tsquery('codeindex', ?)${q.where}
     )
     SELECT 'l' AS src, id::text AS id, rank, pos::int AS pos FROM listed
     UNION ALL SELECT 'f', id::text, rank, 0 FROM fresh
     UNION ALL SELECT 'n', n::text, 0, 0 FROM n
     UNION ALL SELECT 'k', count(*)::text, 0, 0 FROM text_top WHERE term = (SELECT term FROM term)`,
    [
      q.word,
      ...q.params,
      q.need,
      q.need,
      ...q.params,
      q.need,
      watermark,
      q.match,
      watermark,
      q.match,
      ...q.params,
    ],
  );
  const rows = await run(statement);
  if (rows.some((r) => r.src === 'k' && r.id === '0')) {
    unlisted.add(q.word);
    return null;
  }
  const listed = rows
    .filter((r) => r.src === 'l')
    .sort((a, b) => (a.pos ?? 0) - (b.pos ?? 0))
    .slice(0, q.need);
  const fresh = rows.filter((r) => r.src === 'f');
  const n = Number(rows.find((r) => r.src === 'n')?.id ?? MAX_FRESH + 1);
  // A chunk that is not listed ranks no better than the list's last entry (see ../text-top.ts).
  if (listed.length < q.need || n > MAX_FRESH) return null;
  const byId = new Map<number, number>();
  for (const r of [...listed, ...fresh]) byId.set(Number(r.id), r.rank);
  return [...byId]
    .map(([id, rank]) => ({ id, rank }))
    .sort((a, b) => b.rank - a.rank || a.id - b.id)
    .slice(0, q.need);
}
