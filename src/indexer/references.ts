/**
 * References and imports: de-duplicates reference captures, splits import statements into source
 * and names (imported names also become `import` references), and attaches the enclosing
 * definition to every reference.
 */
import { createEnclosingResolver, createEnclosingScopeResolver, type Scope } from './definitions.js';
import type { LanguageRules, LiteralClasses } from './language-rules.js';
import type { LineIndex } from './line-index.js';
import type { RawExtraction, RawRef } from './raw-captures.js';
import type { ExtractedImport, ExtractedRef, LanguageId } from './types.js';

// Go's predeclared types are type_identifier nodes; indexing every `string` as a reference would
// bloat the refs table without helping anyone find anything.
const GO_BUILTIN_TYPES: ReadonlySet<string> = new Set([
  'any',
  'bool',
  'byte',
  'comparable',
  'complex64',
  'complex128',
  'error',
  'float32',
  'float64',
  'int',
  'int8',
  'int16',
  'int32',
  'int64',
  'rune',
  'string',
  'uint',
  'uint8',
  'uint16',
  'uint32',
  'uint64',
  'uintptr',
]);

/** Keeps one reference per name node (the earliest pattern wins) and drops definition names. */
export function dedupeRefs(
  raw: RawExtraction,
  nameStarts: Set<number>,
  source: string,
  language: LanguageId,
  /** Keywords and built-ins of the language that are never references (see `LanguageRules`). */
  ignored: { ignoredCalls?: ReadonlySet<string>; ignoredTypes?: ReadonlySet<string> } = {},
): RawRef[] {
  const { ignoredCalls, ignoredTypes } = ignored;
  raw.refs.sort((a, b) => a.start - b.start || a.pattern - b.pattern);
  const kept: RawRef[] = [];
  let last = -1;
  for (const ref of raw.refs) {
    if (ref.start === last) continue;
    last = ref.start;
    if (nameStarts.has(ref.start) || raw.skip.has(ref.start)) continue;
    if (language === 'go' && ref.kind === 'type' && GO_BUILTIN_TYPES.has(source.slice(ref.start, ref.end))) {
      continue;
    }
    if (
      ignoredCalls !== undefined &&
      ref.kind === 'call' &&
      ignoredCalls.has(source.slice(ref.start, ref.end))
    ) {
      continue;
    }
    if (
      ignoredTypes !== undefined &&
      ref.kind === 'type' &&
      ignoredTypes.has(source.slice(ref.start, ref.end))
    ) {
      continue;
    }
    kept.push(ref);
  }
  return kept;
}

/** Imports of one file, the references they create and where the import block ends. */
export interface ResolvedImports {
  imports: ExtractedImport[];
  importRefs: { name: string; start: number }[];
  /** 0-based last row of the last import outside any definition, -1 when there is none. */
  lastTopLevelRow: number;
  /**
   * Local names that an import binds to another name, each to the name imported (`from m import
   * Model as M`, `import { Queue as Q }`, `use App\User as U;`, `const { a: b } = require('m')`).
   */
  aliases: Map<string, string>;
}

const IDENT = String.raw`[\p{L}_$][\p{L}\p{N}_$]*`;

/**
 * The local name an import statement binds `name` to when it renames it (`name as Alias`, and in
 * a CommonJS destructuring `{ name: alias } = require(…)`), else null.
 */
function importAlias(statementText: string, name: string, commonJs: boolean): string | null {
  const quoted = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const as = new RegExp(String.raw`(?<![\p{L}\p{N}_$])${quoted}\s+as\s+(${IDENT})`, 'u').exec(statementText);
  if (as !== null) return as[1] === name ? null : (as[1] ?? null);
  // C#'s `using Json = Newtonsoft.Json.JsonConvert;`.
  const using = new RegExp(
    String.raw`^\s*(?:global\s+)?using\s+(${IDENT})\s*=\s*[\w.]*?\b${quoted}\s*;`,
    'u',
  ).exec(statementText);
  if (using !== null) return using[1] === name ? null : (using[1] ?? null);
  if (!commonJs) return null;
  const colon = new RegExp(String.raw`[{,]\s*${quoted}\s*:\s*(${IDENT})\s*[,}=]`, 'u').exec(statementText);
  return colon === null || colon[1] === name ? null : (colon[1] ?? null);
}

