import assert from 'node:assert/strict';
import { test } from 'node:test';
import { groupByFile, mainLanguagesOf } from '../../src/mcp/rerank.js';

test('groupByFile scores a file by its best three chunks whatever number of chunks it keeps', () => {
  const chunks = [
    { item: 1, path: 'big.py', score: 0.5 },
    { item: 2, path: 'big.py', score: 0.5 },
    { item: 3, path: 'big.py', score: 0.5 },
    { item: 4, path: 'big.py', score: 0.5 },
    { item: 5, path: 'big.py', score: 0.5 },
    { item: 6, path: 'small.py', score: 0.75 },
  ];
  for (const perFile of [1, 3, 5]) {
    const g = groupByFile(chunks, perFile);
    assert.deepEqual(
      g.map((x) => [x.path, Number(x.score.toFixed(6)), x.chunks.length]),
      [
        ['big.py', 0.8, Math.min(perFile, 5)],
        ['small.py', 0.75, 1],
      ],
      `perFile ${perFile}`,
    );
  }
});

test("main languages: a quarter of the most common; a web app's components and its TypeScript together", () => {
  assert.deepEqual([...mainLanguagesOf({ python: 100, c: 30, javascript: 10 })].sort(), ['c', 'python']);
  // 20 components beside 200 TypeScript files are no port to rank after the TypeScript.
  assert.deepEqual([...mainLanguagesOf({ typescript: 200, vue: 20, python: 5 })].sort(), [
    'typescript',
    'vue',
  ]);
  assert.deepEqual([...mainLanguagesOf({ svelte: 80, javascript: 10, go: 3 })].sort(), [
    'javascript',
    'svelte',
  ]);
  // Without components, JavaScript beside TypeScript stays what it was.
  assert.deepEqual([...mainLanguagesOf({ typescript: 200, javascript: 20 })], ['typescript']);
});
