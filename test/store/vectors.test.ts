import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { isCodeindexError } from '../../src/errors.js';
import { openIndexStore } from '../../src/store/index.js';
import { chunk, indexed, tempDir } from './helpers/fixtures.js';

const tmp = tempDir();
after(tmp.cleanup);

test('code chunks are searched as text only: never embedded, never counted as pending, never loaded', async () => {
  const store = openIndexStore(join(tmp.dir, 'vectors-code.db'));
  const sym = chunk('function a() {}', 1, 'a');
  const code = chunk('main();', 3, null, 'code');
  await store.writeBatch('/repo', [indexed('x.ts', { chunks: [sym, code] })]);
  assert.deepEqual(
    (await store.chunksMissingVectors('/repo', 'm', 10)).map((m) => m.hash),
    [sym.hash],
  );
  assert.deepEqual(await store.vectorCoverage('/repo', 'm'), { embedded: 0, pending: 1 });
  await store.upsertVectors('m', 2, [
    { hash: sym.hash, vector: new Float32Array([1, 0]) },
    // Even with a vector for its content (an identical symbol chunk elsewhere), a code chunk is not a row.
    { hash: code.hash, vector: new Float32Array([0, 1]) },
  ]);
  assert.deepEqual(await store.vectorCoverage('/repo', 'm'), { embedded: 1, pending: 0 });
  assert.equal((await store.loadVectors('/repo', 'm')).ids.length, 1);
  await store.close();
});

test('vectors: keyed by content hash + model, shared by identical chunks, survive re-index', async () => {
  const store = openIndexStore(join(tmp.dir, 'vectors.db'));
  const a = chunk('function a() {}', 1, 'a');
  const b = chunk('function b() {}', 3, 'b');
  await store.writeBatch('/repo', [
    indexed('x.ts', { chunks: [a, b] }),
    indexed('copy.ts', { chunks: [chunk(a.content)] }),
  ]);

  assert.deepEqual(await store.vectorCoverage('/repo', 'm1'), { embedded: 0, pending: 2 });
  const missing = await store.chunksMissingVectors('/repo', 'm1', 10);
  assert.deepEqual(missing.map((m) => m.hash).sort(), [a.hash, b.hash].sort());
  assert.equal((await store.chunksMissingVectors('/repo', 'm1', 1)).length, 1);

  assert.equal(await store.upsertVectors('m1', 2, [{ hash: a.hash, vector: new Float32Array([3, 4]) }]), 1);
  assert.deepEqual(await store.vectorCoverage('/repo', 'm1'), { embedded: 1, pending: 1 });
  assert.deepEqual(
    (await store.chunksMissingVectors('/repo', 'm1', 10)).map((m) => m.content),
    [b.content],
  );
  assert.deepEqual(await store.vectorCoverage('/repo', 'm2'), { embedded: 0, pending: 2 });

  const loaded = await store.loadVectors('/repo', 'm1');
  assert.equal(loaded.dims, 2);
  assert.equal(loaded.ids.length, 2, 'both chunks with content a get a row');
  assert.deepEqual(
    [...loaded.matrix].map((x) => Math.round(x * 1000) / 1000),
    [0.6, 0.8, 0.6, 0.8],
  );
  const records = await store.chunksByIds([...loaded.ids].reverse().concat([999_999]));
  assert.equal(records.length, 2);
  assert.equal(records[0]?.chunkId, loaded.ids[1]);
  assert.equal(records[0]?.content, a.content);
  assert.ok(records.every((r) => r.path.startsWith('/repo/')));

  // Re-indexing unchanged content keeps the vector: nothing becomes pending again.
  await store.writeBatch('/repo', [indexed('x.ts', { chunks: [a, b] })]);
  assert.deepEqual(await store.vectorCoverage('/repo', 'm1'), { embedded: 1, pending: 1 });
  assert.deepEqual(await store.loadVectors('/repo', 'nope'), {
    ids: [],
    matrix: new Float32Array(0),
    dims: 0,
  });

  await assert.rejects(
    () => store.upsertVectors('m1', 3, [{ hash: b.hash, vector: new Float32Array(2) }]),
    (e) => isCodeindexError(e, 'INVALID_PAYLOAD'),
  );
  await store.close();
});

