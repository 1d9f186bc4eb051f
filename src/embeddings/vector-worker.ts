/**
 * The vector search worker thread (see `./vector-service.ts`): its own read-only connection to
 * the index, the matrices, and one request at a time.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { openIndexAt } from '../store/index.js';
import type { IndexStore } from '../store/types.js';
import { createVectorCore, type VectorReply, type VectorRequest } from './vector-service.js';

const { dbPath } = workerData as { dbPath: string };
let store: IndexStore | null = null;
const core = createVectorCore((root, model) => {
  store ??= openIndexAt(dbPath, { readonly: true });
  return store.loadVectors(root, model);
});

async function answer(req: VectorRequest): Promise<VectorReply> {
  try {
    return req.op === 'sizes'
      ? { id: req.id, sizes: await core.sizes(req.scope) }
      : { id: req.id, hits: await core.search(req.scope, req.query, req.k) };
  } catch (err) {
    return { id: req.id, error: err instanceof Error ? err.message : String(err) };
  }
}

// One request at a time, in arrival order, as before loading became asynchronous: two requests
// never load the same matrix twice.
let queue: Promise<void> = Promise.resolve();
parentPort?.on('message', (req: VectorRequest) => {
  queue = queue.then(async () => {
    parentPort?.postMessage(await answer(req));
  });
});
