import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  createVectorIndexCache,
  type LoadedVectors,
  l2Normalize,
  topK,
} from '../../src/embeddings/vector-search.js';
import { isCodeindexError } from '../../src/errors.js';

/** Deterministic pseudo-random numbers (mulberry32), so failures reproduce. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomMatrix(n: number, dims: number, seed: number): Float32Array {
  const rand = rng(seed);
  const m = new Float32Array(n * dims);
  for (let i = 0; i < m.length; i++) m[i] = rand() * 2 - 1;
  for (let r = 0; r < n; r++) l2Normalize(m.subarray(r * dims, (r + 1) * dims));
  return m;
}

function bruteForce(matrix: Float32Array, dims: number, q: Float32Array, k: number) {
  const scores: { index: number; score: number }[] = [];
  for (let r = 0; r < matrix.length / dims; r++) {
    let s = 0;
    for (let j = 0; j < dims; j++) s += matrix[r * dims + j]! * q[j]!;
    scores.push({ index: r, score: s });
  }
  return scores.sort((a, b) => b.score - a.score || a.index - b.index).slice(0, k);
}

describe('topK', () => {
  test('matches a brute-force sort', () => {
    for (const [n, dims, k] of [
      [1, 4, 1],
      [50, 3, 5],
      [1000, 37, 10],
      [2000, 64, 1],
      [500, 128, 500],
      [300, 16, 1000],
    ] as const) {
      const m = randomMatrix(n, dims, n + dims);
      const q = randomMatrix(1, dims, k)!;
      const got = topK(m, dims, q, k);
      const want = bruteForce(m, dims, q, k);
      assert.equal(got.length, Math.min(k, n));
      assert.deepEqual(
        got.map((h) => h.index),
        want.map((h) => h.index),
        `n=${n} dims=${dims} k=${k}`,
      );
      for (const [i, h] of got.entries()) assert.ok(Math.abs(h.score - want[i]!.score) < 1e-5);
    }
  });

  test('ties keep the lower row first; k <= 0 and empty matrices give nothing', () => {
    const m = new Float32Array([1, 0, 0, 1, 1, 0, 1, 0, 0, 1]);
    const q = new Float32Array([1, 0]);
    assert.deepEqual(
      topK(m, 2, q, 3).map((h) => h.index),
      [0, 2, 3],
    );
    assert.deepEqual(topK(m, 2, q, 0), []);
    assert.deepEqual(topK(m, 2, q, -1), []);
    assert.deepEqual(topK(new Float32Array(0), 2, q, 5), []);
  });

  test('rejects a query of the wrong width and a ragged matrix', () => {
    assert.throws(
      () => topK(new Float32Array(4), 2, new Float32Array(3), 1),
      (e: unknown) => isCodeindexError(e, 'EMBEDDING_PROVIDER'),
    );
    assert.throws(() => topK(new Float32Array(5), 2, new Float32Array(2), 1), RangeError);
  });

  test('latency at 100k x 512 and 100k x 1024 (logged, not asserted; set CODEINDEX_BENCH=1)', {
    skip: process.env.CODEINDEX_BENCH !== '1',
  }, () => {
    for (const dims of [512, 1024]) {
      const n = 100_000;
      const m = randomMatrix(n, dims, dims);
      const q = randomMatrix(1, dims, 7);
      topK(m, dims, q, 10); // warm up the JIT
      const runs: number[] = [];
      for (let i = 0; i < 10; i++) {
        const t = performance.now();
        topK(m, dims, q, 10);
        runs.push(performance.now() - t);
      }
      runs.sort((a, b) => a - b);
      console.log(
        `topK k=10 over ${n} x ${dims}: median ${runs[5]!.toFixed(1)} ms, min ${runs[0]!.toFixed(1)} ms, max ${runs[9]!.toFixed(1)} ms`,
      );
    }
  });
});

describe('VectorIndexCache', () => {
  const vectors = (n: number, dims: number): LoadedVectors => ({
    ids: Array.from({ length: n }, (_, i) => 1000 + i),
    matrix: randomMatrix(n, dims, n),
    dims,
  });

  test('loads once per (root, model, generation) and maps rows to ids', async () => {
    const calls: string[] = [];
    const cache = createVectorIndexCache({
      load: async (root, model) => {
        calls.push(`${root}|${model}`);
        return vectors(20, 8);
      },
    });
    const a = await cache.get('/repo', 'm1', 1);
    assert.equal(await cache.get('/repo', 'm1', 1), a);
    assert.deepEqual(calls, ['/repo|m1']);
    const q = randomMatrix(1, 8, 99);
    const hits = a.search(q, 3);
    assert.equal(hits.length, 3);
    assert.ok(hits.every((h) => h.id >= 1000 && h.id < 1020));
    assert.deepEqual(
      hits.map((h) => h.id - 1000),
      topK(randomMatrix(20, 8, 20), 8, q, 3).map((h) => h.index),
    );

    await cache.get('/repo', 'm2', 1);
    await cache.get('/other', 'm1', 1);
    assert.equal(calls.length, 3);
    const b = await cache.get('/repo', 'm1', 2);
    assert.notEqual(b, a);
    assert.equal(b.generation, 2);
    assert.equal(calls.length, 4);
    assert.equal(cache.size, 3);

    cache.invalidate('/repo');
    assert.equal(cache.size, 1);
    await cache.get('/repo', 'm1', 2);
    assert.equal(calls.length, 5);
    cache.clear();
    assert.equal(cache.size, 0);
  });

  test('evicts least recently used entries above maxBytes, keeping the newest', async () => {
    const loads: string[] = [];
    const cache = createVectorIndexCache({
      load: async (root) => {
        loads.push(root);
        return vectors(100, 10); // 4000 bytes each
      },
      maxBytes: 10_000,
    });
    await cache.get('/a', 'm', 1);
    await cache.get('/b', 'm', 1);
    await cache.get('/a', 'm', 1); // /a is now the most recent
    await cache.get('/c', 'm', 1); // 12 000 bytes: /b goes
    assert.equal(cache.size, 2);
    assert.equal(cache.bytes, 8000);
    await cache.get('/a', 'm', 1);
    await cache.get('/c', 'm', 1);
    assert.deepEqual(loads, ['/a', '/b', '/c']);
    await cache.get('/b', 'm', 1);
    assert.deepEqual(loads, ['/a', '/b', '/c', '/b']);
    let reloaded = 0;
    const probe = createVectorIndexCache({
      load: async () => {
        reloaded++;
        return vectors(100, 10);
      },
      maxBytes: 1,
    });
    await probe.get('/a', 'm', 1);
    await probe.get('/a', 'm', 1);
    assert.equal(reloaded, 1, 'an entry larger than maxBytes is still kept while it is the only one');
  });

  test('an empty index searches to nothing; inconsistent shapes are refused', async () => {
    const cache = createVectorIndexCache({
      load: async () => ({ ids: [], matrix: new Float32Array(0), dims: 0 }),
    });
    assert.deepEqual((await cache.get('/r', 'm', 1)).search(new Float32Array(8), 5), []);
    const bad = createVectorIndexCache({
      load: async () => ({ ids: [1, 2], matrix: new Float32Array(5), dims: 2 }),
    });
    await assert.rejects(
      () => bad.get('/r', 'm', 1),
      (e: unknown) => isCodeindexError(e),
    );
  });
});
