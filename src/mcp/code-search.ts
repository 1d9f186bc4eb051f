import type { Config } from '../config/schema.js';
import { embeddingModelName } from '../embeddings/model.js';
import {
  createEmbeddingProvider,
  type EmbeddingProvider,
  resolveEmbeddingApiKey,
} from '../embeddings/provider.js';
import { fuseRankings } from '../embeddings/rrf.js';
import { createVectorIndexCache, type VectorIndexCache } from '../embeddings/vector-search.js';
import type { LanguageId } from '../indexer/types.js';
import { chunkHit, compileTextQuery, makeSnippet } from '../store/text-search.js';
import type { ChunkHit, ChunkRecord, IndexStore, RootRow } from '../store/types.js';

export type SearchMode = 'text' | 'semantic' | 'hybrid';

/** A root's vector matrix is kept this many times its load time while new vectors keep arriving. */
const RELOAD_SLOWDOWN = 10;
/** Loads faster than this are repeated whenever something changed. */
const SLOW_LOAD_MS = 100;

export interface CodeSearchQuery {
  query: string;
  mode: SearchMode;
  pathPrefix?: string | undefined;
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
 * fusion of both) code search. Vectors are loaded once per root, index generation and vectors
 * version (see `vectorIndexFor`).
 */
export function createCodeSearch(cfg: Config, store: () => IndexStore) {
  let provider: EmbeddingProvider | null = null;
  const cache: VectorIndexCache = createVectorIndexCache({
    load: (root, model) => store().loadVectors(root, model),
  });
  const model = embeddingModel(cfg);
  // What each root's matrix was loaded for (its generation, chunks version and the vectors
  // version) and what loading it cost. While embedding runs, the vectors version moves with every
  // batch, and the watcher moves the chunks version with every save; reloading on each move would
  // block the queries of a large root for its whole load time again and again, so a matrix that
  // holds vectors and took SLOW_LOAD_MS or more to load is kept for ten times its load time before
  // it is replaced (Go's standard library, 67k chunks, loads in ~1 s: changes show within 10 s).
  // Smaller roots reload at once. Meanwhile chunks that are gone drop out (`chunksByIds`).
  const loads = new Map<string, { stamp: string; at: number; ms: number; size: number }>();
  const vectorIndexFor = (root: RootRow, vectorsVersion: number) => {
    const stamp = `${root.generation}:${root.chunksVersion}:${vectorsVersion}`;
    const prev = loads.get(root.path);
    if (
      prev !== undefined &&
      (prev.stamp === stamp ||
        (prev.size > 0 && prev.ms >= SLOW_LOAD_MS && Date.now() - prev.at < RELOAD_SLOWDOWN * prev.ms))
    ) {
      return cache.get(root.path, model, prev.stamp);
    }
    const t0 = performance.now();
    const idx = cache.get(root.path, model, stamp);
    loads.set(root.path, { stamp, at: Date.now(), ms: performance.now() - t0, size: idx.size });
    return idx;
  };

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

  async function semantic(
    q: CodeSearchQuery,
    k: number,
  ): Promise<{ ids: number[]; scores: Map<number, number> } | null> {
    const p = embedder();
    if (!p) return null;
    const s = store();
    const roots = s
      .listRoots()
      .filter(
        (r) =>
          !q.pathPrefix ||
          q.pathPrefix === r.path ||
          q.pathPrefix.startsWith(`${r.path}/`) ||
          r.path.startsWith(`${q.pathPrefix}/`),
      );
    const hits: { id: number; score: number }[] = [];
    let any = false;
    let qv: Float32Array | undefined;
    const version = s.vectorsVersion();
    for (const r of roots) {
      const idx = vectorIndexFor(r, version);
      if (idx.size === 0) continue;
      any = true;
      qv ??= (await p.embed([q.query], 'query'))[0];
      if (!qv) return null;
      hits.push(...idx.search(qv, k));
    }
    if (!any) return null;
    hits.sort((a, b) => b.score - a.score);
    return { ids: hits.map((h) => h.id), scores: new Map(hits.map((h) => [h.id, h.score])) };
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
      const sem = await semantic(q, Math.max(50, want) * 3);
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
      if (q.pathPrefix || q.language) {
        const kept = s
          .chunksByIds(semIds)
          .filter(
            (c) =>
              (!q.pathPrefix || c.path === q.pathPrefix || c.path.startsWith(`${q.pathPrefix}/`)) &&
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
        const text = s.rankText({ ...textQuery, looseBelow: q.offset + q.limit });
        textIds = new Set(text.ids);
        terms = compileTextQuery(q.query).terms;
        ranking = fuseRankings([text.ids.map((id) => ({ id })), semIds.map((id) => ({ id }))]).map((f) => ({
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
      return { hits, hasMore: ranking.length > q.offset + q.limit, mode: q.mode };
    },
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

/** The first lines of a chunk, numbered, as a snippet. */
function snippetOf(content: string, startLine: number, maxLines = 6): string {
  return content
    .split('\n')
    .slice(0, maxLines)
    .map((l, i) => `${startLine + i}: ${l.length > 160 ? `${l.slice(0, 159)}…` : l}`)
    .join('\n');
}

export type CodeSearch = ReturnType<typeof createCodeSearch>;
