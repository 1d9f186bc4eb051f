/**
 * Language registry: which file names and extensions map to which language, how a file's first
 * line (a shebang) or content decides when the name does not, and how each tree-sitter grammar is
 * loaded.
 */
import { createRequire } from 'node:module';
import { basename, dirname, extname } from 'node:path';
import type Parser from 'tree-sitter';
import { type CodeLanguageId, isTextLanguage, type LanguageId } from './types.js';

/** File extensions (lower case, with the dot) recognised for each language. */
export const LANGUAGE_EXTENSIONS: Readonly<Record<LanguageId, readonly string[]>> = Object.freeze({
  typescript: ['.ts', '.mts', '.cts'],
  tsx: ['.tsx'],
  javascript: ['.js', '.mjs', '.cjs', '.jsx'],
  python: ['.py', '.pyi'],
  go: ['.go'],
  rust: ['.rs'],
  java: ['.java'],
  // `.h` is C unless its content says Objective-C or C++ (see `detectLanguage`).
  c: ['.c', '.h'],
  cpp: ['.cc', '.cpp', '.cxx', '.c++', '.hh', '.hpp', '.hxx', '.h++', '.ipp', '.tpp', '.inl'],
  // Objective-C++ (`.mm`) too: the grammar reads its Objective-C and C parts; C++ in it is an
  // error the parse recovers from.
  objc: ['.m', '.mm'],
  csharp: ['.cs'],
  ruby: ['.rb', '.rake', '.gemspec', '.ru'],
  php: ['.php', '.phtml'],
  kotlin: ['.kt', '.kts'],
  swift: ['.swift'],
  scala: ['.scala', '.sc'],
  bash: ['.sh', '.bash'],
  lua: ['.lua', '.rockspec'],
  elixir: ['.ex', '.exs'],
  dart: ['.dart'],
  vue: ['.vue'],
  svelte: ['.svelte'],
  markdown: ['.md', '.markdown'],
  restructuredtext: ['.rst'],
  yaml: ['.yaml', '.yml'],
  toml: ['.toml'],
  json: ['.json'],
  sql: ['.sql'],
  dockerfile: ['.dockerfile'],
  // Only the documented templates: a real `.env` holds secrets and is never read.
  dotenv: [],
  html: ['.html', '.htm'],
  css: ['.css'],
  groovy: ['.groovy', '.gradle'],
});

/** Extensionless (or dot) file names with a fixed language. */
const FILE_NAMES: ReadonlyMap<string, LanguageId> = new Map<string, LanguageId>([
  ['Rakefile', 'ruby'],
  ['Gemfile', 'ruby'],
  ['Guardfile', 'ruby'],
  ['Capfile', 'ruby'],
  ['Vagrantfile', 'ruby'],
  ['Podfile', 'ruby'],
  ['Brewfile', 'ruby'],
  ['.bashrc', 'bash'],
  ['.bash_profile', 'bash'],
  ['.profile', 'bash'],
  ['Jenkinsfile', 'groovy'],
  ['Dockerfile', 'dockerfile'],
  ['Containerfile', 'dockerfile'],
  ['.env.example', 'dotenv'],
  ['.env.sample', 'dotenv'],
  ['.env.template', 'dotenv'],
  ['.env.dist', 'dotenv'],
]);

const EXTENSION_TO_LANGUAGE: ReadonlyMap<string, LanguageId> = new Map(
  (Object.entries(LANGUAGE_EXTENSIONS) as [LanguageId, readonly string[]][]).flatMap(([id, exts]) =>
    exts.map((ext) => [ext, id] as const),
  ),
);