test('vector coverage follows writes, new vectors and cleanup (it is remembered between them)', async () => {
  const root = join(tmp.dir, 'cov-root');
  mkdirSync(root, { recursive: true });
  writeFileSync(join(root, 'kept.ts'), 'export const kept = 1;\n');
  const store = openIndexStore(join(tmp.dir, 'coverage.db'));
  const kept = chunk('export const kept = 1;', 1, 'kept');
  const gone = chunk('export const gone = 2;', 1, 'gone');
  await store.writeBatch(root, [
    indexed('kept.ts', { chunks: [kept] }),
    indexed('gone.ts', { chunks: [gone] }),
  ]);
  assert.deepEqual(await store.vectorCoverage(root, 'm'), { embedded: 0, pending: 2 });
  await store.upsertVectors('m', 2, [{ hash: kept.hash, vector: new Float32Array([1, 0]) }]);
  assert.deepEqual(await store.vectorCoverage(root, 'm'), { embedded: 1, pending: 1 });
  // gone.ts is not on disk: cleanup drops its rows, and the coverage with them.
  const result = await store.cleanup({ days: 365, dryRun: false });
  assert.equal(result.deletedFiles, 1);
  assert.deepEqual(await store.vectorCoverage(root, 'm'), { embedded: 1, pending: 0 });
  await store.writeBatch(root, [
    indexed('new.ts', { chunks: [chunk('export const fresh = 3;', 1, 'fresh')] }),
  ]);
  assert.deepEqual(await store.vectorCoverage(root, 'm'), { embedded: 1, pending: 1 });
  await store.close();
});

test('chunksMissingVectors with a shard takes the chunks whose id is the index modulo the count', async () => {
  const store = openIndexStore(join(tmp.dir, 'vectors-shards.db'));
  const chunks = [1, 2, 3, 4, 5, 6].map((i) => chunk(`function s${i}() { return ${i}; }`, i * 2, `s${i}`));
  await store.writeBatch('/repo', [indexed('s.ts', { chunks })]);
  const all = await store.chunksMissingVectors('/repo', 'm', 100);
  assert.equal(all.length, 6);
  const even = await store.chunksMissingVectors('/repo', 'm', 100, 0, { index: 0, count: 2 });
  const odd = await store.chunksMissingVectors('/repo', 'm', 100, 0, { index: 1, count: 2 });
  assert.ok(even.every((c) => c.chunkId % 2 === 0) && odd.every((c) => c.chunkId % 2 === 1));
  assert.deepEqual(
    [...even, ...odd].map((c) => c.chunkId).sort((a, b) => a - b),
    all.map((c) => c.chunkId),
  );
  assert.equal(even.length, 3);
  await store.close();
});

/**
 * More repeats of one content than a statement's page: the batch still fills with the distinct
 * contents after them, in chunk id order, on both engines (PostgreSQL where one answers).
 */
test('missing vectors: a batch reads past pages that hold only repeats, on both engines', async () => {
  const { openPgStore } = await import('../../src/store/pg/store.js');
  const { createTestDatabase } = await import('./helpers/pg.js');
  const { missingVectorsPage } = await import('../../src/store/vectors.js');
  const pg = await createTestDatabase();
  const stores = [openIndexStore(join(tmp.dir, 'vectors-repeats.db'))];
  if (pg) stores.push(openPgStore(pg.url));
  try {
    const repeated = chunk('function same() {}', 1, 'same');
    const repeats = missingVectorsPage(2) * 2 + 5;
    const files = Array.from({ length: repeats }, (_, i) =>
      indexed(`copy${String(i).padStart(3, '0')}.ts`, { chunks: [chunk(repeated.content, 1, 'same')] }),
    );
    const last = [chunk('function one() {}', 1, 'one'), chunk('function two() {}', 3, 'two')];
    for (const store of stores) {
      await store.writeBatch('/repo', files);
      await store.writeBatch('/repo', [indexed('z.ts', { chunks: last })]);
      assert.deepEqual(
        (await store.chunksMissingVectors('/repo', 'm', 2)).map((m) => m.content),
        [repeated.content, last[0]!.content],
      );
      const all = await store.chunksMissingVectors('/repo', 'm', 10);
      assert.deepEqual(
        all.map((m) => m.content),
        [repeated.content, last[0]!.content, last[1]!.content],
      );
      assert.deepEqual(await store.vectorCoverage('/repo', 'm'), { embedded: 0, pending: 3 });
      // As the embedding job goes: a batch, its vectors, the next batch after its last chunk.
      const first = await store.chunksMissingVectors('/repo', 'm', 1);
      await store.upsertVectors('m', 2, [{ hash: first[0]!.hash, vector: new Float32Array([1, 0]) }]);
      assert.deepEqual(
        (await store.chunksMissingVectors('/repo', 'm', 5, first[0]!.chunkId)).map((m) => m.content),
        [last[0]!.content, last[1]!.content],
      );
      assert.deepEqual(await store.vectorCoverage('/repo', 'm'), { embedded: 1, pending: 2 });
    }
  } finally {
    for (const s of stores) await s.close();
    await pg?.drop();
  }
});
