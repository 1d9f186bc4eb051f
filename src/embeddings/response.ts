import { EmbeddingPermanentError, type EmbeddingProviderId } from './errors.js';
import { isRecord } from './http.js';
import { l2Normalize } from './vector-search.js';

/** What the caller expects of one response. */
export interface ResponseExpectation {
  provider: EmbeddingProviderId;
  label: string;
  /** Number of inputs sent. */
  count: number;
  /** Width every vector must have: the configured dims, or the width of earlier responses. */
  dims: number | null;
  /** True when `dims` was configured (changes the hint), false when it was learned. */
  dimsConfigured: boolean;
}

/**
 * Reads `{ data: [{ index, embedding }] }` (OpenAI and Voyage share it), orders the vectors by
 * `index` and L2-normalises them. `embedding` may be a float array or base64 little-endian float32
 * (what servers send when they ignore `encoding_format: 'float'`). Anything off is permanent:
 * missing `data`, wrong count, duplicate or out-of-range `index`, empty, non-finite or
 * wrongly sized vectors.
 */
export function parseEmbeddingData(json: unknown, exp: ResponseExpectation): Float32Array[] {
  const { provider, label, count } = exp;
  const bad = (what: string) =>
    new EmbeddingPermanentError(
      `${label} embeddings: malformed response (${what}); check embeddings.baseUrl points at an OpenAI/Voyage-compatible embeddings API`,
      { provider },
    );
  const data = isRecord(json) ? json.data : undefined;
  if (!Array.isArray(data)) throw bad('no "data" array');
  if (data.length !== count) {
    throw new EmbeddingPermanentError(
      `${label} embeddings: server returned ${data.length} vectors for ${count} inputs; lower embeddings.maxBatch or check the server's batch limit`,
      { provider },
    );
  }

  const out = new Array<Float32Array | undefined>(count);
  let dims = exp.dims;
  for (let pos = 0; pos < data.length; pos++) {
    const item: unknown = data[pos];
    if (!isRecord(item)) throw bad(`data[${pos}] is not an object`);
    const index = item.index === undefined ? pos : item.index;
    if (typeof index !== 'number' || !Number.isInteger(index) || index < 0 || index >= count) {
      throw bad(`data[${pos}].index is not an integer in 0..${count - 1}`);
    }
    if (out[index] !== undefined) throw bad(`index ${index} appears twice`);
    const vec = toFloat32(item.embedding);
    if (vec === null) throw bad(`data[${pos}].embedding is not a number array`);
    if (vec.length === 0) throw bad(`data[${pos}].embedding is empty`);
    for (let j = 0; j < vec.length; j++) {
      if (!Number.isFinite(vec[j]!)) {
        throw new EmbeddingPermanentError(
          `${label} embeddings: vector ${index} contains NaN or infinite values; check the model or server (this input cannot be embedded as is)`,
          { provider },
        );
      }
    }
    if (dims === null) dims = vec.length;
    else if (vec.length !== dims) {
      throw new EmbeddingPermanentError(
        exp.dimsConfigured
          ? `${label} embeddings: server returned ${vec.length}-dimension vectors but embeddings.dims is ${dims}; set embeddings.dims to ${vec.length} or use a model that supports ${dims}`
          : `${label} embeddings: server returned ${vec.length}-dimension vectors after ${dims}-dimension ones; the model behind embeddings.baseUrl changed — set embeddings.model/dims explicitly and re-embed`,
        { provider },
      );
    }
    out[index] = l2Normalize(vec);
  }
  return out as Float32Array[];
}

function toFloat32(v: unknown): Float32Array | null {
  if (Array.isArray(v)) {
    const out = new Float32Array(v.length);
    for (let i = 0; i < v.length; i++) {
      const x: unknown = v[i];
      // null (how some servers serialise NaN) is caught by the finiteness check.
      if (typeof x !== 'number' && x !== null) return null;
      out[i] = x === null ? Number.NaN : x;
    }
    return out;
  }
  if (typeof v === 'string') {
    const buf = Buffer.from(v, 'base64');
    if (buf.length === 0 || buf.length % 4 !== 0) return null;
    const out = new Float32Array(buf.length / 4);
    for (let i = 0; i < out.length; i++) out[i] = buf.readFloatLE(i * 4);
    return out;
  }
  return null;
}
