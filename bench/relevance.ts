/**
 * `npm run bench -- relevance [--semantic]`: MRR, hit@1 and hit@5 by file of `search_code` (text,
 * semantic, hybrid, grouped by file) against a no-index BM25 over whole files, on the question sets
 * in `bench/relevance/*.json`. Each set names its corpus root and version, and lists questions
 * written in a user's words with every file that answers them (established by reading the code).
 *
 * Indexing is in-process (scan, extract, write; no queue): the figures are about ranking. Semantic
 * and hybrid need vectors: with `--semantic` every chunk is embedded with the configured provider
 * (the `local` default is slow on 2 cores); without it they are reported as n/a.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../src/config/load.js';
import { indexDbPath } from '../src/config/paths.js';
import { scanRepository } from '../src/discovery/index.js';
import { createEmbeddingProvider } from '../src/embeddings/provider.js';
import { createExtractor, detectLanguage, type Extractor } from '../src/indexer/index.js';
import {
  createCodeSearch,
  embeddingModel,
  type RawCandidates,
  type SearchMode,
} from '../src/mcp/code-search.js';
import { splitIdentifier } from '../src/store/identifiers.js';
import { openIndexStore } from '../src/store/index.js';
import type { FileWrite, IndexStore } from '../src/store/types.js';
import { CACHE, type CorpusSource, ensureSource, REPO_ROOT } from './corpora.js';
import { round } from './lib/stats.js';
import { VectorCache } from './lib/vector-cache.js';

/** One question set. */
export interface RelevanceSet {
  name: string;
  language: string;
  /** Where the code comes from (fetched into `.bench-cache/` on first use). */
  source: CorpusSource;
  /** The absolute root, filled in from `source` by {@link loadSets}. */
  root: string;
  /** The corpus version the answers refer to. */
  version: string;
  /** Untouched while ranking was tuned: reported separately. */
  heldOut: boolean;
  questions: { q: string; files: string[] }[];
}

export interface SetScores {
  mrr: number;
  hit1: number;
  hit5: number;
}

export interface RelevanceResult {
  set: string;
  heldOut: boolean;
  files: number;
  chunks: number;
  scores: Record<string, SetScores | null>;
  /** Hybrid by the semantic half's share, for each `--weights` value. */
  weightScores: Record<string, SetScores>;
}

/** Reads every set under bench/relevance/. */
export function loadSets(): RelevanceSet[] {
  const dir = join(REPO_ROOT, 'bench', 'relevance');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => {
      const set = JSON.parse(readFileSync(join(dir, f), 'utf8')) as RelevanceSet;
      return { ...set, root: ensureSource(set.source) };
    });
}

/** Scores of ranked file lists against the acceptable files of each question. */
export function scoreRankings(rankings: readonly string[][], answers: readonly string[][]): SetScores {
  let mrr = 0;
  let hit1 = 0;
  let hit5 = 0;
  rankings.forEach((ranked, i) => {
    const ok = new Set(answers[i]);
    const at = ranked.slice(0, 10).findIndex((p) => ok.has(p));
    if (at >= 0) mrr += 1 / (at + 1);
    if (at === 0) hit1++;
    if (at >= 0 && at < 5) hit5++;
  });
  const n = Math.max(1, rankings.length);
  return { mrr: round(mrr / n, 3), hit1: round(hit1 / n, 3), hit5: round(hit5 / n, 3) };
}

const STOP = new Set(
  'a an and are as at be by can do does for from how i in is it of on or our that the this to we what when where which who why with you'.split(
    ' ',
  ),
);

/** Lowercased words and identifier parts: the same tokens for documents and queries. */
function tokens(text: string): string[] {
  const out: string[] = [];
  for (const w of text.match(/[\p{L}\p{N}_]+/gu) ?? []) {
    const parts = splitIdentifier(w);
    for (const p of parts) out.push(p);
    const lower = w.toLowerCase();
    if (parts.length > 1) out.push(lower);
  }
  return out;
}

/**
 * Plain Okapi BM25 (k1 = 1.2, b = 0.75) over whole files: the path and the content are one
 * document. The baseline an index must beat.
 */
