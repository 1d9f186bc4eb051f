/**
 * Language rules (see `./language-rules.ts`) for C, C++, Objective-C, C#, Ruby, PHP, Kotlin, Swift, Scala,
 * Bash, Lua, Elixir and Dart.
 */

import { repairBash } from './bash-repair.js';
import { repairC, repairObjC } from './c-repair.js';
import { repairKotlin } from './kotlin-repair.js';
import type {
  DefinitionContext,
  LanguageRules,
  LiteralClasses,
  NormalisedImport,
  ScopeKind,
} from './language-rules.js';
import { repairSwift } from './swift-repair.js';
import type { SymbolKind } from './types.js';

/** The literal classes of Java and the languages named like it (C#, Kotlin, Swift, Scala). */
export const STRING_ARRAY_LITERALS: LiteralClasses = { string: 'String', array: 'Array' };

const NONE: ReadonlySet<string> = new Set();

const FUNCTION_LIKE: ReadonlySet<ScopeKind> = new Set<ScopeKind>(['function', 'method', 'constructor']);
/** Scopes whose functions are methods. */
const TYPE_SCOPES: ReadonlySet<ScopeKind> = new Set<ScopeKind>([
  'class',
  'struct',
  'interface',
  'trait',
  'enum',
  'impl',
  'module',
]);

function inFunction(ctx: DefinitionContext): boolean {
  return ctx.parent !== null && FUNCTION_LIKE.has(ctx.parent.kind);
}

/**
 * A property declared in another property's getter or initialiser (Kotlin's `val current =
 * activityProvider?.currentActivity` in a `get()`, Swift's `let loggerModule = …` in a `lazy var`
 * closure) is a local of that code, not a member.
 */
function inPropertyBody(ctx: DefinitionContext): boolean {
  return ctx.parent?.kind === 'property' && (ctx.kind === 'property' || ctx.kind === 'variable');
}

/** A function directly inside a type is a method; one named like its type is its constructor. */
function methodsInTypes(ctx: DefinitionContext, constructorNames: readonly string[] = []): SymbolKind {
  const { kind, parent, name } = ctx;
  if ((kind === 'function' || kind === 'method') && parent !== null && TYPE_SCOPES.has(parent.kind)) {
    if (name === parent.name || constructorNames.includes(name)) return 'constructor';
    return 'method';
  }
  return kind;
}

