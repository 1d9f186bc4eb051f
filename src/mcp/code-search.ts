import ignore from 'ignore';
import type { Config } from '../config/schema.js';
import {
  type EmbeddingStall,
  noVectorsNote,
  type PartialCoverage,
  partialCoverage,
  partialCoverageNote,
} from '../embeddings/coverage.js';
import { embeddingModelName, isSemanticModel } from '../embeddings/model.js';
import {
  createEmbeddingProvider,
  type EmbeddingProvider,
  resolveEmbeddingApiKey,
} from '../embeddings/provider.js';
import { createVectorService, type VectorService } from '../embeddings/vector-service.js';
import type { LanguageId } from '../indexer/types.js';
import type { Logger } from '../log.js';
import { indexLocation } from '../store/index.js';
import { afterLicense, chunkHit, makeSnippet, snippetRange } from '../store/text-search.js';
import type {
  ChunkHit,
  ChunkRecord,
  IndexStore,
  PathScope,
  RankedTextResult,
  RootRow,
  TextQuery,
} from '../store/types.js';
import {
  dropCopies,
  groupByFile,
  mainLanguagesOf,
  normaliseOrdered,
  priorOf,
  readIntent,
  scoreCandidate,
} from './rerank.js';
import { isUnder, relativeTo, rootInScope } from './scope.js';

export type SearchMode = 'text' | 'semantic' | 'hybrid';

export interface CodeSearchQuery {
  query: string;
  mode: SearchMode;
  /** `file`: one entry per file with its best chunks; `chunk` (default here): ranked chunks. */
  groupBy?: 'file' | 'chunk' | undefined;
  /** Rank tests, fixtures, examples and benchmarks like source. */
  includeTests?: boolean | undefined;
  /** Gitignore-style globs over root-relative paths whose files are left out. */
  exclude?: readonly string[] | undefined;
  /** One absolute path prefix or several (their union); undefined: every indexed root. */
  pathPrefix?: PathScope | undefined;
  language?: LanguageId | undefined;
  limit: number;
  offset: number;
  /** Hybrid only: the semantic half's share (default {@link SEMANTIC_WEIGHT}); for benchmarks. */
  semanticWeight?: number | undefined;
  /** Benchmarks: receives both halves' raw candidates before they are fused. */
  onCandidates?: ((c: RawCandidates) => void) | undefined;
}

/** The text and semantic halves of one search as they come from the store and the vectors. */
export interface RawCandidates {
  text: { ids: number[]; bm25: number[] } | null;
  semantic: { ids: number[]; scores: number[] } | null;
}

/** One file of a grouped result: its score and its best chunks. */
export interface FileHit {
  path: string;
  score: number;
  hits: ChunkHit[];
}

export interface CodeSearchResult {
  /** The chunks in rank order (grouped: every file's chunks, file by file). */
  hits: ChunkHit[];
  /** Set when grouped by file. */
  files?: FileHit[];
  hasMore: boolean;
  /** The mode actually used (hybrid falls back to text when there are no vectors yet). */
  mode: SearchMode;
  note?: string;
}

/** Candidates re-ranked per search: at least, and at most. */
const MIN_POOL = 50;
const MAX_POOL = 400;
/**
 * Share of the semantic half in hybrid scores (text holds the rest). Chosen on the tuning sets
 * only (`npm run bench -- relevance --semantic --tuning --weights …`, USE-lite, MRR by file):
 * go-net-http / js-bullmq / python-click at 0.2: 0.935 / 0.849 / 0.891; 0.3: 0.924 / 0.885 /
 * 0.913; 0.35: 0.946 / 0.887 / 0.957; 0.4: 0.946 / 0.864 / 0.957; 0.45: 0.902 / 0.841 / 0.957;
 * 0.5: 0.866 / 0.867 / 0.913. 0.35 is best on all three and beats text alone on each.
 */
export const SEMANTIC_WEIGHT = 0.35;
/** The page `search_code` returns when no limit is given. */
export const DEFAULT_PAGE = 10;

