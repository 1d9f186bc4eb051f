import { lineTerms, splitIdentifier } from './identifiers.js';
import { scopeFilter } from './paths.js';
import type { QueryContext } from './query-context.js';
import { paging, scopeOf } from './query-context.js';
import { type IdRun, idRunsOf, type Phrase, RESCORE_POOL, rankInRoots, statsRootsOf } from './scope-bm25.js';
import { rankFromTop } from './text-top.js';
import type { ChunkHit, ChunkRecord, TextQuery, TextSearchResult } from './types.js';
import { chunksByIds } from './vectors.js';

const WORD = /[\p{L}\p{N}_$]+/gu;
const MAX_GROUPS = 16;
const SNIPPET_CONTEXT = 2;
const SNIPPET_LINE_WIDTH = 200;
/** BM25 column weights: the text itself, then the camelCase parts column. */
const BM25 = 'bm25(chunks_fts, 1.0, 0.6)';

/** A user query compiled to FTS5: `match` is null when it holds no searchable word. */
export interface CompiledTextQuery {
  match: string | null;
  /**
   * The same groups ORed, without stop words: the fallback for natural-language questions
   * ("where do we retry failed uploads"), where no chunk holds every word. Null when `match`
   * already is a single group or the user wrote an explicit OR.
   */
  any: string | null;
  /** The groups `any` ORs (empty when `any` is null). */
  anyGroups: string[];
  /** Lowercased words and word parts, for choosing the snippet line. */
  terms: Set<string>;
  /** The one word of a query that is a single plain word (no phrase, prefix or OR), else null. */
  single: string | null;
  /** The phrases of `match` as FTS5 sums them in its bm25 (null when a group is a prefix). */
  matchPhrases: Phrase[] | null;
  /** Each of `anyGroups`' phrases (null for a prefix group). */
  anyPhrases: (Phrase[] | null)[];
}

/** One group of a text query: a quoted phrase or a whitespace-separated term, as words. */
export interface TextGroup {
  /** Lowercased word parts (`retryBackoff` -> retry, backoff). */
  parts: string[];
  /** The words as a tokenizer that does not split camelCase sees them (`retrybackoff`). */
  whole: string[];
  /** A trailing `*` on an unquoted term: the last word is a prefix. */
  star: boolean;
}

/** A user query as groups, before it is written in an engine's query syntax. */
export interface ParsedTextQuery {
  /** Clauses that must all hold; each clause holds when any of its groups does (explicit `OR`). */
  all: TextGroup[][];
  /** The OR fallback's groups (stop words left out); empty when there is no fallback. */
  any: TextGroup[];
  /** Lowercased words and word parts, for choosing the snippet line. */
  terms: Set<string>;
}

/**
 * Parses free text into groups. Nothing the user types is syntax except a bare `OR` between two
 * groups (ORs them) and a bare `AND` (dropped: groups are ANDed anyway); a trailing `*` on an
 * unquoted term makes its last part a prefix. The OR fallback is for natural-language questions
 * ("where do we retry failed uploads"), where no chunk holds every word; there is none when the
 * query is a single group or the user wrote an explicit OR.
 */
