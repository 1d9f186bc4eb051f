import { CodeindexError } from '../errors.js';
import { int8Candidates, quantizeRows, simdTopK } from './simd-search.js';

/** One nearest neighbour: the row number in the matrix and its cosine similarity to the query. */
export interface TopKHit {
  index: number;
  score: number;
}

/**
 * Scales `v` in place to unit length and returns it; an all-zero vector stays zero.
 * Rows are normalised at insert, so cosine similarity is a plain dot product at query time.
 */
export function l2Normalize(v: Float32Array): Float32Array {
  let sum = 0;
  for (let i = 0; i < v.length; i++) sum += v[i]! * v[i]!;
  if (sum > 0) {
    const inv = 1 / Math.sqrt(sum);
    for (let i = 0; i < v.length; i++) v[i] = v[i]! * inv;
  }
  return v;
}

function checkQueryDims(query: Float32Array, dims: number): void {
  if (query.length !== dims) {
    throw new CodeindexError(
      'EMBEDDING_PROVIDER',
      `query vector has ${query.length} dimensions but the stored vectors have ${dims}; re-embed the index with the configured model`,
    );
  }
}

/** Matrices from this many floats up get an int8 first pass (below it the float32 scan takes ~1 ms). */
export const INT8_PASS_MIN_FLOATS = 1_000_000;

/**
 * Top-k in two passes: the best `max(4k, k + 100)` rows of the int8 copy, then exact float32 dot
 * products of those rows only, best first (equal scores: lower row first). A true top-k row is
 * missed only if int8 rounding (about 0.004 per component) ranks it below 4k other rows; the
 * tests compare the result with a full brute-force scan. Null when the int8 pass is unavailable.
 */
export function rerankedTopK(
  matrix: Float32Array,
  rows8: Int8Array,
  dims: number,
  query: Float32Array,
  k: number,
): TopKHit[] | null {
  checkQueryDims(query, dims);
  const n = matrix.length / dims;
  const size = Math.min(Math.max(0, Math.floor(k)), n);
  if (size === 0) return [];
  const candidates = int8Candidates(rows8, dims, query, Math.min(n, Math.max(4 * size, size + 100)));
  if (candidates === null) return null;
  const hits: TopKHit[] = [];
  for (const row of candidates) {
    const off = row * dims;
    let score = 0;
    for (let j = 0; j < dims; j++) score += matrix[off + j]! * query[j]!;
    if (!Number.isNaN(score)) hits.push({ index: row, score });
  }
  hits.sort((a, b) => b.score - a.score || a.index - b.index);
  return hits.slice(0, size);
}

/**
 * Exact top-k by dot product over a row-major `n × dims` matrix of L2-normalised rows (so the
 * score is cosine similarity when `query` is normalised too). One pass with a size-k min-heap:
 * O(n·dims + n·log k) time, O(k) memory; no full sort. Results are best first; equal scores
 * keep the lower row index first. Rows whose score is NaN are skipped.
 */
export function topK(matrix: Float32Array, dims: number, query: Float32Array, k: number): TopKHit[] {
  if (!Number.isInteger(dims) || dims < 1) throw new RangeError(`topK: dims must be a positive integer`);
  if (matrix.length % dims !== 0) throw new RangeError(`topK: matrix length is not a multiple of dims`);
  checkQueryDims(query, dims);
  const n = matrix.length / dims;
  const size = Math.min(Math.max(0, Math.floor(k)), n);
  if (size === 0) return [];
  const fast = simdTopK(matrix, dims, query, size);
  if (fast) return fast;

  // Min-heap of the best `size` rows seen so far; the root is the worst of them.
  const hs = new Float64Array(size);
  const hi = new Int32Array(size);
  let count = 0;
  // "a is worse than b": lower score, or same score and later row.
  const worse = (sa: number, ia: number, sb: number, ib: number) => sa < sb || (sa === sb && ia > ib);

  for (let row = 0, off = 0; row < n; row++, off += dims) {
    // Four accumulators let the JIT overlap the multiply-adds.
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    let j = 0;
    for (; j + 3 < dims; j += 4) {
      s0 += matrix[off + j]! * query[j]!;
      s1 += matrix[off + j + 1]! * query[j + 1]!;
      s2 += matrix[off + j + 2]! * query[j + 2]!;
      s3 += matrix[off + j + 3]! * query[j + 3]!;
    }
    for (; j < dims; j++) s0 += matrix[off + j]! * query[j]!;
    const score = s0 + s1 + s2 + s3;
    if (Number.isNaN(score)) continue;

    if (count < size) {
      // Sift up.
      let c = count++;
      while (c > 0) {
        const p = (c - 1) >> 1;
        if (!worse(score, row, hs[p]!, hi[p]!)) break;
        hs[c] = hs[p]!;
        hi[c] = hi[p]!;
        c = p;
      }
      hs[c] = score;
      hi[c] = row;
    } else if (score > hs[0]!) {
      // Replace the root and sift down.
      let c = 0;
      for (;;) {
        const l = 2 * c + 1;
        if (l >= size) break;
        const r = l + 1;
        const m = r < size && worse(hs[r]!, hi[r]!, hs[l]!, hi[l]!) ? r : l;
        if (!worse(hs[m]!, hi[m]!, score, row)) break;
        hs[c] = hs[m]!;
        hi[c] = hi[m]!;
        c = m;
      }
      hs[c] = score;
      hi[c] = row;
    }
  }

  const out: TopKHit[] = [];
  for (let i = 0; i < count; i++) out.push({ index: hi[i]!, score: hs[i]! });
  out.sort((a, b) => b.score - a.score || a.index - b.index);
  return out;
}