/**
 * Candidates read from each half for a page: wider than the page, since they are re-ranked (file
 * role, path and name evidence, fusion) and, grouped by file, several chunks of one file share a
 * slot. Never narrower than for the default page, so a smaller `limit` returns the first files of
 * the default answer rather than another ranking (a file's second and third chunks add to its
 * score only when they are in the pool: pino's `lib/proto.js` was absent at limit 3 and second at
 * limit 10).
 */
export function poolSize(offset: number, limit: number, byFile: boolean): number {
  return Math.min(MAX_POOL, Math.max(MIN_POOL, wantedOf(offset, limit) * (byFile ? 6 : 3)));
}

/**
 * Slots a search fills: its page and one (to tell whether there are more), at least those of the
 * default page; the pool and the source candidates the text half reads down to (`rankTextPast`)
 * are sized from it.
 */
function wantedOf(offset: number, limit: number): number {
  return Math.max(offset + limit, DEFAULT_PAGE) + 1;
}

/** Chunks shown per file when grouped by file. */
const CHUNKS_PER_FILE = 3;

/** The embedding model name for a config (what workers store vectors under). */
export function embeddingModel(cfg: Config): string {
  return embeddingModelName(cfg.embeddings);
}

/**
 * Text (FTS5/BM25), semantic (exact cosine over the root's vectors) and hybrid (reciprocal rank
 * fusion of both) code search. Vector matrices live in a worker thread (`createVectorService`).
 */
export interface CodeSearchOptions {
  /**
   * Of the given roots (chunks still to embed), those whose embedding is not under way (see
   * `TaskClient.embeddingStalls`): the partial-coverage note then says why and what to do. Without
   * it (no queue at hand) the note says the rest are being embedded.
   */
  embeddingStalls?: (roots: readonly string[]) => Promise<EmbeddingStall[]>;
}

/** How long a search waits for the queue's answer on stalled embedding before it gives the plain note. */
const STALL_CHECK_MS = 300;