export function parseTextQuery(input: string): ParsedTextQuery {
  const terms = new Set<string>();
  const all: TextGroup[][] = [];
  const loose: TextGroup[] = [];
  let explicitOr = false;
  let orNext = false;
  for (const m of input.matchAll(/"([^"]*)"?|\S+/g)) {
    const quoted = m[1];
    const raw = m[0];
    if (quoted === undefined && raw === 'AND') continue;
    if (quoted === undefined && raw === 'OR') {
      orNext = all.length > 0;
      explicitOr = true;
      continue;
    }
    const text = quoted ?? raw;
    const words = text.match(WORD) ?? [];
    const parts = words.flatMap((w) => splitIdentifier(w));
    if (parts.length === 0) continue;
    // The same words as the FTS tokenizer sees them when they are not camelCase-split.
    const whole = words.flatMap((w) =>
      w
        .toLowerCase()
        .split(/[_$]+/)
        .filter((t) => t.length > 0),
    );
    for (const t of [...parts, ...whole]) terms.add(t);
    const star = quoted === undefined && /[\p{L}\p{N}_$]\*+$/u.test(raw);
    const group: TextGroup = { parts, whole, star };
    // Lowercase single letters (`-v`, `x`) are dropped from the OR fallback too: in code they are
    // mostly locals (`$v`, `$k`, `i`), and `-v` ranked a loop over `$k => $v` first. A capital
    // one is kept: "the libyaml C library".
    const meaningless =
      quoted === undefined &&
      (STOP_WORDS.has(raw.toLowerCase()) || (parts.every((p) => p.length < 2) && !/\p{Lu}/u.test(raw)));
    if (!meaningless && loose.length < MAX_GROUPS) loose.push(group);
    // A hyphenated word ("case-insensitive", "top-level") is a phrase in the AND query; the
    // fallback also takes its words one by one, as the code may write them apart ("considering
    // case", "insensitive") or joined (`caseInsensitive`).
    if (quoted === undefined && /\p{L}-\p{L}/u.test(raw) && words.length > 1)
      for (const w of words) {
        const lower = w.toLowerCase();
        if (loose.length >= MAX_GROUPS || STOP_WORDS.has(lower) || lower.length < 2) continue;
        loose.push({ parts: splitIdentifier(w), whole: [lower], star: false });
      }
    if (orNext) all[all.length - 1]!.push(group);
    else if (all.length < MAX_GROUPS) all.push([group]);
    orNext = false;
  }
  const fallback = !(explicitOr || all.length < 2 || loose.length === 0);
  return { all, any: fallback ? loose : [], terms };
}

/** The phrases of one group as {@link fts5Group} writes them (null for a prefix). */
function groupPhrases(g: TextGroup): Phrase[] | null {
  if (g.star) return null;
  return g.parts.join(' ') === g.whole.join(' ') ? [g.parts] : [g.parts, g.whole];
}

/** One group in FTS5 syntax: a quoted phrase of its parts, or of its whole words. */
function fts5Group(g: TextGroup): string {
  const star = g.star ? '*' : '';
  const a = `"${g.parts.join(' ')}"${star}`;
  const b = `"${g.whole.join(' ')}"${star}`;
  return a === b ? a : `(${a} OR ${b})`;
}

/**
 * Compiles free text into a safe FTS5 expression (see {@link parseTextQuery}): every group
 * becomes a quoted phrase of its word parts, so `retryBackoffMax`, `retry_backoff_max` and
 * `"retry backoff max"` all match each other.
 */
export function compileTextQuery(input: string): CompiledTextQuery {
  const { all, any, terms } = parseTextQuery(input);
  const exprs = all.map((clause) => clause.map(fts5Group).reduce((acc, e) => `(${acc} OR ${e})`));
  const anyGroups = any.map(fts5Group);
  const matchPhrases = all.flat().map(groupPhrases);
  return {
    match: exprs.length === 0 ? null : exprs.join(' AND '),
    any: anyGroups.length === 0 ? null : anyGroups.join(' OR '),
    anyGroups,
    terms,
    single: singleWord(all),
    matchPhrases: matchPhrases.some((p) => p === null) ? null : (matchPhrases as Phrase[][]).flat(),
    anyPhrases: any.map(groupPhrases),
  };
}

/** The one word of a query that is a single plain word (no phrase, prefix or OR), else null. */
export function singleWord(all: readonly TextGroup[][]): string | null {
  const only = all.length === 1 && all[0]!.length === 1 ? all[0]![0]! : undefined;
  return only !== undefined &&
    !only.star &&
    only.parts.length === 1 &&
    only.whole.length === 1 &&
    only.parts[0] === only.whole[0]
    ? only.parts[0]!
    : null;
}

/** Words that carry no meaning in a question about code; dropped from the OR fallback only (as are lowercase single letters). */
const STOP_WORDS = new Set(
  'a an and are as at be by can do does for from how i in is it of on or our that the this to we what when where which who why with you'.split(
    ' ',
  ),
);

export interface RankedId {
  id: number;
  rank: number;
}

/**
 * Full-text search over chunks, best BM25 first. Never throws on odd input: it finds nothing.
 *
 * Two steps: rank chunk ids in the FTS index alone (`rankText`), then read the page's chunks. A
 * common word ("func", "return") matches tens of thousands of chunks, and BM25 has to score all of
 * them; joining each to its chunk, file and root (and carrying its text through the sort) tripled
 * that cost, so the joins are made only when a language or path filter needs them.
 */
