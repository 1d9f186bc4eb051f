/**
 * A tiny Hugging Face-style ONNX model directory, written from scratch: a WordPiece
 * `tokenizer.json`, a `config.json`, and a `model.onnx` whose graph is `tanh(Gather(table,
 * input_ids))` (the "last hidden state" of a one-layer embedding model) with a seeded random
 * table of a few KB. The protobuf is encoded here (field numbers from onnx.proto), so the tests
 * need no Python. `expectedVector` computes what a correct runner must return.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const SPECIAL = ['[PAD]', '[UNK]', '[CLS]', '[SEP]'];
const WORDS = [
  'make',
  'a',
  'url',
  'friendly',
  'slug',
  '##ify',
  'parse',
  'config',
  'file',
  'send',
  'mail',
  'retry',
  '##ing',
  'upload',
  'with',
  'backoff',
  'the',
  'of',
  'to',
  '.',
  '(',
  ')',
  ',',
];
/** Token ids: specials first, then the words. */
export const VOCAB: Record<string, number> = Object.fromEntries([...SPECIAL, ...WORDS].map((t, i) => [t, i]));

/** Deterministic pseudo-random floats in [-1, 1) (mulberry32). */
function table(rows: number, cols: number, seed: number): Float32Array {
  let a = seed >>> 0;
  const out = new Float32Array(rows * cols);
  for (let i = 0; i < out.length; i++) {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = ((t ^ (t >>> 14)) >>> 0) / 2 ** 31 - 1;
  }
  return out;
}

