import type Database from 'better-sqlite3';
import { chunkSearchParts } from './identifiers.js';
import type { ScopeEntry } from './paths.js';
import type { QueryContext } from './query-context.js';
import { allRoots } from './query-context.js';
import { B, ftsAverages, idfOf, K1, tokenize, varints, WEIGHTS } from './text-top.js';

/**
 * BM25 with the statistics of the repositories a query is scoped to.
 *
 * A data dir holds every project its user indexed, and FTS5's `bm25()` takes each word's IDF from
 * the whole table: a word that one repository uses everywhere ("route" in a web framework) weighs
 * little in another's questions, so one repository's ranking moved with whatever else shared its
 * data dir (35 question sets, each asked in its own root of one data dir holding all of them:
 * per-set MRR moved by up to ±0.2 against each set indexed alone). A query scoped to some roots
 * (a project's server is scoped to its own) takes its candidates from FTS5 as before, a pool of
 * at least {@link RESCORE_POOL}, and ranks them again with the same formula, weights and
 * tokenizer, but each phrase's IDF counted over the chunks of the roots in scope. A path prefix
 * inside a root narrows the results, not the statistics. The average chunk length is the roots'
 * own when they are read as runs of chunk ids (see {@link idRunsOf}: then they are a small part of
 * the index and their sizes are few to read), else the whole index's.
 */

/** Candidates ranked again at least: the pool FTS5's own ranking fills. */
export const RESCORE_POOL = 100;

/** One phrase of an FTS5 expression: its words, as the query wrote them. */
export type Phrase = readonly string[];

/**
 * The roots a scope's chunks lie in. An entry that its own exclusions empty (the folder of a root
 * inside another, asked of the outer one) holds no chunk, so its root is not one of them.
 */
export function scopeRootIds(scope: readonly ScopeEntry[]): number[] {
  const holding = scope.filter(
    (e) => e.rel === null || !(e.exclude ?? []).some((x) => e.rel === x || e.rel!.startsWith(`${x}/`)),
  );
  return [...new Set(holding.map((e) => e.rootId))].sort((a, b) => a - b);
}

/** The roots whose statistics a scoped query ranks with, or null when that is the whole index. */
export function statsRootsOf(ctx: QueryContext, scope: readonly ScopeEntry[] | null): number[] | null {
  if (scope === null) return null;
  const ids = scopeRootIds(scope);
  const all = allRoots(ctx);
  return all.every((r) => ids.includes(r.id)) ? null : ids;
}

interface Cache {
  /** `PRAGMA data_version` and `total_changes()` when the counts were taken. */
  version: string;
  /** Chunks in the roots (key: root ids). */
  rows: Map<string, number>;
  /** The roots' average chunk length in terms (key: root ids; '' for the whole index). */
  avgdl: Map<string, number>;
  /** Chunks in the roots holding each phrase (key: root ids, then the phrase). */
  df: Map<string, number>;
  /** The index's term for a word (null: not one term). */
  terms: Map<string, string | null>;
  /** The chunk id runs of the roots (key: root ids; null: not worth it, see `idRunsOf`). */
  runs: Map<string, IdRun[] | null>;
}

/** Chunk ids `lo`..`hi` (inclusive): every chunk in it belongs to the roots in scope. */
export interface IdRun {
  lo: number;
  hi: number;
}

const caches = new WeakMap<Database.Database, Cache>();
const CACHE_MAX = 20_000;
/** Words remembered with their term (a repository's vocabulary, roughly). */
const TERMS_MAX = 200_000;

function cacheOf(ctx: QueryContext): Cache {
  const version = versionOf(ctx);
  let c = caches.get(ctx.db);
  if (c === undefined) {
    c = { version, rows: new Map(), avgdl: new Map(), df: new Map(), terms: new Map(), runs: new Map() };
    caches.set(ctx.db, c);
  } else if (c.version !== version || c.df.size > CACHE_MAX) {
    // Another connection committed, or this one wrote: the counts are stale.
    c.version = version;
    c.rows.clear();
    c.avgdl.clear();
    c.df.clear();
    c.runs.clear();
  }
  if (c.terms.size > TERMS_MAX) c.terms.clear();
  return c;
}