export function searchText(ctx: QueryContext, q: TextQuery): TextSearchResult {
  const { ranked, hasMore, terms } = rankText(ctx, q);
  const rankOf = new Map(ranked.map((r) => [r.id, r.rank]));
  const hits = chunksByIds(
    ctx,
    ranked.map((r) => r.id),
  ).map((c) => chunkHit(c, -(rankOf.get(c.chunkId) ?? 0), makeSnippet(c.content, c.startLine, terms)));
  return { hits, hasMore };
}

/** Chunk ids of one page of a text search, best first, with their BM25 rank (lower is better). */
export interface RankedText {
  ranked: RankedId[];
  hasMore: boolean;
  /** The query's words and word parts, for snippets. */
  terms: Set<string>;
  /** The records of `ranked`, in its order, when the engine read them with the ranking. */
  chunks?: ChunkRecord[];
}

/** The ranking half of `searchText`: chunk ids only, no chunk is read. */
export function rankText(ctx: QueryContext, q: TextQuery): RankedText {
  const { limit, offset } = paging(q.limit, q.offset);
  const { match, anyGroups, terms, single, matchPhrases, anyPhrases } = compileTextQuery(q.query);
  if (match === null || limit === 0) return { ranked: [], hasMore: false, terms };
  const where: string[] = [];
  const params: unknown[] = [];
  if (q.language !== undefined) {
    where.push('f.language = ?');
    params.push(q.language);
  }
  const scope = scopeOf(ctx, q.pathPrefix);
  if (scope !== null) {
    const f = scopeFilter(scope);
    where.push(f.sql);
    params.push(...f.params);
  }
  if (single !== null && anyGroups.length === 0) {
    // A common word: its precomputed best chunks, when they answer this page exactly.
    const top = rankFromTop(ctx, single, { where, params }, offset + limit + 1);
    if (top !== null) {
      const page = top.slice(offset);
      return { ranked: page.slice(0, limit), hasMore: page.length > limit, terms };
    }
  }
  const joined = (range: string) => `SELECT c.id, ${BM25} AS rank
         FROM chunks_fts JOIN chunks c ON c.id = chunks_fts.rowid
           JOIN files f ON f.id = c.file_id JOIN roots r ON r.id = f.root_id
         WHERE chunks_fts MATCH ?${range}${where.map((w) => ` AND ${w}`).join('')}
         ORDER BY rank LIMIT ? OFFSET ?`;
  const sql =
    where.length === 0
      ? `SELECT rowid AS id, ${BM25} AS rank FROM chunks_fts WHERE chunks_fts MATCH ? ORDER BY rank LIMIT ? OFFSET ?`
      : joined('');
  // Scoped to some of the index's roots: ranked with their statistics (see scope-bm25.ts), and
  // read from their runs of chunk ids when they are a small part of the index.
  const statsRoots = statsRootsOf(ctx, scope);
  const runs = statsRoots === null ? null : idRunsOf(ctx, statsRoots);
  const run = (expr: string, n: number, skip: number): RankedId[] => {
    try {
      if (runs === null) return ctx.statements.get<RankedId>(sql).all(expr, ...params, n, skip);
      const inRun = ctx.statements.get<RankedId>(joined(' AND chunks_fts.rowid BETWEEN ? AND ?'));
      const all = runs.flatMap((r) => inRun.all(expr, r.lo, r.hi, ...params, n + skip, 0));
      return all.sort((a, b) => a.rank - b.rank || a.id - b.id).slice(skip, skip + n);
    } catch (err) {
      // compileTextQuery emits only quoted words, so this is a safety net, not a code path.
      if (err instanceof Error && /fts5/i.test(err.message)) return [];
      throw err;
    }
  };
  const page = (expr: string, phrases: readonly Phrase[] | null, n: number, skip: number): RankedId[] => {
    if (statsRoots === null || phrases === null) return run(expr, n, skip);
    const pool = run(expr, Math.max(n + skip, RESCORE_POOL), 0);
    let inRoots: RankedId[] | null = null;
    try {
      inRoots = rankInRoots(ctx, statsRoots, phrases, pool);
    } catch (err) {
      // Only words reach FTS5 here; like `run`, an FTS5 error is a safety net: FTS5's ranking stays.
      if (!(err instanceof Error && /fts5/i.test(err.message))) throw err;
    }
    return (inRoots ?? pool).slice(skip, skip + n);
  };
  let ranked = page(match, matchPhrases, limit + 1, offset);
  const any =
    anyGroups.length > 0 && ranked.length <= Math.min(limit, q.looseBelow ?? limit)
      ? rareGroups(ctx, anyGroups, { where, params }, runs)
      : [];
  if (any.length > 0) {
    // Chunks holding every word come first; then chunks holding some of them, best BM25 first.
    const all = offset === 0 ? ranked : page(match, matchPhrases, offset + limit + 1, 0);
    const seen = new Set(all.map((r) => r.id));
    const phrasesOf = new Map(anyGroups.map((g, i) => [g, anyPhrases[i] ?? null]));
    const anyPhrasesKept = any.map((g) => phrasesOf.get(g) ?? null);
    const more = page(
      any.join(' OR '),
      anyPhrasesKept.some((p) => p === null) ? null : (anyPhrasesKept as Phrase[][]).flat(),
      offset + limit + 1,
      0,
    ).filter((r) => !seen.has(r.id));
    ranked = [...all, ...more].slice(offset, offset + limit + 1);
  }
  return { ranked: ranked.slice(0, limit), hasMore: ranked.length > limit, terms };
}