/** `<stdio.h>`, `"list.h"`, `'lib.sh'` -> the path inside. */
function unquote(text: string): string {
  return text.replace(/^["'<`]|["'>`]$/g, '');
}

const quotedImport = (sourceText: string): NormalisedImport => ({ source: unquote(sourceText), names: [] });

/** `a.b.C` -> `a.b.C` + [C]; `a.b.*` -> `a.b.*` + []. */
function dottedImport(sourceText: string, statementText: string): NormalisedImport {
  const path = sourceText.trim();
  if (/\.\s*\*\s*;?\s*$/.test(statementText) && !path.endsWith('*'))
    return { source: `${path}.*`, names: [] };
  if (path.endsWith('*')) return { source: path, names: [] };
  return { source: path, names: [path.slice(path.lastIndexOf('.') + 1)] };
}

const C_RULES: LanguageRules = {
  scopeReceivers: true,
  docStyle: 'c',
  trimColon: false,
  repair: repairC,
  importCallees: NONE,
  // A "function" declared in a function's body is C++'s most vexing parse of a local
  // (`std::lock_guard<Mutex> lock(mutex_);`) or a prototype, never a definition of its own.
  refineKind: (ctx) => (ctx.kind === 'function' && inFunction(ctx) ? null : methodsInTypes(ctx)),
  isExported: (ctx) => {
    if (ctx.parent === null || ctx.parent.kind === 'namespace') return !/\bstatic\b/.test(ctx.head);
    if (inFunction(ctx)) return false;
    return ctx.parent.exported && !/\b(private|protected)\b/.test(ctx.head);
  },
  normaliseImport: (sourceText, statementText) =>
    statementText.startsWith('using') ? { source: sourceText, names: [] } : quotedImport(sourceText),
};

/**
 * Objective-C: C's rules with Apple's macros repaired. A method is named by its selector's first
 * keyword; methods of an `@implementation` or a category belong to their class.
 */
const OBJC_RULES: LanguageRules = { ...C_RULES, repair: repairObjC };

const CSHARP_RULES: LanguageRules = {
  capitalisedMembers: true,
  literalClasses: STRING_ARRAY_LITERALS,
  docStyle: 'c',
  trimColon: false,
  importCallees: NONE,
  refineKind: (ctx) =>
    ctx.kind === 'field' && /\bconst\b/.test(ctx.head) ? 'constant' : methodsInTypes(ctx),
  isExported: ({ parent, head, kind }) => {
    if (kind === 'namespace') return true;
    if (parent === null || parent.kind === 'namespace') return /\bpublic\b/.test(head);
    if (parent.kind === 'interface' || parent.kind === 'enum') return parent.exported;
    if (FUNCTION_LIKE.has(parent.kind)) return false;
    return parent.exported && /\bpublic\b/.test(head);
  },
  // `using Json = Newtonsoft.Json.JsonConvert;` takes one type (under another name); `using
  // System.Text;` a whole namespace.
  normaliseImport: (sourceText, statementText) =>
    /^\s*(?:global\s+)?using\s+\w+\s*=/.test(statementText)
      ? { source: sourceText, names: [sourceText.slice(sourceText.lastIndexOf('.') + 1)] }
      : { source: sourceText, names: [] },
};

/** Ruby calls that define: accessors (every symbol argument) and `alias_method` (the first). */
const RUBY_DEFINERS = new Set(['attr_reader', 'attr_writer', 'attr_accessor', 'attr', 'alias_method']);

const RUBY_RULES: LanguageRules = {
  docStyle: 'hash',
  trimColon: false,
  importCallees: new Set(['require', 'require_relative', 'load']),
  definitionCallees: RUBY_DEFINERS,
  // `attr_reader :name`, `alias :new :old`: the symbol's name.
  definitionName: (written) => (written.startsWith(':') ? written.slice(1) : written),
  refineKind: ({ kind, name, parent, callee }) => {
    // The query marks a call's first symbol `property` and each later one `field`: `alias_method
    // :new, :old` defines the new name only, `attr_reader :a, :b` every name.
    if (callee === 'alias_method') return kind === 'property' ? 'method' : null;
    if (callee !== null) return 'property';
    if (kind !== 'method') return kind;
    if (parent === null) return 'function';
    return name === 'initialize' ? 'constructor' : 'method';
  },
  isExported: (ctx) => ctx.parent === null || (ctx.parent.exported && !inFunction(ctx)),
  normaliseImport: (sourceText) => ({ source: sourceText, names: [] }),
};

const PHP_RULES: LanguageRules = {
  docStyle: 'block',
  trimColon: false,
  bareCallsAreFunctions: true,
  importCallees: NONE,
  definitionCallees: new Set(['define']),
  refineKind: (ctx) => (ctx.kind === 'method' && ctx.name === '__construct' ? 'constructor' : ctx.kind),
  isExported: (ctx) => {
    const { parent, head } = ctx;
    if (parent === null || parent.kind === 'namespace') return true;
    if (inFunction(ctx)) return false;
    return parent.exported && !/\b(private|protected)\b/.test(head);
  },
  normaliseImport: (sourceText, statementText) => {
    const path = sourceText.replace(/^\\/, '');
    // `use A\{B, C}`: the names come from the group's captures.
    if (statementText.includes('{')) return { source: path, names: null };
    const cut = path.lastIndexOf('\\');
    return { source: path, names: [cut === -1 ? path : path.slice(cut + 1)] };
  },
};

/** Kotlin, Swift and Scala: `private`/`fileprivate`/`internal` hide a declaration. */
function jvmStyleExported(hidden: RegExp): LanguageRules['isExported'] {
  return (ctx) => {
    if (hidden.test(ctx.head)) return false;
    // Members of a Swift extension are as visible as the extended type, which is not known here.
    if (ctx.parent === null || ctx.parent.kind === 'namespace' || ctx.parent.kind === 'impl') return true;
    if (inFunction(ctx)) return false;
    return ctx.parent.exported;
  };
}

const KOTLIN_RULES: LanguageRules = {
  literalClasses: STRING_ARRAY_LITERALS,
  docStyle: 'block',
  trimColon: false,
  importCallees: NONE,
  repair: repairKotlin,
  definitionName: (written) => (written === 'companion' ? 'Companion' : written),
  refineKind: (ctx) => {
    if (inPropertyBody(ctx)) return null;
    if (ctx.kind === 'property' && /\bconst\b/.test(ctx.head)) return 'constant';
    return methodsInTypes(ctx, ['constructor']);
  },
  isExported: jvmStyleExported(/\b(private|internal)\s/),
  normaliseImport: (sourceText, statementText) =>
    dottedImport(sourceText, statementText.replace(/\s+as\s+\w+\s*$/, '')),
};

const SWIFT_RULES: LanguageRules = {
  literalClasses: STRING_ARRAY_LITERALS,
  docStyle: 'c',
  trimColon: false,
  repair: repairSwift,
  importCallees: NONE,
  refineKind: (ctx) => (inPropertyBody(ctx) ? null : methodsInTypes(ctx, ['init'])),
  isExported: jvmStyleExported(/\b(private|fileprivate)\s/),
  normaliseImport: (sourceText) => ({ source: sourceText, names: [] }),
};

/** `import a.b.{C, D => E}` -> `a.b` + [C, D]; `import a.b.C` -> `a.b` + [C]; `a.b._` -> `a.b` + []. */
export function splitScalaImport(statementText: string): NormalisedImport {
  const body = statementText
    .replace(/^\s*import\s+/, '')
    .replace(/\s+/g, ' ')
    .trim();
  const brace = body.indexOf('{');
  if (brace !== -1) {
    const source = body.slice(0, brace).replace(/\.\s*$/, '');
    const names = body
      .slice(brace + 1, body.lastIndexOf('}') === -1 ? undefined : body.lastIndexOf('}'))
      .split(',')
      .map((n) => n.replace(/\s*(=>|as)\s*.*$/, '').trim())
      .filter((n) => n !== '' && n !== '_' && n !== '*');
    return { source, names };
  }
  const cut = body.lastIndexOf('.');
  if (cut === -1) return { source: body, names: [] };
  const last = body.slice(cut + 1);
  const source = body.slice(0, cut);
  return last === '_' || last === '*' ? { source, names: [] } : { source, names: [last] };
}

const SCALA_RULES: LanguageRules = {
  literalClasses: STRING_ARRAY_LITERALS,
  docStyle: 'block',
  trimColon: false,
  importCallees: NONE,
  refineKind: (ctx) => {
    const { kind, parent } = ctx;
    if (kind === 'constant' && parent !== null && parent.kind === 'class') return 'field';
    return methodsInTypes(ctx, ['this']);
  },
  isExported: jvmStyleExported(/\b(private|protected)\b/),
  normaliseImport: (_sourceText, statementText) => splitScalaImport(statementText),
};

const BASH_RULES: LanguageRules = {
  docStyle: 'hash',
  trimColon: false,
  repair: repairBash,
  // `[ … ]` (read as a command once repaired) and the no-op `:` are builtins, no use of anything.
  ignoredCalls: new Set(['[', ':']),
  importCallees: new Set(['source', '.']),
  refineKind: ({ kind }) => kind,
  isExported: ({ parent }) => parent === null,
  normaliseImport: quotedImport,
};

const LUA_RULES: LanguageRules = {
  tableReceivers: true,
  docStyle: 'lua',
  trimColon: false,
  bareCallsAreFunctions: true,
  importCallees: new Set(['require', 'dofile']),
  refineKind: ({ kind }) => kind,
  isExported: ({ parent, head }) => parent === null && !/(^|\s)local\s/.test(head),
  normaliseImport: (sourceText) => ({ source: sourceText, names: [] }),
};

/** Elixir's definition macros and module attributes, by what they define. */
const ELIXIR_DEFINERS: Readonly<Record<string, SymbolKind>> = {
  defmodule: 'module',
  defprotocol: 'interface',
  defimpl: 'module',
  def: 'function',
  defp: 'function',
  defmacro: 'function',
  defmacrop: 'function',
  defdelegate: 'function',
  defguard: 'function',
  defguardp: 'function',
  defn: 'function',
  defnp: 'function',
  type: 'type',
  typep: 'type',
  opaque: 'type',
  callback: 'function',
  macrocallback: 'function',
};

/** The definer written in front of a name (`def `, `defmodule `, `@type `). */
function elixirDefiner(head: string): string {
  return /(\w+)\s*$/.exec(head)?.[1] ?? '';
}

/** Special forms and Kernel macros that read like calls but are syntax (from the grammar's tags query). */
const ELIXIR_KEYWORDS: ReadonlySet<string> = new Set([
  ...Object.keys(ELIXIR_DEFINERS),
  'defstruct',
  'defexception',
  'defoverridable',
  'alias',
  'import',
  'require',
  'use',
  'case',
  'cond',
  'else',
  'for',
  'if',
  'unless',
  'with',
  'quote',
  'unquote',
  'unquote_splicing',
  'raise',
  'reraise',
  'receive',
  'super',
  'throw',
  'try',
  'fn',
]);

const ELIXIR_RULES: LanguageRules = {
  tableReceivers: true,
  docStyle: 'elixir',
  trimColon: false,
  importCallees: new Set(['alias', 'import', 'require', 'use']),
  definitionCallees: new Set(Object.keys(ELIXIR_DEFINERS)),
  ignoredCalls: ELIXIR_KEYWORDS,
  qualifiedNames: true,
  refineKind: ({ head, kind }) => ELIXIR_DEFINERS[elixirDefiner(head)] ?? kind,
  isExported: (ctx) =>
    !inFunction(ctx) && !/^(defp|defmacrop|defguardp|defnp|typep)$/.test(elixirDefiner(ctx.head)),
  normaliseImport: (sourceText, statementText) => {
    // `alias A.{B, C}`: the names come from the tuple's captures.
    if (statementText.includes('{')) return { source: sourceText, names: null };
    // `alias A.B` makes `B` available; `import`, `require` and `use` name the module itself.
    if (!/^alias\b/.test(statementText) || /\bas:/.test(statementText))
      return { source: sourceText, names: [] };
    return { source: sourceText, names: [sourceText.slice(sourceText.lastIndexOf('.') + 1)] };
  },
};

const DART_RULES: LanguageRules = {
  docStyle: 'c',
  trimColon: false,
  importCallees: NONE,
  ignoredTypes: new Set(['int', 'double', 'num', 'bool', 'String', 'dynamic', 'Object', 'Never', 'Null']),
  refineKind: (ctx) => {
    const { kind, head, parent } = ctx;
    if (kind === 'field' && /\bconst\b/.test(head)) return 'constant';
    if (kind === 'field' && parent === null) return 'variable';
    if (kind === 'constructor') return kind;
    return methodsInTypes(ctx);
  },
  // Library-private names start with `_`.
  isExported: (ctx) =>
    !ctx.name.startsWith('_') && !inFunction(ctx) && (ctx.parent === null || ctx.parent.exported),
  normaliseImport: (sourceText, statementText) => ({
    source: unquote(sourceText),
    // `show A, B` names what is imported; `hide` and plain imports bring the whole library.
    names: /\bshow\b/.test(statementText) && !/\bhide\b/.test(statementText) ? null : [],
  }),
};

/** Rules of the languages in this module. */
export const MORE_RULES = {
  c: C_RULES,
  cpp: C_RULES,
  objc: OBJC_RULES,
  csharp: CSHARP_RULES,
  ruby: RUBY_RULES,
  php: PHP_RULES,
  kotlin: KOTLIN_RULES,
  swift: SWIFT_RULES,
  scala: SCALA_RULES,
  bash: BASH_RULES,
  lua: LUA_RULES,
  elixir: ELIXIR_RULES,
  dart: DART_RULES,
} as const satisfies Record<string, LanguageRules>;
