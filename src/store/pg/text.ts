import pg from 'pg';
import { joinRootPath, type ScopeEntry, scopeFilter } from '../paths.js';
import { paging, scopeInRoots } from '../query-context.js';
import { MAX_RUNS, MAX_RUNS_CHUNKS, MAX_RUNS_SHARE, scopeRootIds } from '../scope-bm25.js';
import type { RankedText } from '../text-search.js';
import { chunkHit, makeSnippet, parseTextQuery, singleWord, type TextGroup } from '../text-search.js';
import type { ChunkRecord, TextQuery, TextSearchResult } from '../types.js';
import {
  allRootsPg,
  inlined,
  inTransaction,
  type Queryable,
  ROOTS_SQL,
  type RootRef,
  rowsOf,
} from './context.js';
import { rootSourceOf } from './scope.js';
import { rankFromTopPg } from './text-top.js';

/**
 * The rank of a chunk: `ts_rank` with the content (weight A) at 1.0 and its identifiers' word
 * parts (weight B) at 0.6, as FTS5's `bm25(chunks_fts, 1.0, 0.6)` weighs its two columns; flag 1
 * divides by 1 + log(length), so long chunks do not win by size alone (BM25's length
 * normalisation, roughly). There is no IDF: ranking differs from SQLite's beyond the matches.
 */
export const TEXT_RANK = "ts_rank('{0.1, 0.2, 0.6, 1.0}', c.document, to_tsquery('codeindex', ?), 1)";

/** Chunks a word must be in at most to take part in the OR fallback (as SQLite). */
const COMMON_WORD_CHUNKS = 2000;

/** A lexeme in tsquery syntax: quoted, so nothing in it is an operator. */
const lexeme = (word: string, prefix: boolean): string =>
  `'${word.replace(/\\/g, '\\\\').replace(/'/g, "''")}'${prefix ? ':*' : ''}`;

const phrase = (words: readonly string[], star: boolean): string =>
  words.map((w, i) => lexeme(w, star && i === words.length - 1)).join(' <-> ');

/** One group as a tsquery: the phrase of its parts, or of its whole words. */
export function tsGroup(g: TextGroup): string {
  const a = phrase(g.parts, g.star);
  const b = phrase(g.whole, g.star);
  return a === b ? `(${a})` : `((${a}) | (${b}))`;
}

/** The AND query and the OR-fallback groups of a user query, in tsquery syntax. */
export function compileTsQuery(input: string): {
  match: string | null;
  anyGroups: string[];
  terms: Set<string>;
  single: string | null;
} {
  const { all, any, terms } = parseTextQuery(input);
  const clauses = all.map((clause) => `(${clause.map(tsGroup).join(' | ')})`);
  return {
    match: clauses.length === 0 ? null : clauses.join(' & '),
    anyGroups: any.map(tsGroup),
    terms,
    single: singleWord(all),
  };
}

/**
 * Runs the queries of one text search on one connection, in a read-only transaction where the
 * planner may not scan `chunks` sequentially. For a word in a few thousand chunks it otherwise
 * picks a sequential scan: its costs count pages, not the work of the match itself, and testing
 * a row decompresses its document, so checking every chunk's document cost 2-3x as much as
 * reading the matching ones through the GIN index (Django, on a busy machine: "self" 17 ms against
 * 10, "get" 10 against 7). With the scan off, every full-text lookup goes through the GIN index, whatever the planner's
 * statistics say. Inside a caller's transaction (a client, not the pool), `db` is used as it is.
 */
async function withIndexScans<T>(
  db: Queryable,
  fn: (c: Queryable, roots: RootRef[]) => Promise<T>,
): Promise<T> {
  if (!(db instanceof pg.Pool)) return fn(db, await allRootsPg(db));
  // Repeatable read: the roots read for the scope and every ranking query see the same snapshot.
  // The roots are read in the message that opens the transaction (no round trip of their own).
  return inTransaction(
    db,
    (c, opened) => fn(c, (opened.at(-1)?.rows ?? []) as RootRef[]),
    `BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SET LOCAL enable_seqscan = off; SET LOCAL plan_cache_mode = force_custom_plan; ${ROOTS_SQL}`,
  );
}

