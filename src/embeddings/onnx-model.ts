import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { EmbeddingPermanentError } from './errors.js';
import type { ModelBackend } from './model-backend.js';
import { normalizeInPlace } from './model-backend.js';

/**
 * # Bring your own model: a Hugging Face-style ONNX directory
 *
 * `tokenizer.json` (any tokenizer the `@huggingface/tokenizers` package reads: WordPiece, BPE,
 * Unigram), optional `tokenizer_config.json`, `config.json` (`hidden_size`,
 * `max_position_embeddings`), and the graph: `model.onnx`, else `onnx/model.onnx`, else the first
 * other `.onnx` file in the directory or its `onnx/` folder (a quantised variant such as
 * `model_quantized.onnx`). Pooling follows sentence-transformers' `1_Pooling/config.json`: CLS when
 * `pooling_mode_cls_token` is set (bge), else the mean over the attention mask (jina, MiniLM).
 * A graph whose first output is already two-dimensional (`sentence_embedding`) is used as is.
 * Inputs are truncated to {@link ONNX_MAX_TOKENS} tokens (or the model's positions, if fewer).
 */
export const ONNX_MAX_TOKENS = 256;

const modelConfigSchema = z.looseObject({
  hidden_size: z.number().int().positive().optional(),
  d_model: z.number().int().positive().optional(),
  max_position_embeddings: z.number().int().positive().optional(),
});
const poolingSchema = z.looseObject({ pooling_mode_cls_token: z.boolean().optional() });

/** How token vectors become one text vector. */
export type Pooling = 'mean' | 'cls';

/** What a model directory holds, read and checked before the graph is loaded. */
export interface OnnxModelFiles {
  graph: string;
  tokenizer: object;
  tokenizerConfig: object;
  dims: number;
  maxTokens: number;
  pooling: Pooling;
}

function readJson(dir: string, name: string): unknown {
  const path = join(dir, name);
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new EmbeddingPermanentError(
      `cannot read ${path} (${(err as Error).message}): point CODEINDEX_EMBED_MODEL_DIR at a Hugging Face model directory with tokenizer.json, config.json and model.onnx`,
      { provider: 'local' },
    );
  }
}

function findGraph(dir: string): string | null {
  for (const p of [join(dir, 'model.onnx'), join(dir, 'onnx', 'model.onnx')]) if (existsSync(p)) return p;
  for (const sub of [dir, join(dir, 'onnx')]) {
    if (!existsSync(sub)) continue;
    const names = readdirSync(sub)
      .filter((n) => n.endsWith('.onnx'))
      .sort();
    if (names[0] !== undefined) return join(sub, names[0]);
  }
  return null;
}

/** Reads and checks a model directory. Throws {@link EmbeddingPermanentError} with the fix. */
export function readOnnxModelFiles(dir: string): OnnxModelFiles {
  if (!existsSync(dir)) {
    throw new EmbeddingPermanentError(
      `model directory ${dir} does not exist: fix CODEINDEX_EMBED_MODEL_DIR (embeddings.modelDir)`,
      { provider: 'local' },
    );
  }
  const graph = findGraph(dir);
  if (graph === null) {
    throw new EmbeddingPermanentError(
      `no .onnx file in ${dir} or ${join(dir, 'onnx')}: download the model's ONNX export (model.onnx) into it`,
      { provider: 'local' },
    );
  }
  const config = modelConfigSchema.safeParse(readJson(dir, 'config.json'));
  const dims = config.success ? (config.data.hidden_size ?? config.data.d_model) : undefined;
  if (dims === undefined) {
    throw new EmbeddingPermanentError(
      `${join(dir, 'config.json')} has no hidden_size: use the model's own config.json`,
      { provider: 'local' },
    );
  }
  const positions = config.success ? config.data.max_position_embeddings : undefined;
  const tokenizer = readJson(dir, 'tokenizer.json');
  const tokenizerConfig = existsSync(join(dir, 'tokenizer_config.json'))
    ? readJson(dir, 'tokenizer_config.json')
    : {};
  const poolingPath = join(dir, '1_Pooling', 'config.json');
  const pooling = existsSync(poolingPath)
    ? poolingSchema.safeParse(readJson(dir, '1_Pooling/config.json'))
    : null;
  return {
    graph,
    tokenizer: tokenizer as object,
    tokenizerConfig: tokenizerConfig as object,
    dims,
    maxTokens: Math.min(ONNX_MAX_TOKENS, positions ?? ONNX_MAX_TOKENS),
    pooling: pooling?.success && pooling.data.pooling_mode_cls_token ? 'cls' : 'mean',
  };
}

