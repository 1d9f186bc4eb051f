import { isAbsolute, resolve } from 'node:path';
import { LOCAL_DEFAULT_DIMS, LOCAL_MODEL_PREFIX } from './local.js';
import { OPENAI_DEFAULT_MODEL } from './openai.js';
import { VOYAGE_DEFAULT_MODEL } from './voyage.js';

/**
 * The `local` provider's default: Universal Sentence Encoder lite, shipped in an npm package.
 * The version names the text a chunk is embedded as (`embed-text.ts`): changing that text needs a
 * new name, because stored vectors are compared with fresh query vectors.
 */
export const USE_LITE_MODEL = 'use-lite-v1';
/** The explicit choice of the hashed bag of words (`local-hash-v1-<dims>`). */
export const LOCAL_HASH_ALIAS = 'local-hash';
/** Model names of ONNX directories: `onnx:` and the directory's absolute path. */
export const ONNX_MODEL_PREFIX = 'onnx:';

/**
 * The model name vectors are stored under for a configuration: the configured model, else the
 * provider's default (`local`: an ONNX directory when `modelDir` is set, else USE-lite). Workers
 * (writing) and query tools (reading) must agree on it.
 */
export function embeddingModelName(e: {
  provider: string;
  model?: string | undefined;
  dims?: number | undefined;
  modelDir?: string | undefined;
}): string {
  if (e.provider === 'local' && e.model === LOCAL_HASH_ALIAS)
    return `${LOCAL_MODEL_PREFIX}${e.dims ?? LOCAL_DEFAULT_DIMS}`;
  if (e.model) return e.model;
  if (e.provider === 'openai') return OPENAI_DEFAULT_MODEL;
  if (e.provider === 'voyage') return VOYAGE_DEFAULT_MODEL;
  if (e.modelDir) return `${ONNX_MODEL_PREFIX}${isAbsolute(e.modelDir) ? e.modelDir : resolve(e.modelDir)}`;
  return USE_LITE_MODEL;
}

/**
 * Whether a model's vectors carry meaning (a neural model, local or remote) rather than shared
 * vocabulary (the hashed bag of words, `local-hash-v1-<dims>`). Hybrid search fuses only semantic
 * vectors with full-text ranks: lexical vectors repeat what full-text search already found.
 */
export function isSemanticModel(model: string): boolean {
  return !model.startsWith(LOCAL_MODEL_PREFIX) && model !== LOCAL_HASH_ALIAS;
}