function versionOf(ctx: QueryContext): string {
  const v = ctx.statements.get<{ data_version: number }>('PRAGMA data_version').get()?.data_version ?? 0;
  const t = ctx.statements.get<{ t: number }>('SELECT total_changes() AS t').get()?.t ?? 0;
  return `${v}:${t}`;
}

/** Runs a scope may be cut into at most; with more, queries filter every match instead. */
export const MAX_RUNS = 8;
/** A scope holding more than this share of the index's chunks is not worth cutting into runs. */
export const MAX_RUNS_SHARE = 0.5;
/**
 * Nor one of more chunks than this: its ids are read again after every write to the data dir
 * (about 50 ms per 100,000), and its own matches are most of what a query reads anyway.
 */
export const MAX_RUNS_CHUNKS = 100_000;

/**
 * The chunk ids of the roots as a few runs that hold no other root's chunk, or null when that is
 * more than MAX_RUNS runs, or the roots hold most of the index or more than MAX_RUNS_CHUNKS
 * chunks. FTS5 reads a word's matches in id order and seeks to a rowid range, so a query over a
 * small repository beside a large one reads
 * that repository's matches only, instead of joining every match of the word to its file (a word
 * in 40,000 chunks of Go's standard library cost tens of ms in a question about a 700-chunk
 * repository). Chunk ids are handed out in write order, so a repository indexed in one run is one
 * run of ids, and saves since add a run each, merged when nothing else was written between them.
 * Remembered while the index is unchanged.
 */
export function idRunsOf(ctx: QueryContext, rootIds: readonly number[]): IdRun[] | null {
  const cache = cacheOf(ctx);
  const key = rootIds.join(',');
  const known = cache.runs.get(key);
  if (known !== undefined) return known;
  const runs = computeRuns(ctx, rootIds);
  cache.runs.set(key, runs);
  return runs;
}

function computeRuns(ctx: QueryContext, rootIds: readonly number[]): IdRun[] | null {
  const total =
    ctx.statements.get<{ n: number }>('SELECT coalesce(sum(chunk_count), 0) AS n FROM files').get()?.n ?? 0;
  const json = JSON.stringify(rootIds);
  const mine =
    ctx.statements
      .get<{ n: number }>(
        'SELECT coalesce(sum(chunk_count), 0) AS n FROM files WHERE root_id IN (SELECT value FROM json_each(?))',
      )
      .get(json)?.n ?? 0;
  if (mine === 0 || mine > total * MAX_RUNS_SHARE || mine > MAX_RUNS_CHUNKS) return null;
  const ids = ctx.statements
    .get<{ id: number }>(
      `SELECT c.id FROM files f JOIN chunks c ON c.file_id = f.id
       WHERE f.root_id IN (SELECT value FROM json_each(?)) ORDER BY c.id`,
    )
    .all(json)
    .map((r) => r.id);
  if (ids.length === 0) return null;
  // Whether some chunk lies strictly between two ids (then it is another root's).
  const between = ctx.statements.get<{ one: number }>(
    'SELECT 1 AS one FROM chunks WHERE id > ? AND id < ? LIMIT 1',
  );
  const runs: IdRun[] = [{ lo: ids[0]!, hi: ids[0]! }];
  for (let i = 1; i < ids.length; i++) {
    const last = runs[runs.length - 1]!;
    const id = ids[i]!;
    if (id === last.hi + 1 || between.get(last.hi, id) === undefined) last.hi = id;
    else if (runs.length === MAX_RUNS) return null;
    else runs.push({ lo: id, hi: id });
  }
  return runs;
}

/** The FTS5 expression of one phrase: its words quoted. */
function phraseExpr(p: Phrase): string {
  return `"${p.map((w) => w.replace(/"/g, '""')).join(' ')}"`;
}

/**
 * `ranked` (best first by FTS5's bm25 over the whole index) ranked again with the statistics of
 * `rootIds`, for the FTS5 expression whose phrases are `phrases` (each phrase as often as the
 * expression holds it: FTS5 sums them all). Null when a word is not one term of the tokenizer
 * (the caller keeps FTS5's ranking).
 */
