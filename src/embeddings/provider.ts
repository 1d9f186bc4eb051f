import { EmbeddingPermanentError, type EmbeddingProviderId } from './errors.js';
import { createLocalEmbeddingProvider } from './local-models.js';
import { createOpenAIEmbeddingProvider } from './openai.js';
import { createVoyageEmbeddingProvider } from './voyage.js';

export type { EmbeddingProviderId } from './errors.js';

/** `document` for chunks being indexed, `query` for search text (Voyage embeds them differently). */
export type EmbeddingInputType = 'document' | 'query';

/**
 * Turns texts into vectors. Every provider returns one L2-normalised `Float32Array` per input, in
 * input order (a vector of zeros when the text has no features), so cosine similarity is a dot product.
 *
 * Failures are {@link EmbeddingRateLimitError}, {@link EmbeddingTransientError} or
 * {@link EmbeddingPermanentError} (see `errors.ts`); an abort through `signal` rejects with the
 * signal's reason unchanged.
 *
 * A provider holds its API key in a closure: it is not a property, so `JSON.stringify(provider)`,
 * `util.inspect(provider)` and error messages never show it.
 */
export interface EmbeddingProvider {
  readonly id: EmbeddingProviderId;
  /** Stored with every vector; vectors of different models are never compared. */
  readonly model: string;
  /** Vector width. For remote providers without configured `dims`: null until the first response. */
  readonly dims: number | null;
  /** Largest number of texts sent in one request; `embed` splits larger inputs itself. */
  readonly maxBatch: number;
  embed(texts: string[], inputType: EmbeddingInputType, signal?: AbortSignal): Promise<Float32Array[]>;
  /**
   * The text a chunk is embedded as, when the provider wants more than its content (neural local
   * models: the symbol's name as words, the content cut short). Unset: the content.
   */
  documentText?(chunk: {
    symbol?: string | null | undefined;
    context?: string | undefined;
    content: string;
    path?: string | undefined;
  }): string;
  /** Stops what the provider runs in the background (a model thread). */
  close?(): Promise<void>;
  /** Local neural models: whether the model is loaded in this process now. */
  resident?(): boolean;
}

/**
 * Loose provider settings, as the config module passes them. `undefined` means "use the default".
 *
 * API keys are read from the environment by the config module (see {@link resolveEmbeddingApiKey}):
 * `CODEINDEX_EMBEDDINGS_API_KEY` first, then `OPENAI_API_KEY` (provider `openai`) or
 * `VOYAGE_API_KEY` (provider `voyage`). The local provider needs no key.
 */
export interface EmbeddingProviderConfig {
  provider: EmbeddingProviderId;
  /** Defaults: `use-lite-v1` (or `onnx:<modelDir>`), `text-embedding-3-small`, `voyage-code-3`. */
  model?: string | undefined;
  /** Defaults: `https://api.openai.com/v1`, `https://api.voyageai.com/v1`; `/embeddings` is appended. */
  baseUrl?: string | undefined;
  /** Required for the default OpenAI and Voyage URLs; optional for local OpenAI-compatible servers. */
  apiKey?: string | undefined;
  /** Requested output width (`dimensions` / `output_dimension`); responses must match it. */
  dims?: number | undefined;
  /** Defaults: local 256, OpenAI 256, Voyage 128. */
  maxBatch?: number | undefined;
  /** Per HTTP request, including reading the body. Default 60 000 ms. */
  timeoutMs?: number | undefined;
  /**
   * Local neural models: unload the model after this long without a batch (its thread and its
   * memory, 150-300 MB for USE-lite, go; the next batch loads it again). Unset: kept loaded.
   */
  idleMs?: number | undefined;
}

/** Environment variables that may hold an embeddings API key, in the order they are consulted. */
export function apiKeyEnvVars(provider: EmbeddingProviderId): readonly string[] {
  switch (provider) {
    case 'openai':
      return ['CODEINDEX_EMBEDDINGS_API_KEY', 'OPENAI_API_KEY'];
    case 'voyage':
      return ['CODEINDEX_EMBEDDINGS_API_KEY', 'VOYAGE_API_KEY'];
    case 'local':
      return [];
  }
}

/**
 * The API key for `provider` from `env` (pass `process.env`): the first non-empty variable of
 * {@link apiKeyEnvVars}. Pure, so the config module decides when the environment is read.
 */
export function resolveEmbeddingApiKey(
  provider: EmbeddingProviderId,
  env: Readonly<Record<string, string | undefined>>,
): string | undefined {
  for (const name of apiKeyEnvVars(provider)) {
    const v = env[name]?.trim();
    if (v) return v;
  }
  return undefined;
}

/** Builds the provider `cfg.provider` names. Invalid settings throw {@link EmbeddingPermanentError}. */
export function createEmbeddingProvider(cfg: EmbeddingProviderConfig): EmbeddingProvider {
  switch (cfg.provider) {
    case 'local':
      return createLocalEmbeddingProvider(cfg);
    case 'openai':
      return createOpenAIEmbeddingProvider(cfg);
    case 'voyage':
      return createVoyageEmbeddingProvider(cfg);
    default:
      throw new EmbeddingPermanentError(
        `unknown embeddings provider "${String((cfg as { provider: unknown }).provider)}": use local, openai or voyage`,
        { provider: 'local' },
      );
  }
}
