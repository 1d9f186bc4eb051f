import assert from 'node:assert/strict';
import { test } from 'node:test';
import { byteBalancedBatches } from '../../workers/processors/repository.js';

const files = (sizes: number[]) => sizes.map((size, i) => ({ path: `f${String(i).padStart(3, '0')}`, size }));
const bytesOf = (batch: string[], all: { path: string; size: number }[]) =>
  batch.reduce((n, p) => n + (all.find((f) => f.path === p)?.size ?? 0), 0);

test('batches: big files early make a short first batch, and every file is in exactly one batch, in order', () => {
  const all = files([50, 50, 50, 50, 1, 1, 1, 1]);
  const batches = byteBalancedBatches(all, 6);
  assert.deepEqual(batches, [
    ['f000', 'f001'],
    ['f002', 'f003', 'f004', 'f005', 'f006', 'f007'],
  ]);
  assert.deepEqual(
    batches.map((b) => bytesOf(b, all)),
    [100, 104],
  );
});

test('batches: never more than batchSize files, count = ceil(n / batchSize) for even sizes', () => {
  const all = files(Array.from({ length: 1000 }, () => 10));
  const batches = byteBalancedBatches(all, 200);
  assert.equal(batches.length, 5);
  assert.ok(batches.every((b) => b.length === 200));
  assert.deepEqual(
    batches.flat(),
    all.map((f) => f.path),
  );
});

test('batches: a skewed tree gets batches of similar bytes, each within batchSize', () => {
  // One package of 100 large files, then 700 small ones.
  const all = files([
    ...Array.from({ length: 100 }, () => 20_000),
    ...Array.from({ length: 700 }, () => 1_000),
  ]);
  const batches = byteBalancedBatches(all, 200);
  assert.deepEqual(
    batches.flat(),
    all.map((f) => f.path),
  );
  assert.ok(batches.every((b) => b.length <= 200 && b.length > 0));
  const bytes = batches.map((b) => bytesOf(b, all));
  // Path-order slices of 200 files would be 2.1 MB, 0.2 MB, 0.2 MB, 0.2 MB.
  assert.ok(Math.max(...bytes) <= 700_000, `batch bytes ${bytes.join(', ')}`);
});

test('batches: one batch for a small change set, none for nothing', () => {
  assert.deepEqual(byteBalancedBatches(files([5, 1_000_000, 7]), 200), [['f000', 'f001', 'f002']]);
  assert.deepEqual(byteBalancedBatches([], 200), []);
});
