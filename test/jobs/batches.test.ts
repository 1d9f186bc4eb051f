import assert from 'node:assert/strict';
import { test } from 'node:test';
import { byteBalancedBatches } from '../../workers/processors/repository.js';

const files = (sizes: number[]) => sizes.map((size, i) => ({ path: `f${String(i).padStart(3, '0')}`, size }));
const bytesOf = (batch: string[], all: { path: string; size: number }[]) =>
  batch.reduce((n, p) => n + (all.find((f) => f.path === p)?.size ?? 0), 0);

test('batches: big files early make a short first batch, and every file is in exactly one batch, in order', () => {
  const all = files([50, 50, 50, 50, 1, 1, 1, 1]);
  const batches = byteBalancedBatches(all, 6);
  // A full batch is 102 bytes (204 over ceil(8 / 6) = 2); after it the budget is half of what is
  // left, never below 51.
  assert.deepEqual(batches, [['f000', 'f001'], ['f002'], ['f003', 'f004'], ['f005', 'f006', 'f007']]);
  assert.deepEqual(
    batches.map((b) => bytesOf(b, all)),
    [100, 50, 51, 3],
  );
});

test('batches: never more than batchSize files; even sizes give full batches, then the last one split in halves', () => {
  const all = files(Array.from({ length: 1000 }, () => 10));
  const batches = byteBalancedBatches(all, 200);
  assert.deepEqual(
    batches.map((b) => b.length),
    [200, 200, 200, 200, 100, 100],
  );
  assert.deepEqual(
    batches.flat(),
    all.map((f) => f.path),
  );
});

test('batches: small files first never make a later batch fatter (Django: 0.9, 0.8, then 2.2 MB)', () => {
  // 400 small files, then 339 files holding most of the bytes: the shape of Django's source.
  const all = files([
    ...Array.from({ length: 400 }, () => 2_000),
    ...Array.from({ length: 339 }, () => 10_000),
  ]);
  const batches = byteBalancedBatches(all, 200);
  const bytes = batches.map((b) => bytesOf(b, all));
  const full = (400 * 2_000 + 339 * 10_000) / 4;
  assert.ok(
    bytes.every((n) => n <= full + 10_000),
    `batch bytes ${bytes.join(', ')} (a full batch is ${full})`,
  );
  assert.ok(batches.every((b) => b.length <= 200 && b.length > 0));
  // The tail shrinks: the last batch is at most half a full one.
  assert.ok(bytes[bytes.length - 1]! <= full / 2 + 10_000, `batch bytes ${bytes.join(', ')}`);
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
