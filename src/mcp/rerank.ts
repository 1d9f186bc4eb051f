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
  return score * priorOf(c, intent);
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
  scored: readonly { item: T; path: string; score: number }[],
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
    const n = g.seen++;
    g.score += n === 0 ? s.score : n < 3 ? s.score * NEXT_CHUNK_SHARE : 0;
    if (g.chunks.length < perFile) g.chunks.push({ item: s.item, score: s.score });
  }
  return [...byPath.values()].map(({ seen: _seen, ...g }) => g).sort((a, b) => b.score - a.score);
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
