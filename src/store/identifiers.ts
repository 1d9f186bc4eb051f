/**
 * Identifier normalisation shared by writes and queries, so both sides agree on how a name is
 * split: `getUserById` -> get, user, by, id; `HTMLParser` -> html, parser; `retry_backoff_max`
 * -> retry, backoff, max.
 */

const PART = /\p{Lu}+(?=\p{Lu}\p{Ll})|\p{Lu}?\p{Ll}+|\p{Lu}+|\p{N}+|\p{L}+/gu;
const NOT_KEY_CHAR = /[^\p{L}\p{N}$]/gu;
const WORD = /[\p{L}\p{N}_$]+/gu;
const MAX_SUFFIXES = 8;

// ASCII-only twins of the patterns above: for a string without code points above U+007F they
// match exactly the same (\p{Lu} = [A-Z], \p{Ll} = [a-z], \p{N} = [0-9], \p{L} = [A-Za-z]), and
// a non-`u` regex without property escapes is several times faster.
const PART_ASCII = /[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|[0-9]+/g;
const NOT_KEY_CHAR_ASCII = /[^a-z0-9$]/g;
const NON_ASCII = /[^\x00-\x7f]/;

/** Lowercased camelCase / snake_case / kebab-case parts of an identifier, in order. */
export function splitIdentifier(name: string): string[] {
  const parts = name.match(NON_ASCII.test(name) ? PART : PART_ASCII);
  return parts === null ? [] : parts.map((p) => p.toLowerCase());
}

/**
 * The search key of a name: lowercased, with everything but letters, digits and `$` removed, so
 * `getUser`, `get_user` and `GetUser` share the key `getuser`.
 */
export function nameKey(name: string): string {
  const lower = name.toLowerCase();
  return lower.replace(NON_ASCII.test(lower) ? NOT_KEY_CHAR : NOT_KEY_CHAR_ASCII, '');
}

/**
 * Keys of the name's tails that start at a word part: `getUserById` -> getuserbyid, userbyid,
 * byid, id. A query that is a prefix of one of them matches the name at a word boundary. Tails
 * shorter than 2 characters are left out.
 */
export function nameSuffixes(name: string): string[] {
  const key = nameKey(name);
  const out = key.length > 0 ? [key] : [];
  const parts = splitIdentifier(name);
  for (let i = 1; i < parts.length && out.length < MAX_SUFFIXES; i++) {
    const tail = parts.slice(i).join('');
    if (tail.length >= 2 && tail !== out[out.length - 1]) out.push(tail);
  }
  return out;
}

/**
 * The extra FTS column of a chunk: the parts of every identifier that the FTS tokenizer would
 * keep as one token although it has several parts (camelCase, letters+digits), one identifier
 * per line. snake_case needs no help: the tokenizer already splits on `_`.
 */
export function chunkSubTokens(content: string): string {
  const seen = new Set<string>();
  const lines: string[] = [];
  const add = (word: string): void => {
    if (seen.has(word)) return;
    seen.add(word);
    const line = subTokenLine(word);
    if (line !== '') lines.push(line);
  };
  forEachCamelWord(content, add);
  return lines.join('\n');
}

/**
 * What a chunk's full text holds besides its content: the word parts of its identifiers (see
 * {@link chunkSubTokens}) and the first two lines of its context (name and signature), whole and
 * split. Not the context's doc: repeated in every window of a long definition, it made files with
 * long functions outrank the answer (bench relevance, python-click 0.884 -> 0.870).
 */
export function chunkSearchParts(content: string, context: string): string {
  if (context === '') return chunkSubTokens(content);
  const nl = context.indexOf('\n');
  const end = nl === -1 ? -1 : context.indexOf('\n', nl + 1);
  const searched = end === -1 ? context : context.slice(0, end);
  return `${searched}\n${chunkSubTokens(`${searched}\n${content}`)}`;
}

/**
 * A copy of a string that shares no memory with the one it was cut from. V8 keeps a slice of 13
 * or more characters as a view of its parent, so a cache key sliced from a chunk keeps the whole
 * source file alive: the word cache below held up to the whole corpus read so far, and one worker
 * indexing Go's standard library grew from 40 to 120 MB of live heap.
 */
function detached(s: string): string {
  return s.length < 13 ? s : (JSON.parse(JSON.stringify(s)) as string);
}

/** Word -> its parts joined by spaces ('' for a single part), shared across chunks and batches. */
const subTokenCache = new Map<string, string>();
const SUB_TOKEN_CACHE_MAX = 100_000;
/** Longer words (minified code, base64 blobs) are split every time rather than kept. */
const SUB_TOKEN_CACHE_MAX_WORD = 64;

function subTokenLine(word: string): string {
  let line = subTokenCache.get(word);
  if (line === undefined) {
    const parts = splitIdentifier(word);
    line = parts.length > 1 ? parts.join(' ') : '';
    if (word.length > SUB_TOKEN_CACHE_MAX_WORD) return line;
    if (subTokenCache.size >= SUB_TOKEN_CACHE_MAX) subTokenCache.clear();
    subTokenCache.set(detached(word), line);
  }
  return line;
}

/** Character classes of the camel-word scanner. */
const NONE = 0;
const LOWER = 1;
const UPPER = 2;
const DIGIT = 3;
/** A letter that is neither upper- nor lower-case (CJK, titlecase, modifier letters). */
const OTHER_LETTER = 4;

const ASCII_CLASS = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  if (c >= 97 && c <= 122) ASCII_CLASS[c] = LOWER;
  else if (c >= 65 && c <= 90) ASCII_CLASS[c] = UPPER;
  else if (c >= 48 && c <= 57) ASCII_CLASS[c] = DIGIT;
}