export function rankInRoots(
  ctx: QueryContext,
  rootIds: readonly number[],
  phrases: readonly Phrase[],
  ranked: readonly { id: number; rank: number }[],
): { id: number; rank: number }[] | null {
  if (ranked.length < 2 || phrases.length < 2) return [...ranked];
  const cache = cacheOf(ctx);
  const started = cache.version;
  const words = [...new Set(phrases.flat())];
  const unknown = words.filter((w) => !cache.terms.has(w));
  if (unknown.length > 0) {
    const terms = tokenize(ctx.db, unknown);
    unknown.forEach((w, i) => {
      cache.terms.set(w, terms[i] ?? null);
    });
  }
  const termPhrases: string[][] = [];
  for (const p of phrases) {
    const t = p.map((w) => cache.terms.get(w) ?? null);
    if (t.some((x) => x === null)) return null;
    termPhrases.push(t as string[]);
  }
  const rootsKey = rootIds.join(',');
  const rootsJson = JSON.stringify(rootIds);
  let rows = cache.rows.get(rootsKey);
  if (rows === undefined) {
    rows =
      ctx.statements
        .get<{ n: number }>(
          'SELECT coalesce(sum(chunk_count), 0) AS n FROM files WHERE root_id IN (SELECT value FROM json_each(?))',
        )
        .get(rootsJson)?.n ?? 0;
    cache.rows.set(rootsKey, rows);
  }
  const runs = idRunsOf(ctx, rootIds);
  const count = ctx.statements.get<{ n: number }>(
    `SELECT count(*) AS n FROM chunks_fts JOIN chunks c ON c.id = chunks_fts.rowid JOIN files f ON f.id = c.file_id
     WHERE chunks_fts MATCH ? AND f.root_id IN (SELECT value FROM json_each(?))`,
  );
  const inRun = ctx.statements.get<{ n: number }>(
    'SELECT count(*) AS n FROM chunks_fts WHERE chunks_fts MATCH ? AND rowid BETWEEN ? AND ?',
  );
  const idf = phrases.map((p) => {
    const key = `${rootsKey}\u0000${p.join(' ')}`;
    let df = cache.df.get(key);
    if (df === undefined) {
      const expr = phraseExpr(p);
      df =
        runs === null
          ? (count.get(expr, rootsJson)?.n ?? 0)
          : runs.reduce((n, r) => n + (inRun.get(expr, r.lo, r.hi)?.n ?? 0), 0);
      cache.df.set(key, df);
    }
    return idfOf(rows, df);
  });
  const avgdl = runs === null ? averageLength(ctx, cache) : runsAverageLength(ctx, cache, rootsKey, runs);
  const docs = tokensOf(
    ctx,
    cache,
    ranked.map((r) => r.id),
    new Set(termPhrases.flat()),
  );
  // This connection's own writes (the tokenizer's in-memory table) leave the counts right; a
  // commit by another process meanwhile does not: then the next query counts again.
  const now = versionOf(ctx);
  if (now.split(':')[0] === started.split(':')[0]) cache.version = now;
  const out = ranked.map((r) => {
    const doc = docs.get(r.id);
    if (doc === undefined) return { id: r.id, rank: 0 };
    const { cols, d } = doc;
    let score = 0;
    termPhrases.forEach((tp, i) => {
      let f = 0;
      for (const [col, toks] of cols) f += occurrences(toks, tp) * (WEIGHTS[col] ?? 1);
      if (f > 0) score += (idf[i]! * (f * (K1 + 1))) / (f + K1 * (1 - B + (B * d) / avgdl));
    });
    return { id: r.id, rank: -score };
  });
  return out.sort((a, b) => a.rank - b.rank || a.id - b.id);
}

/** How often the phrase's terms stand in a row in the column (no other word between them). */
function occurrences(col: Column, phrase: readonly string[]): number {
  let n = 0;
  for (let i = 0; i + phrase.length <= col.terms.length; i++) {
    let k = 0;
    while (k < phrase.length && col.terms[i + k] === phrase[k] && (k === 0 || col.next[i + k])) k++;
    if (k === phrase.length) n++;
  }
  return n;
}

/** The average length in terms of the chunks in `runs` (all columns), from FTS5's docsize rows. */
function runsAverageLength(ctx: QueryContext, cache: Cache, key: string, runs: readonly IdRun[]): number {
  const known = cache.avgdl.get(key);
  if (known !== undefined) return known;
  const sizes = ctx.statements.get<{ sz: Uint8Array }>(
    'SELECT sz FROM chunks_fts_docsize WHERE id BETWEEN ? AND ?',
  );
  let rows = 0;
  let total = 0;
  for (const r of runs)
    for (const { sz } of sizes.iterate(r.lo, r.hi)) {
      rows++;
      for (const n of varints(sz)) total += n;
    }
  const avg = rows === 0 || total === 0 ? averageLength(ctx, cache) : total / rows;
  cache.avgdl.set(key, avg);
  return avg;
}