export function createCodeSearch(
  cfg: Config,
  store: () => IndexStore,
  log?: Logger,
  opts: CodeSearchOptions = {},
) {
  let provider: EmbeddingProvider | null = null;
  const model = embeddingModel(cfg);
  // Matrices live in a worker thread: loading one never blocks this thread, and hybrid search
  // ranks its text half here while the worker scans the vectors.
  // A server sits idle between an assistant's bursts of questions: after `idleSeconds` without a
  // hybrid or semantic query, the query model and the vector matrices go.
  const idleMs = cfg.embeddings.idleSeconds > 0 ? cfg.embeddings.idleSeconds * 1000 : undefined;
  const vectors: VectorService = createVectorService(
    indexLocation(cfg),
    (root, m) => store().loadVectors(root, m),
    log,
    idleMs,
  );

  const embedder = (): EmbeddingProvider | null => {
    const e = cfg.embeddings;
    if (e.provider === 'off') return null;
    provider ??= createEmbeddingProvider({
      provider: e.provider,
      model,
      baseUrl: e.baseUrl,
      apiKey: resolveEmbeddingApiKey(e.provider, process.env),
      dims: e.dims,
      maxBatch: e.maxBatch,
      idleMs,
    });
    return provider;
  };

  /**
   * Starts the semantic half: finds the roots in scope that have vectors (null when none do),
   * embeds the query and sends it to the vector worker. `result` settles when the worker has
   * answered, so the caller can do other work meanwhile.
   */
  async function startSemantic(
    q: CodeSearchQuery,
    k: number,
  ): Promise<{
    result: Promise<{ ids: number[]; scores: Map<number, number> }>;
    /** Settles with the note on partial coverage, if any (never rejects). */
    note: Promise<string | undefined>;
  } | null> {
    const p = embedder();
    if (!p) return null;
    const s = store();
    const prefixes = scopeList(q.pathPrefix);
    const roots = (await s.listRoots())
      .filter((r) => rootInScope(r.path, prefixes))
      .map((r) => ({ path: r.path, generation: r.generation, chunksVersion: r.chunksVersion }));
    const base = { model, vectorsVersion: await s.vectorsVersion() };
    const sizes = await vectors.sizes({ ...base, roots });
    const withVectors = roots.filter((_, i) => (sizes[i] ?? 0) > 0);
    // No query embedding (maybe a paid API call) unless some root has vectors to compare it with.
    if (withVectors.length === 0) return null;
    const qv = (await p.embed([q.query], 'query'))[0];
    if (!qv) return null;
    // Wrapped: an async function returning the promise itself would wait for it.
    const result = vectors.search({ ...base, roots: withVectors }, qv, k).then((hits) => ({
      ids: hits.map((h) => h.id),
      scores: new Map(hits.map((h) => [h.id, h.score])),
    }));
    // Awaited by the caller; this only keeps a failure from counting as unhandled meanwhile.
    result.catch(() => {});
    const coverage = await partialCoverage(
      (root) => s.vectorCoverage(root, model),
      withVectors.map((r) => r.path),
    );
    // Asked now, so the queue's answer comes while the vectors are searched.
    return { result, note: coverage === null ? Promise.resolve(undefined) : coverageNote(coverage) };
  }

  /**
   * The partial-coverage note, naming the roots whose embedding stopped (a dead-lettered job, or
   * none queued) when the queue answers within {@link STALL_CHECK_MS}; Redis away, the plain note.
   */
  async function coverageNote(coverage: PartialCoverage): Promise<string> {
    return partialCoverageNote(coverage, await stallsOf(coverage.roots));
  }

  /** `opts.embeddingStalls` of `roots`, or none when it is not given, fails or is late. */
  async function stallsOf(roots: readonly string[]): Promise<EmbeddingStall[]> {
    if (!opts.embeddingStalls || roots.length === 0) return [];
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<EmbeddingStall[]>((resolve) => {
      timer = setTimeout(() => resolve([]), STALL_CHECK_MS);
    });
    const asked = opts.embeddingStalls(roots).catch((err: unknown) => {
      log?.debug('could not check the embedding jobs', { error: String(err) });
      return [];
    });
    const stalls = await Promise.race([asked, late]);
    clearTimeout(timer);
    return stalls;
  }

  /** The main languages of the roots in scope, cached per root generation. */
  const mainLanguageCache = new Map<
    string,
    { generation: number; counts: Partial<Record<LanguageId, number>> }
  >();
  async function mainLanguages(s: IndexStore, roots: readonly RootRow[]): Promise<Set<LanguageId>> {
    const counts: Partial<Record<LanguageId, number>> = {};
    for (const r of roots) {
      let e = mainLanguageCache.get(r.path);
      if (e === undefined || e.generation !== r.generation) {
        e = { generation: r.generation, counts: (await s.rootStatus(r.path))[0]?.languages ?? {} };
        mainLanguageCache.set(r.path, e);
      }
      for (const [l, n] of Object.entries(e.counts) as [LanguageId, number][])
        counts[l] = (counts[l] ?? 0) + n;
    }
    return mainLanguagesOf(counts);
  }

  return {
    model,
    async search(q: CodeSearchQuery): Promise<CodeSearchResult> {
      const s = store();
      const byFile = (q.groupBy ?? 'chunk') === 'file';
      const pool = poolSize(q.offset, q.limit, byFile);
      const want = wantedOf(q.offset, q.limit);
      // The hashed bag of words only echoes the text half's words and demoted its right answers,
      // so hybrid is text alone under it.
      const hashed = !isSemanticModel(model);
      let mode = q.mode;
      let note: string | undefined;
      if (mode === 'hybrid' && hashed) {
        mode = 'text';
        note = `hybrid uses text ranking only: the embedding model ${model} is a hashed bag of words`;
      }
      const textQuery = { query: q.query, limit: pool, offset: 0, looseBelow: pool };
      if (q.pathPrefix) Object.assign(textQuery, { pathPrefix: q.pathPrefix });
      if (q.language) Object.assign(textQuery, { language: q.language });
      const semantic = mode === 'text' ? null : await startSemantic(q, pool * 2);
      const prefixes = scopeList(q.pathPrefix);
      const rootsInScope = (await s.listRoots()).filter((r) => rootInScope(r.path, prefixes));
      const main = q.language ? new Set<LanguageId>() : await mainLanguages(s, rootsInScope);
      const wanted = readIntent(q.query, {
        includeTests: q.includeTests ?? false,
        mainLanguages: main,
        semanticWeight: 0,
      });
      // Every chunk read so far (the text half's candidates, past the pool when it is crowded): the
      // candidates below read only the semantic half's others.
      const records = new Map<number, ChunkRecord>();
      // Full weight: not excluded, and kept whole by the re-ranking (see rankTextPast). Per file:
      // a crowded pool reads hundreds of chunks of a few dozen files.
      const fullByPath = new Map<string, boolean>();
      const exclude = q.exclude !== undefined && q.exclude.length > 0 ? compileGlobs(q.exclude) : null;
      const fullWeight = (c: ChunkRecord) => {
        let full = fullByPath.get(c.path);
        if (full === undefined) {
          const rel = relativeTo(rootsInScope, c.path);
          full = !exclude?.(rel) && priorOf({ relativePath: rel, language: c.language }, wanted) >= 1;
          fullByPath.set(c.path, full);
        }
        return full;
      };
      const text =
        mode === 'semantic' && semantic !== null
          ? null
          : await rankTextPast(s, textQuery, want, records, fullWeight);
      const sem = semantic === null ? null : await semantic.result;
      if (sem === null && mode !== 'text') {
        mode = 'text';
        note =
          cfg.embeddings.provider === 'off'
            ? 'embeddings are off (CODEINDEX_EMBEDDINGS=off): text results only'
            : noVectorsNote(await stallsOf(rootsInScope.map((r) => r.path)));
      } else if (semantic !== null) note = (await semantic.note) ?? note;
      q.onCandidates?.({
        text: text === null ? null : { ids: text.ids, bm25: text.bm25 },
        semantic:
          sem === null ? null : { ids: sem.ids, scores: sem.ids.map((id) => sem.scores.get(id) ?? 0) },
      });
      const textScore = new Map<number, number>();
      if (text !== null && mode !== 'semantic') {
        const norm = normaliseOrdered(text.bm25);
        for (const [i, id] of text.ids.entries()) textScore.set(id, norm[i] ?? 0);
      }
      const semScore = new Map<number, number>();
      if (sem !== null) {
        const ids = sem.ids.slice(0, pool * 2);
        const raw = ids.map((id) => sem.scores.get(id) ?? 0);
        // Cosines crowd near each other: spread the candidates between the worst and the best.
        const lo = Math.min(...raw);
        const hi = Math.max(...raw);
        for (const [i, id] of ids.entries())
          semScore.set(id, hi > lo ? ((raw[i] ?? lo) - lo) / (hi - lo) : 1);
      }
      const ids = [...new Set([...textScore.keys(), ...semScore.keys()])];
      const intent = {
        ...wanted,
        semanticWeight: mode === 'semantic' ? 1 : mode === 'text' ? 0 : (q.semanticWeight ?? SEMANTIC_WEIGHT),
      };
      const terms = text?.terms ?? new Set<string>();
      const scored: { item: ChunkRecord; path: string; score: number }[] = [];
      const missing = ids.filter((id) => !records.has(id));
      if (missing.length > 0) for (const c of await s.chunksByIds(missing)) records.set(c.chunkId, c);
      for (const id of ids) {
        const c = records.get(id);
        if (c === undefined) continue;
        // Semantic candidates must honour the same filters as text search.
        if (prefixes && !prefixes.some((p) => isUnder(p, c.path))) continue;
        if (q.language && c.language !== q.language) continue;
        const rel = relativeTo(rootsInScope, c.path);
        if (exclude?.(rel)) continue;
        const score = scoreCandidate(
          {
            id: c.chunkId,
            relativePath: rel,
            path: c.path,
            language: c.language,
            symbol: c.symbol,
            text: textScore.get(c.chunkId) ?? 0,
            semantic: semScore.get(c.chunkId) ?? 0,
            content: c.content,
          },
          intent,
        );
        if (score > 0) scored.push({ item: c, path: c.path, score: Number(score.toFixed(6)) });
      }
      const distinct = dropCopies(scored, (c) => ({
        content: c.content,
        name: c.context || (c.symbol ?? ''),
        language: c.language,
        size: c.indexed?.size ?? Number.MAX_SAFE_INTEGER,
      }));
      const hitOf = (c: ChunkRecord, score: number): ChunkHit =>
        chunkHit(
          c,
          score,
          textScore.has(c.chunkId)
            ? makeSnippet(c.content, c.startLine, terms)
            : snippetOf(c.content, c.startLine),
        );
      /** The file lines a hit's snippet shows, first and last. */
      const shownLines = (c: ChunkRecord): [number, number] => {
        const lines = c.content.split('\n');
        const first = textScore.has(c.chunkId) ? null : afterLicense(lines);
        const { from, to } =
          first === null ? snippetRange(lines, terms) : { from: first, to: first + SNIPPET_LINES };
        return [c.startLine + from, c.startLine + Math.min(lines.length, to) - 1];
      };
      if (byFile) {
        // More candidates than are shown: a chunk whose snippet shows lines already shown (the
        // overlap of two windows of one long definition) gives its place to the next one.
        const groups = groupByFile(distinct, CHUNKS_PER_FILE * 3);
        const page = groups.slice(q.offset, q.offset + q.limit).map((g) => ({
          path: g.path,
          score: Number(g.score.toFixed(6)),
          hits: distinctSnippets(g.chunks, (x) => shownLines(x.item), CHUNKS_PER_FILE).map((x) =>
            hitOf(x.item, x.score),
          ),
        }));
        return {
          hits: page.flatMap((g) => g.hits),
          files: page,
          hasMore: groups.length > q.offset + q.limit || (text?.hasMore ?? false),
          mode,
          ...(note ? { note } : {}),
        };
      }
      distinct.sort((a, b) => b.score - a.score);
      return {
        hits: distinct.slice(q.offset, q.offset + q.limit).map((x) => hitOf(x.item, x.score)),
        hasMore: distinct.length > q.offset + q.limit || (text?.hasMore ?? false),
        mode,
        ...(note ? { note } : {}),
      };
    },
    /** Whether a local model is loaded in this process now (false before the first query). */
    modelResident: (): boolean => provider?.resident?.() ?? false,
    /** Whether the vector thread (and the matrices it holds) is alive now. */
    vectorsResident: (): boolean => vectors.resident(),
    /** Stops the vector worker and the query model. */
    close: async () => {
      await vectors.close();
      await provider?.close?.();
    },
  };
}

