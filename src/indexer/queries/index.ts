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
 * - `@container` (with `@name`) on a scope that names its members without being a symbol itself
 *   (Rust `impl` blocks); `@receiver` on a Go method's receiver type; `@doc` on a Python docstring.
 * - `@reference.<kind>` on the name node of a use; `<kind>` is a RefKind. A `.component` suffix keeps
 *   only capitalised names. `@skip` marks names that are never references (type parameters).
 * - `@import` on an import statement, `@import.source` on its module specifier, `@import.name` on
 *   each imported name, `@import.require` on the callee of a CommonJS `require('x')`.
 * - When several patterns capture the same name node, the pattern that comes first in the query
 *   wins, so specific patterns are listed before general ones.
 */
import type { LanguageId } from '../types.js';
import { GO_QUERY } from './go.js';
import { JAVA_QUERY } from './java.js';
import { JS_COMMON_QUERY, JS_ONLY_QUERY, JSX_QUERY } from './javascript.js';
import { PYTHON_QUERY } from './python.js';
import { RUST_QUERY } from './rust.js';
import { TS_QUERY } from './typescript.js';

/** Returns the full tags query source for a language. */
export function tagsQuerySource(language: LanguageId): string {
  switch (language) {
    case 'typescript':
      return TS_QUERY + JS_COMMON_QUERY;
    case 'tsx':
      return TS_QUERY + JS_COMMON_QUERY + JSX_QUERY;
    case 'javascript':
      return JS_ONLY_QUERY + JS_COMMON_QUERY + JSX_QUERY;
    case 'python':
      return PYTHON_QUERY;
    case 'go':
      return GO_QUERY;
    case 'rust':
      return RUST_QUERY;
    case 'java':
      return JAVA_QUERY;
  }
}
