import assert from 'node:assert/strict';
import { test } from 'node:test';
import { groupByFile } from '../../src/mcp/rerank.js';

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
