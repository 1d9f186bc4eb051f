/**
 * What differs between languages once the query has run: how docs are written, which
 * declarations count as exported, how a captured kind is refined by context (a Python `def` in a
 * class is a method), and how an import statement is turned into a source and names.
 */

import { MORE_RULES, STRING_ARRAY_LITERALS } from './more-language-rules.js';
import { scriptBlocksOnly, templateComponents } from './sfc.js';
import { blank, repairTypeScript } from './syntax-repair.js';
import type { DocStyle } from './text-scan.js';
import type { CodeLanguageId, SymbolKind } from './types.js';

/** Kind of an enclosing scope: a symbol kind, or `impl` for Rust impl blocks. */
export type ScopeKind = SymbolKind | 'impl';

/** What the rules may look at for one definition. */
export interface DefinitionContext {
  name: string;
  kind: SymbolKind;
  /** Declaration text from its keyword prefix up to the name (modifiers, `pub`, `export const`). */
  head: string;
  /** Keywords in front of the declaration node on its line (`export`, `declare`, `type`). */
  prefixWords: readonly string[];
  /** First line of the declaration, as in the signature. */
  signature: string;
  /** The callee of a definition made by a call (`attr_reader :name`, `define('X', 1)`), else null. */
  callee: string | null;
  /** The enclosing scope; `name` is the last part of its qualified name. */
  parent: { kind: ScopeKind; exported: boolean; name: string } | null;
}

/** An import statement split into module specifier and names. */
export interface NormalisedImport {
  source: string;
  /** Names derived from the text, or null when they come from `@import.name` captures. */
  names: string[] | null;
}

/** Per-language behaviour used by the extractor. */
/** Built-in class names of literal receivers (see `LanguageRules.literalClasses`). */
export interface LiteralClasses {
  readonly string: string;
  readonly bytes?: string;
  readonly array: string;
  readonly object?: string;
  readonly regex?: string;
}

export interface LanguageRules {
  readonly docStyle: DocStyle;
  /** Python signatures end in `:`, which is dropped like `{` elsewhere. */
  readonly trimColon: boolean;
  /** Items inside item-level macro bodies are parsed too (Rust: see `./macro-bodies.ts`). */
  readonly macroBodies?: boolean;
  /**
   * A function assigned to a property of a module-level object (`res.send = function send()`) is
   * a method of that object (JavaScript: see `objectOwner` in `./definitions.ts`).
   */
  readonly objectMembers?: boolean;
  /**
   * Rewrites source the grammar cannot parse into source it can, keeping every offset (see
   * `./syntax-repair.ts`). Null: nothing to repair.
   */
  readonly repair?: (source: string) => string | null;
  /** Callees whose call with a string is an import (`@import.require` captures). */
  readonly importCallees: ReadonlySet<string>;
  /** Callees whose call defines a name (`@callee` captures); absent: none. */
  readonly definitionCallees?: ReadonlySet<string>;
  /**
   * A dotted definition name (Elixir's `defmodule MyApp.Queue`) is its last part, in a container
   * made of the rest (`MyApp`) under the enclosing scope.
   */
  readonly qualifiedNames?: boolean;
  /**
   * A call with no receiver (`add(x)`) never calls a method: methods need `this.`, `self.` or
   * another receiver (JavaScript, TypeScript, Python, Go, Rust, PHP, Lua; not Java or C++, where
   * it can be the enclosing class's). Such a call is stored with the receiver `''`, and
   * `find_references` for `Class.method` leaves it out.
   */
  readonly bareCallsAreFunctions?: boolean;
  /**
   * The built-in classes of literals as call receivers (`'{}'.format(x)` is a `str` method's call,
   * not `Formatter.format`'s: 50 of 56 calls pygments had for it); absent: a literal receiver's
   * type is unknown.
   */
  readonly literalClasses?: LiteralClasses;
  /**
   * Properties and fields are named like classes (C#'s `Bridge.Invoke()`, `Instance.Add()`): a
   * capitalised call receiver is kept as a hint of its type by its name (`~Bridge`), not taken for
   * the class itself as in Java (`Backoffs.calculate()`).
   */
  readonly capitalisedMembers?: boolean;
  /**
   * `a::b()` calls `b` of the class or namespace `a`, whatever its case (C++'s
   * `details::registry::instance()`, `os::now()`): the scope's last name is the receiver's class.
   */
  readonly scopeReceivers?: boolean;
  /**
   * Lua and Elixir: `t.f()` calls the function `f` of the table or module `t` (`utils.split`,
   * `List.new`, `MyApp.Repo.insert`), whatever its case, so its last name is the receiver's class;
   * Lua's `obj:f()` calls a method on an object, read like a method call elsewhere (`self`, or a
   * hint by name).
   */
  readonly tableReceivers?: boolean;
  /**
   * Go: a method names its receiver (`func (c *Client) send()`), so a call on that name inside it
   * (`c.Do()`) is a call on the method's own type.
   */
  readonly namedReceivers?: boolean;
  /** Callees that are keywords of the language (Elixir's `def`, `if`), never call references. */
  readonly ignoredCalls?: ReadonlySet<string>;
  /** Built-in type names (Dart's `int`, `String`), never type references: they would bloat the refs. */
  readonly ignoredTypes?: ReadonlySet<string>;
  /**
   * Uses the grammar does not see, as name ranges (the components a Vue or Svelte template
   * renders, `<SpinnerIcon />`): stored as calls, like JSX elements. Absent: none.
   */
  readonly markupRefs?: (source: string) => { start: number; end: number; name?: string }[];
  /** The name of a definition whose name node is not its name (Kotlin's `companion`); absent: as written. */
  readonly definitionName?: (written: string) => string;
  /** The kind of a captured definition in its context; null: not a definition after all. */
  refineKind(ctx: DefinitionContext): SymbolKind | null;
  isExported(ctx: DefinitionContext): boolean;
  normaliseImport(sourceText: string, statementText: string): NormalisedImport | null;
}