/** The vector width a model directory declares (config.json), without loading the graph. */
export function onnxModelDims(dir: string): number {
  return readOnnxModelFiles(dir).dims;
}

/** Keeps the first `max - 1` tokens and the last one (the end-of-sequence mark). */
function truncate(ids: number[], max: number): number[] {
  if (ids.length <= max) return ids;
  return [...ids.slice(0, max - 1), ids[ids.length - 1]!];
}

/**
 * Loads the directory's tokenizer and graph (onnxruntime-node, CPU, one intra-op thread: the
 * machine's other cores belong to the other workers). Texts of one call are run as one padded
 * batch; the caller sorts and sizes batches.
 */
export async function loadOnnxModel(dir: string): Promise<ModelBackend> {
  const files = readOnnxModelFiles(dir);
  const { Tokenizer } = await import('@huggingface/tokenizers');
  const ort = await import('onnxruntime-node');
  const tokenizer = new Tokenizer(files.tokenizer, files.tokenizerConfig);
  const session = await ort.InferenceSession.create(files.graph, {
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
    executionProviders: ['cpu'],
  });
  const output = session.outputNames.includes('last_hidden_state')
    ? 'last_hidden_state'
    : session.outputNames[0]!;
  const { dims, maxTokens, pooling } = files;
  return {
    dims,
    async embed(texts) {
      if (texts.length === 0) return [];
      const encoded = texts.map((t) => truncate(tokenizer.encode(t).ids, maxTokens));
      const width = Math.max(1, ...encoded.map((ids) => ids.length));
      const n = texts.length;
      const ids = new BigInt64Array(n * width);
      const mask = new BigInt64Array(n * width);
      encoded.forEach((row, i) => {
        row.forEach((id, j) => {
          ids[i * width + j] = BigInt(id);
          mask[i * width + j] = 1n;
        });
      });
      const feeds: Record<string, InstanceType<typeof ort.Tensor>> = {};
      for (const name of session.inputNames) {
        if (name === 'input_ids') feeds[name] = new ort.Tensor('int64', ids, [n, width]);
        else if (name === 'attention_mask') feeds[name] = new ort.Tensor('int64', mask, [n, width]);
        else if (name === 'token_type_ids')
          feeds[name] = new ort.Tensor('int64', new BigInt64Array(n * width), [n, width]);
        else {
          throw new EmbeddingPermanentError(
            `${files.graph} wants an input "${name}" this runner does not know (it feeds input_ids, attention_mask, token_type_ids): export the model for feature extraction`,
            { provider: 'local' },
          );
        }
      }
      const result = await session.run(feeds);
      const t = result[output]!;
      const data = t.data as Float32Array;
      const out: Float32Array[] = [];
      if (t.dims.length === 2) {
        const w = Number(t.dims[1]);
        for (let i = 0; i < n; i++) out.push(normalizeInPlace(data.slice(i * w, (i + 1) * w)));
        return out;
      }
      const h = Number(t.dims[2]);
      const seq = Number(t.dims[1]);
      for (let i = 0; i < n; i++) {
        const v = new Float32Array(h);
        if (pooling === 'cls') {
          v.set(data.subarray(i * seq * h, i * seq * h + h));
        } else {
          const len = encoded[i]!.length;
          for (let j = 0; j < len; j++) {
            const base = (i * seq + j) * h;
            for (let k = 0; k < h; k++) v[k] = v[k]! + data[base + k]!;
          }
          if (len > 0) for (let k = 0; k < h; k++) v[k] = v[k]! / len;
        }
        out.push(normalizeInPlace(v));
      }
      return out;
    },
  };
}
