/**
 * Turns raw definition captures into symbols: resolves nesting (containers, qualified names),
 * applies the language rules (kind refinement, exported flag), and finds signatures, docs and the
 * chunk candidates. Works in one sweep over definitions sorted by start offset.
 */
import { type ChunkCandidate, leadingRow, MAX_CHUNK_LINES } from './chunks.js';
import { isFunctionLike, type LanguageRules, type ScopeKind } from './language-rules.js';
import type { LineIndex } from './line-index.js';
import type { RawContainer, RawDefinition, RawExtraction } from './raw-captures.js';
import { cleanDocstring, docCommentBefore, keywordPrefix, signatureText } from './text-scan.js';
import type { ExtractedSymbol } from './types.js';

/** A definition or container while the nesting is resolved. */
export interface Scope {
  start: number;
  end: number;
  kind: ScopeKind;
  qualified: string;
  exported: boolean;
  insideFunction: boolean;
  /** Index into the symbols array, -1 for containers that are not symbols. */
  symbolIndex: number;
  /** Row where this scope's chunk starts (doc comment included), -1 when it has no chunk. */
  chunkRow: number;
  candidate: ChunkCandidate | null;
  /**
   * A Rust `macro_rules!` definition: the items of its templates (see `./macro-bodies.ts`) are
   * the items of wherever it is invoked, so they nest in `outer`, the scope around it.
   */
  template?: { outer: Scope | null };
}

const CHUNK_KINDS: ReadonlySet<ScopeKind> = new Set<ScopeKind>([
  'function',
  'method',
  'constructor',
  'class',
  'struct',
  'interface',
  'trait',
  'enum',
  'module',
  'namespace',
]);

/** Kinds that are locals, not API, when declared inside a function body (or its signature). */
const LOCAL_KINDS: ReadonlySet<ScopeKind> = new Set<ScopeKind>(['constant', 'variable', 'field', 'property']);

/**
 * Module-level kinds that get a chunk of their own when they span several lines (`export const
 * map: { … } = dual(…)`, a Go `var handlers = map[string]…{ … }`, a multi-line type alias); on one
 * line they stay in the header or code chunk around them, so a run of one-line constants is one
 * chunk, not one each.
 */
const MULTILINE_CHUNK_KINDS: ReadonlySet<ScopeKind> = new Set<ScopeKind>(['constant', 'variable', 'type']);
/** Scopes whose direct members count as module level. */
const MODULE_KINDS: ReadonlySet<ScopeKind> = new Set<ScopeKind>(['module', 'namespace']);

/**
 * Members of these get no chunk of their own: an interface or trait of signatures is read whole,
 * and so is a type alias of an object type (mobx's `type Annotation = { make_(…): MakeResult;
 * extend_(…) … }` was a head, two signatures and a code chunk of the last members).
 * But a member with a body (`{ … }`) of one longer than a chunk ({@link MAX_CHUNK_LINES}) gets
 * its own, as a class's does: Laravel's `ValidatesAttributes` trait holds 2,140 lines of methods,
 * and search showed 60-line windows of it named for the trait instead of `validateUnique`. (Long
 * interfaces of signatures split into members lost on the question sets: bench/README.md.)
 */
const WHOLE_CHUNK_KINDS: ReadonlySet<ScopeKind> = new Set<ScopeKind>(['interface', 'trait', 'type']);

/** Kinds whose value may wrap a named function expression of their own name. */
const VALUE_KINDS: ReadonlySet<ScopeKind> = new Set<ScopeKind>(['constant', 'variable']);

const HEAD_CHARS = 300;

/** Keeps one definition per name node (the earliest pattern wins) and sorts them outermost first. */
function dedupeDefinitions(definitions: RawDefinition[]): RawDefinition[] {
  definitions.sort((a, b) => a.nameStart - b.nameStart || a.pattern - b.pattern);
  const kept: RawDefinition[] = [];
  let lastNameStart = -1;
  for (const definition of definitions) {
    if (definition.nameStart === lastNameStart) continue;
    lastNameStart = definition.nameStart;
    kept.push(definition);
  }
  kept.sort((a, b) => a.start - b.start || b.end - a.end);
  return kept;
}