/** The whole index's average chunk length in terms (all columns; 1 for an empty index). */
function averageLength(ctx: QueryContext, cache: Cache): number {
  let avg = cache.avgdl.get('');
  if (avg === undefined) {
    avg = ftsAverages(ctx.db).avgdl || 1;
    cache.avgdl.set('', avg);
  }
  return avg;
}

/** unicode61's token characters (its default categories: L* N* Co); everything else separates. */
const TOKEN_CHAR = '[\\p{L}\\p{N}\\p{Co}]';
const SEPARATORS_ONLY = new RegExp(`^(?!.*${TOKEN_CHAR})`, 'su');
const NOT_ASCII = /[^\x00-\x7f]/;

/** A word's first two letters, diacritics removed (as the tokenizer removes them). */
function head(w: string): string {
  return NOT_ASCII.test(w) ? w.normalize('NFD').replace(/\p{M}/gu, '').slice(0, 2) : w.slice(0, 2);
}

/**
 * The words of a column that may be query terms, in order: `terms[i]` is the term (or '' when it
 * is another term), `next[i]` whether no other word stands between it and the one before.
 */
interface Column {
  terms: string[];
  next: boolean[];
}

/**
 * Each chunk's length in terms (FTS5's own count) and its columns as `chunks_fts` holds them
 * (content, and the identifier parts writes.ts adds), reduced to the words that may be query
 * terms: those that start with a query term's first two letters, split where unicode61 splits,
 * and run through the index's own tokenizer (remembered per word).
 */
function tokensOf(
  ctx: QueryContext,
  cache: Cache,
  ids: readonly number[],
  wanted: ReadonlySet<string>,
): Map<number, { d: number; cols: Map<string, Column> }> {
  const read = ctx.statements.get<{ id: number; content: string; context: string; sz: Uint8Array | null }>(
    `SELECT c.id, c.content, c.context, s.sz FROM chunks c LEFT JOIN chunks_fts_docsize s ON s.id = c.id
     WHERE c.id IN (SELECT value FROM json_each(?))`,
  );
  const heads = [...new Set([...wanted].map(head))].map((h) => h.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  const word = new RegExp(`(?<!${TOKEN_CHAR})(?:${heads.join('|')})${TOKEN_CHAR}*`, 'giu');
  const found = (text: string) => {
    const out: { w: string; start: number; end: number }[] = [];
    for (const m of text.matchAll(word))
      out.push({ w: m[0].toLowerCase(), start: m.index, end: m.index + m[0].length });
    return { text, words: out };
  };
  const rows = read.all(JSON.stringify(ids)).map((c) => ({
    id: c.id,
    d: c.sz === null ? 0 : varints(c.sz).reduce((a, b) => a + b, 0),
    cols: [
      ['content', found(c.content)],
      ['parts', found(chunkSearchParts(c.content, c.context))],
    ] as const,
  }));
  const unknown = new Set<string>();
  for (const r of rows)
    for (const [, f] of r.cols) for (const x of f.words) if (!cache.terms.has(x.w)) unknown.add(x.w);
  if (unknown.size > 0) {
    const list = [...unknown];
    const terms = tokenize(ctx.db, list);
    list.forEach((w, i) => {
      cache.terms.set(w, terms[i] ?? null);
    });
  }
  const out = new Map<number, { d: number; cols: Map<string, Column> }>();
  for (const r of rows) {
    const cols = new Map<string, Column>();
    for (const [col, f] of r.cols) {
      const terms: string[] = [];
      const next: boolean[] = [];
      f.words.forEach((x, i) => {
        const t = cache.terms.get(x.w) ?? '';
        terms.push(wanted.has(t) ? t : '');
        next.push(i > 0 && SEPARATORS_ONLY.test(f.text.slice(f.words[i - 1]!.end, x.start)));
      });
      cols.set(col, { terms, next });
    }
    out.set(r.id, { d: r.d, cols });
  }
  return out;
}
