import type Database from 'better-sqlite3';
import { chunkSearchParts } from './identifiers.js';
import type { QueryContext } from './query-context.js';

/**
 * Precomputed best chunks of the common words ("champion lists"), so a one-word `search_code`
 * over a large index does not rank every chunk that holds the word.
 *
 * FTS5's `bm25()` scores every matching row, at about 0.8 µs each, and before the first row it
 * counts the word's rows once more for its IDF. A word in 400,000 of 4.5 million chunks ("get")
 * takes 200 ms however small the page; one in 45,000 ("internal") 37 ms. The cost grows with the
 * word's document frequency and nothing bounds it. So the upkeep after an indexing run (and the
 * nightly cleanup) stores, for every word in at least `minDf` chunks, its `size` best chunk ids with
 * their BM25 ranks, exactly as the scan ranks them, together with the statistics they were ranked
 * with. A one-word query then reads one list instead of scanning:
 *
 * - Chunks that still exist and pass the query's filters keep their listed rank. A chunk that is
 *   not listed ranks at best equal to the list's last entry, so the page is exact as long as at
 *   least a page of listed chunks survives; otherwise the scan runs.
 * - Chunks written after the build (ids above its watermark: writers never number a new chunk at
 *   or below it, see `CHUNK_FLOOR_KEY`) are scored here with the same formula and the build's
 *   statistics, from a small in-memory FTS5 table with the same tokenizer. Above `MAX_FRESH` of
 *   them the scan runs.
 *
 * The lists are statistics of the build: after many changes they drift from what a scan would
 * rank (the next upkeep rebuilds them). Only a query of one word (one FTS term) uses them.
 */

/**
 * Chunks listed per common word. `search_code` asks for at most 400 candidates; the rest of the
 * list is for filtered queries (a language that holds a tenth of the listed chunks still fills a
 * page from a list this long: on 635,000 chunks, 2,000 instead of 500 answered 57-96 % of the
 * language-filtered pages of common words from the list instead of 34-84 %).
 */
export const TEXT_TOP_SIZE = 2000;
/** A word in at least this many chunks gets a list (0 turns the lists off). */
export const DEFAULT_TEXT_TOP_MIN_DF = 10_000;
/** Chunks written since the build that a query scores itself; above this the scan runs. */
export const MAX_FRESH = 2000;
/** `meta` key: the highest chunk id the lists cover, with the statistics they were ranked with. */
const META_KEY = 'text_top';
/**
 * `meta` key: new chunks are numbered above this. The build raises it to its watermark, so a
 * listed id is never given to another chunk (SQLite would reuse the ids of deleted last rows).
 */
export const CHUNK_FLOOR_KEY = 'chunk_id_floor';
/** FTS5's bm25 constants and this index's column weights (see `BM25` in text-search.ts). */
export const K1 = 1.2;
export const B = 0.75;
export const WEIGHTS: Record<string, number> = { content: 1.0, parts: 0.6 };
/** `chunks_fts`'s tokenizer (migrations.ts): the fresh chunks and the query word go through it too. */
export const TOKENIZER = 'porter unicode61 remove_diacritics 2';
/**
 * The upkeep keeps the lists of the last build while at most this many chunks were written since
 * and the number of chunks moved by at most REBUILD_DRIFT: a small re-index does not pay for a
 * build (about two minutes on 4.5 million chunks).
 */
const REBUILD_FRESH = MAX_FRESH / 2;
const REBUILD_DRIFT = 0.05;

/** What decides whether the upkeep keeps the last build's lists (both engines). */
export interface LastBuild {
  /** The build's options equal this upkeep's. */
  sameOptions: boolean;
  /** Chunks written since the build, counted up to REBUILD_FRESH + 1 (`REBUILD_COUNT_LIMIT`). */
  fresh: number;
  rowsThen: number;
  rowsNow: number;
}

/** How far a count of chunks written since the build need go for `keepLastBuild`. */
export const REBUILD_COUNT_LIMIT = REBUILD_FRESH + 1;

/** True when little changed since the last build: its lists are kept, no build runs. */
export function keepLastBuild(b: LastBuild): boolean {
  return (
    b.sameOptions &&
    b.fresh <= REBUILD_FRESH &&
    Math.abs(b.rowsNow - b.rowsThen) <= b.rowsThen * REBUILD_DRIFT
  );
}
/** Vocabulary terms read per step while looking for the common ones. */
const VOCAB_PAGE = 5000;

