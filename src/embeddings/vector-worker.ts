/**
 * The vector search worker thread (see `./vector-service.ts`): its own read-only connection to
 * the index, the matrices, and one request at a time.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { openIndexStore } from '../store/index.js';
import type { IndexStore } from '../store/types.js';
import { createVectorCore, type VectorReply, type VectorRequest } from './vector-service.js';

const { dbPath } = workerData as { dbPath: string };
let store: IndexStore | null = null;
const core = createVectorCore((root, model) => {
  store ??= openIndexStore(dbPath, { readonly: true });
  return store.loadVectors(root, model);
});

parentPort?.on('message', (req: VectorRequest) => {
  let reply: VectorReply;
  try {
    reply =
      req.op === 'sizes'
        ? { id: req.id, sizes: core.sizes(req.scope) }
        : { id: req.id, hits: core.search(req.scope, req.query, req.k) };
  } catch (err) {
    reply = { id: req.id, error: err instanceof Error ? err.message : String(err) };
  }
  parentPort?.postMessage(reply);
});
