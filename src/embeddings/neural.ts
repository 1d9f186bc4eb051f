import { Worker } from 'node:worker_threads';
import { DEFAULT_EMBED_TEXT_CHARS, embeddingDocumentText, embeddingQueryText } from './embed-text.js';
import { EmbeddingPermanentError, EmbeddingTransientError } from './errors.js';
import { idleTimer } from './idle-timer.js';
import type { ModelSpec } from './model-backend.js';
import type { ModelThreadReply, ModelThreadRequest } from './model-thread.js';
import type { EmbeddingInputType, EmbeddingProvider } from './provider.js';

/** Texts sent to the model in one batch: bounds the model's memory, lets the job renew its lock. */
export const NEURAL_DEFAULT_MAX_BATCH = 16;

/** Settings of a neural provider. */
export interface NeuralProviderOptions {
  model: string;
  dims: number;
  spec: ModelSpec;
  maxBatch?: number | undefined;
  maxChars?: number | undefined;
  /** Terminate the model thread after this long without a batch (unset: keep it). */
  idleMs?: number | undefined;
}

const THREAD_URL = new URL('./model-thread.js', import.meta.url);

/**
 * A provider whose model runs in a worker thread of this process (loaded on the first batch).
 * Documents are embedded as {@link embeddingDocumentText} (name, signature, doc, first lines, as
 * words), queries as {@link embeddingQueryText}. Each call's texts are sorted by length and sent in
 * batches of `maxBatch`, so short texts are not padded to long ones; the vectors come back in
 * input order. The thread is referenced only while a batch is out, so an idle model never keeps
 * the process alive. A model that cannot load fails with {@link EmbeddingPermanentError}; a
 * thread that dies is restarted on the next call.
 */
export function createNeuralProvider(opts: NeuralProviderOptions): EmbeddingProvider {
  const maxBatch = opts.maxBatch ?? NEURAL_DEFAULT_MAX_BATCH;
  const maxChars = opts.maxChars ?? DEFAULT_EMBED_TEXT_CHARS;
  // Each thread has its own batches in flight: an idle thread is still exiting when the next batch
  // starts its successor, and its exit must not fail the successor's batches.
  type Pending = Map<number, { resolve: (v: Float32Array[]) => void; reject: (e: Error) => void }>;
  interface Thread {
    w: Worker;
    pending: Pending;
  }
  let worker: Thread | null = null;
  let nextId = 1;
  // With `idleMs`, a thread with nothing to do is terminated: a worker process that embedded a
  // root and went back to indexing does not keep the model's memory.
  const idle = idleTimer<Thread>(opts.idleMs, (t) => {
    if (worker === t && t.pending.size === 0) {
      worker = null;
      void t.w.terminate();
    }
  });
  const failAll = (pending: Pending, err: Error) => {
    for (const p of pending.values()) p.reject(err);
    pending.clear();
  };
  const start = (): Thread => {
    if (worker !== null) return worker;
    const w = new Worker(THREAD_URL, { workerData: { spec: opts.spec } });
    const t: Thread = { w, pending: new Map() };
    w.on('message', (reply: ModelThreadReply) => {
      const p = t.pending.get(reply.id);
      if (p === undefined) return;
      t.pending.delete(reply.id);
      if (t.pending.size === 0) {
        w.unref();
        idle.arm(t);
      }
      if ('vectors' in reply) p.resolve(reply.vectors);
      else if (reply.permanent)
        p.reject(
          new EmbeddingPermanentError(`embedding model ${opts.model}: ${reply.error}`, { provider: 'local' }),
        );
      else
        p.reject(
          new EmbeddingTransientError(`embedding model ${opts.model}: ${reply.error}`, { provider: 'local' }),
        );
    });
    w.on('error', (err) => {
      if (worker === t) worker = null;
      failAll(
        t.pending,
        new EmbeddingTransientError(`embedding model thread failed: ${err.message}`, { provider: 'local' }),
      );
    });
    w.on('exit', (code) => {
      if (worker === t) worker = null;
      if (t.pending.size > 0) {
        failAll(
          t.pending,
          new EmbeddingTransientError(`embedding model thread exited with code ${code}`, {
            provider: 'local',
          }),
        );
      }
    });
    w.unref();
    worker = t;
    return t;
  };
  const embedBatch = (texts: string[]): Promise<Float32Array[]> =>
    new Promise((resolve, reject) => {
      const t = start();
      idle.cancel();
      const id = nextId++;
      if (t.pending.size === 0) t.w.ref();
      t.pending.set(id, { resolve, reject });
      const req: ModelThreadRequest = { id, texts };
      t.w.postMessage(req);
    });

  return Object.freeze({
    id: 'local' as const,
    model: opts.model,
    dims: opts.dims,
    maxBatch,
    documentText: (chunk: {
      symbol?: string | null | undefined;
      context?: string | undefined;
      content: string;
      path?: string | undefined;
    }) => embeddingDocumentText(chunk, maxChars),
    async embed(texts: string[], inputType: EmbeddingInputType, signal?: AbortSignal) {
      // Documents arrive as documentText already; a query is rewritten here.
      const prepared =
        inputType === 'query'
          ? texts.map((t) => embeddingQueryText(t, maxChars))
          : texts.map((t) => t.slice(0, maxChars));
      const order = prepared.map((_, i) => i).sort((a, b) => prepared[a]!.length - prepared[b]!.length);
      const out = new Array<Float32Array>(texts.length);
      for (let start = 0; start < order.length; start += maxBatch) {
        signal?.throwIfAborted();
        const idx = order.slice(start, start + maxBatch);
        const vectors = await embedBatch(idx.map((i) => prepared[i]!));
        idx.forEach((i, j) => {
          out[i] = vectors[j]!;
        });
      }
      return out;
    },
    resident: () => worker !== null,
    async close() {
      idle.cancel();
      const t = worker;
      worker = null;
      if (t !== null) {
        failAll(t.pending, new EmbeddingTransientError('embedding model closed', { provider: 'local' }));
        await t.w.terminate();
      }
    },
  });
}