interface TextTopMeta {
  watermark: number;
  /** The options of the build (a build with others starts over). */
  minDf: number;
  /** Rows and average row length (tokens, all columns) of the index at the build. */
  rows: number;
  avgdl: number;
  size: number;
}

export interface TextTopOptions {
  /** Words in at least this many chunks get a list; 0 removes the lists. */
  minDf?: number;
  size?: number;
  /** Called between words (the default yields to the event loop: a worker keeps its job lock). */
  pause?: () => Promise<void>;
}

export interface TextTopResult {
  /** Words listed. */
  terms: number;
  /** The lists of the last build were kept: little changed since (see `REBUILD_FRESH`). */
  reused: boolean;
  /** The highest chunk id the lists cover. */
  watermark: number;
  ms: number;
}

/** One ranked chunk (rank: FTS5's bm25, lower is better). */
export interface TopEntry {
  id: number;
  rank: number;
}

function readVarint(buf: Uint8Array, at: number): [number, number] {
  let v = 0;
  let i = at;
  // SQLite's varint: 7 bits a byte, high bit set means more; the ninth byte holds 8 bits.
  for (let n = 0; n < 8; n++) {
    const b = buf[i++] ?? 0;
    if (n === 0) v = b & 0x7f;
    else v = v * 128 + (b & 0x7f);
    if ((b & 0x80) === 0) return [v, i];
  }
  v = v * 256 + (buf[i++] ?? 0);
  return [v, i];
}

/** Every varint of a blob (FTS5's averages record and docsize rows are such lists). */
export function varints(buf: Uint8Array): number[] {
  const out: number[] = [];
  let i = 0;
  while (i < buf.length) {
    const [v, next] = readVarint(buf, i);
    out.push(v);
    i = next;
  }
  return out;
}

/**
 * `chunks_fts`'s rows and their average length in terms (all columns), from FTS5's averages record
 * (avgdl 0 for an empty index).
 */
export function ftsAverages(db: Database.Database): { rows: number; avgdl: number } {
  const block = db.prepare('SELECT block FROM chunks_fts_data WHERE id = 1').pluck().get() as
    | Uint8Array
    | undefined;
  const [rows = 0, ...totals] = block === undefined ? [] : varints(block);
  return { rows, avgdl: rows === 0 ? 0 : totals.reduce((a, b) => a + b, 0) / rows };
}

/** FTS5's IDF for a word in `df` of `rows` rows. */
export function idfOf(rows: number, df: number): number {
  const idf = Math.log((rows - df + 0.5) / (df + 0.5));
  return idf <= 0 ? 1e-6 : idf;
}

function parseMeta(raw: string | undefined): TextTopMeta | null {
  if (raw === undefined) return null;
  try {
    return JSON.parse(raw) as TextTopMeta;
  } catch {
    return null;
  }
}

function readMeta(db: Database.Database): TextTopMeta | null {
  return parseMeta(
    db.prepare('SELECT value FROM meta WHERE key = ?').pluck().get(META_KEY) as string | undefined,
  );
}

/** The floor new chunk ids must stay above (0 when no list was ever built). */
export function chunkIdFloor(db: Database.Database): number {
  const raw = db.prepare('SELECT value FROM meta WHERE key = ?').pluck().get(CHUNK_FLOOR_KEY);
  return raw === undefined ? 0 : Number(raw);
}

/** The FTS term the index's tokenizer makes of one word, for every word given (null: not one term). */
export function tokenize(db: Database.Database, words: readonly string[]): (string | null)[] {
  db.exec(
    `CREATE VIRTUAL TABLE IF NOT EXISTS temp.text_top_tok USING fts5(x, content = '', contentless_delete = 1, tokenize = '${TOKENIZER}');
     CREATE VIRTUAL TABLE IF NOT EXISTS temp.text_top_tok_v USING fts5vocab(temp, text_top_tok, instance);`,
  );
  const out: (string | null)[] = words.map(() => null);
  const ins = db.prepare('INSERT INTO temp.text_top_tok (rowid, x) VALUES (?, ?)');
  const read = db.prepare<[], { term: string; doc: number }>('SELECT term, doc FROM temp.text_top_tok_v');
  const counts = new Array<number>(words.length).fill(0);
  db.transaction(() => {
    for (const [i, w] of words.entries()) ins.run(i + 1, w);
    for (const r of read.all()) {
      const i = r.doc - 1;
      counts[i] = (counts[i] ?? 0) + 1;
      out[i] = r.term;
    }
    db.exec('DELETE FROM temp.text_top_tok');
  })();
  return out.map((t, i) => (counts[i] === 1 ? t : null));
}

