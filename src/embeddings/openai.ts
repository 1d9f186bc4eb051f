import type { EmbeddingProvider, EmbeddingProviderConfig } from './provider.js';
import { createRemoteProvider } from './remote.js';

/** Default OpenAI endpoint; any OpenAI-compatible server works (Ollama, LM Studio, vLLM, TEI, LiteLLM). */
export const OPENAI_DEFAULT_BASE_URL = 'https://api.openai.com/v1';
export const OPENAI_DEFAULT_MODEL = 'text-embedding-3-small';
/**
 * OpenAI accepts up to 2048 inputs and 300k tokens per request. 256 chunks of up to ~1k tokens
 * stay under the token cap, and a failed request loses little work.
 */
export const OPENAI_DEFAULT_MAX_BATCH = 256;

/**
 * Provider for `POST {baseUrl}/embeddings` with the OpenAI wire format:
 * request `{ model, input: string[], encoding_format: 'float', dimensions? }`,
 * response `{ data: [{ index, embedding }], model, usage }`. `inputType` is not sent (OpenAI
 * embeds queries and documents alike). The `Authorization: Bearer` header is sent only when a key
 * is configured; a key is required for the default api.openai.com URL.
 */
export function createOpenAIEmbeddingProvider(cfg: EmbeddingProviderConfig): EmbeddingProvider {
  return createRemoteProvider(
    {
      id: 'openai',
      label: 'OpenAI',
      defaultBaseUrl: OPENAI_DEFAULT_BASE_URL,
      defaultModel: OPENAI_DEFAULT_MODEL,
      defaultMaxBatch: OPENAI_DEFAULT_MAX_BATCH,
      maxBatchLimit: 2048,
      keyEnvVar: 'OPENAI_API_KEY',
      buildBody: (model, input, _inputType, dims) =>
        dims === undefined
          ? { model, input, encoding_format: 'float' }
          : { model, input, encoding_format: 'float', dimensions: dims },
    },
    cfg,
  );
}