/** What the store's `loadVectors(rootPath, model)` returns: row i of `matrix` is the vector of `ids[i]`. */
export interface LoadedVectors {
  ids: ArrayLike<number>;
  /** Row-major, `ids.length × dims`, rows L2-normalised. */
  matrix: Float32Array;
  /** 0 is allowed when there are no vectors. */
  dims: number;
}

/** Loads all vectors of one root and model. Injected: the index store owns the data. */
export type VectorLoader = (rootPath: string, model: string) => Promise<LoadedVectors>;

/** A hit mapped back to the stored id (a chunk id). */
export interface VectorHit {
  id: number;
  score: number;
}

/** The vectors of one (root, model) at one index generation, ready to search. */
export interface VectorIndex {
  readonly rootPath: string;
  readonly model: string;
  /** What the vectors were loaded for: an index generation, or any stamp the caller keys them by. */
  readonly generation: number | string;
  readonly dims: number;
  /** Number of vectors. */
  readonly size: number;
  /** Bytes held by the matrix. */
  readonly bytes: number;
  /** Exact cosine top-k; ids as the loader gave them. */
  search(query: Float32Array, k: number): VectorHit[];
}

/** Loads vectors once per (root, model, generation) and keeps them while memory allows. */
export interface VectorIndexCache {
  /** The index for this generation: cached, or loaded now (replacing any older generation). */
  get(rootPath: string, model: string, generation: number | string): Promise<VectorIndex>;
  /** Drops the cached vectors of a root (all models, or one). */
  invalidate(rootPath: string, model?: string): void;
  clear(): void;
  /** Entries held. */
  readonly size: number;
  /** Matrix bytes held. */
  readonly bytes: number;
}

/** Options of {@link createVectorIndexCache}. */
export interface VectorIndexCacheOptions {
  load: VectorLoader;
  /**
   * Least-recently-used entries are dropped above this many matrix bytes; the entry just used is
   * always kept. Default 1 GiB (100k × 1024-dim vectors take 400 MB).
   */
  maxBytes?: number | undefined;
}

/** Wraps loaded vectors as a {@link VectorIndex}. Checks the shapes once. */
export function createVectorIndex(
  rootPath: string,
  model: string,
  generation: number | string,
  loaded: LoadedVectors,
): VectorIndex {
  const { ids, matrix, dims } = loaded;
  const size = ids.length;
  if (size > 0 && (!Number.isInteger(dims) || dims < 1 || matrix.length !== size * dims)) {
    throw new CodeindexError(
      'INTERNAL',
      `stored vectors for ${model} are inconsistent (${size} ids, ${matrix.length} floats, ${dims} dims); re-embed the index`,
    );
  }
  const rows8 = matrix.length >= INT8_PASS_MIN_FLOATS ? quantizeRows(matrix) : null;
  return Object.freeze({
    rootPath,
    model,
    generation,
    dims,
    size,
    bytes: matrix.byteLength + (rows8?.byteLength ?? 0),
    search(query: Float32Array, k: number): VectorHit[] {
      if (size === 0) return [];
      const hits = (rows8 && rerankedTopK(matrix, rows8, dims, query, k)) ?? topK(matrix, dims, query, k);
      return hits.map((h) => ({ id: ids[h.index]!, score: h.score }));
    },
  });
}

/**
 * A per-process cache of vector matrices, so a query process reads vectors from SQLite once per
 * index generation instead of once per query. Keyed by (root, model); a different generation
 * reloads.
 */
export function createVectorIndexCache(options: VectorIndexCacheOptions): VectorIndexCache {
  const { load } = options;
  const maxBytes = options.maxBytes ?? 1024 ** 3;
  // Map order is recency order: the last entry was used most recently.
  const entries = new Map<string, VectorIndex>();
  const keyOf = (rootPath: string, model: string) => JSON.stringify([rootPath, model]);
  const totalBytes = () => {
    let sum = 0;
    for (const e of entries.values()) sum += e.bytes;
    return sum;
  };

  return {
    async get(rootPath, model, generation) {
      const key = keyOf(rootPath, model);
      const hit = entries.get(key);
      entries.delete(key);
      if (hit !== undefined && hit.generation === generation) {
        entries.set(key, hit);
        return hit;
      }
      const index = createVectorIndex(rootPath, model, generation, await load(rootPath, model));
      entries.set(key, index);
      for (const [k] of entries) {
        if (entries.size <= 1 || totalBytes() <= maxBytes) break;
        entries.delete(k);
      }
      return index;
    },
    invalidate(rootPath, model) {
      for (const [key, e] of entries) {
        if (e.rootPath === rootPath && (model === undefined || e.model === model)) entries.delete(key);
      }
    },
    clear() {
      entries.clear();
    },
    get size() {
      return entries.size;
    },
    get bytes() {
      return totalBytes();
    },
  };
}