/**
 * Builds the lists (see the module comment). Runs in the upkeep job after an indexing run: it reads
 * the full-text index word by word and yields between words; the lists are swapped in at the end in
 * one short transaction, and queries use the old ones (or the scan) until then.
 */
export async function buildTextTop(db: Database.Database, opts: TextTopOptions = {}): Promise<TextTopResult> {
  const t0 = performance.now();
  const minDf = opts.minDf ?? DEFAULT_TEXT_TOP_MIN_DF;
  const size = opts.size ?? TEXT_TOP_SIZE;
  const pause = opts.pause ?? (() => new Promise<void>((r) => setImmediate(r)));
  // Nothing is written when there is nothing to remove (an upkeep on a small index writes nothing).
  const clear = (): void => {
    const any = db.prepare('SELECT 1 FROM text_top LIMIT 1').get() !== undefined || readMeta(db) !== null;
    if (!any) return;
    db.transaction(() => {
      db.prepare('DELETE FROM text_top').run();
      db.prepare('DELETE FROM meta WHERE key = ?').run(META_KEY);
    }).immediate();
  };
  const rowsNow = ftsAverages(db).rows;
  if (minDf <= 0 || rowsNow < minDf) {
    clear();
    return { terms: 0, watermark: 0, reused: false, ms: performance.now() - t0 };
  }
  const prev = readMeta(db);
  if (prev !== null && prev.minDf === minDf && prev.size === size) {
    const fresh = db
      .prepare('SELECT count(*) FROM (SELECT 1 FROM chunks WHERE id > ? LIMIT ?)')
      .pluck()
      .get(prev.watermark, REBUILD_COUNT_LIMIT) as number;
    if (keepLastBuild({ sameOptions: true, fresh, rowsThen: prev.rows, rowsNow })) {
      const terms = db.prepare('SELECT count(*) FROM text_top').pluck().get() as number;
      return { terms, watermark: prev.watermark, reused: true, ms: performance.now() - t0 };
    }
  }
  // The watermark, and the floor raised to it in the same transaction: every chunk a writer
  // numbers from now on is above it, so no id the lists hold can come back as another chunk.
  const watermark = db
    .transaction(() => {
      const max = (db.prepare('SELECT max(id) FROM chunks').pluck().get() as number | null) ?? 0;
      const w = Math.max(max, chunkIdFloor(db));
      db.prepare('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)').run(CHUNK_FLOOR_KEY, String(w));
      return w;
    })
    .immediate();
  const { rows, avgdl } = ftsAverages(db);
  if (rows === 0) {
    clear();
    return { terms: 0, watermark, reused: false, ms: performance.now() - t0 };
  }

  // The common words: the vocabulary in pages (term order), yielding between pages.
  db.exec('CREATE VIRTUAL TABLE IF NOT EXISTS temp.text_top_vocab USING fts5vocab(main, chunks_fts, row)');
  const page = db.prepare<[string, number], { term: string; doc: number }>(
    'SELECT term, doc FROM temp.text_top_vocab WHERE term > ? LIMIT ?',
  );
  const common: { term: string; df: number }[] = [];
  for (let after = ''; ; ) {
    const got = page.all(after, VOCAB_PAGE);
    for (const r of got) if (r.doc >= minDf) common.push({ term: r.term, df: r.doc });
    if (got.length < VOCAB_PAGE) break;
    after = got[got.length - 1]!.term;
    await pause();
  }
  // A term the tokenizer would turn into another (a stem that stems further) cannot be queried
  // as itself: it gets no list, and its words keep the scan.
  const same = tokenize(
    db,
    common.map((c) => c.term),
  );
  const listed = common.filter((c, i) => same[i] === c.term && !c.term.includes('"'));

  const top = db.prepare<[string, number, number], TopEntry>(
    'SELECT rowid AS id, bm25(chunks_fts, 1.0, 0.6) AS rank FROM chunks_fts WHERE chunks_fts MATCH ? AND rowid <= ? ORDER BY rank LIMIT ?',
  );
  const lists: { term: string; df: number; idf: number; list: Buffer }[] = [];
  for (const { term, df } of listed) {
    const entries = top.all(`"${term}"`, watermark, size);
    const buf = new Float64Array(entries.length * 2);
    entries.forEach((e, i) => {
      buf[2 * i] = e.id;
      buf[2 * i + 1] = e.rank;
    });
    lists.push({ term, df, idf: idfOf(rows, df), list: Buffer.from(buf.buffer) });
    await pause();
  }
  const meta: TextTopMeta = { watermark, minDf, rows, avgdl, size };
  db.transaction(() => {
    db.prepare('DELETE FROM text_top').run();
    const ins = db.prepare('INSERT INTO text_top (term, df, idf, list) VALUES (?, ?, ?, ?)');
    for (const l of lists) ins.run(l.term, l.df, l.idf, l.list);
    db.prepare('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)').run(META_KEY, JSON.stringify(meta));
  }).immediate();
  return { terms: lists.length, watermark, reused: false, ms: performance.now() - t0 };
}

