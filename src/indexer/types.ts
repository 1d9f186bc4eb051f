/**
 * Contracts between the pure indexer (tree-sitter) and its consumers (workers, store).
 * Lines are 1-based, columns are 0-based (UTF-16 code units are NOT used: columns are tree-sitter
 * byte-independent character columns as reported by `node.startPosition.column`).
 */

/** Languages parsed with a tree-sitter grammar: symbols, references, imports and chunks. */
export const CODE_LANGUAGE_IDS = [
  'typescript',
  'tsx',
  'javascript',
  'python',
  'go',
  'rust',
  'java',
  'c',
  'cpp',
  'objc',
  'csharp',
  'ruby',
  'php',
  'kotlin',
  'swift',
  'scala',
  'bash',
  'lua',
  'elixir',
  'dart',
  // Single-file components: their `<script>` blocks, parsed as TypeScript (see `./sfc.ts`).
  'vue',
  'svelte',
] as const;
export type CodeLanguageId = (typeof CODE_LANGUAGE_IDS)[number];

/** Text-only formats: chunked for full-text search, no symbols (see `./text-chunks.ts`). */
export const TEXT_LANGUAGE_IDS = [
  'markdown',
  'restructuredtext',
  'yaml',
  'toml',
  'json',
  'sql',
  'dockerfile',
  'dotenv',
  'html',
  'css',
  // No Groovy grammar is installed: Jenkinsfiles and Gradle scripts are searchable as text.
  'groovy',
] as const;
export type TextLanguageId = (typeof TEXT_LANGUAGE_IDS)[number];

export const LANGUAGE_IDS = [...CODE_LANGUAGE_IDS, ...TEXT_LANGUAGE_IDS] as const;
export type LanguageId = CodeLanguageId | TextLanguageId;

/** True for the text-only formats. */
export function isTextLanguage(language: LanguageId): language is TextLanguageId {
  return (TEXT_LANGUAGE_IDS as readonly string[]).includes(language);
}

export const SYMBOL_KINDS = [
  'function',
  'method',
  'constructor',
  'class',
  'struct',
  'interface',
  'trait',
  'enum',
  'type',
  'constant',
  'variable',
  'field',
  'property',
  'module',
  'namespace',
] as const;
export type SymbolKind = (typeof SYMBOL_KINDS)[number];

export const REF_KINDS = ['call', 'new', 'type', 'inherit', 'import'] as const;
export type RefKind = (typeof REF_KINDS)[number];

/** A definition found in a file. */
export interface ExtractedSymbol {
  name: string;
  kind: SymbolKind;
  startLine: number;
  startCol: number;
  endLine: number;
  endCol: number;
  /** Name of the enclosing class/struct/interface/module/impl, dotted when nested (`Outer.Inner`); null at top level. */
  container: string | null;
  /** First line of the declaration, trimmed, at most 200 chars (e.g. `async function fetchUser(id: string): Promise<User>`). */
  signature: string;
  /** Doc comment / docstring text with comment markers stripped, at most 1000 chars; null when absent. */
  doc: string | null;
  /** True when exported/public at module level (export keyword, capitalised Go name, `pub`, `public`). */
  exported: boolean;
}

/** A use of a name: call, instantiation, type reference, inheritance, import. */
export interface ExtractedRef {
  name: string;
  kind: RefKind;
  line: number;
  col: number;
  /** Qualified name of the innermost enclosing definition (`Class.method`), null at top level. */
  enclosing: string | null;
  /**
   * For a call made on an object: the class the receiver names, when the text alone tells it
   * (`this`/`self`/`cls` -> the enclosing class; a capitalised name -> itself, as in
   * `Backoffs.calculate`); null or absent when it does not (`job.add()`, `a.b().c()`); `''` for a
   * call with no receiver in a language where such a call is never a method's (`add(x)`); for a
   * method call on a variable or field (`call.getString()`, `this.bridge.eval()`), `~` and the
   * receiver as written, a hint of its type by its name (`~call`, `~this.bridge`; see
   * `receiverHint`).
   */
  receiver?: string | null;
}

export interface ExtractedImport {
  /** Module specifier as written (`./util`, `os.path`, `github.com/x/y`, `std::io`). */
  source: string;
  /** Imported names when the syntax lists them (`{a, b}`, `from x import a`), else empty. */
  names: string[];
  line: number;
}

/** A searchable piece of a file: one per function/method/class (split with overlap when large) plus a header chunk. */
export interface ExtractedChunk {
  startLine: number;
  endLine: number;
  /** Qualified name of the symbol the chunk covers; null for header and code chunks. */
  symbol: string | null;
  kind: 'header' | 'symbol' | 'code';
  content: string;
  /**
   * What the chunk is part of, when its text does not say it: a symbol chunk's qualified name,
   * and for the second and later windows of a long definition also its signature and doc.
   * A code chunk inside a definition (fields between a class's methods) carries that definition's
   * qualified name. Searched with the chunk and embedded with it; empty for the header and for
   * code at the top level.
   */
  context: string;
  /** sha256 hex of `content` and `context`; vectors are keyed by it. */
  hash: string;
}

export interface FileExtraction {
  language: LanguageId;
  symbols: ExtractedSymbol[];
  refs: ExtractedRef[];
  imports: ExtractedImport[];
  chunks: ExtractedChunk[];
}
