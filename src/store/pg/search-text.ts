import { chunkSearchParts } from '../identifiers.js';

/**
 * Punctuation becomes a space before PostgreSQL's parser sees the text: otherwise it reads
 * `this.retryBackoff` as one host name, `src/foo.ts` as one file path and `foo-bar` as a
 * hyphenated word, none of which a search for `retry` or `foo` would find. `_` goes too (the parser
 * splits on it as FTS5 does); letters and digits of every script stay.
 */
const NOT_WORD = /[^\p{L}\p{N}]+/gu;

/** Text as words separated by single spaces, for `to_tsvector('codeindex', ...)`. */
export function plainWords(text: string): string {
  return text.replace(NOT_WORD, ' ').trim();
}

/**
 * The text of a chunk's `document` column: its content and the parts FTS5 gets in SQLite
 * ({@link chunkSearchParts}: identifiers' word parts, the context's name and signature), as plain
 * words. Store it with `to_tsvector('codeindex', $1)`.
 */
export function chunkDocument(content: string, context: string): string {
  return `${plainWords(content)}\n${plainWords(chunkSearchParts(content, context))}`;
}

/**
 * The two weighted halves of a chunk's `document`: its content (weight A) and its search parts
 * (weight B), as plain words. Stored as
 * `setweight(to_tsvector('codeindex', content), 'A') || setweight(to_tsvector('codeindex', parts), 'B')`,
 * so ranking can weigh them as FTS5's `bm25(chunks_fts, 1.0, 0.6)` weighs its two columns, and a
 * phrase never spans the end of the content and the start of the parts.
 */
export function chunkDocumentColumns(content: string, context: string): { content: string; parts: string } {
  return { content: plainWords(content), parts: plainWords(chunkSearchParts(content, context)) };
}
