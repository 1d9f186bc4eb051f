import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createVectorCore, createVectorService } from '../../src/embeddings/vector-service.js';
import { openIndexStore } from '../../src/store/index.js';
import { chunk, indexed, tempDir } from '../store/helpers/fixtures.js';

const tmp = tempDir('codeindex-vector-service-');
after(tmp.cleanup);

test('the worker thread answers like the in-thread core, and follows new vectors', async () => {
  const dbPath = join(tmp.dir, 'index.db');
  const store = openIndexStore(dbPath);
  const chunks = [1, 2, 3, 4].map((i) => chunk(`function f${i}() { return ${i}; }`, i * 3, `f${i}`));
  await store.writeBatch('/r', [indexed('a.ts', { chunks })]);
  const unit = (i: number) => Float32Array.from({ length: 4 }, (_, j) => (j === i ? 1 : 0.1));
  await store.upsertVectors(
    'm',
    4,
    chunks.slice(0, 3).map((c, i) => ({ hash: c.hash, vector: unit(i) })),
  );
  const load = (root: string, model: string) => store.loadVectors(root, model);
  const service = createVectorService(dbPath, load);
  const core = createVectorCore(load);
  const scopeOf = async () => {
    const r = (await store.listRoots())[0]!;
    return {
      roots: [{ path: r.path, generation: r.generation, chunksVersion: r.chunksVersion }],
      model: 'm',
      vectorsVersion: await store.vectorsVersion(),
    };
  };
  try {
    assert.deepEqual(await service.sizes(await scopeOf()), [3]);
    const query = unit(1);
    const fromWorker = await service.search(await scopeOf(), query, 2);
    assert.deepEqual(fromWorker, await core.search(await scopeOf(), query, 2));
    assert.equal(fromWorker.length, 2);
    // The best hit is the chunk whose vector points the same way as the query.
    const [best] = await store.chunksByIds([fromWorker[0]!.id]);
    assert.equal(best?.symbol, 'f2');

    await store.upsertVectors('m', 4, [{ hash: chunks[3]!.hash, vector: unit(3) }]);
    assert.deepEqual(await service.sizes(await scopeOf()), [4]);
    const [top] = await service.search(await scopeOf(), unit(3), 1);
    assert.equal((await store.chunksByIds([top!.id]))[0]?.symbol, 'f4');
  } finally {
    await service.close();
    await store.close();
  }
});

test('an idle vector worker never keeps the process alive', () => {
  const module = fileURLToPath(new URL('../../src/embeddings/vector-service.js', import.meta.url));
  const script = `
    const { createVectorService } = await import(${JSON.stringify(module)});
    const s = createVectorService('/nonexistent/index.db', async () => ({ ids: [], matrix: new Float32Array(0), dims: 0 }));
    console.log(JSON.stringify(await s.sizes({ roots: [], model: 'm', vectorsVersion: 0 })));
  `;
  const file = join(tmp.dir, 'idle.mjs');
  writeFileSync(file, script);
  const r = spawnSync(process.execPath, [file], { encoding: 'utf8', timeout: 20_000 });
  assert.equal(r.signal, null, 'the process ended by itself');
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), '[]');
});
