import { EmbeddingPermanentError } from './errors.js';
import type { EmbeddingProvider, EmbeddingProviderConfig } from './provider.js';
import { positiveInt } from './remote.js';
import { l2Normalize } from './vector-search.js';

/**
 * # The local lexical embedding (`local-hash-v1-<dims>`)
 *
 * Offline, deterministic, no model download. It is a hashed bag of words tuned for code, so it
 * matches vocabulary, not meaning: "retry upload with backoff" finds `uploadWithRetry(…, backoff)`,
 * but not `resend(…)` with a delay loop. It is an explicit choice (`embeddings.model: local-hash`)
 * for machines where the neural default is too slow; it is not semantic (see `isSemanticModel`).
 *
 * For each text:
 * 1. Identifiers and words (`[\p{L}_$][\p{L}\p{N}_$]*`) are split into sub-tokens at `_`, `$`,
 *    camelCase and letter/digit boundaries (`parseHTTPResponse2` → parse, http, response),
 *    lowercased; one-letter and all-digit sub-tokens, English stopwords and the commonest keywords
 *    of the supported languages are dropped.
 * 2. Each sub-token is mapped to its usual abbreviation when it has one (`configuration` →
 *    `config`, `arguments` → `arg`, `database` → `db`), else reduced by a small suffix stemmer
 *    (`retries` → `retry`, `uploading` → `upload`, `parser`/`parsing`/`parse` → `pars`), and counted
 *    as a word feature (weight 1).
 * 3. A compound identifier also counts as itself, joined (`uploadwithretry`, weight 0.5), so exact
 *    identifier queries rank their definition first.
 * 4. The character trigrams of each unstemmed sub-token, with boundary marks (`^up`, `upl`, …,
 *    `ad$`), count as trigram features (weight 0.2 each), to match spelling variants and partial words.
 * 5. Features are hashed with 32-bit FNV-1a (kind-prefixed) and a murmur3 finaliser; the hash picks
 *    the bucket (`h mod dims`) and the sign (top bit), so collisions cancel rather than add up.
 *    Each feature adds `sign × weight × (1 + ln tf)` (sublinear term frequency).
 * 6. The vector is L2-normalised, so cosine similarity is a dot product.
 *
 * Queries and documents are embedded the same way. Changing any of this needs a new model name
 * (`v2`), because stored vectors are compared with fresh query vectors.
 */
export const LOCAL_MODEL_PREFIX = 'local-hash-v1-';
export const LOCAL_DEFAULT_DIMS = 512;
/** Texts embedded between two yields to the event loop (lets a worker renew its job locks). */
export const LOCAL_DEFAULT_MAX_BATCH = 256;

const WORD_WEIGHT = 1;
const IDENT_WEIGHT = 0.5;
const TRIGRAM_WEIGHT = 0.2;

// Feature kinds, mixed into the hash so a word and a trigram with the same letters differ.
const KIND_WORD = 0x77; // 'w'
const KIND_IDENT = 0x69; // 'i'
const KIND_TRIGRAM = 0x74; // 't'

const IDENTIFIER = /[\p{L}_$][\p{L}\p{N}_$]*/gu;
const SUBTOKEN = /\p{Lu}+(?!\p{Ll})|\p{Lu}?\p{Ll}+|\p{N}+|\p{L}+/gu;

/** English function words and the most frequent keywords of TS/JS, Python, Go, Rust, Java, C-family. */
const STOPWORDS: ReadonlySet<string> = new Set(
  (
    'a an and are as at be but by do does for from has have how if in into is it its of on or ' +
    'so than that the their then there these this those to was were what when where which while ' +
    'who why will with would can could should not no yes all any each my our your we you me ' +
    'const let var function return import export default new self this def fn func pub use mod ' +
    'impl struct enum class interface type extends implements public private protected static ' +
    'final void int long float double bool boolean char string str number null nil none undefined ' +
    'true false async await try catch except finally throw throws raise else elif for foreach ' +
    'break continue case switch package namespace using include define ifdef endif ' +
    'readonly override abstract virtual val mut ref out get set lambda yield pass go'
  ).split(/\s+/),
);

/**
 * Words that code abbreviates, mapped to the abbreviation, so `parse_args` meets "arguments" and
 * `loadConfig` meets "configuration". Keys are lowercased sub-tokens before stemming.
 */
