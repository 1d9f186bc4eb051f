import { EmbeddingPermanentError, type EmbeddingProviderId } from './errors.js';
import { DEFAULT_TIMEOUT_MS, type EmbeddingEndpoint, embeddingsUrl, postJson } from './http.js';
import type { EmbeddingInputType, EmbeddingProvider, EmbeddingProviderConfig } from './provider.js';
import { parseEmbeddingData } from './response.js';

/** What differs between the OpenAI-compatible and the Voyage provider. */
export interface RemoteProviderSpec {
  id: Exclude<EmbeddingProviderId, 'local'>;
  label: string;
  defaultBaseUrl: string;
  defaultModel: string;
  defaultMaxBatch: number;
  /** Hard cap of the API on inputs per request. */
  maxBatchLimit: number;
  /** Environment variables named in hints. */
  keyEnvVar: string;
  /** Request body for one batch. `dims` is the configured width, if any. */
  buildBody(model: string, input: string[], inputType: EmbeddingInputType, dims: number | undefined): unknown;
}

/** Checks an optional positive integer setting. */
export function positiveInt(
  provider: EmbeddingProviderId,
  name: string,
  value: number | undefined,
  fallback: number,
  max: number,
): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw new EmbeddingPermanentError(
      `embeddings.${name} must be an integer between 1 and ${max} (got ${value}): fix the setting`,
      { provider },
    );
  }
  return value;
}

/**
 * Builds a remote provider from loose settings: validates them once, keeps the key in this
 * closure only, splits inputs into requests of at most `maxBatch` texts (sent one after another,
 * so the queue's rate limiter stays meaningful) and checks that every response has the same width.
 */
export function createRemoteProvider(
  spec: RemoteProviderSpec,
  cfg: EmbeddingProviderConfig,
): EmbeddingProvider {
  const { id, label } = spec;
  const model = cfg.model?.trim() || spec.defaultModel;
  const baseUrl = cfg.baseUrl?.trim() || spec.defaultBaseUrl;
  const url = embeddingsUrl(id, baseUrl);
  const apiKey = cfg.apiKey?.trim() || undefined;
  const configuredDims = cfg.dims === undefined ? undefined : positiveInt(id, 'dims', cfg.dims, 0, 65_536);
  const maxBatch = positiveInt(id, 'maxBatch', cfg.maxBatch, spec.defaultMaxBatch, spec.maxBatchLimit);
  const timeoutMs = positiveInt(id, 'timeoutMs', cfg.timeoutMs, DEFAULT_TIMEOUT_MS, 3_600_000);

  const isDefaultHost = url.host === new URL(spec.defaultBaseUrl).host;
  const keyHint = isDefaultHost
    ? `set ${spec.keyEnvVar} (or CODEINDEX_EMBEDDINGS_API_KEY) to a valid ${label} API key`
    : `set CODEINDEX_EMBEDDINGS_API_KEY to the key ${url.host} expects`;
  if (apiKey === undefined && isDefaultHost) {
    throw new EmbeddingPermanentError(`${label} embeddings need an API key: ${keyHint}`, { provider: id });
  }

  const endpoint: EmbeddingEndpoint = Object.freeze({ provider: id, label, url, timeoutMs, keyHint });
  // Learned from the first response when not configured; per provider instance.
  let dims: number | null = configuredDims ?? null;

  async function embedBatch(
    texts: string[],
    inputType: EmbeddingInputType,
    signal: AbortSignal | undefined,
  ): Promise<Float32Array[]> {
    // APIs reject empty strings, which would fail the whole batch for one blank chunk.
    const input = texts.map((t) => (t.length === 0 ? ' ' : t));
    const json = await postJson(
      endpoint,
      apiKey,
      spec.buildBody(model, input, inputType, configuredDims),
      signal,
    );
    const vectors = parseEmbeddingData(json, {
      provider: id,
      label,
      count: texts.length,
      dims,
      dimsConfigured: configuredDims !== undefined,
    });
    if (dims === null) dims = vectors[0]?.length ?? null;
    return vectors;
  }

  return {
    id,
    model,
    get dims() {
      return dims;
    },
    maxBatch,
    async embed(texts, inputType, signal) {
      const out: Float32Array[] = [];
      for (let start = 0; start < texts.length; start += maxBatch) {
        signal?.throwIfAborted();
        const batch = await embedBatch(texts.slice(start, start + maxBatch), inputType, signal);
        for (const v of batch) out.push(v);
      }
      return out;
    },
  };
}
