import { EmbeddingPermanentError } from './errors.js';
import { createHashEmbeddingProvider, LOCAL_MODEL_PREFIX } from './local.js';
import { LOCAL_HASH_ALIAS, ONNX_MODEL_PREFIX, USE_LITE_MODEL } from './model.js';
import type { ModelSpec } from './model-backend.js';
import { createNeuralProvider } from './neural.js';
import { onnxModelDims } from './onnx-model.js';
import type { EmbeddingProvider, EmbeddingProviderConfig } from './provider.js';
import { positiveInt } from './remote.js';
import { USE_LITE_DIMS } from './use-lite.js';

/**
 * The `local` provider, by model name:
 * - unset or `use-lite-v1`: Universal Sentence Encoder lite from the npm package (the default);
 * - `onnx:<dir>` (what `embeddings.modelDir` / `CODEINDEX_EMBED_MODEL_DIR` becomes): an ONNX model
 *   directory, run by onnxruntime-node;
 * - `local-hash` or `local-hash-v1-<dims>`: the hashed bag of words (not semantic).
 * Neural models run in a worker thread of the calling process (`neural.ts`).
 */
export function createLocalEmbeddingProvider(cfg: EmbeddingProviderConfig): EmbeddingProvider {
  const model = cfg.model?.trim() || USE_LITE_MODEL;
  if (model === LOCAL_HASH_ALIAS || model.startsWith(LOCAL_MODEL_PREFIX))
    return createHashEmbeddingProvider(cfg);
  const maxBatch = positiveInt('local', 'maxBatch', cfg.maxBatch, 16, 256);
  const neural = (dims: number, spec: ModelSpec) =>
    createNeuralProvider({ model, dims, spec, maxBatch, idleMs: cfg.idleMs });
  if (model === USE_LITE_MODEL) {
    if (cfg.dims !== undefined && cfg.dims !== USE_LITE_DIMS) {
      throw new EmbeddingPermanentError(
        `${USE_LITE_MODEL} has ${USE_LITE_DIMS} dimensions, not ${cfg.dims}: unset embeddings.dims`,
        { provider: 'local' },
      );
    }
    return neural(USE_LITE_DIMS, { kind: 'use-lite' });
  }
  if (model.startsWith(ONNX_MODEL_PREFIX)) {
    const dir = model.slice(ONNX_MODEL_PREFIX.length);
    return neural(onnxModelDims(dir), { kind: 'onnx', dir });
  }
  throw new EmbeddingPermanentError(
    `unknown local embeddings model "${model}": leave embeddings.model unset (${USE_LITE_MODEL}), set CODEINDEX_EMBED_MODEL_DIR to an ONNX model directory, or use ${LOCAL_HASH_ALIAS}`,
    { provider: 'local' },
  );
}