/** Interpreter named by a shebang (`#!/usr/bin/env -S python3 -u`, `#!/bin/bash`) -> language. */
const INTERPRETERS: readonly [RegExp, LanguageId][] = [
  [/^python[0-9.]*$/, 'python'],
  [/^(node|nodejs|deno|bun)$/, 'javascript'],
  [/^(ts-node|tsx)$/, 'typescript'],
  [/^(bash|sh|dash|ksh|zsh|ash)$/, 'bash'],
  [/^(ruby|jruby|rake)[0-9.]*$/, 'ruby'],
  [/^php[0-9.]*$/, 'php'],
  [/^(lua|luajit)[0-9.]*$/, 'lua'],
  [/^(kotlin|kotlinc|kscript)$/, 'kotlin'],
  [/^(scala|amm)$/, 'scala'],
  [/^swift$/, 'swift'],
  [/^(elixir|iex)$/, 'elixir'],
  [/^dart$/, 'dart'],
];

/** Language named by a shebang line, or null. */
export function languageFromShebang(firstLine: string): LanguageId | null {
  if (!firstLine.startsWith('#!')) return null;
  const words = firstLine.slice(2).trim().split(/\s+/);
  let program = basename(words[0] ?? '');
  // `env` runs the next word that is not an option or a variable assignment.
  if (program === 'env') program = words.slice(1).find((w) => !w.startsWith('-') && !w.includes('=')) ?? '';
  program = basename(program);
  for (const [pattern, language] of INTERPRETERS) if (pattern.test(program)) return language;
  return null;
}

/**
 * C++ constructs that a C header never has outside an `#ifdef __cplusplus` block: classes,
 * namespaces, templates, access labels, `std::`.
 */
