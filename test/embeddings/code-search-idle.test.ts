import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadConfig } from '../../src/config/load.js';
import { createEmbeddingProvider } from '../../src/embeddings/provider.js';
import { createCodeSearch, embeddingModel } from '../../src/mcp/code-search.js';
import { openIndexStore } from '../../src/store/index.js';
import { chunk, indexed, tempDir } from '../store/helpers/fixtures.js';

const tmp = tempDir('codeindex-code-search-idle-');
after(tmp.cleanup);

test('the server lets go of the local model and the vector matrices after CODEINDEX_EMBEDDINGS_IDLE seconds without a query, and loads them again', async () => {
  const cfg = loadConfig(
    {},
    { CODEINDEX_HOME: tmp.dir, CODEINDEX_EMBEDDINGS: 'local', CODEINDEX_EMBEDDINGS_IDLE: '3' },
  );
  assert.equal(cfg.embeddings.idleSeconds, 3);
  const model = embeddingModel(cfg);
  const store = openIndexStore(join(tmp.dir, 'index.db'));
  const retry = chunk(
    'function retryWithBackoff(task, attempts) { return schedule(task, attempts * 2); }',
    1,
    'retryWithBackoff',
  );
  const parse = chunk('function parseHeaderLine(line) { return line.split(":"); }', 1, 'parseHeaderLine');
  await store.writeBatch('/repo', [
    indexed('a.ts', { chunks: [retry] }),
    indexed('b.ts', { chunks: [parse] }),
  ]);
  // The documents' vectors, as an embed job stores them (the model the server will load).
  const embedder = createEmbeddingProvider({ provider: 'local', model });
  const todo = await store.chunksMissingVectors('/repo', model, 10);
  const vectors = await embedder.embed(
    todo.map((c) => embedder.documentText?.(c) ?? c.content),
    'document',
  );
  await embedder.close?.();
  await store.upsertVectors(
    model,
    vectors[0]!.length,
    todo.map((c, i) => ({ hash: c.hash, vector: vectors[i]! })),
  );

  const search = createCodeSearch(cfg, () => store);
  try {
    assert.equal(search.modelResident(), false, 'nothing is loaded before the first query');
    assert.equal(search.vectorsResident(), false);
    const query = {
      query: 'schedule a task again after a delay',
      mode: 'semantic' as const,
      limit: 2,
      offset: 0,
    };
    const first = await search.search(query);
    const answered = Date.now();
    assert.equal(first.mode, 'semantic');
    // Idle is 3 s: a busy machine can take a second or more between the query's embedding and its
    // vector search, so a shorter idle time could let the model go before the search returns.
    assert.equal(search.modelResident(), true);
    assert.equal(search.vectorsResident(), true);
    // Both go after the idle time (timers never fire early; a loaded machine may fire them late).
    const deadline = Date.now() + 20_000;
    while ((search.modelResident() || search.vectorsResident()) && Date.now() < deadline) await sleep(100);
    assert.equal(search.modelResident(), false, 'the model went after the idle time without a query');
    assert.equal(search.vectorsResident(), false, 'the vector thread went too');
    assert.ok(Date.now() - answered >= 2_500, `went after ${Date.now() - answered} ms, before the idle time`);
    // At once: the vector thread that went is still exiting while this query starts its successor.
    const again = await search.search(query);
    assert.equal(search.modelResident(), true, 'the next query loads them again');
    assert.equal(search.vectorsResident(), true);
    assert.deepEqual(
      again.hits.map((h) => [h.path, h.score]),
      first.hits.map((h) => [h.path, h.score]),
      'same answers from the reloaded model',
    );
  } finally {
    await search.close();
    await store.close();
  }
  assert.equal(search.modelResident(), false, 'close stops the model thread');
  assert.equal(search.vectorsResident(), false, 'and the vector thread');
});

test('CODEINDEX_EMBEDDINGS_IDLE: ten minutes by default, 0 keeps the model loaded, bad values are refused', () => {
  assert.equal(loadConfig({}, { CODEINDEX_HOME: tmp.dir }).embeddings.idleSeconds, 600);
  assert.equal(
    loadConfig({}, { CODEINDEX_HOME: tmp.dir, CODEINDEX_EMBEDDINGS_IDLE: '0' }).embeddings.idleSeconds,
    0,
  );
  assert.throws(
    () => loadConfig({}, { CODEINDEX_HOME: tmp.dir, CODEINDEX_EMBEDDINGS_IDLE: '-5' }),
    /idleSeconds|CODEINDEX_EMBEDDINGS_IDLE/,
  );
});
