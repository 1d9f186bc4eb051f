import { LOCAL_DEFAULT_DIMS, LOCAL_MODEL_PREFIX } from './local.js';
import { OPENAI_DEFAULT_MODEL } from './openai.js';
import { VOYAGE_DEFAULT_MODEL } from './voyage.js';

/**
 * The model name vectors are stored under for a configuration: the configured model, else the
 * provider's default. Workers (writing) and query tools (reading) must agree on it.
 */
export function embeddingModelName(e: {
  provider: string;
  model?: string | undefined;
  dims?: number | undefined;
}): string {
  if (e.model) return e.model;
  if (e.provider === 'openai') return OPENAI_DEFAULT_MODEL;
  if (e.provider === 'voyage') return VOYAGE_DEFAULT_MODEL;
  return `${LOCAL_MODEL_PREFIX}${e.dims ?? LOCAL_DEFAULT_DIMS}`;
}