/** Attaches imported names to their statements and normalises each statement per language. */
export function resolveImports(
  raw: RawExtraction,
  source: string,
  rules: LanguageRules,
  lines: LineIndex,
  scopes: readonly Scope[],
): ResolvedImports {
  const statements = raw.imports.sort((a, b) => a.start - b.start);
  raw.importNames.sort((a, b) => a.start - b.start);
  let s = 0;
  for (const name of raw.importNames) {
    while (s + 1 < statements.length && (statements[s + 1]?.start ?? 0) <= name.start) s++;
    const statement = statements[s];
    if (statement !== undefined && statement.start <= name.start && name.start < statement.end) {
      statement.names.push(name);
    }
  }
  const imports: ExtractedImport[] = [];
  const importRefs: { name: string; start: number }[] = [];
  const aliases = new Map<string, string>();
  const enclosingOf = createEnclosingResolver(scopes);
  let lastTopLevelRow = -1;
  for (const statement of statements) {
    if (enclosingOf(statement.start) === null) {
      lastTopLevelRow = Math.max(lastTopLevelRow, lines.rowOf(statement.end));
    }
    const statementText = source.slice(statement.start, statement.end);
    const normalised = rules.normaliseImport(statement.sourceText, statementText);
    if (normalised === null) continue;
    let names: string[];
    if (normalised.names === null) {
      names = statement.names.map((n) => source.slice(n.start, n.end));
      statement.names.forEach((n, i) => {
        importRefs.push({ name: names[i] ?? '', start: n.start });
      });
    } else {
      names = normalised.names;
      for (const name of names) {
        if (name !== '*' && name !== 'self') {
          importRefs.push({
            name,
            start: statement.start + nameOffset(statementText, name, statement.sourceText),
          });
        }
      }
    }
    const commonJs = statementText.includes('require');
    // Most statements rename nothing: no pattern is built for their names.
    const renames =
      /\sas\s|^\s*(?:global\s+)?using\s+\w+\s*=/.test(statementText) ||
      (commonJs && statementText.includes(':'));
    for (const name of renames ? names : []) {
      // `import { default as X }`: X is the module's default export, whatever it is named there.
      if (name === '*' || name === 'self' || name === 'default') continue;
      const alias = importAlias(statementText, name, commonJs);
      if (alias !== null) aliases.set(alias, name);
    }
    imports.push({ source: normalised.source, names, line: lines.rowOf(statement.start) + 1 });
  }
  importRefs.sort((a, b) => a.start - b.start);
  return { imports, importRefs, lastTopLevelRow, aliases };
}

/**
 * Where an import statement names `name`: its last occurrence as a whole word outside the module
 * specifier (`const path = require("path")` names `path` at 6, not inside the string); 0 if none.
 */
function nameOffset(statementText: string, name: string, moduleText: string): number {
  const moduleAt = moduleText === '' ? -1 : statementText.lastIndexOf(moduleText);
  const isWordChar = (c: string | undefined) => c !== undefined && /[\p{L}\p{N}_$]/u.test(c);
  for (let at = statementText.lastIndexOf(name); at >= 0; at = statementText.lastIndexOf(name, at - 1)) {
    const end = at + name.length;
    const inModule = moduleAt >= 0 && at >= moduleAt && end <= moduleAt + moduleText.length;
    if (!inModule && !isWordChar(statementText[at - 1]) && !isWordChar(statementText[end])) return at;
    if (at === 0) break;
  }
  return Math.max(0, statementText.lastIndexOf(name));
}

/** Builds the output references (uses and imported names) with their enclosing definitions. */
/** Receivers that are the enclosing class's instance or the class itself. */
const SELF_RECEIVERS: ReadonlySet<string> = new Set(['this', 'self', 'Self', 'cls', '@', 'static', '$this']);

/** A path of names to a class (`Rack::Utils`, `std::io::Error`, `\App\Models\User`): its last. */
const SCOPED_CLASS = /^\\?(?:[A-Za-z_]\w*(?:::|\\))+([A-Z]\w*)$/;

