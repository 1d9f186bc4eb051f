import { createRequire } from 'node:module';

/** The one function we use from usearch: SIMD brute-force k-NN, no index to build. */
type ExactSearch = (
  dataset: Float32Array | Int8Array,
  queries: Float32Array | Int8Array,
  dims: number,
  k: number,
  metric: 'ip',
  threads: number,
) => { keys: BigUint64Array; distances: Float32Array };

/**
 * Threads per search. usearch's default (0) starts a pool of one thread per core for every call.
 * For a single query on this 2-core machine one thread scanned faster, most of all in the tail
 * (int8 scan of 78k x 512 alone: p50 5.3-5.5 ms, p95 8-9 ms with 2 threads; p50 4.4-5.1 ms, p95
 * 5.1-5.5 ms with one), and hybrid search ranks its text half on another thread meanwhile. In the
 * whole semantic search path the two were within noise of each other.
 */
const SEARCH_THREADS = 1;

/**
 * usearch's `exactSearch` when its native module loads (it ships prebuilt binaries for the
 * usual platforms), else null and callers use the plain JS loop. Exact search, not an ANN
 * graph: results are the same as the JS loop (up to float rounding), ~5x faster at 100k x 512.
 */
const exactSearch: ExactSearch | null = (() => {
  try {
    const mod = createRequire(import.meta.url)('usearch') as { exactSearch?: ExactSearch };
    return typeof mod.exactSearch === 'function' ? mod.exactSearch : null;
  } catch {
    return null;
  }
})();

/** Below this many floats the JS loop is as fast and avoids the native call. */
const MIN_FLOATS = 200_000;

/** True when the SIMD path is available (for tests and status). */
export const simdSearchAvailable = exactSearch !== null;

/**
 * Top-k rows of `matrix` by inner product with `query` (rows are unit vectors, so this is
 * cosine), through usearch. Returns null when the native path is unavailable or not worth it.
 */
export function simdTopK(
  matrix: Float32Array,
  dims: number,
  query: Float32Array,
  k: number,
  force = false,
): { index: number; score: number }[] | null {
  if (!exactSearch || (!force && matrix.length < MIN_FLOATS)) return null;
  const r = exactSearch(matrix, query, dims, k, 'ip', SEARCH_THREADS);
  const out: { index: number; score: number }[] = [];
  for (let i = 0; i < r.keys.length; i++) {
    // usearch's inner-product distance is 1 - dot.
    out.push({ index: Number(r.keys[i]), score: 1 - r.distances[i]! });
  }
  return out;
}

/**
 * An int8 copy of a matrix of unit rows (each component × 127, rounded), a quarter of its size,
 * for a first, approximate pass: usearch scans it about 3x faster than the float32 matrix
 * (4.4 ms against 13 ms for 78k × 512 on this 2-core machine). Null when usearch is unavailable.
 */
export function quantizeRows(matrix: Float32Array): Int8Array | null {
  if (!exactSearch) return null;
  const out = new Int8Array(matrix.length);
  for (let i = 0; i < matrix.length; i++) out[i] = Math.round(Math.max(-1, Math.min(1, matrix[i]!)) * 127);
  return out;
}

/**
 * Row numbers of the `k` best rows of an int8 matrix by inner product with `query` (scaled to
 * the int8 range), best first; null when usearch is unavailable. Approximate: callers re-rank
 * with the float32 rows.
 */
export function int8Candidates(
  rows: Int8Array,
  dims: number,
  query: Float32Array,
  k: number,
): number[] | null {
  if (!exactSearch) return null;
  let max = 0;
  for (let i = 0; i < query.length; i++) max = Math.max(max, Math.abs(query[i]!));
  const scale = max > 0 ? 127 / max : 0;
  const q = new Int8Array(query.length);
  for (let i = 0; i < query.length; i++) q[i] = Math.round(query[i]! * scale);
  const r = exactSearch(rows, q, dims, k, 'ip', SEARCH_THREADS);
  return Array.from(r.keys, (key) => Number(key));
}