const IS_LU = /^\p{Lu}$/u;
const IS_LL = /^\p{Ll}$/u;
const IS_L = /^\p{L}$/u;
const IS_N = /^\p{N}$/u;
/** Class per non-ASCII code point seen, so each one meets the Unicode regexes once. */
const unicodeClasses = new Map<number, number>();
const UNICODE_CLASS_CACHE_MAX = 65_536;

function unicodeClass(cp: number): number {
  let k = unicodeClasses.get(cp);
  if (k === undefined) {
    const ch = String.fromCodePoint(cp);
    k = IS_LU.test(ch)
      ? UPPER
      : IS_LL.test(ch)
        ? LOWER
        : IS_L.test(ch)
          ? OTHER_LETTER
          : IS_N.test(ch)
            ? DIGIT
            : NONE;
    if (unicodeClasses.size >= UNICODE_CLASS_CACHE_MAX) unicodeClasses.clear();
    unicodeClasses.set(cp, k);
  }
  return k;
}

/**
 * Calls `fn` with what `content.matchAll(CAMEL_WORD)` would yield, CAMEL_WORD being
 * `[\p{L}\p{N}]*(?:\p{Ll}\p{Lu}|\p{Lu}\p{Lu}\p{Ll}|\p{L}\p{N}|\p{N}\p{L})[\p{L}\p{N}]*` (with the `u`
 * flag), without the regex: every maximal run of letters and digits that holds a lower->upper,
 * upper-upper->lower, letter->digit or digit->letter step (the pattern's greedy ends always widen
 * a match to the whole run). ASCII is classified by table; other code points once each by the
 * Unicode regexes. The regex took half of the time on the 4 % of a TypeScript corpus's chunk bytes
 * that hold any non-ASCII character.
 */
function forEachCamelWord(content: string, fn: (word: string) => void): void {
  const n = content.length;
  let start = -1;
  let prev = NONE;
  let prev2 = NONE;
  let camel = false;
  for (let i = 0; i <= n; ) {
    let k = NONE;
    let width = 1;
    if (i < n) {
      const code = content.charCodeAt(i);
      if (code < 128) k = ASCII_CLASS[code] ?? NONE;
      else {
        const cp = content.codePointAt(i) ?? code;
        width = cp > 0xffff ? 2 : 1;
        k = unicodeClass(cp);
      }
    }
    if (k === NONE) {
      // The end of a run of letters and digits (or of the text).
      if (start >= 0 && camel) fn(content.slice(start, i));
      start = -1;
    } else if (start < 0) {
      start = i;
      camel = false;
    } else if (
      !camel &&
      ((prev === LOWER && k === UPPER) ||
        (prev2 === UPPER && prev === UPPER && k === LOWER) ||
        (prev === DIGIT) !== (k === DIGIT))
    ) {
      camel = true;
    }
    prev2 = prev;
    prev = k;
    i += width;
  }
}

