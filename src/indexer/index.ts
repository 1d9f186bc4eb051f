/**
 * Public API of the pure indexer: language detection and per-file extraction. No Redis, SQLite,
 * MCP or file-system access happens here; callers read files and store the results.
 */
export { CHUNK_OVERLAP_LINES, MAX_CHUNK_CHARS, MAX_CHUNK_LINES } from './chunks.js';
export { createExtractor, type Extractor, type ExtractorOptions, ParseTimeoutError } from './extractor.js';
export { EXTRACTOR_VERSION } from './extractor-version.js';
export {
  detectLanguage,
  isCandidateSource,
  isCppHeader,
  LANGUAGE_EXTENSIONS,
  languageFromShebang,
  loadGrammar,
  mayBeScript,
} from './languages.js';
export { type TagsQuerySources, tagsQuerySources } from './queries/index.js';
export * from './types.js';
