import assert from 'node:assert/strict';
import { test } from 'node:test';
import { simdSearchAvailable, simdTopK } from '../../src/embeddings/simd-search.js';
import { topK } from '../../src/embeddings/vector-search.js';

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