/**
 * Chunks a word must be in at most to take part in the OR fallback. BM25 scores every chunk that
 * holds any ORed word, so one word like "test" or "error" in a large repository (tens of thousands
 * of chunks) costs 5-15 ms, while adding little to the ranking: its IDF is low, and the chunks the
 * fallback is for are found by the rarer words. Repositories with fewer chunks than this never
 * drop a word.
 */
const COMMON_WORD_CHUNKS = 2000;

/**
 * The groups that are in fewer than COMMON_WORD_CHUNKS of the chunks the query looks at (counting
 * stops there). A data dir holds every project its user indexed: a word common in one repository
 * ("route" in a web framework) is rare in another, and counted over the whole index it was dropped
 * from the other's questions (text MRR over 35 question sets, each asked in its own root of one
 * data dir holding all of them: 0.75 against 0.84 with each indexed alone). So a word common in the
 * whole index is counted again in the query's scope and language, when it has one.
 */
function rareGroups(
  ctx: QueryContext,
  groups: readonly string[],
  filter: { where: readonly string[]; params: readonly unknown[] },
  runs: readonly IdRun[] | null,
): string[] {
  const count = ctx.statements.get<{ n: number }>(
    'SELECT count(*) AS n FROM (SELECT rowid FROM chunks_fts WHERE chunks_fts MATCH ? LIMIT ?)',
  );
  const inScope = (range: string) =>
    ctx.statements.get<{ n: number }>(
      `SELECT count(*) AS n FROM (SELECT c.id FROM chunks_fts JOIN chunks c ON c.id = chunks_fts.rowid
         JOIN files f ON f.id = c.file_id JOIN roots r ON r.id = f.root_id
       WHERE chunks_fts MATCH ?${range}${filter.where.map((w) => ` AND ${w}`).join('')} LIMIT ?)`,
    );
  const scopedCount = (g: string): number => {
    if (runs === null) return inScope('').get(g, ...filter.params, COMMON_WORD_CHUNKS)?.n ?? 0;
    const inRun = inScope(' AND chunks_fts.rowid BETWEEN ? AND ?');
    let n = 0;
    for (const r of runs) {
      n += inRun.get(g, r.lo, r.hi, ...filter.params, COMMON_WORD_CHUNKS - n)?.n ?? 0;
      if (n >= COMMON_WORD_CHUNKS) break;
    }
    return n;
  };
  return groups.filter((g) => {
    try {
      if ((count.get(g, COMMON_WORD_CHUNKS)?.n ?? 0) < COMMON_WORD_CHUNKS) return true;
      return filter.where.length > 0 && scopedCount(g) < COMMON_WORD_CHUNKS;
    } catch {
      return false;
    }
  });
}

/** A search hit for a chunk record, with its score and snippet. */
export function chunkHit(c: ChunkRecord, score: number, snippet: string): ChunkHit {
  return {
    chunkId: c.chunkId,
    path: c.path,
    language: c.language,
    startLine: c.startLine,
    endLine: c.endLine,
    symbol: c.symbol,
    score,
    snippet,
    ...(c.indexed === undefined ? {} : { indexed: c.indexed }),
  };
}

