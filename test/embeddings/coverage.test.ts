import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  coverageReport,
  formatEta,
  partialCoverage,
  partialCoverageNote,
} from '../../src/embeddings/coverage.js';

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
  const partial = await partialCoverage(at, ['/a', '/b']);
  assert.deepEqual(partial, { embedded: 7, pending: 1, roots: ['/a'] });
  assert.equal(
    partialCoverageNote(partial!),
    'embeddings cover 7 of 8 chunks (87 %); the rest are still being embedded and are found by text only',
  );
  assert.equal(await partialCoverage(at, ['/b']), null);
});

test('the partial-coverage note names a stopped embedding and what to do, instead of promising the rest', () => {
  const p = { embedded: 7, pending: 3, roots: ['/a', '/c'] };
  const note = partialCoverageNote(p, [
    { root: '/a', failed: { taskId: 'emb_1', error: 'provider answered 401:\n invalid key' } },
    { root: '/c', failed: null },
  ]);
  assert.equal(
    note,
    'embeddings cover 7 of 10 chunks (70 %); the rest are found by text only. ' +
      'embedding /a stopped, task emb_1 failed (provider answered 401: invalid key): fix the cause, then retry_task "emb_1"; ' +
      'no embedding job is queued for /c: index_repository on it queues one',
  );
  assert.doesNotMatch(note, /still being embedded/);
});