const ABBREVIATIONS: ReadonlyMap<string, string> = new Map(
  Object.entries({
    arg: 'arg args arguments argument argv',
    auth: 'authentication authenticate authorization authorize authn authz',
    btn: 'button buttons',
    config: 'configuration configurations configure configured configs cfg conf settings',
    ctx: 'context contexts',
    db: 'database databases',
    dir: 'directory directories dirs folder folders',
    dst: 'destination dest',
    env: 'environment environments',
    err: 'error errors errs',
    fn: 'callback callbacks cb',
    idx: 'index indexes indices',
    img: 'image images',
    init: 'initialize initialise initialization initialisation',
    len: 'length',
    msg: 'message messages msgs',
    param: 'parameter parameters params',
    pwd: 'password passwords passwd',
    repo: 'repository repositories repos',
    req: 'request requests',
    res: 'response responses resp',
    src: 'source sources',
    tmp: 'temporary temp',
    util: 'utility utilities utils',
  }).flatMap(([abbr, words]) => [[abbr, abbr] as const, ...words.split(' ').map((w) => [w, abbr] as const)]),
);

/**
 * The local lexical embedding of one text, as described above: `dims` floats, unit length (all
 * zero when the text has no features). Synchronous and allocation-light; a few µs per 1 kB.
 */
export function embedLexical(text: string, dims: number = LOCAL_DEFAULT_DIMS): Float32Array {
  // Per-kind counts keyed by the 32-bit feature hash (collisions at 32 bits are negligible).
  const words = new Map<number, number>();
  const idents = new Map<number, number>();
  const trigrams = new Map<number, number>();
  const bump = (m: Map<number, number>, h: number) => m.set(h, (m.get(h) ?? 0) + 1);

  for (const idMatch of text.matchAll(IDENTIFIER)) {
    const ident = idMatch[0];
    let parts = 0;
    let joined = '';
    for (const sub of ident.matchAll(SUBTOKEN)) {
      const raw = sub[0];
      if (raw.length < 2 || isDigits(raw)) continue;
      const tok = raw.toLowerCase();
      parts++;
      joined += tok;
      if (STOPWORDS.has(tok)) continue;
      bump(words, hashString(KIND_WORD, ABBREVIATIONS.get(tok) ?? stem(tok)));
      addTrigrams(trigrams, tok);
    }
    if (parts >= 2) bump(idents, hashString(KIND_IDENT, joined));
  }

  const vec = new Float32Array(dims);
  accumulate(vec, words, WORD_WEIGHT);
  accumulate(vec, idents, IDENT_WEIGHT);
  accumulate(vec, trigrams, TRIGRAM_WEIGHT);
  return l2Normalize(vec);
}

function accumulate(vec: Float32Array, counts: Map<number, number>, weight: number): void {
  const dims = vec.length;
  for (const [h, tf] of counts) {
    const value = weight * (1 + Math.log(tf));
    const bucket = (h >>> 0) % dims;
    vec[bucket] = vec[bucket]! + (h < 0 ? -value : value);
  }
}

function addTrigrams(counts: Map<number, number>, tok: string): void {
  // Boundary marks: '^' before, '$' after, so prefixes and suffixes are features of their own.
  const n = tok.length + 2;
  const at = (i: number) => (i === 0 ? 0x5e : i === n - 1 ? 0x24 : tok.charCodeAt(i - 1));
  for (let i = 0; i + 3 <= n; i++) {
    let h = fnvStep(FNV_OFFSET, KIND_TRIGRAM);
    h = fnvStep(h, at(i));
    h = fnvStep(h, at(i + 1));
    h = fnvStep(h, at(i + 2));
    const m = fmix32(h);
    counts.set(m, (counts.get(m) ?? 0) + 1);
  }
}

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

function fnvStep(h: number, code: number): number {
  return Math.imul(h ^ code, FNV_PRIME);
}

/** FNV-1a over the UTF-16 code units of `kind + s`, finalised; a signed 32-bit integer. */
function hashString(kind: number, s: string): number {
  let h = fnvStep(FNV_OFFSET, kind);
  for (let i = 0; i < s.length; i++) h = fnvStep(h, s.charCodeAt(i));
  return fmix32(h);
}