// Protobuf wire format: varints (wire type 0) and length-delimited fields (wire type 2).
function varint(n: number): number[] {
  const out: number[] = [];
  let v = n;
  while (v >= 0x80) {
    out.push((v & 0x7f) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return out;
}
const fInt = (no: number, v: number) => [...varint(no << 3), ...varint(v)];
const fBytes = (no: number, b: ArrayLike<number>) => [
  ...varint((no << 3) | 2),
  ...varint(b.length),
  ...Array.from(b),
];
const fStr = (no: number, s: string) => fBytes(no, Buffer.from(s, 'utf8'));

function tensorType(elemType: number, dims: string[]): number[] {
  const shape = dims.flatMap((d) => fBytes(1, fStr(2, d)));
  return fBytes(1, [...fInt(1, elemType), ...fBytes(2, shape)]);
}
const valueInfo = (name: string, elemType: number, dims: string[]) => [
  ...fStr(1, name),
  ...fBytes(2, tensorType(elemType, dims)),
];
const FLOAT = 1;
const INT64 = 7;

/** The ONNX bytes of `tanh(Gather(weights, input_ids))`; `attention_mask` is declared, unused. */
export function onnxEmbeddingModel(weights: Float32Array, vocab: number, hidden: number): Uint8Array {
  const gather = [
    ...fStr(1, 'emb'),
    ...fStr(1, 'input_ids'),
    ...fStr(2, 'gathered'),
    ...fStr(3, 'gather'),
    ...fStr(4, 'Gather'),
  ];
  const tanh = [
    ...fStr(1, 'gathered'),
    ...fStr(2, 'last_hidden_state'),
    ...fStr(3, 'tanh'),
    ...fStr(4, 'Tanh'),
  ];
  const init = [
    ...fInt(1, vocab),
    ...fInt(1, hidden),
    ...fInt(2, FLOAT),
    ...fStr(8, 'emb'),
    ...fBytes(9, new Uint8Array(weights.buffer, weights.byteOffset, weights.byteLength)),
  ];
  const graph = [
    ...fBytes(1, gather),
    ...fBytes(1, tanh),
    ...fStr(2, 'tiny'),
    ...fBytes(5, init),
    ...fBytes(11, valueInfo('input_ids', INT64, ['batch', 'seq'])),
    ...fBytes(11, valueInfo('attention_mask', INT64, ['batch', 'seq'])),
    ...fBytes(12, valueInfo('last_hidden_state', FLOAT, ['batch', 'seq', 'hidden'])),
  ];
  const model = [...fInt(1, 7), ...fStr(2, 'codeindex-test'), ...fBytes(7, graph), ...fBytes(8, fInt(2, 13))];
  return Uint8Array.from(model);
}

function tokenizerJson(): object {
  const special = (content: string) => ({
    id: VOCAB[content],
    content,
    single_word: false,
    lstrip: false,
    rstrip: false,
    normalized: false,
    special: true,
  });
  const tok = (id: string) => ({ SpecialToken: { id, type_id: 0 } });
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: SPECIAL.map(special),
    normalizer: {
      type: 'BertNormalizer',
      clean_text: true,
      handle_chinese_chars: true,
      strip_accents: null,
      lowercase: true,
    },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: {
      type: 'TemplateProcessing',
      single: [tok('[CLS]'), { Sequence: { id: 'A', type_id: 0 } }, tok('[SEP]')],
      pair: [
        tok('[CLS]'),
        { Sequence: { id: 'A', type_id: 0 } },
        tok('[SEP]'),
        { Sequence: { id: 'B', type_id: 1 } },
        tok('[SEP]'),
      ],
      special_tokens: {
        '[CLS]': { id: '[CLS]', ids: [VOCAB['[CLS]']], tokens: ['[CLS]'] },
        '[SEP]': { id: '[SEP]', ids: [VOCAB['[SEP]']], tokens: ['[SEP]'] },
      },
    },
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: {
      type: 'WordPiece',
      unk_token: '[UNK]',
      continuing_subword_prefix: '##',
      max_input_chars_per_word: 100,
      vocab: VOCAB,
    },
  };
}

/** A written model directory and the weights behind it. */
export interface TinyModel {
  dir: string;
  hidden: number;
  weights: Float32Array;
}

/** Writes the model directory under `dir`; `pooling: 'cls'` adds sentence-transformers' pooling config. */
export function writeTinyModel(
  dir: string,
  opts: { hidden?: number; pooling?: 'mean' | 'cls'; seed?: number } = {},
): TinyModel {
  const hidden = opts.hidden ?? 8;
  const vocab = Object.keys(VOCAB).length;
  const weights = table(vocab, hidden, opts.seed ?? 42);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'model.onnx'), onnxEmbeddingModel(weights, vocab, hidden));
  writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify(tokenizerJson()));
  writeFileSync(
    join(dir, 'tokenizer_config.json'),
    JSON.stringify({ do_lower_case: true, model_max_length: 512 }),
  );
  writeFileSync(
    join(dir, 'config.json'),
    JSON.stringify({ hidden_size: hidden, max_position_embeddings: 64, model_type: 'bert' }),
  );
  if (opts.pooling) {
    mkdirSync(join(dir, '1_Pooling'), { recursive: true });
    writeFileSync(
      join(dir, '1_Pooling', 'config.json'),
      JSON.stringify({
        word_embedding_dimension: hidden,
        pooling_mode_cls_token: opts.pooling === 'cls',
        pooling_mode_mean_tokens: opts.pooling === 'mean',
      }),
    );
  }
  return { dir, hidden, weights };
}

/** What a correct runner returns for token ids `ids`: mean (or CLS) of tanh(table rows), unit length. */
export function expectedVector(m: TinyModel, ids: number[], pooling: 'mean' | 'cls'): Float32Array {
  const v = new Float32Array(m.hidden);
  const rows = pooling === 'cls' ? ids.slice(0, 1) : ids;
  for (const id of rows)
    for (let k = 0; k < m.hidden; k++) v[k] = v[k]! + Math.tanh(m.weights[id * m.hidden + k]!);
  let sum = 0;
  for (let k = 0; k < m.hidden; k++) {
    v[k] = v[k]! / rows.length;
    sum += v[k]! * v[k]!;
  }
  for (let k = 0; k < m.hidden; k++) v[k] = v[k]! / Math.sqrt(sum);
  return v;
}