/** What a query connection keeps between queries: word -> term, and the fresh chunks' table. */
interface TopCache {
  terms: Map<string, string | null>;
  /** `id:hash` of each chunk in the fresh table, with its length in tokens (all columns). */
  fresh: Map<string, number>;
  freshReady: boolean;
}
const caches = new WeakMap<Database.Database, TopCache>();
const TERM_CACHE_MAX = 10_000;

function cacheOf(db: Database.Database): TopCache {
  let c = caches.get(db);
  if (c === undefined) {
    c = { terms: new Map(), fresh: new Map(), freshReady: false };
    caches.set(db, c);
  }
  return c;
}

function termOf(db: Database.Database, cache: TopCache, word: string): string | null {
  const hit = cache.terms.get(word);
  if (hit !== undefined) return hit;
  const term = tokenize(db, [word])[0] ?? null;
  if (cache.terms.size >= TERM_CACHE_MAX) cache.terms.clear();
  cache.terms.set(word, term);
  return term;
}

/**
 * Brings the in-memory table of fresh chunks (above the watermark) up to date: drops those that
 * are gone or changed, tokenizes the new ones. Returns each fresh id's length in tokens.
 */
function syncFresh(
  ctx: QueryContext,
  cache: TopCache,
  fresh: readonly { id: number; hash: string }[],
): Map<number, number> {
  const { db } = ctx;
  if (!cache.freshReady) {
    db.exec(
      `CREATE VIRTUAL TABLE IF NOT EXISTS temp.text_top_fresh USING fts5(content, parts, content = '', contentless_delete = 1, tokenize = '${TOKENIZER}');
       CREATE VIRTUAL TABLE IF NOT EXISTS temp.text_top_fresh_v USING fts5vocab(temp, text_top_fresh, instance);
       DELETE FROM temp.text_top_fresh;`,
    );
    cache.fresh.clear();
    cache.freshReady = true;
  }
  const want = new Set(fresh.map((f) => `${f.id}:${f.hash}`));
  const gone = [...cache.fresh.keys()].filter((k) => !want.has(k));
  const added = fresh.filter((f) => !cache.fresh.has(`${f.id}:${f.hash}`));
  if (gone.length > 0 || added.length > 0) {
    const del = db.prepare('DELETE FROM temp.text_top_fresh WHERE rowid = ?');
    const read = ctx.statements.get<{ id: number; content: string; context: string }>(
      'SELECT id, content, context FROM chunks WHERE id IN (SELECT value FROM json_each(?))',
    );
    const ins = db.prepare('INSERT INTO temp.text_top_fresh (rowid, content, parts) VALUES (?, ?, ?)');
    const size = db.prepare('SELECT sz FROM temp.text_top_fresh_docsize WHERE id = ?').pluck();
    db.transaction(() => {
      for (const k of gone) {
        del.run(Number(k.slice(0, k.indexOf(':'))));
        cache.fresh.delete(k);
      }
      const hashOf = new Map(added.map((f) => [f.id, f.hash]));
      for (const c of read.all(JSON.stringify(added.map((f) => f.id)))) {
        ins.run(c.id, c.content, chunkSearchParts(c.content, c.context));
        const sz = size.get(c.id) as Uint8Array | undefined;
        const len = sz === undefined ? 0 : varints(sz).reduce((a, b) => a + b, 0);
        cache.fresh.set(`${c.id}:${hashOf.get(c.id)}`, len);
      }
    })();
  }
  const lengths = new Map<number, number>();
  for (const [k, len] of cache.fresh) lengths.set(Number(k.slice(0, k.indexOf(':'))), len);
  return lengths;
}

/** A query's filters as SQL over `c` (chunks), `f` (files) and `r` (roots). */
export interface TopFilter {
  where: string[];
  params: unknown[];
}

