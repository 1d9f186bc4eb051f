import { indexDbPath } from '../config/paths.js';
import type { Config } from '../config/schema.js';
import { partialCoverageNote } from '../embeddings/coverage.js';
import { embeddingModelName } from '../embeddings/model.js';
import {
  createEmbeddingProvider,
  type EmbeddingProvider,
  resolveEmbeddingApiKey,
} from '../embeddings/provider.js';
import { fuseRankings } from '../embeddings/rrf.js';
import { createVectorService, type VectorService } from '../embeddings/vector-service.js';
import type { LanguageId } from '../indexer/types.js';
import type { Logger } from '../log.js';
import { chunkHit, makeSnippet } from '../store/text-search.js';
import type { ChunkHit, ChunkRecord, IndexStore, PathScope } from '../store/types.js';
import { isUnder, rootInScope } from './scope.js';

export type SearchMode = 'text' | 'semantic' | 'hybrid';

export interface CodeSearchQuery {
  query: string;
  mode: SearchMode;
  /** One absolute path prefix or several (their union); undefined: every indexed root. */
  pathPrefix?: PathScope | undefined;
  language?: LanguageId | undefined;
  limit: number;
  offset: number;
}

export interface CodeSearchResult {
  hits: ChunkHit[];
  hasMore: boolean;
  /** The mode actually used (hybrid falls back to text when there are no vectors yet). */
  mode: SearchMode;
  note?: string;
}

/** The embedding model name for a config (what workers store vectors under). */
export function embeddingModel(cfg: Config): string {
  return embeddingModelName(cfg.embeddings);
}

/**
 * Text (FTS5/BM25), semantic (exact cosine over the root's vectors) and hybrid (reciprocal rank
 * fusion of both) code search. Vector matrices live in a worker thread (`createVectorService`).
 */
