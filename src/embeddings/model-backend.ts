/**
 * A neural embedding model loaded in the current thread: USE-lite from the npm package, or an
 * ONNX model from a directory. Both run in the model thread (`./model-thread.ts`), never on a
 * process's main thread.
 */

/** Which model a thread loads. */
export type ModelSpec = { kind: 'use-lite' } | { kind: 'onnx'; dir: string };

/** A loaded model: unit-length vectors, one per text, in input order. */
export interface ModelBackend {
  readonly dims: number;
  embed(texts: string[]): Promise<Float32Array[]>;
}

/** Scales `v` to unit length in place (all-zero stays zero) and returns it. */
export function normalizeInPlace(v: Float32Array): Float32Array {
  let sum = 0;
  for (let i = 0; i < v.length; i++) sum += v[i]! * v[i]!;
  if (sum > 0) {
    const inv = 1 / Math.sqrt(sum);
    for (let i = 0; i < v.length; i++) v[i] = v[i]! * inv;
  }
  return v;
}

/** Loads the model `spec` names (dynamic imports: a process that never embeds never loads them). */
export async function loadModelBackend(spec: ModelSpec): Promise<ModelBackend> {
  if (spec.kind === 'use-lite') {
    const { loadUseLite } = await import('./use-lite.js');
    return loadUseLite();
  }
  const { loadOnnxModel } = await import('./onnx-model.js');
  return loadOnnxModel(spec.dir);
}
