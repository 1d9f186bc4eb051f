/**
 * Language registry: which file extensions map to which language, and how each tree-sitter grammar
 * is loaded.
 */
import { createRequire } from 'node:module';
import { extname } from 'node:path';
import type Parser from 'tree-sitter';
import type { LanguageId } from './types.js';

/** File extensions (lower case, with the dot) recognised for each language. */
export const LANGUAGE_EXTENSIONS: Readonly<Record<LanguageId, readonly string[]>> = Object.freeze({
  typescript: ['.ts', '.mts', '.cts'],
  tsx: ['.tsx'],
  javascript: ['.js', '.mjs', '.cjs', '.jsx'],
  python: ['.py', '.pyi'],
  go: ['.go'],
  rust: ['.rs'],
  java: ['.java'],
});

const EXTENSION_TO_LANGUAGE: ReadonlyMap<string, LanguageId> = new Map(
  (Object.entries(LANGUAGE_EXTENSIONS) as [LanguageId, readonly string[]][]).flatMap(([id, exts]) =>
    exts.map((ext) => [ext, id] as const),
  ),
);

/**
 * Detects the language of a file from its extension (case-insensitive).
 *
 * @param path - a file path or name; only its extension is looked at.
 * @returns the language, or null when the extension is not supported.
 */
export function detectLanguage(path: string): LanguageId | null {
  return EXTENSION_TO_LANGUAGE.get(extname(path).toLowerCase()) ?? null;
}

// Grammar packages are CommonJS native addons; createRequire loads them lazily so a worker that only
// sees Python files never loads (or pays the memory for) the other six grammars.
const requireGrammar = createRequire(import.meta.url);

/**
 * Loads the tree-sitter grammar for a language. The grammar packages cache their own module, so
 * repeated calls are cheap; callers that parse many files should still keep one Parser per language.
 */
export function loadGrammar(language: LanguageId): Parser.Language {
  switch (language) {
    case 'typescript':
      return (requireGrammar('tree-sitter-typescript') as { typescript: Parser.Language }).typescript;
    case 'tsx':
      return (requireGrammar('tree-sitter-typescript') as { tsx: Parser.Language }).tsx;
    case 'javascript':
      return requireGrammar('tree-sitter-javascript') as Parser.Language;
    case 'python':
      return requireGrammar('tree-sitter-python') as Parser.Language;
    case 'go':
      return requireGrammar('tree-sitter-go') as Parser.Language;
    case 'rust':
      return requireGrammar('tree-sitter-rust') as Parser.Language;
    case 'java':
      return requireGrammar('tree-sitter-java') as Parser.Language;
  }
}
