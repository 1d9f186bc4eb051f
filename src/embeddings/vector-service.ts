/**
 * Vector search off the main thread. A worker thread holds the vector matrices (loaded from its
 * own read-only SQLite connection) and answers k-NN queries, so a query process never stops for
 * a matrix load (about 1 s for the 78k chunks of Go's standard library) and hybrid search ranks
 * its text half on the main thread while the worker scans the vectors.
 *
 * `createVectorCore` is the part that does the work, shared by the worker and the in-thread
 * fallback used when a worker cannot start.
 */

import type { Logger } from '../log.js';
import { createRequestThread } from './request-thread.js';
import {
  createVectorIndexCache,
  type VectorHit,
  type VectorIndex,
  type VectorLoader,
} from './vector-search.js';

/** A root as the vector service needs it: what its matrix is loaded for. */
export interface VectorRoot {
  path: string;
  generation: number;
  chunksVersion: number;
}

/** What a request names: the roots to search, the model, and the global vectors version. */
export interface VectorScope {
  roots: VectorRoot[];
  model: string;
  vectorsVersion: number;
}

/** A matrix is kept this many times its load time while new vectors or chunks keep arriving. */
const RELOAD_SLOWDOWN = 10;
/** Loads faster than this are repeated whenever something changed. */
const SLOW_LOAD_MS = 100;

/** Matrices per root and model, loaded and reloaded as their roots change. */
export interface VectorCore {
  /** Vectors held per root (loading what is out of date). */
  sizes(scope: VectorScope): Promise<number[]>;
  /** Best `k` over all roots of the scope, best first. */
  search(scope: VectorScope, query: Float32Array, k: number): Promise<VectorHit[]>;
}

/**
 * The matrices of each root, keyed by what they were loaded for: the root's generation, its
 * chunks version (bumped by every write to the root) and the vectors version (bumped by every
 * vector write). While embedding runs, the vectors version moves with every batch, and the watcher
 * moves the chunks version with every save; reloading on each move would keep a large root's
 * matrix loading most of the time, so a matrix that holds vectors and took SLOW_LOAD_MS or more
 * to load is kept for RELOAD_SLOWDOWN times its load time before it is replaced (Go's standard
 * library loads in ~1 s: changes show within ~10 s). Smaller roots reload at once. Meanwhile
 * chunks that are gone drop out of results when the caller reads them.
 */
export function createVectorCore(load: VectorLoader): VectorCore {
  const cache = createVectorIndexCache({ load });
  const loads = new Map<string, { stamp: string; at: number; ms: number; size: number }>();
  const indexFor = async (root: VectorRoot, model: string, vectorsVersion: number): Promise<VectorIndex> => {
    const key = `${model}\n${root.path}`;
    const stamp = `${root.generation}:${root.chunksVersion}:${vectorsVersion}`;
    const prev = loads.get(key);
    if (
      prev !== undefined &&
      (prev.stamp === stamp ||
        (prev.size > 0 && prev.ms >= SLOW_LOAD_MS && Date.now() - prev.at < RELOAD_SLOWDOWN * prev.ms))
    ) {
      return cache.get(root.path, model, prev.stamp);
    }
    const t0 = performance.now();
    const idx = await cache.get(root.path, model, stamp);
    loads.set(key, { stamp, at: Date.now(), ms: performance.now() - t0, size: idx.size });
    return idx;
  };
  return {
    async sizes(scope) {
      const sizes: number[] = [];
      for (const r of scope.roots) sizes.push((await indexFor(r, scope.model, scope.vectorsVersion)).size);
      return sizes;
    },
    async search(scope, query, k) {
      const hits: VectorHit[] = [];
      for (const r of scope.roots) {
        const idx = await indexFor(r, scope.model, scope.vectorsVersion);
        if (idx.size > 0) hits.push(...idx.search(query, k));
      }
      return hits.sort((a, b) => b.score - a.score);
    },
  };
}

/** Requests from the main thread to the vector worker. */
export type VectorRequest =
  | { id: number; op: 'sizes'; scope: VectorScope }
  | { id: number; op: 'search'; scope: VectorScope; query: Float32Array; k: number };

/** The worker's answer to one request. */
export type VectorReply =
  | { id: number; sizes: number[] }
  | { id: number; hits: VectorHit[] }
  | { id: number; error: string };

/** The asynchronous face of a VectorCore, in a worker thread or (fallback) in this one. */
export interface VectorService {
  sizes(scope: VectorScope): Promise<number[]>;
  search(scope: VectorScope, query: Float32Array, k: number): Promise<VectorHit[]>;
  /** Whether the worker thread (and the matrices it holds) is alive now. */
  resident(): boolean;
  close(): Promise<void>;
}

/** A request before its id is assigned. */
type RequestBody = VectorRequest extends infer R ? (R extends unknown ? Omit<R, 'id'> : never) : never;

const WORKER_URL = new URL('./vector-worker.js', import.meta.url);

/**
 * A VectorService backed by a worker thread reading `dbPath`. The worker starts on first use and
 * never keeps the process alive. If it cannot start or throws, requests in flight fail and later
 * ones run in this thread on `fallback` (the same code, loading through the caller's store); if it
 * just exits, the next request starts a new one. With `idleMs`, a worker that answered nothing for
 * that long is stopped, and its matrices go with it; the next request loads them again.
 */
export function createVectorService(
  dbPath: string,
  fallback: VectorLoader,
  log?: Logger,
  idleMs?: number,
): VectorService {
  let broken = false;
  let local: VectorCore | null = null;
  const thread = createRequestThread<RequestBody, VectorReply>({
    url: WORKER_URL,
    workerData: { dbPath },
    idleMs,
    failure: (why) =>
      'error' in why
        ? why.error
        : new Error(
            'exitCode' in why
              ? `vector search worker exited with code ${why.exitCode}`
              : 'vector search closed',
          ),
    onThreadError: (err) => {
      log?.warn('vector search worker failed; searching vectors in the main thread', { error: err.message });
      broken = true;
    },
  });
  /** The request sent to the worker, or null when vectors are searched in this thread. */
  const ask = (msg: RequestBody): Promise<VectorReply> | null => {
    if (broken) return null;
    try {
      thread.start();
    } catch (err) {
      log?.warn('cannot start the vector search worker; searching vectors in the main thread', {
        error: (err as Error).message,
      });
      broken = true;
      return null;
    }
    return thread.request(msg);
  };
  const inThread = (): VectorCore => {
    local ??= createVectorCore(fallback);
    return local;
  };
  const unwrap = <T>(reply: VectorReply, pick: (r: VectorReply) => T | undefined): T => {
    if ('error' in reply) throw new Error(reply.error);
    const v = pick(reply);
    if (v === undefined) throw new Error('vector search worker sent an unexpected reply');
    return v;
  };
  return {
    async sizes(scope) {
      const reply = ask({ op: 'sizes', scope });
      if (reply === null) return inThread().sizes(scope);
      return unwrap(await reply, (r) => ('sizes' in r ? r.sizes : undefined));
    },
    async search(scope, query, k) {
      const reply = ask({ op: 'search', scope, query, k });
      if (reply === null) return inThread().search(scope, query, k);
      return unwrap(await reply, (r) => ('hits' in r ? r.hits : undefined));
    },
    resident: () => thread.resident(),
    async close() {
      broken = true;
      await thread.close();
    },
  };
}