/** Whether a scope holds every root whole (it then selects every chunk). */
function coversEveryRoot(scope: readonly ScopeEntry[], roots: readonly { id: number }[]): boolean {
  const whole = new Set(scope.filter((s) => s.rel === null && s.exclude === undefined).map((s) => s.rootId));
  return roots.every((r) => whole.has(r.id));
}

interface RankedRow {
  id: number;
  rank: number;
}

/**
 * The ranking half of a text search, as `rankText` of the SQLite engine: chunks holding every
 * group first, best rank first; when at most `looseBelow` of them do, chunks holding some of the
 * groups that are not in thousands of chunks follow.
 */
export async function rankTextPg(pool: Queryable, q: TextQuery): Promise<RankedText> {
  const { limit, offset } = paging(q.limit, q.offset);
  const { match, anyGroups, terms, single } = compileTsQuery(q.query);
  if (match === null || limit === 0) return { ranked: [], hasMore: false, terms };
  if (single !== null && anyGroups.length === 0) {
    // A common word: its precomputed best chunks, when they answer this page exactly.
    const top = await rankFromLists(pool, q, single, match, limit, offset);
    if (top !== null) return { ...top, terms };
  }
  const kept = pool instanceof pg.Pool ? rootSourceOf(pool) : undefined;
  if (kept !== undefined && pool instanceof pg.Pool) {
    const roots = await kept();
    return rankInOneMessage(pool, roots, rareCacheOf(pool, roots), q, match, anyGroups, terms, limit, offset);
  }
  return withIndexScans(pool, (db, roots) =>
    rankMatches(db, roots, rareCacheOf(pool, roots), q, match, anyGroups, terms, limit, offset),
  );
}

/** `rankFromTopPg` with this engine's filters and transaction (null: the scan must answer). */
async function rankFromLists(
  pool: Queryable,
  q: TextQuery,
  word: string,
  match: string,
  limit: number,
  offset: number,
): Promise<Omit<RankedText, 'terms'> | null> {
  const kept = pool instanceof pg.Pool ? rootSourceOf(pool) : undefined;
  const roots = kept !== undefined ? await kept() : await allRootsPg(pool);
  const { from, where, params } = textFilter(roots, q);
  type Row = { src: string; id: string; rank: number; pos: number };
  const run =
    pool instanceof pg.Pool
      ? (statement: string) => readInOneMessage<Row>(pool, statement)
      : (statement: string) => rowsOf<Row>(pool, statement);
  const need = offset + limit + 1;
  const top = await rankFromTopPg(pool, run, { word, match, from, where, params, need, rank: TEXT_RANK });
  if (top === null) return null;
  const page = top.slice(offset);
  return {
    ranked: page.slice(0, limit).map((r) => ({ id: r.id, rank: -r.rank })),
    hasMore: page.length > limit,
  };
}

/** The tables a text query reads and its language and scope conditions (`where` is empty or starts with AND). */
interface TextFilter {
  from: string;
  where: string;
  params: unknown[];
  /** The roots a scope that leaves some out holds (null: every root, no scope). */
  scopeRoots: number[] | null;
}