export function wholeFileBm25(docs: readonly { path: string; text: string }[]) {
  const tf = docs.map((d) => {
    const m = new Map<string, number>();
    for (const t of tokens(`${d.path} ${d.text}`)) m.set(t, (m.get(t) ?? 0) + 1);
    return m;
  });
  const len = tf.map((m) => [...m.values()].reduce((a, b) => a + b, 0));
  const avg = len.reduce((a, b) => a + b, 0) / Math.max(1, docs.length);
  const df = new Map<string, number>();
  for (const m of tf) for (const t of m.keys()) df.set(t, (df.get(t) ?? 0) + 1);
  const n = docs.length;
  return (query: string, k = 10): string[] => {
    const q = [...new Set(tokens(query).filter((t) => !STOP.has(t)))];
    const scored = tf.map((m, i) => {
      let s = 0;
      for (const t of q) {
        const f = m.get(t);
        if (!f) continue;
        const d = df.get(t) ?? 0;
        const idf = Math.log(1 + (n - d + 0.5) / (d + 0.5));
        s += (idf * f * 2.2) / (f + 1.2 * (0.25 + (0.75 * (len[i] ?? 0)) / avg));
      }
      return { path: docs[i]!.path, s };
    });
    return scored
      .filter((x) => x.s > 0)
      .sort((a, b) => b.s - a.s)
      .slice(0, k)
      .map((x) => x.path);
  };
}

/**
 * Scans `root`, extracts every supported file in this process and writes them in one batch (no
 * queue: the benches that use it measure ranking, not indexing). Returns each file's text and the
 * number of chunks written.
 */
export async function indexInProcess(
  root: string,
  store: IndexStore,
  extractor: Extractor,
  maxFileBytes: number,
): Promise<{ docs: { path: string; text: string }[]; chunks: number }> {
  const scan = await scanRepository(root, { isSupported: (p) => detectLanguage(p) !== null, maxFileBytes });
  const docs: { path: string; text: string }[] = [];
  const writes: FileWrite[] = [];
  for (const f of scan.files) {
    const language = detectLanguage(f.path);
    if (language === null) continue;
    const text = readFileSync(join(root, f.path), 'utf8');
    docs.push({ path: f.path, text });
    writes.push({
      path: f.path,
      language,
      size: f.size,
      mtimeMs: f.mtimeMs,
      sha256: null,
      status: 'indexed',
      extraction: extractor.extractFile(text, language, undefined, f.path),
    });
  }
  await store.writeBatch(root, writes);
  return { docs, chunks: writes.reduce((a, w) => a + (w.extraction?.chunks.length ?? 0), 0) };
}

