/**
 * Identifier normalisation shared by writes and queries, so both sides agree on how a name is
 * split: `getUserById` -> get, user, by, id; `HTMLParser` -> html, parser; `retry_backoff_max`
 * -> retry, backoff, max.
 */

const PART = /\p{Lu}+(?=\p{Lu}\p{Ll})|\p{Lu}?\p{Ll}+|\p{Lu}+|\p{N}+|\p{L}+/gu;
const NOT_KEY_CHAR = /[^\p{L}\p{N}$]/gu;
const WORD = /[\p{L}\p{N}_$]+/gu;
/** Words with an inner case or letter/digit boundary; `_` is a separator (the tokenizer splits there too). */
const CAMEL_WORD = /[\p{L}\p{N}]*(?:\p{Ll}\p{Lu}|\p{Lu}\p{Lu}\p{Ll}|\p{L}\p{N}|\p{N}\p{L})[\p{L}\p{N}]*/gu;
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
  if (NON_ASCII.test(content)) {
    for (const m of content.matchAll(CAMEL_WORD)) add(m[0]);
  } else {
    forEachAsciiCamelWord(content, add);
  }
  return lines.join('\n');
}

/** Word -> its parts joined by spaces ('' for a single part), shared across chunks and batches. */
const subTokenCache = new Map<string, string>();
const SUB_TOKEN_CACHE_MAX = 100_000;

function subTokenLine(word: string): string {
  let line = subTokenCache.get(word);
  if (line === undefined) {
    const parts = splitIdentifier(word);
    line = parts.length > 1 ? parts.join(' ') : '';
    if (subTokenCache.size >= SUB_TOKEN_CACHE_MAX) subTokenCache.clear();
    subTokenCache.set(word, line);
  }
  return line;
}

/** 0 = not a letter or digit, 1 = a-z, 2 = A-Z, 3 = 0-9. */
function asciiClass(code: number): number {
  if (code >= 97 && code <= 122) return 1;
  if (code >= 65 && code <= 90) return 2;
  if (code >= 48 && code <= 57) return 3;
  return 0;
}

/**
 * What `content.matchAll(CAMEL_WORD)` yields for ASCII-only content, without the regex: every
 * maximal run of letters and digits that holds a lower->upper, upper-upper->lower, letter->digit
 * or digit->letter step (CAMEL_WORD's greedy ends always widen a match to the whole run).
 */
function forEachAsciiCamelWord(content: string, fn: (word: string) => void): void {
  const n = content.length;
  let i = 0;
  while (i < n) {
    let prev = asciiClass(content.charCodeAt(i));
    if (prev === 0) {
      i++;
      continue;
    }
    const start = i;
    let prev2 = 0;
    let camel = false;
    for (i++; i < n; i++) {
      const k = asciiClass(content.charCodeAt(i));
      if (k === 0) break;
      if (
        !camel &&
        ((prev === 1 && k === 2) || (prev2 === 2 && prev === 2 && k === 1) || (prev === 3) !== (k === 3))
      ) {
        camel = true;
      }
      prev2 = prev;
      prev = k;
    }
    if (camel) fn(content.slice(start, i));
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
