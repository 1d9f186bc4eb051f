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

/** Lowercased camelCase / snake_case / kebab-case parts of an identifier, in order. */
export function splitIdentifier(name: string): string[] {
  const parts = name.match(PART);
  return parts === null ? [] : parts.map((p) => p.toLowerCase());
}

/**
 * The search key of a name: lowercased, with everything but letters, digits and `$` removed, so
 * `getUser`, `get_user` and `GetUser` share the key `getuser`.
 */
export function nameKey(name: string): string {
  return name.toLowerCase().replace(NOT_KEY_CHAR, '');
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
  for (const m of content.matchAll(CAMEL_WORD)) {
    const word = m[0];
    if (seen.has(word)) continue;
    seen.add(word);
    const parts = splitIdentifier(word);
    if (parts.length > 1) lines.push(parts.join(' '));
  }
  return lines.join('\n');
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
