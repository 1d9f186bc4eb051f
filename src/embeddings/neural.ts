import { DEFAULT_EMBED_TEXT_CHARS, embeddingDocumentText, embeddingQueryText } from './embed-text.js';
import { EmbeddingPermanentError, EmbeddingTransientError } from './errors.js';
import type { ModelSpec } from './model-backend.js';
import type { ModelThreadReply, ModelThreadRequest } from './model-thread.js';
import type { EmbeddingInputType, EmbeddingProvider } from './provider.js';
import { createRequestThread } from './request-thread.js';

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
 * input order. The thread (see {@link createRequestThread}) is referenced only while a batch is
 * out, so an idle model never keeps the process alive. A model that cannot load fails with
 * {@link EmbeddingPermanentError}; a thread that dies is restarted on the next call.
 */
export function createNeuralProvider(opts: NeuralProviderOptions): EmbeddingProvider {
  const maxBatch = opts.maxBatch ?? NEURAL_DEFAULT_MAX_BATCH;
  const maxChars = opts.maxChars ?? DEFAULT_EMBED_TEXT_CHARS;
  const thread = createRequestThread<Omit<ModelThreadRequest, 'id'>, ModelThreadReply>({
    url: THREAD_URL,
    workerData: { spec: opts.spec },
    // With `idleMs`, a thread with nothing to do is terminated: a worker process that embedded a
    // root and went back to indexing does not keep the model's memory.
    idleMs: opts.idleMs,
    failure: (why) =>
      new EmbeddingTransientError(
        'error' in why
          ? `embedding model thread failed: ${why.error.message}`
          : 'exitCode' in why
            ? `embedding model thread exited with code ${why.exitCode}`
            : 'embedding model closed',
        { provider: 'local' },
      ),
  });
  const embedBatch = async (texts: string[]): Promise<Float32Array[]> => {
    const reply = await thread.request({ texts });
    if ('vectors' in reply) return reply.vectors;
    const message = `embedding model ${opts.model}: ${reply.error}`;
    throw reply.permanent
      ? new EmbeddingPermanentError(message, { provider: 'local' })
      : new EmbeddingTransientError(message, { provider: 'local' });
  };

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
    resident: () => thread.resident(),
    close: () => thread.close(),
  });
}