/** Word tokens of a text, as the snippet scorer sees them: whole words lowercased plus their parts. */
export function lineTerms(text: string): Set<string> {
  const out = new Set<string>();
  for (const m of text.matchAll(WORD)) {
    out.add(m[0].toLowerCase());
    for (const p of splitIdentifier(m[0])) out.add(p);
  }
  return out;
}

/** `-[EXFoo updateProps:withOldProps:]`, `+[EXFoo shared]`: Objective-C's name for a method. */
const OBJC_METHOD = /^[-+]\s*\[\s*([A-Za-z_]\w*)(?:\s*\([^)]*\))?\s+([A-Za-z_]\w*)[\w:]*\s*\]$/;

/** Go's method expression `(*Server).Shutdown` or `(Server).Shutdown`. */
const GO_METHOD_EXPRESSION = /^\(\s*\*?\s*([A-Za-z_]\w*)\s*\)\s*\.\s*([A-Za-z_]\w*)$/;

/**
 * A symbol as a user may write it, in the dotted form the searches read: Objective-C's
 * `-[EXFoo updateProps:withOldProps:]` is `EXFoo.updateProps` (a method is indexed by its
 * selector's first keyword), a bare selector `updateProps:withOldProps:` is `updateProps`, Go's
 * `(*Server).Shutdown` is `Server.Shutdown`, and JavaScript's `Reply.prototype.send` is
 * `Reply.send` (the method's container is its class). Anything else is returned trimmed.
 */
export function dottedSymbol(symbol: string): string {
  const q = symbol.trim();
  const method = OBJC_METHOD.exec(q);
  if (method !== null) return `${method[1]}.${method[2]}`;
  const go = GO_METHOD_EXPRESSION.exec(q);
  if (go !== null) return `${go[1]}.${go[2]}`;
  if (q.includes('.prototype.')) return q.replaceAll('.prototype.', '.');
  // `updateProps:withOldProps:` or `EXFoo.updateProps:` (not `pkg::fn`).
  if (/^[\w.]+:(?:\w+:)*$/.test(q)) return q.slice(0, q.indexOf(':'));
  return q;
}

/**
 * The parts of a qualified name, as every tool reads one: `Flask.route`, `net::tcp::connect`,
 * `Rack::Runtime#call`, `App\\Http\\Kernel`, `$this->send`, and the forms {@link dottedSymbol}
 * reads (`Reply.prototype.send`, `(*Server).Shutdown`, `-[EXFoo updateProps:]`).
 */
export function qualifiedParts(symbol: string): string[] {
  return dottedSymbol(symbol)
    .split(/::|->|[.#\\/]/)
    .map((p) => p.trim())
    .filter((p) => p !== '');
}

/**
 * The last word of an identifier, lower case (`PluginCall` -> `call`, `mBridge` -> `bridge`,
 * `this.config` -> `config`): code names a variable after the type it holds, by that word.
 */
export function lastWordOf(name: string): string {
  return splitIdentifier(name).at(-1) ?? name.toLowerCase();
}

/** Short names code gives variables of a type, by the type's last word. */
const SHORT_NAMES: Readonly<Record<string, string>> = {
  ctx: 'context',
  req: 'request',
  res: 'response',
  resp: 'response',
  cfg: 'config',
  conf: 'config',
  msg: 'message',
  err: 'error',
  conn: 'connection',
  db: 'database',
  env: 'environment',
  opts: 'options',
  args: 'arguments',
  params: 'parameters',
  mgr: 'manager',
  svc: 'service',
  repo: 'repository',
  evt: 'event',
  ev: 'event',
  btn: 'button',
  buf: 'buffer',
  doc: 'document',
  el: 'element',
  elem: 'element',
  fn: 'function',
  cb: 'callback',
  tx: 'transaction',
  stmt: 'statement',
};

/**
 * The words a variable's name suggests for the class it holds: its last word, and what that
 * abbreviates (`ctx` -> `context`, `this.req` -> `request`).
 */
export function typeWordsOf(variable: string): string[] {
  const last = lastWordOf(variable);
  const long = SHORT_NAMES[last];
  return long === undefined ? [last] : [last, long];
}

/** A container without a Kotlin companion object's trailing `.Companion` (its members are the class's). */
export function withoutCompanion(container: string | null): string | null {
  return container?.endsWith('.Companion') ? container.slice(0, -'.Companion'.length) : container;
}