export function createCodeSearch(cfg: Config, store: () => IndexStore, log?: Logger) {
  let provider: EmbeddingProvider | null = null;
  const model = embeddingModel(cfg);
  // Matrices live in a worker thread: loading one never blocks this thread, and hybrid search
  // ranks its text half here while the worker scans the vectors.
  const vectors: VectorService = createVectorService(
    indexDbPath(cfg),
    (root, m) => store().loadVectors(root, m),
    log,
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
    note?: string | undefined;
  } | null> {
    const p = embedder();
    if (!p) return null;
    const s = store();
    const prefixes = scopeList(q.pathPrefix);
    const roots = s
      .listRoots()
      .filter((r) => rootInScope(r.path, prefixes))
      .map((r) => ({ path: r.path, generation: r.generation, chunksVersion: r.chunksVersion }));
    const base = { model, vectorsVersion: s.vectorsVersion() };
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
    const note = partialCoverageNote(
      (root) => s.vectorCoverage(root, model),
      withVectors.map((r) => r.path),
    );
    return { result, note };
  }

  return {
    model,
    async search(q: CodeSearchQuery): Promise<CodeSearchResult> {
      const s = store();
      const want = q.offset + q.limit + 1;
      const textQuery = {
        query: q.query,
        limit: q.mode === 'text' ? q.limit : Math.max(50, want),
        offset: q.mode === 'text' ? q.offset : 0,
      };
      if (q.pathPrefix) Object.assign(textQuery, { pathPrefix: q.pathPrefix });
      if (q.language) Object.assign(textQuery, { language: q.language });
      if (q.mode === 'text') {
        const r = s.searchText(textQuery);
        return { hits: r.hits, hasMore: r.hasMore, mode: 'text' };
      }
      const semantic = await startSemantic(q, Math.max(50, want) * 3);
      // The text ranking runs here while the worker scans the vectors.
      const text =
        semantic !== null && q.mode === 'hybrid'
          ? s.rankText({ ...textQuery, looseBelow: q.offset + q.limit })
          : null;
      const sem = semantic === null ? null : await semantic.result;
      if (!sem) {
        const r = s.searchText({ ...textQuery, limit: q.limit, offset: q.offset });
        return {
          hits: r.hits,
          hasMore: r.hasMore,
          mode: 'text',
          note:
            cfg.embeddings.provider === 'off'
              ? 'embeddings are off (CODEINDEX_EMBEDDINGS=off): text results only'
              : 'no vectors yet for this root (embedding jobs pending): text results only',
        };
      }
      // Semantic candidates must honour the same filters as text search (that needs their paths).
      let semIds = sem.ids.slice(0, Math.max(50, want) * 3);
      const known = new Map<number, ChunkRecord>();
      const prefixes = scopeList(q.pathPrefix);
      if (prefixes || q.language) {
        const kept = s
          .chunksByIds(semIds)
          .filter(
            (c) =>
              (!prefixes || prefixes.some((p) => isUnder(p, c.path))) &&
              (!q.language || c.language === q.language),
          );
        for (const c of kept) known.set(c.chunkId, c);
        semIds = kept.map((c) => c.chunkId);
      }
      let ranking: { id: number; score: number }[];
      let textIds = new Set<number>();
      let terms = new Set<string>();
      if (q.mode === 'semantic') {
        ranking = semIds.map((id) => ({ id, score: sem.scores.get(id) ?? 0 }));
      } else {
        const textRanked = text?.ids ?? [];
        textIds = new Set(textRanked);
        terms = text?.terms ?? terms;
        ranking = fuseRankings([textRanked.map((id) => ({ id })), semIds.map((id) => ({ id }))]).map((f) => ({
          id: f.id,
          score: Number(f.score.toFixed(6)),
        }));
      }
      // Only the returned page is read: text hits get the lines that match the query as their
      // snippet, semantic-only hits the chunk's first lines.
      const hits = readPage(s, ranking, q.offset, q.limit, known).map(({ record: c, score }) =>
        chunkHit(
          c,
          score,
          textIds.has(c.chunkId)
            ? makeSnippet(c.content, c.startLine, terms)
            : snippetOf(c.content, c.startLine),
        ),
      );
      return {
        hits,
        hasMore: ranking.length > q.offset + q.limit,
        mode: q.mode,
        ...(semantic?.note ? { note: semantic.note } : {}),
      };
    },
    /** Stops the vector worker. */
    close: () => vectors.close(),
  };
}

/**
 * The chunks of `ranking[offset ..]`, at most `limit`, read in page-sized windows: ids whose
 * chunk is gone since the ranking was made (a vector matrix kept while files change) are skipped
 * and the page is filled from the ids after them.
 */
function readPage(
  s: IndexStore,
  ranking: readonly { id: number; score: number }[],
  offset: number,
  limit: number,
  known: ReadonlyMap<number, ChunkRecord>,
): { record: ChunkRecord; score: number }[] {
  const out: { record: ChunkRecord; score: number }[] = [];
  let at = offset;
  while (out.length < limit && at < ranking.length) {
    const window = ranking.slice(at, at + limit - out.length);
    at += window.length;
    const read = new Map(
      s.chunksByIds(window.filter((r) => !known.has(r.id)).map((r) => r.id)).map((c) => [c.chunkId, c]),
    );
    for (const r of window) {
      const record = known.get(r.id) ?? read.get(r.id);
      if (record !== undefined) out.push({ record, score: r.score });
    }
  }
  return out;
}

/** A scope as a list (undefined: everything). */
function scopeList(scope: PathScope | undefined): readonly string[] | undefined {
  return scope === undefined ? undefined : typeof scope === 'string' ? [scope] : scope;
}

/** The first lines of a chunk, numbered, as a snippet. */
function snippetOf(content: string, startLine: number, maxLines = 6): string {
  return content
    .split('\n')
    .slice(0, maxLines)
    .map((l, i) => `${startLine + i}: ${l.length > 160 ? `${l.slice(0, 159)}…` : l}`)
    .join('\n');
}

export type CodeSearch = ReturnType<typeof createCodeSearch>;