/** Indexes a set's corpus into a fresh store and answers its questions in every mode. */
export async function runRelevanceSet(
  set: RelevanceSet,
  semantic: boolean,
  verbose = false,
  weights: readonly number[] = [],
  dumpDir?: string,
): Promise<RelevanceResult> {
  const home = mkdtempSync(join(tmpdir(), 'codeindex-relevance-'));
  try {
    const env: Record<string, string> = { CODEINDEX_HOME: home };
    if (!semantic) env.CODEINDEX_EMBEDDINGS = 'off';
    const cfg = loadConfig({}, { ...process.env, ...env });
    const store = openIndexStore(indexDbPath(cfg));
    const extractor = createExtractor();
    const { docs, chunks } = await indexInProcess(set.root, store, extractor, cfg.maxFileBytes);
    if (semantic) {
      const model = embeddingModel(cfg);
      const provider = createEmbeddingProvider({ provider: 'local', model });
      // Vectors of texts embedded by an earlier run are reused (keyed by model and text).
      const cache = new VectorCache(join(CACHE, 'vectors', `${model.replace(/[^\w.-]+/g, '_')}.bin`));
      let afterId: number | undefined;
      for (;;) {
        const todo = await store.chunksMissingVectors(set.root, model, 256, afterId);
        if (todo.length === 0) break;
        afterId = todo[todo.length - 1]!.chunkId;
        // What a worker embeds: the provider's document text (path, name, signature, doc).
        const texts = todo.map((c) => (provider.documentText ? provider.documentText(c) : c.content));
        const keys = texts.map((t) => VectorCache.key(model, t));
        const missing = keys.flatMap((k, i) => (cache.get(k) === undefined ? [i] : []));
        if (missing.length > 0) {
          const v = await provider.embed(
            missing.map((i) => texts[i]!),
            'document',
          );
          missing.forEach((i, j) => {
            cache.set(keys[i]!, v[j]!);
          });
        }
        const vectors = todo.map((c, i) => ({ hash: c.hash, vector: cache.get(keys[i]!)! }));
        await store.upsertVectors(model, vectors[0]!.vector.length, vectors);
      }
      cache.save();
      await provider.close?.();
    }
    const search = createCodeSearch(cfg, () => store);
    const answers = set.questions.map((x) => x.files);
    const scores: Record<string, SetScores | null> = {};
    const prefix = set.root.endsWith('/') ? set.root : `${set.root}/`;
    // Every question's answering files in rank order, and the mode the search really used.
    const rankAll = async (mode: SearchMode, semanticWeight?: number) => {
      const rankings: string[][] = [];
      let used = mode;
      for (const x of set.questions) {
        const r = await search.search({
          query: x.q,
          mode,
          groupBy: 'file',
          limit: 10,
          offset: 0,
          ...(semanticWeight === undefined ? {} : { semanticWeight }),
        });
        used = r.mode;
        // Without grouping (older builds), files in the order their first chunk appears.
        const paths = r.files?.map((f) => f.path) ?? [...new Set(r.hits.map((h) => h.path))];
        rankings.push(paths.map((p) => p.slice(prefix.length)));
      }
      return { rankings, used };
    };
    const modeRankings: Partial<Record<SearchMode, string[][]>> = {};
    for (const mode of ['text', 'semantic', 'hybrid'] as SearchMode[]) {
      const { rankings, used } = await rankAll(mode);
      if (used === mode) modeRankings[mode] = rankings;
      scores[mode] = used === mode ? scoreRankings(rankings, answers) : null;
    }
    const textRankings = modeRankings.text ?? [];
    // `--weights a,b,…`: hybrid again with each share of the semantic half, on the same vectors.
    const weightScores: Record<string, SetScores> = {};
    if (scores.hybrid !== null && scores.hybrid !== undefined) {
      for (const w of weights)
        weightScores[String(w)] = scoreRankings((await rankAll('hybrid', w)).rankings, answers);
    }
    if (dumpDir !== undefined) await dumpCandidates(dumpDir, set, search, store);
    const bm25 = wholeFileBm25(docs);
    const bm25Rankings = set.questions.map((x) => bm25(x.q));
    scores.bm25_files = scoreRankings(bm25Rankings, answers);
    if (verbose) {
      // Per question: rank of the first answering file (0 = not in the top 10) in each mode that
      // ran and in BM25.
      for (const [i, x] of set.questions.entries()) {
        const rankIn = (r: string[]) => r.slice(0, 10).findIndex((p) => x.files.includes(p)) + 1;
        const modes = (['text', 'semantic', 'hybrid'] as const)
          .filter((m) => modeRankings[m] !== undefined)
          .map((m) => `${m} ${rankIn(modeRankings[m]![i] ?? [])}`);
        process.stderr.write(
          `${set.name} | ${modes.join(' | ')} | bm25 ${rankIn(bm25Rankings[i]!)} | ${x.q} | text top 3: ${textRankings[i]?.slice(0, 3).join(', ') ?? '-'}\n`,
        );
      }
    }
    await search.close();
    await store.close();
    return { set: set.name, heldOut: set.heldOut, files: docs.length, chunks, scores, weightScores };
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

/**
 * `--shared`: every set's corpus indexed into ONE data dir, as a user's default data dir holds all
 * the projects they work on, and each set's questions asked in text mode scoped to its own root
 * (what that project's server does). Ranking must not depend on which other repositories share
 * the data dir: compare with the sets indexed alone.
 */
export async function runSharedRelevance(
  sets: readonly RelevanceSet[],
  verbose = false,
): Promise<RelevanceResult[]> {
  const home = mkdtempSync(join(tmpdir(), 'codeindex-relevance-'));
  try {
    const cfg = loadConfig({}, { ...process.env, CODEINDEX_HOME: home, CODEINDEX_EMBEDDINGS: 'off' });
    const store = openIndexStore(indexDbPath(cfg));
    const extractor = createExtractor();
    const indexed = [];
    for (const set of sets) indexed.push(await indexInProcess(set.root, store, extractor, cfg.maxFileBytes));
    const search = createCodeSearch(cfg, () => store);
    const results: RelevanceResult[] = [];
    for (const [k, set] of sets.entries()) {
      const { docs, chunks } = indexed[k]!;
      const prefix = set.root.endsWith('/') ? set.root : `${set.root}/`;
      const rankings: string[][] = [];
      for (const x of set.questions) {
        const r = await search.search({
          query: x.q,
          mode: 'text',
          groupBy: 'file',
          limit: 10,
          offset: 0,
          pathPrefix: set.root,
        });
        rankings.push((r.files ?? []).map((f) => f.path.slice(prefix.length)));
      }
      const answers = set.questions.map((x) => x.files);
      if (verbose)
        for (const [i, x] of set.questions.entries()) {
          const rank = rankings[i]!.slice(0, 10).findIndex((p) => x.files.includes(p)) + 1;
          process.stderr.write(
            `${set.name} | shared text ${rank} | ${x.q} | top 3: ${rankings[i]!.slice(0, 3).join(', ')}\n`,
          );
        }
      const bm25 = wholeFileBm25(docs);
      results.push({
        set: set.name,
        heldOut: set.heldOut,
        files: docs.length,
        chunks,
        scores: {
          text: scoreRankings(rankings, answers),
          semantic: null,
          hybrid: null,
          bm25_files: scoreRankings(
            set.questions.map((x) => bm25(x.q)),
            answers,
          ),
        },
        weightScores: {},
      });
    }
    await search.close();
    await store.close();
    return results;
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

/**
 * `--dump DIR`: each question's raw text and semantic candidates (as hybrid search gets them, before
 * fusion) with their chunks' paths, languages and names, in DIR/<set>.json, so fusion and
 * re-ranking variants can be compared offline on the same candidates.
 */
async function dumpCandidates(
  dir: string,
  set: RelevanceSet,
  search: ReturnType<typeof createCodeSearch>,
  store: Awaited<ReturnType<typeof openIndexStore>>,
): Promise<void> {
  const prefix = set.root.endsWith('/') ? set.root : `${set.root}/`;
  const questions: (RelevanceSet['questions'][number] & { raw: RawCandidates | null })[] = [];
  const ids = new Set<number>();
  for (const x of set.questions) {
    let raw: RawCandidates | null = null;
    await search.search({
      query: x.q,
      mode: 'hybrid',
      groupBy: 'file',
      limit: 10,
      offset: 0,
      onCandidates: (c) => {
        raw = c;
      },
    });
    const r = raw as RawCandidates | null;
    for (const id of [...(r?.text?.ids ?? []), ...(r?.semantic?.ids ?? [])]) ids.add(id);
    questions.push({ ...x, raw: r });
  }
  const chunks: Record<
    number,
    { path: string; language: string; symbol: string | null; lines: number; kind: string }
  > = {};
  for (const c of await store.chunksByIds([...ids]))
    chunks[c.chunkId] = {
      path: c.path.slice(prefix.length),
      language: c.language,
      symbol: c.symbol,
      lines: c.endLine - c.startLine + 1,
      kind: c.kind,
    };
  const languages = (await store.rootStatus(set.root))[0]?.languages ?? {};
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, `${set.name}.json`),
    JSON.stringify({ set: set.name, heldOut: set.heldOut, languages, questions, chunks }),
  );
}

/** A markdown table of the results. */
export function relevanceTable(results: readonly RelevanceResult[]): string {
  const cell = (s: SetScores | null | undefined) => (s ? `${s.mrr} / ${s.hit1} / ${s.hit5}` : 'n/a');
  const rows = results.map(
    (r) =>
      `| ${r.set}${r.heldOut ? ' (held out)' : ''} | ${r.files} / ${r.chunks} | ${cell(r.scores.text)} | ${cell(r.scores.semantic)} | ${cell(r.scores.hybrid)} | ${cell(r.scores.bm25_files)} |`,
  );
  return [
    '| set | files / chunks | text MRR / hit@1 / hit@5 | semantic | hybrid | BM25 whole files |',
    '| --- | --- | --- | --- | --- | --- |',
    ...rows,
  ].join('\n');
}

/** MRR of hybrid per set for each semantic share tried with `--weights` (empty when none were). */
export function weightTable(results: readonly RelevanceResult[]): string {
  const weights = [...new Set(results.flatMap((r) => Object.keys(r.weightScores)))];
  if (weights.length === 0) return '';
  return [
    `| set | text | ${weights.map((w) => `hybrid w=${w}`).join(' | ')} |`,
    `| --- | --- | ${weights.map(() => '---').join(' | ')} |`,
    ...results.map(
      (r) =>
        `| ${r.set}${r.heldOut ? ' (held out)' : ''} | ${r.scores.text?.mrr ?? 'n/a'} | ${weights.map((w) => r.weightScores[w]?.mrr ?? 'n/a').join(' | ')} |`,
    ),
  ].join('\n');
}