/** Pops scopes that end before `start` (or have exactly this range: a sibling) and returns the parent. */
function popClosed(stack: Scope[], start: number, end: number): Scope | null {
  for (;;) {
    const top = stack[stack.length - 1];
    if (top === undefined) return null;
    // Identical ranges are siblings (`int a, b;` declares two fields with one node).
    if (top.end <= start || (top.start === start && top.end === end)) stack.pop();
    else return top;
  }
}

/** Whether a definition ends with a block (`{ … }`): a method with a body, not a signature. */
function hasBody(source: string, definition: RawDefinition): boolean {
  const text = source.slice(definition.start, definition.end).trimEnd();
  return text.endsWith('}') && text.includes('\n');
}

/** `res.sendFile` at the start of `res.sendFile = function sendFile(…)`: an object and a property. */
const OBJECT_PROPERTY = /^([A-Za-z_$][\w$]*)\s*\.\s*[A-Za-z_$][\w$]*$/;
/** Objects whose properties are a module's or the runtime's, not an object's members. */
const NO_OWNER = new Set(['exports', 'module', 'window', 'global', 'globalThis', 'self', 'this']);

/**
 * The object a top-level `obj.name = function …` assigns a method to (`res` for express's
 * `res.sendFile = function sendFile(…)`, `app` for `app.use`), else null: CommonJS modules build
 * their API on an object this way, and `get_symbol res.sendFile` found no `sendFile` of `res`.
 * `exports.x` and `module.exports.x` are a module's functions.
 */
function objectOwner(source: string, definition: RawDefinition): string | null {
  if (definition.kind !== 'function' || definition.receiver !== null) return null;
  const m = OBJECT_PROPERTY.exec(source.slice(definition.start, definition.nameEnd));
  return m === null || NO_OWNER.has(m[1]!) ? null : m[1]!;
}

function docFor(
  definition: RawDefinition,
  declStart: number,
  source: string,
  rules: LanguageRules,
): { text: string | null; start: number } {
  if (rules.docStyle === 'docstring') {
    if (definition.docStart < 0) return { text: null, start: definition.start };
    return {
      text: cleanDocstring(source.slice(definition.docStart, definition.docEnd)),
      start: definition.start,
    };
  }
  const doc = docCommentBefore(source, declStart, rules.docStyle);
  return doc === null ? { text: null, start: declStart } : { text: doc.text || null, start: doc.start };
}

