import { classifyPath, isDeclarationFile, type PathClass } from '../indexer/path-class.js';
import type { LanguageId } from '../indexer/types.js';
import { splitIdentifier } from '../store/identifiers.js';

/**
 * Re-ranking of search candidates with evidence BM25 over one chunk cannot see: what role the
 * file plays (source before tests, fixtures, examples and copies), whether the file's path and the
 * chunk's definition name hold the query's words, and which language the repository is written in.
 * Pure: the caller reads the candidates, this only scores them.
 */

/** One candidate chunk with its normalised text and semantic scores (0..1, 0 when absent). */
export interface Candidate {
  id: number;
  /** Path relative to its root, `/`-separated. */
  relativePath: string;
  /** Absolute path: the key chunks are grouped by. */
  path: string;
  language: LanguageId;
  symbol: string | null;
  text: number;
  semantic: number;
  /** The chunk's text, read only for chunks without a definition (see {@link isCommentOnly}). */
  content?: string;
}

/** What the query and the filters ask for, read once per search. */
export interface RankIntent {
  /** Lowercased query words (stop words removed), with identifier parts split. */
  words: ReadonlySet<string>;
  /** Classes the query or a filter asks for: they are not demoted. */
  wanted: ReadonlySet<PathClass>;
  /** The repository's main languages: others (ports, bindings) are demoted a little. */
  mainLanguages: ReadonlySet<LanguageId>;
  /** Weight of the semantic half (0: text only). */
  semanticWeight: number;
}

/** How much a class's score is kept when the query does not ask for it. */
const CLASS_PRIOR: Record<PathClass, number> = {
  source: 1,
  test: 0.45,
  fixture: 0.35,
  example: 0.5,
  bench: 0.45,
  generated: 0.4,
  vendored: 0.35,
  docs: 0.5,
};
/**
 * Declaration files (`.d.ts`) repeat every name and doc comment of the code they describe, but
 * hold none of its logic: the implementation is the file to open.
 */
const DECLARATION_PRIOR = 0.6;
/** Non-main-language files keep this share of their score (ports and bindings come after). */
const OTHER_LANGUAGE_PRIOR = 0.7;
/** Per query word found in the path, and the cap on that bonus. */
const PATH_WORD_BONUS = 0.12;
const PATH_BONUS_CAP = 0.36;
/** Per query word found in the chunk's definition name, and the cap. */
const SYMBOL_WORD_BONUS = 0.08;
const SYMBOL_BONUS_CAP = 0.24;

/** Query words that ask for a class of file the ranking otherwise demotes. */
const CLASS_WORDS: ReadonlyArray<readonly [RegExp, readonly PathClass[]]> = [
  [/^(tests?|testing|spec|specs|unittests?|pytest|conftest|asserts?)$/, ['test', 'fixture']],
  [/^(fixtures?|testdata|mocks?|stubs?)$/, ['fixture', 'test']],
  [/^(examples?|samples?|demos?|tutorials?)$/, ['example']],
  [/^(bench|benchmarks?|perf)$/, ['bench']],
  [/^(docs?|documentation|readme|guide)$/, ['docs']],
  [/^(vendor|vendored|third|generated|protobuf|pb)$/, ['vendored', 'generated']],
];

const STOP = new Set(
  'a an and are as at be by can do does for from how i in is it of on or our that the this to we what when where which who why with you get set new'.split(
    ' ',
  ),
);

/** The words of a query as ranking evidence, and the file classes it asks for. */
export function readIntent(
  query: string,
  opts: { includeTests: boolean; mainLanguages: ReadonlySet<LanguageId>; semanticWeight: number },
): RankIntent {
  const words = new Set<string>();
  const wanted = new Set<PathClass>(['source']);
  for (const raw of query.match(/[\p{L}\p{N}_$]+/gu) ?? []) {
    const lower = raw.toLowerCase();
    for (const [re, classes] of CLASS_WORDS) if (re.test(lower)) for (const c of classes) wanted.add(c);
    for (const part of [lower, ...splitIdentifier(raw)]) {
      if (part.length >= 3 && !STOP.has(part)) words.add(stem(part));
    }
  }
  if (opts.includeTests) for (const c of ['test', 'fixture', 'example', 'bench'] as const) wanted.add(c);
  return { words, wanted, mainLanguages: opts.mainLanguages, semanticWeight: opts.semanticWeight };
}

