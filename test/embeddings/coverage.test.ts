import assert from 'node:assert/strict';
import { test } from 'node:test';
import { coverageReport, formatEta, partialCoverageNote } from '../../src/embeddings/coverage.js';

test('coverage and ETA: the running job’s pace times what is pending', () => {
  assert.deepEqual(coverageReport({ embedded: 0, pending: 0 }, null, 0), { coverage: 1, eta_seconds: 0 });
  assert.deepEqual(coverageReport({ embedded: 30, pending: 70 }, null, 0), {
    coverage: 0.3,
    eta_seconds: null,
  });
  // 30 chunks in 10 s: 3/s, 70 left -> 24 s (rounded up).
  assert.deepEqual(coverageReport({ embedded: 30, pending: 70 }, { current: 30, startedAt: 1000 }, 11_000), {
    coverage: 0.3,
    eta_seconds: 24,
  });
  assert.deepEqual(coverageReport({ embedded: 30, pending: 70 }, { current: 0, startedAt: 1000 }, 11_000), {
    coverage: 0.3,
    eta_seconds: null,
  });
  assert.equal(formatEta(40), '40 s');
  assert.equal(formatEta(150), '3 min');
  assert.equal(formatEta(3900), '1 h 5 min');
});

test('the partial-coverage note sums the roots searched and is absent when all are covered', async () => {
  const cov = new Map([
    ['/a', { embedded: 3, pending: 1 }],
    ['/b', { embedded: 4, pending: 0 }],
  ]);
  const at = async (r: string) => cov.get(r)!;
  assert.match((await partialCoverageNote(at, ['/a', '/b'])) ?? '', /cover 7 of 8 chunks \(87 %\)/);
  assert.equal(await partialCoverageNote(at, ['/b']), undefined);
});
