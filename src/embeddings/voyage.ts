import type { EmbeddingProvider, EmbeddingProviderConfig } from './provider.js';
import { createRemoteProvider } from './remote.js';

export const VOYAGE_DEFAULT_BASE_URL = 'https://api.voyageai.com/v1';
export const VOYAGE_DEFAULT_MODEL = 'voyage-code-3';
/**
 * Voyage accepts up to 1000 inputs per request but also caps total tokens (120k for
 * voyage-code-3 and voyage-3-large). Code chunks run up to ~900 tokens, so 128 of them stay under
 * the token cap; raise `maxBatch` only for small chunks.
 */
export const VOYAGE_DEFAULT_MAX_BATCH = 128;

/**
 * Provider for Voyage's `POST {baseUrl}/embeddings`:
 * request `{ input: string[], model, input_type: 'document' | 'query', output_dimension? }`,
 * response `{ object: 'list', data: [{ object: 'embedding', embedding, index }], model, usage }`.
 * Voyage prepends a retrieval prompt per `input_type`, so queries and documents embed differently.
 * A key is required for the default URL (`VOYAGE_API_KEY`).
 */
export function createVoyageEmbeddingProvider(cfg: EmbeddingProviderConfig): EmbeddingProvider {
  return createRemoteProvider(
    {
      id: 'voyage',
      label: 'Voyage',
      defaultBaseUrl: VOYAGE_DEFAULT_BASE_URL,
      defaultModel: VOYAGE_DEFAULT_MODEL,
      defaultMaxBatch: VOYAGE_DEFAULT_MAX_BATCH,
      maxBatchLimit: 1000,
      keyEnvVar: 'VOYAGE_API_KEY',
      buildBody: (model, input, inputType, dims) =>
        dims === undefined
          ? { input, model, input_type: inputType }
          : { input, model, input_type: inputType, output_dimension: dims },
    },
    cfg,
  );
}