/** A crude plural/verb-ending fold, so "retries" meets "retry" and "tasks" meets "task". */
function stem(w: string): string {
  if (w.length > 4 && w.endsWith('ies')) return `${w.slice(0, -3)}y`;
  if (w.length > 4 && w.endsWith('ing')) return w.slice(0, -3);
  if (w.length > 3 && w.endsWith('es') && !w.endsWith('ses')) return w.slice(0, -1);
  if (w.length > 3 && w.endsWith('s') && !w.endsWith('ss')) return w.slice(0, -1);
  if (w.length > 4 && w.endsWith('ed')) return w.slice(0, -2);
  return w;
}

function wordsOf(text: string): Set<string> {
  const out = new Set<string>();
  for (const raw of text.match(/[\p{L}\p{N}]+/gu) ?? []) {
    for (const part of [raw.toLowerCase(), ...splitIdentifier(raw)])
      if (part.length >= 3) out.add(stem(part));
  }
  return out;
}

function overlap(words: ReadonlySet<string>, text: string): number {
  if (words.size === 0) return 0;
  const have = wordsOf(text);
  let n = 0;
  for (const w of words) if (have.has(w)) n++;
  return n;
}

/** The final score of one candidate (higher is better). */
export function scoreCandidate(c: Candidate, intent: RankIntent): number {
  const w = intent.semanticWeight;
  let score = (1 - w) * c.text + w * c.semantic;
  if (score <= 0) return 0;
  const pathWords = overlap(intent.words, c.relativePath.replace(/\.[^./]+$/, ''));
  score += Math.min(PATH_BONUS_CAP, PATH_WORD_BONUS * pathWords) * score;
  if (c.symbol)
    score += Math.min(SYMBOL_BONUS_CAP, SYMBOL_WORD_BONUS * overlap(intent.words, c.symbol)) * score;
  let prior = priorOf(c, intent);
  if (prior >= 1 && !intent.wanted.has('test') && isInlineTest(c)) prior *= CLASS_PRIOR.test;
  if (
    c.symbol === null &&
    c.content !== undefined &&
    !intent.wanted.has('docs') &&
    classifyPath(c.relativePath) !== 'docs' &&
    isCommentOnly(c.content)
  )
    prior *= CLASS_PRIOR.docs;
  return score * prior;
}

