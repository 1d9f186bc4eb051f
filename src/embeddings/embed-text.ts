/**
 * What a chunk is embedded as. Neural models read words, so the text they get is the part of a
 * chunk that carries meaning (its qualified name, signature, doc comment and the first lines of
 * its body), with identifiers split into words (`get_object_or_404` → `get object or 404`,
 * `parseHTTPResponse` → `parse HTTP Response`) and whitespace collapsed, cut at a length that
 * keeps a batch's cost bounded (attention cost grows with the square of the input length).
 */

/** Characters of a chunk a neural model reads by default. */
export const DEFAULT_EMBED_TEXT_CHARS = 400;

const CAMEL_BOUNDARY = /(\p{Ll})(\p{Lu})|(\p{Lu})(\p{Lu}\p{Ll})/gu;

/** `snake_case`, `camelCase` and `kebab-case` identifiers as separate words; whitespace collapsed. */
export function wordsOf(text: string): string {
  return text
    .replace(CAMEL_BOUNDARY, (_m, a?: string, b?: string, c?: string, d?: string) =>
      a !== undefined ? `${a} ${b}` : `${c} ${d}`,
    )
    .replace(/[_$]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/**
 * The text a neural model embeds for a chunk: its symbol (when it has one) and its content, both
 * as words, cut at `maxChars`. Queries go through {@link embeddingQueryText}.
 */
export function embeddingDocumentText(
  chunk: { symbol?: string | null | undefined; content: string },
  maxChars: number = DEFAULT_EMBED_TEXT_CHARS,
): string {
  const head = chunk.symbol ? `${wordsOf(chunk.symbol)}. ` : '';
  // Only the part that can survive the cut is rewritten (chunks run up to 8000 characters).
  const body = wordsOf(chunk.content.slice(0, maxChars * 2));
  return `${head}${body}`.slice(0, maxChars);
}

/** A search query as a neural model embeds it: identifiers as words, cut like documents. */
export function embeddingQueryText(query: string, maxChars: number = DEFAULT_EMBED_TEXT_CHARS): string {
  return wordsOf(query).slice(0, maxChars);
}