/** The language and path conditions of a text query, and the FROM they need. */
function textFilter(roots: readonly RootRef[], q: TextQuery): TextFilter {
  const where: string[] = [];
  const params: unknown[] = [];
  if (q.language !== undefined) {
    where.push('f.language = ?');
    params.push(q.language);
  }
  const scope = q.pathPrefix === undefined ? null : scopeInRoots(roots, q.pathPrefix);
  let scopeRoots: number[] | null = null;
  // A scope of every whole root (a single-root server's allowed roots) filters nothing: no join.
  if (scope !== null && !coversEveryRoot(scope, roots)) {
    const f = scopeFilter(scope);
    where.push(f.sql);
    params.push(...f.params);
    scopeRoots = scopeRootIds(scope);
  }
  return where.length === 0
    ? { from: 'chunks c', where: '', params, scopeRoots }
    : {
        from: 'chunks c JOIN files f ON f.id = c.file_id JOIN roots r ON r.id = f.root_id',
        where: where.map((w) => ` AND ${w}`).join(''),
        params,
        scopeRoots,
      };
}

/**
 * `filter` with the scope's runs of chunk ids as a condition, when its roots are a small part of
 * the index (the bounds and the rule of SQLite's `idRunsOf`: ids follow write order, so a
 * repository indexed at once is one run). The GIN scan of a word common in a large root beside the
 * small one then meets the primary key's ranges instead of reading and joining every match.
 * Remembered while no root's chunks change.
 */
async function withRuns(db: Queryable, filter: TextFilter, cache: RareCache | null): Promise<TextFilter> {
  if (filter.scopeRoots === null) return filter;
  const key = filter.scopeRoots.join(',');
  let clause = cache?.runs.get(key);
  if (clause === undefined) {
    const ids = filter.scopeRoots;
    const [sizes] = await rowsOf<{ mine: number; total: number }>(
      db,
      `SELECT coalesce(sum(chunk_count) FILTER (WHERE root_id = ANY(?::bigint[])), 0)::float8 AS mine,
              coalesce(sum(chunk_count), 0)::float8 AS total FROM files`,
      [ids],
    );
    clause = '';
    const mine = sizes?.mine ?? 0;
    if (mine > 0 && mine <= (sizes?.total ?? 0) * MAX_RUNS_SHARE && mine <= MAX_RUNS_CHUNKS) {
      // A run ends where another chunk (another root's) lies between two of the scope's ids.
      const runs = await rowsOf<{ lo: string; hi: string }>(
        db,
        `WITH s AS (SELECT c.id, lag(c.id) OVER (ORDER BY c.id) AS prev
                    FROM chunks c JOIN files f ON f.id = c.file_id WHERE f.root_id = ANY(?::bigint[])),
              b AS (SELECT id, sum(CASE WHEN prev IS NOT NULL AND id > prev + 1
                      AND EXISTS (SELECT 1 FROM chunks x WHERE x.id > s.prev AND x.id < s.id) THEN 1 ELSE 0 END)
                      OVER (ORDER BY id) AS run FROM s)
         SELECT min(id)::text AS lo, max(id)::text AS hi FROM b GROUP BY run ORDER BY 1 LIMIT ${MAX_RUNS + 1}`,
        [ids],
      );
      if (runs.length > 0 && runs.length <= MAX_RUNS)
        clause = ` AND (${runs.map((r) => `c.id BETWEEN ${Number(r.lo)} AND ${Number(r.hi)}`).join(' OR ')})`;
    }
    cache?.runs.set(key, clause);
  }
  return clause === '' ? filter : { ...filter, where: `${clause}${filter.where}` };
}

/**
 * Sends `statement` (no parameters: see `inlined`) in one message with the transaction around it:
 * read only, no sequential scans of `chunks` (see `withIndexScans`), one round trip in all. Its
 * values are literals, so it is planned for them: a generic plan knows neither how many chunks a
 * word is in nor how small the scope is (over four roots it ranked every root's matches, 3-5x slower).
 */
async function readInOneMessage<R extends pg.QueryResultRow>(pool: pg.Pool, statement: string): Promise<R[]> {
  const client = await pool.connect();
  let broken = false;
  try {
    const results = (await client.query(
      `BEGIN READ ONLY; SET LOCAL enable_seqscan = off; ${statement}; COMMIT`,
    )) as unknown as pg.QueryResult<R>[];
    return results[2]?.rows ?? [];
  } catch (err) {
    // The message stopped at the error, inside the transaction it opened.
    await client.query('ROLLBACK').catch(() => {
      broken = true;
    });
    throw err;
  } finally {
    client.release(broken);
  }
}

