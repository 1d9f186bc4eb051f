import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { loadConfig } from '../../src/config/load.js';
import { indexDbPath } from '../../src/config/paths.js';
import { createEmbeddingProvider } from '../../src/embeddings/provider.js';
import { createCodeSearch, embeddingModel } from '../../src/mcp/code-search.js';
import { openIndexStore } from '../../src/store/index.js';
import type { IndexStore } from '../../src/store/types.js';
import { chunk, indexed, tempDir } from '../store/helpers/fixtures.js';

const tmp = tempDir('codeindex-code-search-');
after(tmp.cleanup);

const cfg = loadConfig(
  {},
  { CODEINDEX_HOME: tmp.dir, CODEINDEX_EMBEDDINGS: 'local', CODEINDEX_EMBEDDINGS_MODEL: 'local-hash' },
);
const model = embeddingModel(cfg);
const provider = createEmbeddingProvider({ provider: 'local', model });

/** Embeds whatever the root lacks, as an embed job would, and returns how many were new. */
async function embedMissing(store: IndexStore, root: string): Promise<number> {
  const todo = await store.chunksMissingVectors(root, model, 1000);
  if (todo.length === 0) return 0;
  const vectors = await provider.embed(
    todo.map((c) => c.content),
    'document',
  );
  await store.upsertVectors(
    model,
    vectors[0]!.length,
    todo.map((c, i) => ({ hash: c.hash, vector: vectors[i]! })),
  );
  return todo.length;
}

test('semantic search sees chunks that reuse an existing vector, and new vectors, without a new generation', async () => {
  const store = openIndexStore(join(tmp.dir, 'index.db'));
  const search = createCodeSearch(cfg, () => store);
  const retry = chunk(
    'function retryWithBackoff(task, attempts) { return schedule(task, attempts * 2); }',
    1,
    'retryWithBackoff',
  );
  const parse = chunk('function parseHeaderLine(line) { return line.split(":"); }', 1, 'parseHeaderLine');
  await store.writeBatch('/repo', [indexed('a.ts', { chunks: [retry] })]);

  const none = await search.search({ query: 'retry with backoff', mode: 'semantic', limit: 5, offset: 0 });
  assert.equal(none.mode, 'text', 'no vectors yet: text results with a note');
  assert.match(none.note ?? '', /no vectors yet/);

  assert.equal(await embedMissing(store, '/repo'), 1);
  const first = await search.search({ query: 'retry with backoff', mode: 'semantic', limit: 5, offset: 0 });
  assert.equal(first.mode, 'semantic');
  assert.deepEqual(
    first.hits.map((h) => h.path),
    ['/repo/a.ts'],
  );

  // A copy in a new file needs no new vector (same content hash), so only the root's chunks
  // version tells the cached matrix that it is out of date.
  await store.writeBatch('/repo', [
    indexed('copy.ts', { chunks: [chunk(retry.content, 1, 'retryWithBackoff')] }),
  ]);
  assert.equal(await embedMissing(store, '/repo'), 0);
  const copied = await search.search({ query: 'retry with backoff', mode: 'semantic', limit: 5, offset: 0 });
  assert.deepEqual(copied.hits.map((h) => h.path).sort(), ['/repo/a.ts', '/repo/copy.ts']);

  // New content with a new vector: the vectors version moves.
  const before = await store.vectorsVersion();
  await store.writeBatch('/repo', [indexed('b.ts', { chunks: [parse] })]);
  assert.equal(await embedMissing(store, '/repo'), 1);
  assert.equal(await store.vectorsVersion(), before + 1);
  const parsed = await search.search({ query: 'parse header line', mode: 'semantic', limit: 1, offset: 0 });
  assert.deepEqual(
    parsed.hits.map((h) => h.path),
    ['/repo/b.ts'],
  );

  // A removed file drops out at once.
  await store.removeFiles('/repo', ['a.ts']);
  const removed = await search.search({ query: 'retry with backoff', mode: 'semantic', limit: 5, offset: 0 });
  assert.ok(!removed.hits.some((h) => h.path === '/repo/a.ts'), JSON.stringify(removed.hits));
  await store.close();
});

test('chunksMissingVectors continues after a chunk id; roots carry a chunks version', async () => {
  const store = openIndexStore(join(tmp.dir, 'paging.db'));
  const chunks = [1, 2, 3, 4, 5].map((i) => chunk(`function f${i}() { return ${i}; }`, i * 2, `f${i}`));
  const v0 = (await store.listRoots()).find((r) => r.path === '/p')?.chunksVersion ?? 0;
  await store.writeBatch('/p', [indexed('a.ts', { chunks })]);
  const v1 = (await store.listRoots()).find((r) => r.path === '/p')!.chunksVersion;
  assert.ok(v1 > v0);
  const first = await store.chunksMissingVectors('/p', model, 2);
  assert.deepEqual(
    first.map((c) => c.content),
    [chunks[0]!.content, chunks[1]!.content],
  );
  const next = await store.chunksMissingVectors('/p', model, 2, first[1]!.chunkId);
  assert.deepEqual(
    next.map((c) => c.content),
    [chunks[2]!.content, chunks[3]!.content],
  );
  assert.ok(next[0]!.chunkId > first[1]!.chunkId);
  await store.removeFiles('/p', ['a.ts']);
  assert.ok((await store.listRoots()).find((r) => r.path === '/p')!.chunksVersion > v1);
  await store.close();
});

test('partial coverage is said; a new model re-embeds beside the old one, whose vectors go once the root is covered', async () => {
  const store = openIndexStore(indexDbPath(cfg));
  const search = createCodeSearch(cfg, () => store);
  const a = chunk('function uploadFile(path) { return put(path); }', 1, 'uploadFile');
  const b = chunk('function downloadFile(url) { return get(url); }', 1, 'downloadFile');
  await store.writeBatch('/cov', [indexed('a.ts', { chunks: [a] })]);
  await embedMissing(store, '/cov');
  await store.writeBatch('/cov', [indexed('b.ts', { chunks: [b] })]);
  // Semantic: under the hashed bag of words hybrid is text alone (see the test below).
  const partial = await search.search({
    query: 'upload a file',
    mode: 'semantic',
    limit: 5,
    offset: 0,
    pathPrefix: '/cov',
  });
  assert.equal(partial.mode, 'semantic');
  assert.match(partial.note ?? '', /embeddings cover 1 of 2 chunks \(50 %\)/);

  // Old model vectors stay while the new model's coverage is incomplete.
  const old = 'old-model';
  await store.upsertVectors(old, 2, [
    { hash: a.hash, vector: new Float32Array([1, 0]) },
    { hash: b.hash, vector: new Float32Array([0, 1]) },
  ]);
  assert.equal(await store.dropOtherModelVectors('/cov', model), 0);
  assert.deepEqual(await store.vectorCoverage('/cov', old), { embedded: 2, pending: 0 });
  await embedMissing(store, '/cov');
  const full = await search.search({
    query: 'upload a file',
    mode: 'semantic',
    limit: 5,
    offset: 0,
    pathPrefix: '/cov',
  });
  assert.equal(full.note, undefined);
  assert.equal(await store.dropOtherModelVectors('/cov', model), 2);
  assert.deepEqual(await store.vectorCoverage('/cov', old), { embedded: 0, pending: 2 });
  assert.deepEqual(await store.vectorCoverage('/cov', model), { embedded: 2, pending: 0 });
  await search.close();
  await store.close();
});