/** Rust's `impl<T> Display for Error<T>` (up to its `{` or `where`) at `start`, else null. */
const TRAIT_IMPL_HEAD = /(?:unsafe\s+)?impl\b[^{;]*?\bfor\b[^{;]*?(?=\s*(?:\{|\bwhere\b))/y;

/**
 * The head of the trait implementation starting at `start` (whitespace collapsed), else null.
 * Matched in place (sticky): no copy of the source for each member of every class.
 */
function traitImplHead(source: string, start: number): string | null {
  TRAIT_IMPL_HEAD.lastIndex = start;
  const m = TRAIT_IMPL_HEAD.exec(source);
  return m === null ? null : m[0].replace(/\s+/g, ' ').trim();
}

/** The names an `impl<…>` head declares as type parameters (lifetimes left out). */
function implTypeParameters(head: string): { names: Set<string>; end: number } | null {
  const open = head.indexOf('<');
  if (
    open < 0 ||
    head
      .slice(0, open)
      .trim()
      .replace(/^unsafe\s+/, '') !== 'impl'
  )
    return null;
  const names = new Set<string>();
  let depth = 0;
  let from = open + 1;
  for (let i = open; i < head.length; i++) {
    const ch = head[i];
    if (ch === '<' || ch === '(' || ch === '[') depth++;
    else if (ch === '>' && head[i - 1] !== '-') depth--;
    else if (ch === ')' || ch === ']') depth--;
    if ((ch === ',' && depth === 1) || depth === 0) {
      const param = /^\s*(?:const\s+)?([A-Za-z_]\w*)/.exec(head.slice(from, i));
      if (param?.[1] !== undefined) names.add(param[1]);
      from = i + 1;
      if (depth === 0) return { names, end: i + 1 };
    }
  }
  return null;
}

/**
 * A blanket implementation (`impl<F: FnMut(T) -> U> Predicate<T> for F`) implements its trait for
 * a type parameter: its methods belong to the trait (`Predicate.call`), not to a type named `F`.
 */
function blanketImplTrait(source: string, container: RawContainer): string | null {
  const head = traitImplHead(source, container.start);
  if (head === null) return null;
  const params = implTypeParameters(head);
  if (params === null || !params.names.has(container.name)) return null;
  const trait =
    /^\s*(?:!\s*)?((?:[A-Za-z_]\w*::)*)([A-Za-z_]\w*)[\s\S]*?\bfor\s+&?\s*(?:mut\s+)?([A-Za-z_]\w*)\s*$/.exec(
      head.slice(params.end),
    );
  return trait?.[2] !== undefined && trait[3] === container.name ? trait[2] : null;
}

/** Offset of the `{` that opens the body of the block starting at `start` (brackets skipped), or -1. */
function bodyOpen(source: string, start: number, end: number): number {
  let depth = 0;
  for (let i = start; i < end; i++) {
    const ch = source[i];
    if (ch === '(' || ch === '[' || ch === '<') depth++;
    else if (ch === ')' || ch === ']' || (ch === '>' && source[i - 1] !== '-')) depth--;
    else if (ch === '{' && depth <= 0) return i;
    else if (ch === ';') return -1;
  }
  return -1;
}

/**
 * Rows of the heads of Rust `impl` blocks whose members have chunks of their own (0-based, from
 * the `impl` line to the one with its `{`): covered, so no code chunk takes them. The head is in
 * every member's context already (`Error.fmt (impl fmt::Display for Error)`), and alone it made
 * unnamed chunks of `}` + `impl Error {`, or of a `where` clause's bounds.
 */
export function implHeadRows(
  source: string,
  lines: LineIndex,
  scopes: readonly Scope[],
  candidates: readonly ChunkCandidate[],
): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  let c = 0;
  for (const scope of scopes) {
    if (scope.kind !== 'impl') continue;
    const open = bodyOpen(source, scope.start, scope.end);
    if (open < 0) continue;
    const from = lines.rowOf(scope.start);
    const to = lines.rowOf(open);
    while (c < candidates.length && candidates[c]!.startRow <= to) c++;
    const member = candidates[c];
    if (member !== undefined && member.startRow <= lines.rowOf(scope.end)) out.push([from, to]);
  }
  return out;
}

/** Symbols of one file plus what references and chunking need from the same sweep. */
export interface ResolvedDefinitions {
  symbols: ExtractedSymbol[];
  /** Definitions and containers in start order, for resolving enclosing scopes of references. */
  scopes: Scope[];
  candidates: ChunkCandidate[];
  nameStarts: Set<number>;
}

/** Resolves raw definitions (and Rust impl containers) into symbols, scopes and chunk candidates. */
export function resolveDefinitions(
  raw: RawExtraction,
  source: string,
  lines: LineIndex,
  rules: LanguageRules,
): ResolvedDefinitions {
  const containers = raw.containers.sort((a, b) => a.start - b.start || b.end - a.end);
  // A node that a pattern makes a container is no definition as well: Objective-C's category
  // `@interface EXFoo (Private)` matches the class pattern too, but adds to a class defined elsewhere.
  const containerRanges = new Set(containers.map((c) => `${c.start}:${c.end}`));
  const definitions = dedupeDefinitions(
    containerRanges.size === 0
      ? raw.definitions
      : raw.definitions.filter((d) => !containerRanges.has(`${d.start}:${d.end}`)),
  );
  const symbols: ExtractedSymbol[] = [];
  const scopes: Scope[] = [];
  const candidates: ChunkCandidate[] = [];
  const nameStarts = new Set<number>();
  const stack: Scope[] = [];
  let c = 0;
  /** The scope a definition or container at start..end nests in (a template's: see `Scope.template`). */
  const parentOf = (start: number, end: number): Scope | null => {
    const enclosing = popClosed(stack, start, end);
    return enclosing?.template === undefined ? enclosing : enclosing.template.outer;
  };
  const openContainer = (container: RawContainer): void => {
    const parent = parentOf(container.start, container.end);
    const name = blanketImplTrait(source, container) ?? container.name;
    const scope: Scope = {
      start: container.start,
      end: container.end,
      kind: 'impl',
      qualified: parent === null ? name : `${parent.qualified}.${name}`,
      exported: false,
      insideFunction: parent !== null && (parent.insideFunction || isFunctionLike(parent.kind)),
      symbolIndex: -1,
      chunkRow: -1,
      candidate: null,
    };
    stack.push(scope);
    scopes.push(scope);
  };
  for (const definition of definitions) {
    for (
      let next = containers[c];
      next !== undefined && next.start <= definition.start;
      next = containers[++c]
    ) {
      openContainer(next);
    }
    const parent = parentOf(definition.start, definition.end);
    let written = source.slice(definition.nameStart, definition.nameEnd);
    let namePrefix: string | null = null;
    if (rules.qualifiedNames === true && written.includes('.')) {
      const cut = written.lastIndexOf('.');
      namePrefix = written.slice(0, cut);
      written = written.slice(cut + 1);
    }
    const name = rules.definitionName === undefined ? written : rules.definitionName(written);
    nameStarts.add(definition.nameStart);
    // `app.init = function init() {}`, `const f = function f() {}`: the named function
    // expression is the definition it is assigned to, not a second symbol inside it; so is one
    // of another name that is the whole value (express's `Layer.prototype.handle_request =
    // function handle(…) {…};` made a second symbol `handle` over the same lines).
    const sameName = parent !== null && (parent.qualified === name || parent.qualified.endsWith(`.${name}`));
    if (
      parent !== null &&
      isFunctionLike(parent.kind) &&
      definition.kind === 'function' &&
      (sameName || /^[\s;)]*$/.test(source.slice(definition.end, parent.end))) &&
      lines.rowOf(definition.start) === lines.rowOf(parent.start)
    ) {
      continue;
    }
    // So is one of the same name anywhere in a constant's or variable's value (`export const flow
    // = Object.assign(function flow(…) {…}, …)`, `const Input = forwardRef(function Input(…) {…})`):
    // mobx's `flow` was a one-line chunk `flow` over the 100 lines of `flow.flow`. Its body stays a
    // function's (a scope that is no symbol): what it nests are locals, not members of the constant.
    if (parent !== null && VALUE_KINDS.has(parent.kind) && definition.kind === 'function' && sameName) {
      const body: Scope = {
        start: definition.start,
        end: definition.end,
        kind: 'function',
        qualified: parent.qualified,
        exported: parent.exported,
        insideFunction: parent.insideFunction,
        symbolIndex: -1,
        chunkRow: -1,
        candidate: null,
      };
      stack.push(body);
      scopes.push(body);
      continue;
    }
    const prefix = keywordPrefix(source, definition.start);
    const nameRow = lines.rowOf(definition.nameStart);
    // A definition made by a call (`attr_accessor :host, :port`) reads as the call's line: the
    // second accessor's own text is `:port`.
    const signature =
      definition.callee !== null && definition.callee !== undefined
        ? source.slice(lines.rowStart(nameRow), lines.rowEnd(nameRow)).trim().slice(0, 200)
        : signatureText(
            source,
            prefix.start,
            definition.end,
            lines.rowStart(nameRow),
            lines.rowEnd(nameRow),
            rules.trimColon,
          );
    const head = source.slice(
      Math.max(prefix.start, definition.nameStart - HEAD_CHARS),
      definition.nameStart,
    );
    const owner = parent === null && rules.objectMembers === true ? objectOwner(source, definition) : null;
    const context = {
      name,
      kind: owner === null ? definition.kind : ('method' as const),
      head,
      prefixWords: prefix.words,
      signature,
      callee: definition.callee,
      parent:
        parent === null
          ? null
          : {
              kind: parent.kind,
              exported: parent.exported,
              name: parent.qualified.slice(parent.qualified.lastIndexOf('.') + 1),
            },
    };
    const kind = rules.refineKind(context);
    if (kind === null) continue;
    const parentIsFunction = parent !== null && (parent.insideFunction || isFunctionLike(parent.kind));
    if (parentIsFunction && LOCAL_KINDS.has(kind)) continue;
    context.kind = kind;
    const exported = rules.isExported(context);
    const container =
      definition.receiver ??
      owner ??
      (namePrefix === null ? null : parent === null ? namePrefix : `${parent.qualified}.${namePrefix}`) ??
      parent?.qualified ??
      null;
    const doc = docFor(definition, prefix.start, source, rules);
    const startRow = lines.rowOf(definition.start);
    // A node that takes its line break with it (C's `#define`, which the preprocessor line ends)
    // ends on its last line, not at the start of the next one.
    const end = lastTextOffset(source, definition.start, definition.end);
    const endRow = lines.rowOf(end);
    symbols.push({
      name,
      kind,
      startLine: startRow + 1,
      startCol: definition.start - lines.rowStart(startRow),
      endLine: endRow + 1,
      endCol: end - lines.rowStart(endRow),
      container,
      signature,
      doc: doc.text,
      exported,
    });
    const insideFunction = parentIsFunction;
    const scope: Scope = {
      start: definition.start,
      end: definition.end,
      kind,
      qualified: container === null ? name : `${container}.${name}`,
      exported,
      insideFunction,
      symbolIndex: symbols.length - 1,
      chunkRow: -1,
      candidate: null,
    };
    if (rules.macroBodies === true && kind === 'function' && signature.startsWith('macro_rules!'))
      scope.template = { outer: parent };
    // A namespace or module declared as a statement (PHP's and C#'s `namespace X;`, Rust's
    // `mod x;`) has no body: it stays in the header chunk with the imports around it instead of
    // being a one-line chunk that search_code would show for its path words.
    const bodiless = MODULE_KINDS.has(kind) && endRow === startRow;
    const chunked =
      (CHUNK_KINDS.has(kind) && !bodiless) ||
      (MULTILINE_CHUNK_KINDS.has(kind) &&
        endRow > startRow &&
        (parent === null || MODULE_KINDS.has(parent.kind)));
    const inWhole =
      parent !== null &&
      WHOLE_CHUNK_KINDS.has(parent.kind) &&
      !(
        lines.rowOf(parent.end) - lines.rowOf(parent.start) >= MAX_CHUNK_LINES && hasBody(source, definition)
      );
    if (!insideFunction && chunked && !inWhole) {
      const chunkRow = leadingRow(
        source,
        lines,
        Math.min(startRow, lines.rowOf(doc.start)),
        rules.docStyle,
        parent === null ? -1 : lines.rowOf(parent.start),
      );
      scope.chunkRow = chunkRow;
      scope.candidate = {
        symbol: scope.qualified,
        startRow: chunkRow,
        endRow,
        firstChildRow: null,
        signature,
        doc: doc.text,
        defRow: startRow,
      };
      const implHead = parent === null ? null : traitImplHead(source, parent.start);
      if (implHead !== null) scope.candidate.implHead = implHead;
      candidates.push(scope.candidate);
      // The nearest chunked ancestor stops its chunk where this member's chunk begins.
      for (let i = stack.length - 1; i >= 0; i--) {
        const ancestor = stack[i];
        if (ancestor?.candidate) {
          if (ancestor.candidate.firstChildRow === null) ancestor.candidate.firstChildRow = chunkRow;
          break;
        }
      }
    }
    stack.push(scope);
    scopes.push(scope);
  }
  for (let next = containers[c]; next !== undefined; next = containers[++c]) openContainer(next);
  return { symbols, scopes, candidates, nameStarts };
}

/**
 * Walks positions in increasing order and answers "innermost scope containing this offset".
 * `scopes` must be sorted by start; queries must come in non-decreasing offset order.
 */
export function createEnclosingResolver(scopes: readonly Scope[]): (offset: number) => string | null {
  const scopeAt = createEnclosingScopeResolver(scopes);
  return (offset) => scopeAt(offset)?.qualified ?? null;
}

/** Like {@link createEnclosingResolver}, with the innermost scope itself. */
export function createEnclosingScopeResolver(scopes: readonly Scope[]): (offset: number) => Scope | null {
  const stack: Scope[] = [];
  let next = 0;
  return (offset) => {
    for (let scope = scopes[next]; scope !== undefined && scope.start <= offset; scope = scopes[++next]) {
      while (stack.length > 0 && (stack[stack.length - 1]?.end ?? 0) <= scope.start) stack.pop();
      stack.push(scope);
    }
    while (stack.length > 0 && (stack[stack.length - 1]?.end ?? 0) <= offset) stack.pop();
    return stack[stack.length - 1] ?? null;
  };
}

/** `end` (exclusive) without the line breaks a node ends with, never before `start`. */
function lastTextOffset(source: string, start: number, end: number): number {
  let e = end;
  while (e > start && (source.charCodeAt(e - 1) === 10 || source.charCodeAt(e - 1) === 13)) e--;
  return e;
}