/**
 * `rankMatches` for a store that keeps its roots: the AND query and the OR fallback in one
 * statement (the fallback runs only when the AND query found few enough: a one-time filter),
 * sent with its transaction in one message. Groups whose rareness is not known yet are counted
 * first (one more message; remembered while the index's chunks are unchanged).
 */
async function rankInOneMessage(
  pool: pg.Pool,
  roots: RootRef[],
  cache: RareCache | null,
  q: TextQuery,
  match: string,
  anyGroups: string[],
  terms: Set<string>,
  limit: number,
  offset: number,
): Promise<RankedText> {
  const filter = await withRuns(pool, textFilter(roots, q), cache);
  const { from, where, params } = filter;
  const n = offset + limit + 1;
  const ranking = (expr: string, gate: string) =>
    inlined(
      `SELECT c.id, ${TEXT_RANK} AS rank FROM ${from}
       WHERE c.document @@ to_tsquery('codeindex', ?)${where}${gate} ORDER BY rank DESC, c.id LIMIT ?`,
      [expr, expr, ...params, n],
    );
  let any: string[] = [];
  if (anyGroups.length > 0) {
    const known = cache !== null && anyGroups.every((g) => cache.rare.has(g));
    any = known
      ? anyGroups.filter((g) => cache.rare.get(g) === true)
      : await rareGroupsOneMessage(pool, anyGroups, cache, filter);
  }
  // As rankMatches: the fallback when at most min(limit, looseBelow) AND matches are on this page.
  const fallbackBelow = offset + Math.min(limit, q.looseBelow ?? limit);
  const union =
    any.length === 0
      ? 'SELECT 0 AS part, id, rank FROM a'
      : `SELECT 0 AS part, id, rank FROM a UNION ALL SELECT 1, id, rank FROM o WHERE id NOT IN (SELECT id FROM a)`;
  // The page's chunk rows come with it: no second read.
  const statement = `WITH a AS (${ranking(match, '')})${
    any.length === 0
      ? ''
      : `, o AS (${ranking(any.join(' | '), ` AND (SELECT count(*) FROM a) <= ${fallbackBelow}`)})`
  }, p AS (SELECT part, id, rank FROM (${union}) AS u ORDER BY part, rank DESC, id LIMIT ${limit + 1} OFFSET ${offset})
  SELECT p.rank, ${CHUNK_COLUMNS} FROM p JOIN ${CHUNK_JOIN} ON c.id = p.id ORDER BY p.part, p.rank DESC, p.id`;
  const rows = await readInOneMessage<ChunkDbRow & { rank: number }>(pool, statement);
  const page = rows.slice(0, limit);
  return {
    ranked: page.map((r) => ({ id: r.id, rank: -r.rank })),
    hasMore: rows.length > limit,
    terms,
    chunks: page.map(chunkRecordOf),
  };
}

/** `rareGroups` in one message (its count must not scan `chunks` sequentially either). */
async function rareGroupsOneMessage(
  pool: pg.Pool,
  groups: readonly string[],
  cache: RareCache | null,
  filter: TextFilter,
): Promise<string[]> {
  return rareOf(groups, cache, filter, (sql) => readInOneMessage<{ g: string; n: number }>(pool, sql));
}

/**
 * The statement counting each group's chunks up to COMMON_WORD_CHUNKS; a group common in the whole
 * index is counted again in the query's scope and language when it has one (see SQLite's
 * `rareGroups`: a data dir holds every project its user indexed). Values are inlined.
 */