/** murmur3's finaliser: FNV-1a's low bits are weak, and the bucket is taken from them. */
function fmix32(x: number): number {
  let h = x;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h | 0;
}

function isDigits(s: string): boolean {
  return /^\p{N}+$/u.test(s);
}

/**
 * A deliberately small suffix stripper (a fraction of Porter's step 1): enough to meet
 * `retries`/`retry`, `failed`/`fail`, `uploading`/`upload`, `handler`/`handle`. Exported for tests.
 */
export function stem(word: string): string {
  let w = word;
  if (w.length > 4 && (w.endsWith('ies') || w.endsWith('ied'))) w = `${w.slice(0, -3)}y`;
  else if (w.endsWith('sses')) w = w.slice(0, -2);
  else if (w.length > 3 && w.endsWith('s') && !/(?:ss|us|is)$/.test(w)) w = w.slice(0, -1);

  if (w.length >= 6 && w.endsWith('ing')) w = undouble(w.slice(0, -3));
  else if (w.length >= 5 && w.endsWith('ed')) w = undouble(w.slice(0, -2));
  else if (w.length >= 6 && w.endsWith('er')) w = undouble(w.slice(0, -2));
  else if (w.length >= 7 && w.endsWith('ation')) w = w.slice(0, -3);

  if (w.length >= 4 && w.endsWith('e')) w = w.slice(0, -1);
  return w;
}

/** `runn` → `run`, `stopp` → `stop`; but `fill`, `pass`, `buzz` keep their double letter. */
function undouble(w: string): string {
  const n = w.length;
  if (n >= 3 && w[n - 1] === w[n - 2] && !'lsz'.includes(w[n - 1]!)) return w.slice(0, -1);
  return w;
}

/**
 * The hashed bag of words ({@link embedLexical}) behind the provider interface, the `local`
 * provider's explicit choice `local-hash`. `cfg.dims` (default 512) or a model name
 * `local-hash-v1-<dims>` sets the width; `baseUrl` and `apiKey` are ignored.
 */
export function createHashEmbeddingProvider(cfg: EmbeddingProviderConfig): EmbeddingProvider {
  const alias = cfg.model?.trim();
  const requested = alias === 'local-hash' ? undefined : alias;
  let modelDims: number | undefined;
  if (requested) {
    const m = /^local-hash-v1-(\d+)$/.exec(requested);
    if (!m) {
      throw new EmbeddingPermanentError(
        `unknown local embeddings model "${requested}": use ${LOCAL_MODEL_PREFIX}<dims> (e.g. ${LOCAL_MODEL_PREFIX}${LOCAL_DEFAULT_DIMS})`,
        { provider: 'local' },
      );
    }
    modelDims = Number(m[1]);
  }
  const dims = positiveInt('local', 'dims', cfg.dims ?? modelDims, LOCAL_DEFAULT_DIMS, 65_536);
  if (modelDims !== undefined && modelDims !== dims) {
    throw new EmbeddingPermanentError(
      `embeddings.model ${requested} has ${modelDims} dimensions but embeddings.dims is ${dims}: make them agree or drop one`,
      { provider: 'local' },
    );
  }
  if (dims < 16) {
    throw new EmbeddingPermanentError(
      `local embeddings need at least 16 dims (got ${dims}): raise embeddings.dims`,
      {
        provider: 'local',
      },
    );
  }
  const maxBatch = positiveInt('local', 'maxBatch', cfg.maxBatch, LOCAL_DEFAULT_MAX_BATCH, 1_000_000);

  return Object.freeze({
    id: 'local' as const,
    model: `${LOCAL_MODEL_PREFIX}${dims}`,
    dims,
    maxBatch,
    async embed(texts: string[], _inputType: 'document' | 'query', signal?: AbortSignal) {
      const out: Float32Array[] = [];
      for (let start = 0; start < texts.length; start += maxBatch) {
        signal?.throwIfAborted();
        if (start > 0) await new Promise<void>((resolve) => setImmediate(resolve));
        const end = Math.min(texts.length, start + maxBatch);
        for (let i = start; i < end; i++) out.push(embedLexical(texts[i]!, dims));
      }
      return out;
    },
  });
}