/** How far down its ranking the text half reads when demoted files crowd its pool. */
const WIDE_POOL = 800;
/** Chunks read at a time while looking for full-weight ones past the pool. */
const READ_STEP = 64;

/**
 * The text half's candidates: the first `query.limit` chunks of its ranking, read into `records`.
 * On a repository with many tests, docs or declaration files, those can fill the whole pool
 * (fastify: all 66 candidates for "where are route handlers registered" were tests and docs, so
 * `lib/route.js` was never ranked). When fewer than `want` (a page and one) candidates are ones
 * the re-ranking keeps at full weight (`fullWeight`), the ranking is read further, up to
 * {@link WIDE_POOL} chunks, and only full-weight ones are added, until the pool holds `want` of
 * them. Filling the whole pool with them instead (`want` = the pool) lowered go-net-http
 * (0.935 -> 0.913) and js-fastify (0.867 -> 0.838): more chunks of big files add up.
 */
async function rankTextPast(
  s: IndexStore,
  query: TextQuery,
  want: number,
  records: Map<number, ChunkRecord>,
  fullWeight: (c: ChunkRecord) => boolean,
): Promise<RankedTextResult> {
  const read = async (chunks: readonly ChunkRecord[] | undefined, ids: readonly number[]) => {
    for (const c of chunks ?? []) records.set(c.chunkId, c);
    const missing = ids.filter((id) => !records.has(id));
    if (missing.length > 0) for (const c of await s.chunksByIds(missing)) records.set(c.chunkId, c);
  };
  const isFull = (id: number) => {
    const c = records.get(id);
    return c !== undefined && fullWeight(c);
  };
  const text = await s.rankText(query);
  await read(text.chunks, text.ids);
  let full = text.ids.filter(isFull).length;
  if (full >= want || !text.hasMore) return text;
  const ids = [...text.ids];
  const bm25 = [...text.bm25];
  const seen = new Set(ids);
  // Deeper in steps (x4), and each step's new chunks read a slice at a time: the cost grows with
  // how far the first full-weight chunks are, not with WIDE_POOL.
  let limit = query.limit;
  while (full < want && limit < WIDE_POOL) {
    limit = Math.min(WIDE_POOL, limit * 4);
    const wide = await s.rankText({ ...query, limit });
    const fresh = wide.ids.flatMap((id, i) => (seen.has(id) ? [] : [i]));
    for (let k = 0; k < fresh.length && full < want; k += READ_STEP) {
      const slice = fresh.slice(k, k + READ_STEP);
      await read(
        wide.chunks,
        slice.map((i) => wide.ids[i]!),
      );
      for (const i of slice) {
        const id = wide.ids[i]!;
        seen.add(id);
        if (full >= want || !isFull(id)) continue;
        ids.push(id);
        bm25.push(Math.min(wide.bm25[i]!, bm25[bm25.length - 1] ?? Number.POSITIVE_INFINITY));
        full++;
      }
    }
    if (!wide.hasMore) break;
  }
  return { ...text, ids, bm25 };
}