function rareCountStatement(groups: readonly string[], filter: TextFilter): string {
  const whole = `(SELECT count(*) FROM (
      SELECT 1 FROM chunks WHERE document @@ to_tsquery('codeindex', q.g) LIMIT ${COMMON_WORD_CHUNKS}
    ) AS x)::int`;
  const scoped =
    filter.where === ''
      ? 'n'
      : `CASE WHEN n < ${COMMON_WORD_CHUNKS} THEN n ELSE (SELECT count(*) FROM (
          SELECT 1 FROM ${filter.from} WHERE c.document @@ to_tsquery('codeindex', t.g)${inlined(filter.where, filter.params)}
          LIMIT ${COMMON_WORD_CHUNKS}) AS y)::int END`;
  return `SELECT t.g, ${scoped} AS n FROM (
      SELECT q.g, q.i, ${whole} AS n
      FROM (VALUES ${groups.map((g, i) => `(${inlined('?', [g])}, ${i})`).join(', ')}) AS q(g, i)
    ) AS t ORDER BY t.i`;
}

/** The rare groups of `groups`, counting those `cache` does not know for this filter with `read`. */
async function rareOf(
  groups: readonly string[],
  cache: RareCache | null,
  filter: TextFilter,
  read: (sql: string) => Promise<{ g: string; n: number }[]>,
): Promise<string[]> {
  // The same word is rare in one scope and common in the whole index.
  const scope = filter.where === '' ? '' : `${filter.where}\u0000${JSON.stringify(filter.params)}\u0000`;
  const unknown = [...new Set(groups.filter((g) => cache?.rare.get(scope + g) === undefined))];
  const counted = new Map<string, boolean>();
  if (unknown.length > 0) {
    for (const r of await read(rareCountStatement(unknown, filter))) {
      counted.set(r.g, Number(r.n) < COMMON_WORD_CHUNKS);
      cache?.rare.set(scope + r.g, Number(r.n) < COMMON_WORD_CHUNKS);
    }
  }
  return groups.filter((g) => counted.get(g) ?? cache?.rare.get(scope + g) === true);
}

/** Whether each OR-fallback group is rare (see `rareGroups`), while the index's chunks are unchanged. */
interface RareCache {
  /** Every root's id and chunks version: any write of chunks, a new or a removed root changes it. */
  signature: string;
  rare: Map<string, boolean>;
  /** Each scope's runs of chunk ids as an SQL condition ('' for none; see `withRuns`). */
  runs: Map<string, string>;
}

/** Groups remembered per pool (a server asks about the same common words again and again). */
const RARE_CACHE_GROUPS = 10_000;
const rareCaches = new WeakMap<object, RareCache>();

function rareCacheOf(pool: Queryable, roots: readonly RootRef[]): RareCache | null {
  if (!(pool instanceof pg.Pool)) return null;
  const signature = roots.map((r) => `${r.id}:${r.chunks_version}`).join(',');
  let cache = rareCaches.get(pool);
  if (cache === undefined || cache.signature !== signature || cache.rare.size > RARE_CACHE_GROUPS) {
    cache = { signature, rare: new Map(), runs: new Map() };
    rareCaches.set(pool, cache);
  }
  return cache;
}

async function rankMatches(
  db: Queryable,
  roots: RootRef[],
  cache: RareCache | null,
  q: TextQuery,
  match: string,
  anyGroups: string[],
  terms: Set<string>,
  limit: number,
  offset: number,
): Promise<RankedText> {
  const filter = await withRuns(db, textFilter(roots, q), cache);
  const { from, where, params } = filter;
  const run = async (expr: string, n: number, skip: number): Promise<RankedRow[]> =>
    rowsOf<RankedRow>(
      db,
      `SELECT c.id, ${TEXT_RANK} AS rank FROM ${from}
       WHERE c.document @@ to_tsquery('codeindex', ?)${where} ORDER BY rank DESC, c.id LIMIT ? OFFSET ?`,
      [expr, expr, ...params, n, skip],
    );
  let ranked = await run(match, limit + 1, offset);
  const any =
    anyGroups.length > 0 && ranked.length <= Math.min(limit, q.looseBelow ?? limit)
      ? await rareGroups(db, anyGroups, cache, filter)
      : [];
  if (any.length > 0) {
    const all = offset === 0 ? ranked : await run(match, offset + limit + 1, 0);
    const seen = new Set(all.map((r) => r.id));
    const more = (await run(any.join(' | '), offset + limit + 1, 0)).filter((r) => !seen.has(r.id));
    ranked = [...all, ...more].slice(offset, offset + limit + 1);
  }
  return {
    ranked: ranked.slice(0, limit).map((r) => ({ id: r.id, rank: -r.rank })),
    hasMore: ranked.length > limit,
    terms,
  };
}

