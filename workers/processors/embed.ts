import { type Job, RateLimitError, UnrecoverableError, type Worker } from 'bullmq';
import { EmbeddingPermanentError, EmbeddingRateLimitError } from '../../src/embeddings/errors.js';
import type { EmbeddingProvider } from '../../src/embeddings/provider.js';
import type { PayloadOf } from '../../src/queue/payloads.js';
import type { ProcessorContext } from './context.js';
import { ContinueLater, SoftTimeLimitExceeded } from './job-stops.js';

/**
 * Embeds the chunks of a root that have no vector for the model yet, in provider-sized batches;
 * with `shards` > 1 only this job's share (see `enqueueEmbeddings`).
 * Vectors are keyed by (chunk hash, model), so unchanged chunks are never embedded twice and a
 * retried job only does what is left. A 429 pauses the whole queue for `Retry-After` through
 * BullMQ's rate limiter (this costs no attempt); 5xx and network errors retry with backoff;
 * permanent errors (bad key, wrong dimensions) fail at once. A neural local model runs in a worker
 * thread (the job's lock renewals keep running) on each chunk's `documentText`. When the root is
 * fully covered, vectors of other models (a previous configuration) are dropped. A stopped run
 * (worker stopping, soft time limit) is never a finished one: it runs again from where it is.
 */
export async function processEmbedChunks(
  job: Job,
  payload: PayloadOf<'embed-chunks'>,
  ctx: ProcessorContext,
  provider: EmbeddingProvider,
  worker: Worker,
  signal: AbortSignal,
): Promise<{ embedded: number; model: string }> {
  if (provider.model !== payload.model) {
    throw new UnrecoverableError(
      `job asks for model ${payload.model} but this worker embeds with ${provider.model}`,
    );
  }
  let embedded = 0;
  const shard = { index: payload.shard, count: payload.shards };
  const pendingAtStart = (await ctx.store.vectorCoverage(payload.root, payload.model)).pending;
  const total = Math.ceil(pendingAtStart / shard.count);
  // Every chunk up to `after` has a vector now (or shares its content with one that has), so each
  // batch looks only past it: re-checking the whole root per batch made embedding quadratic.
  // Chunks written meanwhile can get ids below it (SQLite reuses the top ids of deleted rows), so
  // the job ends only after one pass from the start finds nothing either.
  let after = 0;
  for (;;) {
    if (signal.aborted) {
      // What is embedded is saved; the job is not done. Past the soft time limit a long run (a
      // large root) goes on later from where it is, without using an attempt; a stopping worker
      // puts the job back, and a cancel revokes it (both in the worker runtime).
      if (signal.reason instanceof SoftTimeLimitExceeded)
        throw new ContinueLater(`embedded ${embedded} chunks before the soft time limit; going on later`);
      throw signal.reason;
    }
    let todo = await ctx.store.chunksMissingVectors(
      payload.root,
      payload.model,
      provider.maxBatch,
      after,
      shard,
    );
    if (todo.length === 0 && after > 0) {
      after = 0;
      todo = await ctx.store.chunksMissingVectors(payload.root, payload.model, provider.maxBatch, 0, shard);
    }
    if (todo.length === 0) break;
    let vectors: Float32Array[];
    try {
      vectors = await provider.embed(
        // Providers without their own document text read the chunk after its context.
        todo.map((c) =>
          provider.documentText
            ? provider.documentText(c)
            : c.context === ''
              ? c.content
              : `${c.context}\n${c.content}`,
        ),
        'document',
        signal,
      );
    } catch (err) {
      if (err instanceof EmbeddingRateLimitError) {
        await worker.rateLimit(err.retryAfterMs ?? 60_000);
        throw new RateLimitError();
      }
      if (err instanceof EmbeddingPermanentError) throw new UnrecoverableError(err.message);
      throw err;
    }
    const dims = vectors[0]?.length ?? 0;
    await ctx.store.upsertVectors(
      payload.model,
      dims,
      todo.map((c, i) => ({ hash: c.hash, vector: vectors[i]! })),
    );
    embedded += todo.length;
    after = todo[todo.length - 1]!.chunkId;
    await job.updateProgress({
      current: embedded,
      total: Math.max(total, embedded),
      status: `embedded ${embedded} chunks`,
    });
  }
  // A model change re-embeds in the background while search uses what exists; once the root is
  // covered (by every shard's job), the old model's vectors are dead weight.
  // (It does nothing while another shard's chunks still lack vectors.)
  await ctx.store.dropOtherModelVectors(payload.root, payload.model);
  return { embedded, model: payload.model };
}