/** A matcher for gitignore-style globs (`tests/**`, `*.pb.go`), tried on root-relative paths. */
function compileGlobs(globs: readonly string[]): (relativePath: string) => boolean {
  const ig = ignore().add([...globs]);
  return (p) => {
    try {
      return p !== '' && ig.ignores(p);
    } catch {
      // `ignore` refuses paths that are not relative (a file outside every root): keep it.
      return false;
    }
  };
}

/** A scope as a list (undefined: everything). */
function scopeList(scope: PathScope | undefined): readonly string[] | undefined {
  return scope === undefined ? undefined : typeof scope === 'string' ? [scope] : scope;
}

/** Lines a snippet shows of a chunk no query word was found in (a semantic candidate). */
const SNIPPET_LINES = 6;

/**
 * Up to `max` of `items` (best first) whose shown lines overlap none kept before them: two
 * windows of one long definition overlap, and both can show the same lines of the overlap.
 */
export function distinctSnippets<T>(
  items: readonly T[],
  shown: (item: T) => [number, number],
  max: number,
): T[] {
  const kept: { item: T; lines: [number, number] }[] = [];
  for (const item of items) {
    if (kept.length >= max) break;
    const [a, b] = shown(item);
    if (kept.some(({ lines: [c, d] }) => a <= d && c <= b)) continue;
    kept.push({ item, lines: [a, b] });
  }
  return kept.map((k) => k.item);
}

/** The first lines of a chunk (after any license comment at its top), numbered, as a snippet. */
function snippetOf(content: string, startLine: number, maxLines = SNIPPET_LINES): string {
  const lines = content.split('\n');
  const from = afterLicense(lines);
  return lines
    .slice(from, from + maxLines)
    .map((l, i) => `${startLine + from + i}: ${l.length > 160 ? `${l.slice(0, 159)}…` : l}`)
    .join('\n');
}

export type CodeSearch = ReturnType<typeof createCodeSearch>;