/**
 * The groups that are in fewer than COMMON_WORD_CHUNKS chunks of the query's scope (counting stops
 * there), in one statement for the groups `cache` does not know (counting a common word reads up to
 * 2,000 rows: ~6 ms for a query's few words on Django).
 */
async function rareGroups(
  db: Queryable,
  groups: readonly string[],
  cache: RareCache | null,
  filter: TextFilter,
): Promise<string[]> {
  return rareOf(groups, cache, filter, (sql) => rowsOf<{ g: string; n: number }>(db, sql, []));
}

/** Full-text search: the ranked page with each chunk's snippet (as `searchText` of SQLite). */
export async function searchTextPg(db: Queryable, q: TextQuery): Promise<TextSearchResult> {
  const { ranked, hasMore, terms, chunks: read } = await rankTextPg(db, q);
  const rankOf = new Map(ranked.map((r) => [r.id, r.rank]));
  const chunks =
    read ??
    (await chunksByIdsPg(
      db,
      ranked.map((r) => r.id),
    ));
  const hits = chunks.map((c) =>
    chunkHit(c, -(rankOf.get(c.chunkId) ?? 0), makeSnippet(c.content, c.startLine, terms)),
  );
  return { hits, hasMore };
}

interface ChunkDbRow {
  id: number;
  start_line: number;
  end_line: number;
  symbol: string | null;
  kind: ChunkRecord['kind'];
  content: string;
  hash: string;
  context: string | null;
  language: ChunkRecord['language'];
  rel: string;
  root: string;
  size: number;
  mtime_ms: number;
}

/** The columns of a chunk record (`chunkRecordOf`), over {@link CHUNK_JOIN}. */
const CHUNK_COLUMNS = `c.id, c.start_line, c.end_line, c.symbol, c.kind, c.content, c.hash, c.context, f.language,
  f.path AS rel, r.path AS root, f.size, f.mtime_ms`;
const CHUNK_JOIN = 'chunks c JOIN files f ON f.id = c.file_id JOIN roots r ON r.id = f.root_id';

function chunkRecordOf(r: ChunkDbRow): ChunkRecord {
  return {
    chunkId: r.id,
    path: joinRootPath(r.root, r.rel),
    language: r.language,
    startLine: r.start_line,
    endLine: r.end_line,
    symbol: r.symbol,
    kind: r.kind,
    content: r.content,
    hash: r.hash,
    context: r.context ?? '',
    indexed: { size: r.size, mtimeMs: r.mtime_ms },
  };
}

/** Chunks by id in the order given; ids that no longer exist are left out. */
export async function chunksByIdsPg(db: Queryable, ids: readonly number[]): Promise<ChunkRecord[]> {
  if (ids.length === 0) return [];
  const rows = await rowsOf<ChunkDbRow>(
    db,
    `SELECT ${CHUNK_COLUMNS} FROM ${CHUNK_JOIN} WHERE c.id = ANY(?::bigint[])`,
    [ids],
  );
  const byId = new Map(rows.map((r) => [r.id, r]));
  const out: ChunkRecord[] = [];
  for (const id of ids) {
    const r = byId.get(id);
    if (r !== undefined) out.push(chunkRecordOf(r));
  }
  return out;
}
