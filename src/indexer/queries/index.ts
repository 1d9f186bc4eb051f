/**
 * Tags query source per language.
 *
 * Decision: the queries live here as TypeScript string modules instead of being read from each
 * grammar's `queries/tags.scm` at runtime. `tsc` does not copy `.scm` files into `dist/`, the
 * upstream files rely on predicates the node binding evaluates in JavaScript for every match
 * (slow), their capture names do not map onto our symbol kinds (Rust structs are "class"), and they
 * miss much of what users search for. Grammar versions are pinned in package.json, so keeping an
 * extended copy cannot drift silently; each module names the upstream file it started from.
 *
 * Capture convention (interpreted by `../capture-names.ts`):
 * - `@definition.<kind>` on a definition node with `@name` on its name; `<kind>` is a SymbolKind.
 * - `@callee` in a definition pattern: the match defines only when the callee's text is one of the
 *   language's `definitionCallees` (PHP's `define('X', 1)`).
 * - `@container` (with `@name`) on a scope that names its members without being a symbol itself
 *   (Rust `impl` blocks); `@receiver` on a Go method's receiver type (a dotted one is dropped, but
 *   `Foo.prototype`), `@receiver.path` on a dotted receiver kept as the container path (Lua's
 *   `Date.Format:parse`), `@ref.receiver` on the object of a member call; `@doc` on a Python docstring;
 *   `@body` on a body written beside its definition node (Dart), which the definition then spans.
 * - `@reference.<kind>` on the name node of a use; `<kind>` is a RefKind. A `.component` suffix keeps
 *   only capitalised names. `@skip` marks names that are never references (type parameters).
 * - `@import` on an import statement, `@import.source` on its module specifier, `@import.name` on
 *   each imported name, `@import.require` on the callee of a CommonJS `require('x')`.
 * - When several patterns capture the same name node, the pattern that comes first in the query
 *   wins, so specific patterns are listed before general ones.
 *
 * Each language has two queries: `tree` runs over the whole syntax tree; `topLevel` runs with
 * `maxStartDepth: 1`, so its patterns only match direct children of the root. Module-level
 * constants and variables live there: expressing "child of the root" inside the main query needs
 * a pattern rooted at the root node, which stays in progress for the whole traversal and slows
 * every step of it.
 */
import type { CodeLanguageId } from '../types.js';
import { BASH_QUERY } from './bash.js';
import { C_QUERY, CPP_QUERY } from './c.js';
import { CSHARP_QUERY } from './csharp.js';
import { DART_QUERY, DART_TOP_LEVEL_QUERY } from './dart.js';
import { ELIXIR_QUERY } from './elixir.js';
import { GO_QUERY, GO_TOP_LEVEL_QUERY } from './go.js';
import { JAVA_QUERY } from './java.js';
import { JS_COMMON_QUERY, JS_ONLY_QUERY, JS_TOP_LEVEL_QUERY, JSX_QUERY } from './javascript.js';
import { KOTLIN_QUERY } from './kotlin.js';
import { LUA_QUERY, LUA_TOP_LEVEL_QUERY } from './lua.js';
import { OBJC_QUERY } from './objc.js';
import { PHP_QUERY } from './php.js';
import { PYTHON_QUERY, PYTHON_TOP_LEVEL_QUERY } from './python.js';
import { RUBY_QUERY } from './ruby.js';
import { RUST_QUERY, RUST_TOP_LEVEL_QUERY } from './rust.js';
import { SCALA_QUERY } from './scala.js';
import { SWIFT_QUERY } from './swift.js';
import { TS_QUERY } from './typescript.js';

/** Query sources of one language (see the module comment for why there are two). */
export interface TagsQuerySources {
  /** Runs over the whole tree. */
  readonly tree: string;
  /** Runs with `maxStartDepth: 1`; empty when the language needs none. */
  readonly topLevel: string;
}

/** Returns the tags query sources for a language. */
export function tagsQuerySources(language: CodeLanguageId): TagsQuerySources {
  switch (language) {
    case 'typescript':
    case 'vue':
    case 'svelte':
      return { tree: TS_QUERY + JS_COMMON_QUERY, topLevel: JS_TOP_LEVEL_QUERY };
    case 'tsx':
      return { tree: TS_QUERY + JS_COMMON_QUERY + JSX_QUERY, topLevel: JS_TOP_LEVEL_QUERY };
    case 'javascript':
      return { tree: JS_ONLY_QUERY + JS_COMMON_QUERY + JSX_QUERY, topLevel: JS_TOP_LEVEL_QUERY };
    case 'python':
      return { tree: PYTHON_QUERY, topLevel: PYTHON_TOP_LEVEL_QUERY };
    case 'go':
      return { tree: GO_QUERY, topLevel: GO_TOP_LEVEL_QUERY };
    case 'rust':
      return { tree: RUST_QUERY, topLevel: RUST_TOP_LEVEL_QUERY };
    case 'java':
      return { tree: JAVA_QUERY, topLevel: '' };
    case 'c':
      return { tree: C_QUERY, topLevel: '' };
    case 'cpp':
      return { tree: CPP_QUERY, topLevel: '' };
    case 'objc':
      return { tree: OBJC_QUERY, topLevel: '' };
    case 'csharp':
      return { tree: CSHARP_QUERY, topLevel: '' };
    case 'ruby':
      return { tree: RUBY_QUERY, topLevel: '' };
    case 'php':
      return { tree: PHP_QUERY, topLevel: '' };
    case 'kotlin':
      return { tree: KOTLIN_QUERY, topLevel: '' };
    case 'swift':
      return { tree: SWIFT_QUERY, topLevel: '' };
    case 'scala':
      return { tree: SCALA_QUERY, topLevel: '' };
    case 'bash':
      return { tree: BASH_QUERY, topLevel: '' };
    case 'lua':
      return { tree: LUA_QUERY, topLevel: LUA_TOP_LEVEL_QUERY };
    case 'elixir':
      return { tree: ELIXIR_QUERY, topLevel: '' };
    case 'dart':
      return { tree: DART_QUERY, topLevel: DART_TOP_LEVEL_QUERY };
  }
}