/** A Python string literal's prefix and quote (`'`, `f"`, `rb'`); `b`: bytes. */
const PY_STRING_START = /^([rRuUfF]{0,2}|[bB][rR]?|[rR][bB])['"]/;

/**
 * The class a call's receiver names, from its text alone: the enclosing definition's container for
 * `this`/`self`/`cls`/`$this` (`Queue.add` -> `Queue`), a capitalised plain name as itself (static
 * access, an imported class), the last name of a `::` or `\` path (`Rack::Utils.escape` ->
 * `Utils`), the language's built-in class for a literal (`'{}'.format(x)` -> `str`, `[a, b].map(f)`
 * -> `Array`; see `LanguageRules.literalClasses`); null for anything else (a variable, a call, a
 * chain), whose type is unknown.
 */
export function receiverClass(
  text: string,
  enclosing: string | null,
  literals?: LiteralClasses,
): string | null {
  if (SELF_RECEIVERS.has(text)) {
    if (enclosing === null) return null;
    const cut = enclosing.lastIndexOf('.');
    if (cut === -1) return null;
    const container = enclosing.slice(0, cut);
    return container.slice(container.lastIndexOf('.') + 1) || null;
  }
  if (literals !== undefined && text.length >= 2) {
    // The whole receiver is one literal: `'a'.split(',').concat(x)`'s receiver is a call's result.
    const first = text[0];
    const last = text[text.length - 1];
    if ((first === '"' || first === "'" || first === '`') && last === first) return literals.string;
    const py = PY_STRING_START.exec(text);
    if (py !== null && py[1] !== '' && (last === '"' || last === "'")) {
      return /[bB]/.test(py[1]!) ? (literals.bytes ?? null) : literals.string;
    }
    if (first === '[' && last === ']') return literals.array;
    if (first === '{' && last === '}') return literals.object ?? null;
    if (first === '/' && literals.regex !== undefined && /^\/.+\/[a-z]*$/s.test(text)) return literals.regex;
  }
  if (/^[A-Z][\w$]*$/.test(text)) return text;
  return SCOPED_CLASS.exec(text)?.[1] ?? null;
}

/**
 * The type of a Go method's own receiver when `text` is its name (`c` in `func (c *Client)
 * send()`, `Client`), else null.
 */
function ownReceiverType(text: string, scope: Scope | null, source: string): string | null {
  if (scope === null || scope.kind !== 'method' || !/^\w+$/.test(text)) return null;
  const m = /^func\s*\(\s*(\w+)\s+\*?\s*(\w+)/.exec(source.slice(scope.start, scope.start + 200));
  return m !== null && m[1] === text ? (m[2] ?? null) : null;
}

/** The last name of a Lua table path (`utils`, `pl.utils` -> `utils`), null for anything else. */
function tableClass(text: string): string | null {
  return /^(?:[A-Za-z_]\w*\.)*([A-Za-z_]\w*)$/.exec(text)?.[1] ?? null;
}

/** The last name of a `::` scope (`details::registry`, `vec<T>` -> `vec`), null for anything else. */
function scopeClass(text: string): string | null {
  const plain = text.replace(/<[^<>]*>/g, '').replace(/\s+/g, '');
  return /^(?:::)?(?:[A-Za-z_]\w*::)*([A-Za-z_]\w*)$/.exec(plain)?.[1] ?? null;
}

/**
 * A method call's receiver that is a variable or a field (`call`, `this.bridge`, `$request`,
 * `@app`, `self.inner`), as `~` and its plain dotted form, at most three names: the type it holds
 * is unknown, but code names variables after their types (`call` for a `PluginCall`), and a
 * module alias (`utils.slugify()`) is told from a variable by the file's imports. Null for
 * anything else (a call's result, an index, a literal, a capitalised name, a `::` path). Only
 * calls through `.` or `->` take one (`separator`: the text between the receiver and the name).
 */
export function receiverHint(text: string, separator: string, capitalisedMembers = false): string | null {
  const sep = separator.replace(/\s+/g, '');
  if (sep !== '.' && sep !== '?.' && sep !== '->' && sep !== '?->') return null;
  if (text.length > 48) return null;
  const plain = text.replace(/^[$@]{1,2}/, '').replace(/\??->|\?\./g, '.');
  if (!/^[A-Za-z_]\w*(?:\.[A-Za-z_]\w*){0,2}$/.test(plain)) return null;
  const last = plain.slice(plain.lastIndexOf('.') + 1);
  // A capitalised last name is a class or a constant, not a variable (`Foo.bar()`, `self.Meta`),
  // except where properties are named so (C#'s `this.Bridge`, `Instance`).
  if (!(capitalisedMembers ? /^_*[A-Za-z]/ : /^_*[a-z]/).test(last) || SELF_RECEIVERS.has(plain)) return null;
  // The parent class's method (`super.close()`, C#'s `base.Run()`): no variable's.
  if (plain === 'super' || plain === 'base') return null;
  return `~${plain}`;
}

/**
 * True when a call's name is preceded, on its line, by no member access (`.`, `::`, `->`, Lua's
 * `:`): `add(x)`, `@decorator`, not `obj.add(x)`, `Self::new()` or a chain's `  .add(x)`. Only
 * the name's own line is read: the line before may end in a comment.
 */
export function isBareCall(source: string, nameStart: number): boolean {
  let i = nameStart - 1;
  while (i >= 0 && (source[i] === ' ' || source[i] === '\t')) i--;
  if (i < 0) return true;
  const c = source[i];
  return !(c === '.' || c === ':' || (c === '>' && source[i - 1] === '-'));
}

/** The language rules that decide what a call's receiver says. */
type ReceiverRules = Pick<
  LanguageRules,
  'literalClasses' | 'capitalisedMembers' | 'scopeReceivers' | 'tableReceivers' | 'namedReceivers'
>;

/**
 * What a call's receiver (`text`, then `between` it and the name) says (see
 * `ExtractedRef.receiver`): the class it names, else a hint by the name of the variable it is,
 * else null. `scope` is the innermost definition around the call.
 */
function callReceiver(
  text: string,
  between: string,
  scope: Scope | null,
  source: string,
  rules: ReceiverRules,
  aliases: ReadonlyMap<string, string>,
): string | null {
  // A receiver that is an import's alias of a class is that class (C#'s `Json.Serialize()` after
  // `using Json = Newtonsoft.Json.JsonConvert;`, `Q.create()` after `import { Queue as Q }`); an
  // alias of a module (`from . import helpers as h`) stays a hint by its name.
  const aliasOf = aliases.get(text);
  if (aliasOf !== undefined && /^[A-Z]/.test(aliasOf)) return aliasOf;
  // `self.f()`, `self.items.add()`: the object, not a table of functions.
  const table = rules.tableReceivers === true && !/^self\b/.test(text) ? between.replace(/\s+/g, '') : '';
  let named: string | null;
  if (table === '.') named = tableClass(text);
  else if (rules.scopeReceivers === true && between.trim() === '::') named = scopeClass(text);
  else if (rules.capitalisedMembers === true && /^[A-Z]/.test(text)) named = null;
  else named = receiverClass(text, scope?.qualified ?? null, rules.literalClasses);
  if (named !== null) return named;
  const own = rules.namedReceivers === true ? ownReceiverType(text, scope, source) : null;
  if (own !== null) return own;
  // Lua's `obj:f()` is a method call like `obj.f()` elsewhere.
  return receiverHint(text, table === ':' ? '.' : between, rules.capitalisedMembers === true);
}

export function resolveRefs(
  refs: readonly RawRef[],
  importRefs: readonly { name: string; start: number }[],
  scopes: readonly Scope[],
  source: string,
  lines: LineIndex,
  rules: Pick<LanguageRules, 'bareCallsAreFunctions'> & ReceiverRules = {},
  /** Import aliases (see `ResolvedImports.aliases`): a use of an alias is a use of its name. */
  aliases: ReadonlyMap<string, string> = new Map(),
): ExtractedRef[] {
  const bareCallsAreFunctions = rules.bareCallsAreFunctions === true;
  const scopeAt = createEnclosingScopeResolver(scopes);
  const out: ExtractedRef[] = [];
  let i = 0;
  let j = 0;
  // Merge the two sorted lists so the enclosing-scope walk sees offsets in order.
  while (i < refs.length || j < importRefs.length) {
    const ref = refs[i];
    const importRef = importRefs[j];
    if (ref !== undefined && (importRef === undefined || ref.start <= importRef.start)) {
      // A dotted name node (Elixir's `MyApp.Job`) is stored by its last part, as queries look it up.
      const text = ref.name ?? source.slice(ref.start, ref.end);
      const dot = ref.name === undefined ? text.lastIndexOf('.') : -1;
      const start = dot === -1 ? ref.start : ref.start + dot + 1;
      const row = lines.rowOf(start);
      const scope = scopeAt(ref.start);
      const enclosing = scope?.qualified ?? null;
      const written = dot === -1 ? text : text.slice(dot + 1);
      // A plain use of an import's alias (`new Q()`, `M.objects`) is a use of what it names; a
      // member with the same name (`obj.Q()`) is not.
      const aliased =
        ref.receiverStart < 0 && dot === -1 && ref.name === undefined ? aliases.get(written) : undefined;
      const site: ExtractedRef = {
        name: aliased ?? written,
        kind: ref.kind,
        line: row + 1,
        col: start - lines.rowStart(row),
        enclosing,
      };
      // A ref inside its own match's receiver (Elixir's `Repo` of `Repo.insert(x)`) has none.
      if (ref.receiverStart >= 0 && !(ref.start >= ref.receiverStart && ref.start < ref.receiverEnd)) {
        const receiver = callReceiver(
          source.slice(ref.receiverStart, ref.receiverEnd),
          source.slice(ref.receiverEnd, start),
          scope,
          source,
          rules,
          aliases,
        );
        if (receiver !== null) site.receiver = receiver;
      } else if (bareCallsAreFunctions && ref.kind === 'call' && dot === -1 && isBareCall(source, start)) {
        // No receiver at all: a plain function's call (see `LanguageRules.bareCallsAreFunctions`).
        site.receiver = '';
      }
      out.push(site);
      i++;
    } else if (importRef !== undefined) {
      const row = lines.rowOf(importRef.start);
      out.push({
        name: importRef.name,
        kind: 'import',
        line: row + 1,
        col: importRef.start - lines.rowStart(row),
        enclosing: scopeAt(importRef.start)?.qualified ?? null,
      });
      j++;
    }
  }
  return out;
}