/** Lines a file may open with before its first comment: `<?php`, `#!…`, `declare(strict_types=1);`. */
const PREAMBLE_LINE = /^\s*(?:$|<\?php\b|#!|declare\s*\()/;
/** A line of a `//`, `/* … *\/`, `#` or `--` comment (not `#include`, `#[attr]`, `#define`). */
const COMMENT_LINE = /^\s*(?:$|\/\/|\/\*|\*|#(?![a-z[!])|--)/;
const LICENSE_WORDS = /\b(?:copyright|licen[cs]ed?|spdx-license-identifier)\b|\(c\)|this file is part of/i;

/**
 * The index of a chunk's first line after a license comment at its top (`/* This file is part of
 * … (c) … *\/`, `// Copyright …`), or 0 when it has none: a file's header chunk is shown from
 * its code (namespace, imports) instead of the license every file repeats.
 */
export function afterLicense(lines: readonly string[]): number {
  let i = 0;
  while (i < lines.length && PREAMBLE_LINE.test(lines[i]!)) i++;
  let license = false;
  while (i < lines.length && COMMENT_LINE.test(lines[i]!)) {
    const blank = lines[i]!.trim() === '';
    // The license ends at a blank line: a package's doc comment after it is kept (Go's
    // `// Copyright …` block, then `// Package http provides …`).
    if (blank && license) break;
    if (LICENSE_WORDS.test(lines[i]!)) license = true;
    i++;
  }
  if (!license) return 0;
  while (i < lines.length && lines[i]!.trim() === '') i++;
  return i < lines.length ? i : 0;
}

/**
 * Whether a word of the line and the term share a stem, roughly: a common prefix of at least 4
 * characters and of all but 2 of the shorter one (`escape`/`escapable`, `retries`/`retry`,
 * `cache`/`cached`; not `log`/`login`).
 */
function sharesStem(words: Set<string>, term: string): boolean {
  if (term.length < 4) return false;
  for (const w of words) {
    const need = Math.max(4, Math.min(w.length, term.length) - 2);
    if (w.length < need) continue;
    let k = 0;
    while (k < need && w.charCodeAt(k) === term.charCodeAt(k)) k++;
    if (k === need) return true;
  }
  return false;
}

/** The first line with the most terms that `matches` one of its words (-1 when none has one). */
function bestLine(
  seen: readonly Set<string>[],
  terms: ReadonlySet<string>,
  matches: (words: Set<string>, term: string) => boolean,
): { best: number; bestScore: number } {
  let best = -1;
  let bestScore = 0;
  for (let i = 0; i < seen.length; i++) {
    let score = 0;
    for (const t of terms) if (matches(seen[i]!, t)) score++;
    if (score > bestScore) {
      best = i;
      bestScore = score;
    }
  }
  return { best, bestScore };
}

/**
 * The lines a snippet shows: a few around the line that holds the most distinct query terms (the
 * first such line); when no line holds one, the chunk's first lines after any license comment.
 * `from` and `to` index `lines` (`to` exclusive).
 */
export function snippetRange(
  lines: readonly string[],
  terms: ReadonlySet<string>,
): { from: number; to: number } {
  const seen = lines.map((line) => lineTerms(line));
  // Whole words first; else words that share a stem with a term (the full-text index stems:
  // `escape` found `isEscapable`, and the snippet showed the doc comment's `/**` instead).
  let { best } = bestLine(seen, terms, (words, t) => words.has(t));
  if (best < 0) best = bestLine(seen, terms, sharesStem).best;
  const from = best < 0 ? afterLicense(lines) : Math.max(0, best - SNIPPET_CONTEXT);
  const to = Math.min(lines.length, (best < 0 ? from : best) + SNIPPET_CONTEXT + 1);
  return { from, to };
}

/**
 * A few lines around the line that holds the most distinct query terms ({@link snippetRange}),
 * each prefixed with its 1-based line number: `  42: const x = retryBackoffMax;`.
 */
export function makeSnippet(content: string, startLine: number, terms: ReadonlySet<string>): string {
  const lines = content.split('\n');
  const { from, to } = snippetRange(lines, terms);
  const width = String(startLine + to - 1).length;
  const out: string[] = [];
  for (let i = from; i < to; i++) {
    let text = lines[i]!.trimEnd();
    if (text.length > SNIPPET_LINE_WIDTH) text = `${text.slice(0, SNIPPET_LINE_WIDTH - 1)}…`;
    out.push(`${String(startLine + i).padStart(width)}: ${text}`);
  }
  return out.join('\n');
}