const FUNCTION_LIKE: ReadonlySet<ScopeKind> = new Set<ScopeKind>(['function', 'method', 'constructor']);

/** True when a scope kind is a function body (its locals are not indexed, its members are not public). */
export function isFunctionLike(kind: ScopeKind): boolean {
  return FUNCTION_LIKE.has(kind);
}

function isCapitalised(name: string): boolean {
  const first = name.charCodeAt(0);
  return first >= 65 && first <= 90;
}

const plainImport = (sourceText: string): NormalisedImport => ({ source: sourceText, names: null });

const NO_IMPORT_CALLEES: ReadonlySet<string> = new Set();

/** `x = require('m')` as a whole declarator: a CommonJS import, no definition of `x`. */
const REQUIRE_BINDING =
  /^(?:(?:export\s+)?(?:const|let|var)\s+)?[\p{L}_$][\p{L}\p{N}_$]*\s*=\s*require\s*\(\s*(['"`])[^'"`]*\1\s*\)\s*[;,]?\s*$/u;

/**
 * The names a CommonJS `require` declaration binds from its module: `const x = require('m')` binds
 * `x` (the module's `module.exports`, like an ES default import), `const { a, b: c } = require('m')`
 * takes `a` and `b`. Null for ES imports (their names are `@import.name` captures) and for a bare
 * `require('m')`.
 */
function requireNames(sourceText: string, statementText: string): string[] | null {
  if (!/^(?:const|let|var)\s/.test(statementText)) return null;
  const quoted = sourceText.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  // The quote is the second group: the name or the pattern is the first.
  const call = `=\\s*require\\s*\\(\\s*(['"\`])${quoted}\\2\\s*\\)`;
  const plain = new RegExp(`([\\p{L}_$][\\p{L}\\p{N}_$]*)\\s*${call}`, 'u').exec(statementText);
  if (plain !== null) return [plain[1]!];
  const pattern = new RegExp(`\\{([^{}]*)\\}\\s*${call}`, 'u').exec(statementText);
  if (pattern === null) return null;
  const names: string[] = [];
  for (const part of pattern[1]!.split(',')) {
    const name = /^\s*([\p{L}_$][\p{L}\p{N}_$]*)/u.exec(part)?.[1];
    if (name !== undefined) names.push(name);
  }
  return names;
}

const JS_RULES: LanguageRules = {
  docStyle: 'block',
  objectMembers: true,
  trimColon: false,
  bareCallsAreFunctions: true,
  literalClasses: { string: 'String', array: 'Array', regex: 'RegExp' },
  importCallees: new Set(['require']),
  refineKind: ({ kind, name, signature }) => {
    if (kind === 'method' && name === 'constructor') return 'constructor';
    // `const fs = require('fs')` binds an import, as `import fs from 'fs'` does.
    if ((kind === 'constant' || kind === 'variable') && REQUIRE_BINDING.test(signature)) return null;
    return kind;
  },
  isExported: ({ parent, prefixWords, head, name }) => {
    // ES modules say `export`; CommonJS assigns to `exports.x` or `module.exports.x`.
    if (parent === null) return prefixWords.includes('export') || /(^|\s)(module\.)?exports\.$/.test(head);
    if (parent.kind === 'namespace' || parent.kind === 'module') {
      return parent.exported && prefixWords.includes('export');
    }
    if (isFunctionLike(parent.kind)) return false;
    return parent.exported && !name.startsWith('#') && !/\b(private|protected)\s/.test(head);
  },
  normaliseImport: (sourceText, statementText) => ({
    source: sourceText,
    names: requireNames(sourceText, statementText),
  }),
};

const TS_RULES: LanguageRules = { ...JS_RULES, repair: (source) => repairTypeScript(source, false) };
const TSX_RULES: LanguageRules = { ...JS_RULES, repair: (source) => repairTypeScript(source, true) };
/** Vue and Svelte components: their script blocks, then TypeScript's repairs. */
const SFC_RULES: LanguageRules = {
  ...JS_RULES,
  repair: (source) => {
    const script = scriptBlocksOnly(source) ?? blank(source);
    return repairTypeScript(script, false) ?? script;
  },
  markupRefs: templateComponents,
};
/** Vue also renders a component written in kebab case (`<todo-item>` is `TodoItem`); Svelte does not. */
const VUE_RULES: LanguageRules = { ...SFC_RULES, markupRefs: (source) => templateComponents(source, true) };

const PYTHON_ENUM_BASES = /\b(Enum|IntEnum|StrEnum|Flag|IntFlag)\b/;
const PYTHON_INTERFACE_BASES = /\b(Protocol|ABC)\b/;

function isPythonPublic(name: string): boolean {
  return !name.startsWith('_') || (name.startsWith('__') && name.endsWith('__'));
}

const PYTHON_RULES: LanguageRules = {
  docStyle: 'docstring',
  trimColon: true,
  bareCallsAreFunctions: true,
  literalClasses: { string: 'str', bytes: 'bytes', array: 'list', object: 'dict' },
  importCallees: NO_IMPORT_CALLEES,
  refineKind: ({ kind, name, parent, signature }) => {
    if (kind === 'function' && parent !== null && !isFunctionLike(parent.kind)) {
      return name === '__init__' ? 'constructor' : 'method';
    }
    if (kind === 'class') {
      const bases = signature.slice(signature.indexOf('('));
      if (PYTHON_ENUM_BASES.test(bases)) return 'enum';
      if (PYTHON_INTERFACE_BASES.test(bases)) return 'interface';
    }
    if (kind === 'constant' && !/^[A-Z][A-Z0-9_]*$/.test(name)) return 'variable';
    if (kind === 'field' && parent?.kind === 'enum') return 'constant';
    return kind;
  },
  isExported: ({ parent, name }) => {
    if (parent === null) return !name.startsWith('_');
    if (isFunctionLike(parent.kind)) return false;
    return parent.exported && isPythonPublic(name);
  },
  normaliseImport: plainImport,
};

const GO_RULES: LanguageRules = {
  // A package's variables and a struct's fields are capitalised when exported (`DefaultClient.Do()`,
  // `s.Handler.ServeHTTP()`): a hint of their type by name, like any variable.
  capitalisedMembers: true,
  namedReceivers: true,
  docStyle: 'line-go',
  trimColon: false,
  bareCallsAreFunctions: true,
  importCallees: NO_IMPORT_CALLEES,
  refineKind: ({ kind }) => kind,
  isExported: ({ name, parent }) => isCapitalised(name) && (parent === null || !isFunctionLike(parent.kind)),
  normaliseImport: (sourceText) => ({ source: sourceText.replace(/^["`]|["`]$/g, ''), names: null }),
};

/**
 * Splits a Rust use tree: `std::fmt::{self, Display}` -> `std::fmt` + [self, Display];
 * `crate::store::Store` -> `crate::store` + [Store]; `a::b as c` -> `a` + [b]; `foo` -> `foo` + [].
 */
export function splitRustUse(text: string): NormalisedImport {
  const compact = text.replace(/\s+/g, ' ').trim();
  const brace = compact.indexOf('{');
  if (brace !== -1 && compact.endsWith('}')) {
    const source = compact.slice(0, brace).replace(/::\s*$/, '');
    const names: string[] = [];
    let depth = 0;
    let current = '';
    for (const ch of compact.slice(brace + 1, -1)) {
      if (ch === '{') depth++;
      if (ch === '}') depth--;
      if (ch === ',' && depth === 0) {
        names.push(current);
        current = '';
      } else {
        current += ch;
      }
    }
    names.push(current);
    return {
      source,
      names: names.map((n) => n.replace(/\s+as\s+\w+$/, '').trim()).filter((n) => n !== ''),
    };
  }
  const path = compact.replace(/\s+as\s+\w+$/, '');
  const cut = path.lastIndexOf('::');
  if (cut === -1) return { source: path, names: [] };
  return { source: path.slice(0, cut), names: [path.slice(cut + 2)] };
}

const RUST_RULES: LanguageRules = {
  docStyle: 'line-rust',
  trimColon: false,
  bareCallsAreFunctions: true,
  literalClasses: { string: 'str', array: 'array' },
  importCallees: NO_IMPORT_CALLEES,
  macroBodies: true,
  refineKind: ({ kind, parent }) =>
    kind === 'function' && parent !== null && (parent.kind === 'impl' || parent.kind === 'trait')
      ? 'method'
      : kind,
  isExported: ({ head, parent }) => {
    if (parent !== null && (parent.kind === 'trait' || parent.kind === 'enum')) return parent.exported;
    if (parent !== null && isFunctionLike(parent.kind)) return false;
    // `pub(crate)` and `pub(super)` are not visible outside the crate.
    return /(^|\s)pub\s/.test(head);
  },
  normaliseImport: (sourceText, statementText) =>
    statementText.startsWith('extern') ? { source: sourceText, names: [] } : splitRustUse(sourceText),
};

const JAVA_RULES: LanguageRules = {
  literalClasses: STRING_ARRAY_LITERALS,
  docStyle: 'block',
  trimColon: false,
  importCallees: NO_IMPORT_CALLEES,
  refineKind: ({ kind, head }) =>
    kind === 'field' && /\bstatic\b/.test(head) && /\bfinal\b/.test(head) ? 'constant' : kind,
  isExported: ({ head, kind, parent }) => {
    // Interface members are public unless they say private (Java 9 private methods).
    if (parent?.kind === 'interface') return parent.exported && !/\bprivate\b/.test(head);
    // Enum constants are public; an enum's methods and fields only when they say so.
    if (parent?.kind === 'enum') {
      const enumConstant = kind === 'constant' && !/\b(private|protected|public|static|final)\b/.test(head);
      return parent.exported && (enumConstant || /\bpublic\b/.test(head));
    }
    if (parent !== null && isFunctionLike(parent.kind)) return false;
    return /\bpublic\b/.test(head);
  },
  normaliseImport: (sourceText, statementText) => {
    const wildcard = /\.\s*\*\s*;?\s*$/.test(statementText);
    if (wildcard) return { source: `${sourceText}.*`, names: [] };
    return { source: sourceText, names: [sourceText.slice(sourceText.lastIndexOf('.') + 1)] };
  },
};

/** Returns the rules for a language. */
export function rulesFor(language: CodeLanguageId): LanguageRules {
  switch (language) {
    case 'c':
    case 'cpp':
    case 'objc':
    case 'csharp':
    case 'ruby':
    case 'php':
    case 'kotlin':
    case 'swift':
    case 'scala':
    case 'bash':
    case 'lua':
    case 'elixir':
    case 'dart':
      return MORE_RULES[language];
    case 'typescript':
      return TS_RULES;
    case 'tsx':
      return TSX_RULES;
    case 'vue':
      return VUE_RULES;
    case 'svelte':
      return SFC_RULES;
    case 'javascript':
      return JS_RULES;
    case 'python':
      return PYTHON_RULES;
    case 'go':
      return GO_RULES;
    case 'rust':
      return RUST_RULES;
    case 'java':
      return JAVA_RULES;
  }
}