const CPP_HEADER_SIGNS =
  /^\s*(class\s+\w+\s*[:{;]|class\s+\w+\s*$|namespace\s+[\w:]*\s*\{|template\s*<|(public|private|protected)\s*:|using\s+namespace\s)|\bstd::\w/m;

/**
 * Editor mode names (Emacs' `-*- mode -*-`, Vim's `filetype=`), lower case, -> language. Only the
 * languages parsed with a grammar: a modeline naming a text format is left to the file's name.
 */
const MODE_NAMES: ReadonlyMap<string, CodeLanguageId> = new Map<string, CodeLanguageId>([
  ['sh', 'bash'],
  ['bash', 'bash'],
  ['shell-script', 'bash'],
  ['shell', 'bash'],
  ['ksh', 'bash'],
  ['python', 'python'],
  ['ruby', 'ruby'],
  ['js', 'javascript'],
  ['javascript', 'javascript'],
  ['typescript', 'typescript'],
  ['c', 'c'],
  ['c++', 'cpp'],
  ['cpp', 'cpp'],
  ['objc', 'objc'],
  ['objective-c', 'objc'],
  ['vue', 'vue'],
  ['svelte', 'svelte'],
  ['java', 'java'],
  ['go', 'go'],
  ['rust', 'rust'],
  ['lua', 'lua'],
  ['php', 'php'],
  ['kotlin', 'kotlin'],
  ['swift', 'swift'],
  ['scala', 'scala'],
  ['elixir', 'elixir'],
  ['dart', 'dart'],
  ['cs', 'csharp'],
  ['csharp', 'csharp'],
]);

/** `-*- shell-script -*-`, `-*- mode: python; coding: utf-8 -*-` (not `-*- coding: utf-8 -*-`). */
const EMACS_MODE = /-\*-\s*(?:([\w+#-]+)\s*-\*-|(?:[^\n]*?;\s*)?mode:\s*([\w+#-]+))/i;
/** `vim: set ft=sh:`, `vi: filetype=python`, `ex: filetype=sh` (after a blank, or at the start). */
const VIM_MODE = /(?:^|\s)(?:vim?|ex):\s*(?:set?\s+)?(?:[^\n]*?[\s:])?(?:ft|filetype)=([\w+-]+)/;

/**
 * The language an editor modeline gives: Emacs' on the first line (the second after a shebang),
 * Vim's in the first or last five lines. bash-completion's 741 scripts have no extension and no
 * shebang, only `# ssh(1) completion  -*- shell-script -*-` and `# ex: filetype=sh`.
 */
export function languageFromModeline(text: string): CodeLanguageId | null {
  const head = firstLines(text, 5);
  const emacs = EMACS_MODE.exec(head.slice(0, 2).join('\n'));
  const emacsMode = emacs?.[1] ?? emacs?.[2];
  if (emacsMode !== undefined) {
    const found = MODE_NAMES.get(emacsMode.toLowerCase());
    if (found !== undefined) return found;
  }
  for (const line of [...head, ...lastLines(text, 5)]) {
    const vim = VIM_MODE.exec(line);
    const found = vim?.[1] === undefined ? undefined : MODE_NAMES.get(vim[1].toLowerCase());
    if (found !== undefined) return found;
  }
  return null;
}

function firstLines(text: string, n: number): string[] {
  const out: string[] = [];
  let at = 0;
  while (out.length < n && at <= text.length) {
    const nl = text.indexOf('\n', at);
    const end = nl === -1 ? text.length : nl;
    out.push(text.slice(at, Math.min(end, at + 400)));
    if (nl === -1) break;
    at = nl + 1;
  }
  return out;
}

function lastLines(text: string, n: number): string[] {
  const out: string[] = [];
  let end = text.length;
  while (end > 0 && (text[end - 1] === '\n' || text[end - 1] === '\r')) end--;
  while (out.length < n && end > 0) {
    const nl = text.lastIndexOf('\n', end - 1);
    out.push(text.slice(Math.max(nl + 1, end - 400), end));
    end = nl;
  }
  return out;
}

/**
 * Objective-C constructs at the start of a line: `@interface`, `@protocol`, `@end`, `@class`,
 * `@property`, `@import`, `#import`; or Apple's `typedef NS_ENUM(…)` and
 * `NS_ASSUME_NONNULL_BEGIN`, which a header of only enums has. A C or C++ header has none of them.
 */
const OBJC_HEADER_SIGNS =
  /^[ \t]*(@(interface|protocol|implementation|end|class|property|import)\b|#[ \t]*import\b|typedef[ \t]+(NS|CF)_(ENUM|OPTIONS|CLOSED_ENUM|ERROR_ENUM)[ \t]*\(|NS_ASSUME_NONNULL_BEGIN\b)/m;

/** True when a `.h` file's text is Objective-C (checked before C++: Objective-C++ headers read as Objective-C). */
export function isObjCHeader(text: string): boolean {
  return OBJC_HEADER_SIGNS.test(text);
}

/** True when a `.h` file's text is C++ (the `#ifdef __cplusplus` blocks of C headers are ignored). */
export function isCppHeader(text: string): boolean {
  // Only plain guards: `#if __cplusplus >= 201703L` around a whole header is C++ itself.
  const withoutCppGuards = text.replace(
    /#[ \t]*if(def[ \t]+__cplusplus|[ \t]+defined[ \t]*\(?[ \t]*__cplusplus[ \t]*\)?)[ \t]*\r?\n[\s\S]*?#[ \t]*endif/g,
    '',
  );
  return CPP_HEADER_SIGNS.test(withoutCppGuards);
}

/**
 * Detects the language of a file from its name and extension (case-insensitive), and, when the
 * text is given, from its content: an editor modeline (`-*- shell-script -*-`, `vim: ft=sh`) first,
 * a shebang for extensionless scripts, Objective-C or C++ constructs in `.h`.
 *
 * @param path - a file path or name.
 * @param text - the file's content, when read.
 * @returns the language, or null when the file is not a supported source file.
 */
export function detectLanguage(path: string, text?: string): LanguageId | null {
  const name = basename(path);
  const byName = FILE_NAMES.get(name);
  if (byName !== undefined) return byName;
  // `Dockerfile.dev`, `api.Dockerfile`.
  if (name.startsWith('Dockerfile.')) return 'dockerfile';
  const ext = extname(name).toLowerCase();
  const byExtension = EXTENSION_TO_LANGUAGE.get(ext) ?? null;
  if (text === undefined) return byExtension;
  // An editor modeline says what source is, over its name (bash-completion's `foo.py` script);
  // not in a document (a README that ends with a sample modeline stays Markdown).
  if (byExtension === null || !isTextLanguage(byExtension)) {
    const byModeline =
      text.includes('-*-') || /\b(?:vim?|ex):/.test(text) ? languageFromModeline(text) : null;
    if (byModeline !== null) return byModeline;
  }
  if (ext === '.h') return isObjCHeader(text) ? 'objc' : isCppHeader(text) ? 'cpp' : 'c';
  if (byExtension !== null) return byExtension;
  if (ext !== '' || !text.startsWith('#!')) return null;
  const newline = text.indexOf('\n');
  return languageFromShebang(newline === -1 ? text : text.slice(0, newline));
}

/**
 * True when the file may be source whose language only its content tells: an extensionless name
 * (`bin/deploy`, `scripts/setup`) that could start with a shebang. Such files are read; those
 * without a known interpreter are skipped as `unsupported_language`.
 */
export function mayBeScript(path: string): boolean {
  const name = basename(path);
  return name !== '' && !name.includes('.') && dirname(path) !== name;
}

/** True when a file is indexed or may be once read (`detectLanguage` or `mayBeScript`). */
export function isCandidateSource(path: string): boolean {
  return detectLanguage(path) !== null || mayBeScript(path);
}

// Grammar packages are CommonJS native addons; createRequire loads them lazily so a worker that only
// sees Python files never loads (or pays the memory for) the other grammars.
const requireGrammar = createRequire(import.meta.url);

/**
 * Loads a grammar package published as an ES module with top-level await (which `require` cannot
 * load): its native binding is what the module exports, found the way the module finds it, with
 * the package's own `node-gyp-build`.
 */
function loadEsmGrammar(pkg: string): Parser.Language {
  const manifest = requireGrammar.resolve(`${pkg}/package.json`);
  const requireFromPackage = createRequire(manifest);
  const nodeGypBuild = requireFromPackage('node-gyp-build') as (dir: string) => Parser.Language;
  return nodeGypBuild(dirname(manifest));
}

/**
 * Loads the tree-sitter grammar for a language. The grammar packages cache their own module, so
 * repeated calls are cheap; callers that parse many files should still keep one Parser per language.
 */
export function loadGrammar(language: CodeLanguageId): Parser.Language {
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
    case 'c':
      return requireGrammar('tree-sitter-c') as Parser.Language;
    case 'cpp':
      return requireGrammar('tree-sitter-cpp') as Parser.Language;
    case 'objc':
      return requireGrammar('tree-sitter-objc') as Parser.Language;
    case 'csharp':
      return loadEsmGrammar('tree-sitter-c-sharp');
    case 'ruby':
      return requireGrammar('tree-sitter-ruby') as Parser.Language;
    case 'php':
      return (requireGrammar('tree-sitter-php') as { php: Parser.Language }).php;
    case 'kotlin':
      return requireGrammar('@tree-sitter-grammars/tree-sitter-kotlin') as Parser.Language;
    case 'swift':
      return requireGrammar('tree-sitter-swift') as Parser.Language;
    case 'scala':
      return requireGrammar('tree-sitter-scala') as Parser.Language;
    case 'bash':
      return requireGrammar('tree-sitter-bash') as Parser.Language;
    case 'lua':
      return loadEsmGrammar('@tree-sitter-grammars/tree-sitter-lua');
    case 'elixir':
      return requireGrammar('tree-sitter-elixir') as Parser.Language;
    case 'dart':
      return requireGrammar('@sengac/tree-sitter-dart') as Parser.Language;
    // The script blocks of a single-file component (TypeScript's grammar reads JavaScript too).
    case 'vue':
    case 'svelte':
      return (requireGrammar('tree-sitter-typescript') as { typescript: Parser.Language }).typescript;
  }
}