/** A comment line: `//`, `///`, `//!`, `/*`, ` *`, `#` (not `#[…]` or a C directive), `--`, a docstring's quotes. */
const COMMENT_LINE = /^\s*(?:\/\/|\/\*|\*|#(?!\[|!\[|include|define|if|pragma)|--|"""|''')/;
/** A line with a letter or digit in it. */
const WORDY_LINE = /[\p{L}\p{N}]/u;
/** Fewest lines with words for a chunk of comments to count as prose. */
const PROSE_MIN_LINES = 3;

/**
 * A chunk of comment lines only (three or more with words): a module's or crate's documentation
 * past its header (ureq's and serde_json's `//!` guides in `lib.rs`, 300 lines in windows), a
 * commented-out block, a long note between definitions. It is documentation inside a source
 * file, and ranks as a documentation file's chunks do: after the code, unless the query asks for
 * docs. A definition's own doc is in its chunk, which is never such a chunk.
 */
export function isCommentOnly(content: string): boolean {
  let wordy = 0;
  for (const line of content.split('\n')) {
    if (!WORDY_LINE.test(line)) continue;
    if (!COMMENT_LINE.test(line)) return false;
    wordy++;
  }
  return wordy >= PROSE_MIN_LINES;
}

/**
 * Rust's inline test module (`#[cfg(test)] mod tests { … }` or `mod test`), its head and its
 * members; not a method named `test`.
 */
const RUST_TEST_MODULE = /(?:^|\.)tests(?:\.|$)|(?:^|\.)test\.|^test$/;

/**
 * A chunk of a test module inside a source file: Rust keeps its unit tests in the file they test
 * (`mod tests`), so the file is source but those chunks are tests, and they are demoted as a test
 * file's are. Other languages' members named `test` (`RegExp.test`) are not modules of tests.
 */
export function isInlineTest(c: Pick<Candidate, 'language' | 'symbol'>): boolean {
  return c.language === 'rust' && c.symbol !== null && RUST_TEST_MODULE.test(c.symbol);
}

/**
 * The share of its score a candidate keeps for the role of its file (1: source of a main
 * language, or a class the query asks for): declaration files, tests, fixtures, examples, docs
 * and other languages' files are demoted.
 */
export function priorOf(
  c: Pick<Candidate, 'relativePath' | 'language'>,
  intent: Pick<RankIntent, 'wanted' | 'mainLanguages'>,
): number {
  let prior = 1;
  if (isDeclarationFile(c.relativePath)) prior *= DECLARATION_PRIOR;
  const cls = classifyPath(c.relativePath);
  if (!intent.wanted.has(cls)) prior *= CLASS_PRIOR[cls];
  if (intent.mainLanguages.size > 0 && !intent.mainLanguages.has(c.language)) prior *= OTHER_LANGUAGE_PRIOR;
  return prior;
}

/** Scales positive scores into 0..1 by the largest, keeping the given (best-first) order monotone. */
export function normaliseOrdered(scores: readonly number[]): number[] {
  const max = Math.max(0, ...scores);
  if (max <= 0) return scores.map(() => 0);
  const out: number[] = [];
  let prev = 1;
  for (const s of scores) {
    const v = Math.min(prev, Math.max(0, s / max));
    out.push(v);
    prev = v;
  }
  return out;
}

/** Share of a file's second and third chunks added to its score (more makes big files win). */
const NEXT_CHUNK_SHARE = 0.3;

/** A file and its best chunks, for results grouped by file. */
export interface FileGroup<T> {
  path: string;
  score: number;
  chunks: { item: T; score: number }[];
}

/**
 * Groups scored chunks by file. A file scores its best chunk plus a damped share of its next
 * ones (a file that answers in several places is likelier the one to open), and keeps at most
 * `perFile` chunks.
 */
export function groupByFile<T>(
  scored: readonly { item: T; path: string; score: number; copy?: true }[],
  perFile: number,
): FileGroup<T>[] {
  const byPath = new Map<string, FileGroup<T> & { seen: number }>();
  for (const s of [...scored].sort((a, b) => b.score - a.score)) {
    let g = byPath.get(s.path);
    if (g === undefined) {
      g = { path: s.path, score: 0, chunks: [], seen: 0 };
      byPath.set(s.path, g);
    }
    // The score counts the file's best three chunks whatever `perFile` keeps.
    // A copy of a smaller file's code (see `dropCopies`) counts only as a file's best chunk.
    const n = s.copy && g.seen > 0 ? 3 : g.seen++;
    g.score += n === 0 ? s.score : n < 3 ? s.score * NEXT_CHUNK_SHARE : 0;
    if (g.chunks.length < perFile) g.chunks.push({ item: s.item, score: s.score });
  }
  return [...byPath.values()].map(({ seen: _seen, ...g }) => g).sort((a, b) => b.score - a.score);
}

/** Fewest non-blank lines for two chunks of the same text to count as one code's copies. */
const COPY_MIN_LINES = 5;

/** Share of words two chunks of one definition name must share to be copies (Jaccard). */
const COPY_SIMILARITY = 0.8;

/** A chunk's text with each line trimmed and blank lines dropped: re-indented copies compare equal. */
function copyKey(content: string): string | null {
  const lines = content
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
  return lines.length < COPY_MIN_LINES ? null : lines.join('\n');
}

/** The identifiers and words of a chunk, for comparing two near copies. */
function wordSet(content: string): Set<string> {
  return new Set(content.match(/[A-Za-z_$][\w$]*/g) ?? []);
}

/** Whether two word sets share at least {@link COPY_SIMILARITY} of their union. */
function similar(a: Set<string>, b: Set<string>): boolean {
  let shared = 0;
  for (const w of a) if (b.has(w)) shared++;
  return shared >= COPY_SIMILARITY * (a.size + b.size - shared);
}

interface CopyItem {
  content: string;
  /** The chunk's definition with its container (its context, else its symbol); '' for none. */
  name: string;
  language: string;
  size: number;
}

/**
 * Drops the candidates of bundles: files that hold copies of the code of several other, smaller
 * files. A package that ships its modules and bundles of them (zod's `lib/types.js` and
 * `locales/en.js` beside `index.mjs` and `index.umd.js`, which hold every module) had each answer
 * three times, and the bundles won the file ranking on chunks of several modules at once.
 *
 * Copies are chunks of the same definition name (or none) and the same text (indentation aside),
 * or of the same name and language sharing 80 % of their words (a bundler's output beside the
 * compiler's); chunks of fewer than five lines are never copies (a forward declaration, a getter).
 * A file is a bundle when its copies come from at least two different smaller files; copy-pasted
 * siblings (spdlog's `hourly_file_sink.h` from `daily_file_sink.h`) copy one file, and both stay.
 * Of copies that are all in bundles, the one in the smallest file stays, with their best score.
 * A copy kept in a file bigger than another copy's is marked `copy`: `groupByFile` counts it only
 * as its file's best chunk (zod's bundles, when the candidates hold copies of one module only,
 * still added that module's next chunks to their own score).
 */
export function dropCopies<T>(
  scored: readonly { item: T; path: string; score: number }[],
  view: (item: T) => CopyItem,
): { item: T; path: string; score: number; copy?: true }[] {
  type Entry = { item: T; path: string; score: number; size: number };
  const groups: Entry[][] = [];
  /** Per candidate: its entry and group, null for a chunk too short to be a copy. */
  const entries: ({ entry: Entry; group: number } | null)[] = [];
  const byText = new Map<string, number>();
  const byName = new Map<string, { group: number; words: Set<string> }[]>();
  for (const s of scored) {
    const c = view(s.item);
    const key = copyKey(c.content);
    if (key === null) {
      entries.push(null);
      continue;
    }
    const entry = { ...s, size: c.size };
    const textKey = `${c.name}\0${key}`;
    const nameKey = c.name === '' ? null : `${c.language}\0${c.name}`;
    const words = nameKey === null ? null : wordSet(c.content);
    let g = byText.get(textKey);
    if (g === undefined && nameKey !== null && words !== null)
      g = byName.get(nameKey)?.find((o) => similar(o.words, words))?.group;
    if (g === undefined) {
      g = groups.push([]) - 1;
      byText.set(textKey, g);
      if (nameKey !== null && words !== null) {
        const list = byName.get(nameKey) ?? [];
        list.push({ group: g, words });
        byName.set(nameKey, list);
      }
    }
    groups[g]!.push(entry);
    entries.push({ entry, group: g });
  }
  // For each file, the smallest other file of each group it has a copy in, when smaller than it.
  const sources = new Map<string, Set<string>>();
  for (const members of groups) {
    const paths = new Set(members.map((m) => m.path));
    if (paths.size < 2) continue;
    for (const m of members) {
      let smallest: Entry | null = null;
      for (const o of members)
        if (o.path !== m.path && (smallest === null || o.size < smallest.size)) smallest = o;
      if (smallest === null || smallest.size >= m.size) continue;
      const set = sources.get(m.path) ?? new Set<string>();
      set.add(smallest.path);
      sources.set(m.path, set);
    }
  }
  const bundle = (path: string): boolean => (sources.get(path)?.size ?? 0) >= 2;
  const keep = new Set<Entry>();
  const best = new Map<Entry, number>();
  for (const members of groups) {
    const own = members.filter((m) => !bundle(m.path));
    if (own.length > 0) {
      for (const m of own) keep.add(m);
      continue;
    }
    let smallest = members[0]!;
    for (const m of members) if (m.size < smallest.size) smallest = m;
    keep.add(smallest);
    best.set(smallest, Math.max(...members.map((m) => m.score)));
  }
  const out: { item: T; path: string; score: number; copy?: true }[] = [];
  for (const [i, s] of scored.entries()) {
    const e = entries[i];
    if (e === null || e === undefined) {
      out.push(s);
      continue;
    }
    const { entry } = e;
    if (!keep.has(entry)) continue;
    const members = groups[e.group]!;
    // A kept copy of code a smaller file holds too adds nothing to its file beyond its best chunk.
    const copy = members.some((m) => m.path !== s.path && m.size < entry.size);
    out.push({
      item: s.item,
      path: s.path,
      score: best.get(entry) ?? s.score,
      ...(copy ? { copy: true } : {}),
    });
  }
  return out;
}

/** Single-file components and the languages their script blocks and stores are written in. */
const COMPONENT_LANGUAGES: ReadonlySet<LanguageId> = new Set([
  'vue',
  'svelte',
  'typescript',
  'tsx',
  'javascript',
]);

/**
 * The languages that hold at least a quarter of the files the most common one holds. A web app's
 * components (`.vue`, `.svelte`) and its TypeScript or JavaScript are one code base: when either
 * is main, so are the others present.
 */
export function mainLanguagesOf(counts: Partial<Record<LanguageId, number>>): Set<LanguageId> {
  const entries = Object.entries(counts) as [LanguageId, number][];
  const top = Math.max(0, ...entries.map(([, n]) => n));
  const main = new Set(entries.filter(([, n]) => top > 0 && n >= top / 4).map(([l]) => l));
  const components = entries.some(([l]) => l === 'vue' || l === 'svelte');
  if (components && [...main].some((l) => COMPONENT_LANGUAGES.has(l)))
    for (const [l, n] of entries) if (n > 0 && COMPONENT_LANGUAGES.has(l)) main.add(l);
  return main;
}