/**
 * The best `need` chunks for one word from its list, best first, or null when the lists cannot
 * answer exactly (no list for the word, a page deeper than the list, too many fresh chunks, or too
 * few listed chunks left after the filters): the caller then scans.
 */
export function rankFromTop(
  ctx: QueryContext,
  word: string,
  filter: TopFilter,
  need: number,
): TopEntry[] | null {
  const { db } = ctx;
  const meta = parseMeta(
    ctx.statements.get<{ value: string }>('SELECT value FROM meta WHERE key = ?').get(META_KEY)?.value,
  );
  if (meta === null || need > meta.size) return null;
  const cache = cacheOf(db);
  const term = termOf(db, cache, word);
  if (term === null) return null;
  const row = ctx.statements
    .get<{ idf: number; list: Buffer }>('SELECT idf, list FROM text_top WHERE term = ?')
    .get(term);
  if (row === undefined) return null;
  const fresh = ctx.statements
    .get<{ id: number; hash: string }>('SELECT id, hash FROM chunks WHERE id > ? ORDER BY id LIMIT ?')
    .all(meta.watermark, MAX_FRESH + 1);
  if (fresh.length > MAX_FRESH) return null;
  const values = new Float64Array(row.list.buffer, row.list.byteOffset, row.list.byteLength / 8);
  const listed: TopEntry[] = [];
  for (let i = 0; i + 1 < values.length; i += 2) listed.push({ id: values[i]!, rank: values[i + 1]! });
  // Which listed chunks still exist and pass the filters: in steps from the best, as far as the
  // page needs (each check reads a row; the whole list would cost 500 of them).
  const passSql =
    filter.where.length === 0
      ? 'SELECT c.id FROM chunks c WHERE c.id IN (SELECT value FROM json_each(?))'
      : `SELECT c.id FROM chunks c JOIN files f ON f.id = c.file_id JOIN roots r ON r.id = f.root_id
         WHERE c.id IN (SELECT value FROM json_each(?))${filter.where.map((w) => ` AND ${w}`).join('')}`;
  const passing = (ids: readonly number[]): Set<number> =>
    new Set(
      ctx.statements
        .get<{ id: number }>(passSql)
        .all(JSON.stringify(ids), ...filter.params)
        .map((r) => r.id),
    );
  const kept: TopEntry[] = [];
  let step = need + 16;
  for (let from = 0; from < listed.length && kept.length < need; from += step, step *= 2) {
    const part = listed.slice(from, from + step);
    const ok = passing(part.map((e) => e.id));
    for (const e of part) if (ok.has(e.id)) kept.push(e);
  }
  // A chunk that is not listed ranks no better than the list's last entry: a page from the
  // list is exact only when the list still fills it.
  if (kept.length < need) return null;
  const pass = fresh.length === 0 ? new Set<number>() : passing(fresh.map((f) => f.id));
  const scored = fresh.length === 0 ? [] : scoreFresh(ctx, cache, term, row.idf, meta, fresh, pass);
  const all = scored.length === 0 ? kept : [...kept, ...scored];
  all.sort((a, b) => a.rank - b.rank || a.id - b.id);
  return all.slice(0, need);
}

/** The fresh chunks that hold `term` and pass, ranked as FTS5's bm25 with the build's statistics. */
function scoreFresh(
  ctx: QueryContext,
  cache: TopCache,
  term: string,
  idf: number,
  meta: TextTopMeta,
  fresh: readonly { id: number; hash: string }[],
  pass: ReadonlySet<number>,
): TopEntry[] {
  const lengths = syncFresh(ctx, cache, fresh);
  const freq = new Map<number, number>();
  const counts = ctx.statements
    .get<{ doc: number; col: string; n: number }>(
      'SELECT doc, col, count(*) AS n FROM temp.text_top_fresh_v WHERE term = ? GROUP BY doc, col',
    )
    .all(term);
  for (const c of counts) {
    if (!pass.has(c.doc)) continue;
    freq.set(c.doc, (freq.get(c.doc) ?? 0) + c.n * (WEIGHTS[c.col] ?? 1));
  }
  const out: TopEntry[] = [];
  for (const [id, f] of freq) {
    const d = lengths.get(id) ?? 0;
    const score = (idf * (f * (K1 + 1))) / (f + K1 * (1 - B + (B * d) / meta.avgdl));
    out.push({ id, rank: -score });
  }
  return out;
}
