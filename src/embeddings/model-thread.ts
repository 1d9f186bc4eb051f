/**
 * The model thread (see `./neural.ts`): loads one neural model on first use and embeds one batch
 * at a time, so the process's main thread keeps serving (job locks, MCP requests) meanwhile.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { isEmbeddingError } from './errors.js';
import { loadModelBackend, type ModelBackend, type ModelSpec } from './model-backend.js';

/** A batch to embed. */
export interface ModelThreadRequest {
  id: number;
  texts: string[];
}

/** The thread's answer: vectors in input order, or why not (`permanent`: retrying cannot help). */
export type ModelThreadReply =
  | { id: number; vectors: Float32Array[] }
  | { id: number; error: string; permanent: boolean };

const { spec } = workerData as { spec: ModelSpec };
let backend: Promise<ModelBackend> | null = null;
let loaded = false;
// One batch at a time: the model's memory is sized for one.
let queue: Promise<void> = Promise.resolve();

parentPort?.on('message', (req: ModelThreadRequest) => {
  queue = queue.then(async () => {
    let reply: ModelThreadReply;
    try {
      backend ??= loadModelBackend(spec);
      const model = await backend;
      loaded = true;
      const vectors = await model.embed(req.texts);
      reply = { id: req.id, vectors };
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      // A model that cannot load fails every batch the same way.
      const permanent = isEmbeddingError(err) ? err.kind === 'permanent' : !loaded;
      reply = { id: req.id, error: message, permanent };
    }
    parentPort?.postMessage(
      reply,
      'vectors' in reply ? reply.vectors.map((v) => v.buffer as ArrayBuffer) : [],
    );
  });
});
