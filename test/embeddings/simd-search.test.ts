import assert from 'node:assert/strict';
import { test } from 'node:test';
import { quantizeRows, simdSearchAvailable, simdTopK } from '../../src/embeddings/simd-search.js';
import {
  createVectorIndex,
  INT8_PASS_MIN_FLOATS,
  rerankedTopK,
  topK,
} from '../../src/embeddings/vector-search.js';

function unitMatrix(n: number, dims: number, seed: number): Float32Array {
  let x = seed;
  const rnd = () => {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    return x / 2 ** 31 - 0.5;
  };
  const m = new Float32Array(n * dims);
  for (let r = 0; r < n; r++) {
    let s = 0;
    for (let j = 0; j < dims; j++) {
      const v = rnd();
      m[r * dims + j] = v;
      s += v * v;
    }
    const norm = Math.sqrt(s);
    for (let j = 0; j < dims; j++) m[r * dims + j]! /= norm;
  }
  return m;
}

test('the SIMD exact search loads here and agrees with a brute-force sort', () => {
  assert.equal(simdSearchAvailable, true, 'usearch native module did not load');
  const dims = 64;
  const n = 3000;
  const m = unitMatrix(n, dims, 7);
  for (const q of [0, 17, 2999]) {
    const query = m.slice(q * dims, (q + 1) * dims);
    const fast = simdTopK(m, dims, query, 10, true);
    assert.ok(fast);
    const brute = Array.from({ length: n }, (_, i) => {
      let s = 0;
      for (let j = 0; j < dims; j++) s += m[i * dims + j]! * query[j]!;
      return { index: i, score: s };
    }).sort((a, b) => b.score - a.score);
    assert.equal(fast[0]?.index, q, 'a row is its own nearest neighbour');
    assert.deepEqual(
      fast.map((h) => h.index),
      brute.slice(0, 10).map((h) => h.index),
    );
    for (const [i, h] of fast.entries()) assert.ok(Math.abs(h.score - brute[i]!.score) < 1e-4);
  }
});

test('topK takes the SIMD path for large matrices and gives the same answer as the JS loop', () => {
  const dims = 128;
  const n = 4000; // 512k floats: above the SIMD threshold
  const m = unitMatrix(n, dims, 11);
  const query = m.slice(5 * dims, 6 * dims);
  const viaTopK = topK(m, dims, query, 5);
  const small = topK(m.subarray(0, 1000 * dims), dims, query, 1); // JS path (below threshold)
  assert.equal(viaTopK[0]?.index, 5);
  assert.equal(small[0]?.index, 5);
  assert.ok(Math.abs(viaTopK[0]!.score - 1) < 1e-4);
});

test('the int8 first pass plus float32 re-rank gives exactly the brute-force top-k', () => {
  const dims = 128;
  const n = 10_000; // 1.28M floats: above INT8_PASS_MIN_FLOATS
  const m = unitMatrix(n, dims, 23);
  assert.ok(m.length >= INT8_PASS_MIN_FLOATS);
  const rows8 = quantizeRows(m);
  assert.ok(rows8, 'usearch native module did not load');
  const brute = (query: Float32Array) =>
    Array.from({ length: n }, (_, i) => {
      let s = 0;
      for (let j = 0; j < dims; j++) s += m[i * dims + j]! * query[j]!;
      return { index: i, score: s };
    }).sort((a, b) => b.score - a.score || a.index - b.index);
  const queries = [
    m.slice(0, dims),
    m.slice(4321 * dims, 4322 * dims).map((v, j) => v + (j % 3 === 0 ? 0.05 : -0.02)),
    unitMatrix(1, dims, 99),
  ];
  for (const query of queries) {
    for (const k of [1, 10, 150]) {
      const fast = rerankedTopK(m, rows8, dims, query, k);
      assert.ok(fast);
      const exact = brute(query).slice(0, k);
      assert.deepEqual(
        fast.map((h) => h.index),
        exact.map((h) => h.index),
        `k=${k}`,
      );
      for (const [i, h] of fast.entries()) assert.ok(Math.abs(h.score - exact[i]!.score) < 1e-9);
    }
  }
  // A vector index over such a matrix takes this path and finds a row as its own neighbour.
  const index = createVectorIndex('/r', 'm', 1, {
    ids: Array.from({ length: n }, (_, i) => i + 1),
    matrix: m,
    dims,
  });
  assert.equal(index.bytes, m.byteLength + rows8.byteLength);
  assert.equal(index.search(m.slice(777 * dims, 778 * dims), 3)[0]?.id, 778);
  assert.throws(() => rerankedTopK(m, rows8, dims, new Float32Array(dims + 1), 3), /dimensions/);
});
