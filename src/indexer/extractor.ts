/**
 * The pure extractor: source text in, symbols/refs/imports/chunks out. One parse and one query pass
 * per file; everything else is arithmetic on offsets and small slices of the source string.
 */
import Parser from 'tree-sitter';
import { type CaptureRole, createCaptureRoleCache } from './capture-names.js';
import { buildChunks, type ChunkCandidate } from './chunks.js';
import { isFunctionLike, type LanguageRules, rulesFor, type ScopeKind } from './language-rules.js';
import { loadGrammar } from './languages.js';
import { createLineIndex, type LineIndex } from './line-index.js';
import { tagsQuerySources } from './queries/index.js';
import { cleanDocstring, docCommentBefore, keywordPrefix, signatureText } from './text-scan.js';
import type {
  ExtractedImport,
  ExtractedRef,
  ExtractedSymbol,
  FileExtraction,
  LanguageId,
  RefKind,
  SymbolKind,
} from './types.js';

/** Extracts definitions, references, imports and chunks from source files. */
export interface Extractor {
  /**
   * Extracts one file. Never throws: syntax errors yield whatever tree-sitter recovered, and an
   * input the parser rejects yields an empty extraction.
   */
  extractFile(source: string, language: LanguageId): FileExtraction;
}

/** Parser, compiled query and rules for one language, built on first use and then reused. */
interface LanguageRuntime {
  parser: Parser;
  query: Parser.Query;
  /** Run with maxStartDepth 1; null when the language has no top-level query. */
  topLevelQuery: Parser.Query | null;
  roleOf: (captureName: string) => CaptureRole;
  rules: LanguageRules;
}

interface RawDefinition {
  kind: SymbolKind;
  pattern: number;
  start: number;
  end: number;
  nameStart: number;
  nameEnd: number;
  docStart: number;
  docEnd: number;
  receiver: string | null;
}

interface RawContainer {
  start: number;
  end: number;
  name: string;
}

interface RawRef {
  kind: RefKind;
  pattern: number;
  start: number;
  end: number;
}

interface RawImport {
  start: number;
  end: number;
  sourceText: string;
  names: { start: number; end: number }[];
}

/** A definition or container while the nesting is resolved. */
interface Scope {
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

/** Kinds that are locals, not API, when declared inside a function body (or its signature). */
const LOCAL_KINDS: ReadonlySet<ScopeKind> = new Set<ScopeKind>(['constant', 'variable', 'field', 'property']);

/** Members of these get no chunk of their own: the whole interface or trait is one chunk. */
const WHOLE_CHUNK_KINDS: ReadonlySet<ScopeKind> = new Set<ScopeKind>(['interface', 'trait']);

const HEAD_CHARS = 300;

function emptyExtraction(language: LanguageId): FileExtraction {
  return { language, symbols: [], refs: [], imports: [], chunks: [] };
}

function isCapitalisedAt(source: string, offset: number): boolean {
  const code = source.charCodeAt(offset);
  return code >= 65 && code <= 90;
}

/** Everything the query found, as offsets. */
interface RawExtraction {
  definitions: RawDefinition[];
  containers: RawContainer[];
  refs: RawRef[];
  imports: RawImport[];
  importNames: { start: number; end: number }[];
  skip: Set<number>;
}

// Pattern indices of the main query are shifted past the top-level query's, so "earliest pattern
// wins" also orders the two queries (top-level first).
const TREE_PATTERN_OFFSET = 100_000;

function collect(runtime: LanguageRuntime, tree: Parser.Tree, source: string): RawExtraction {
  const raw: RawExtraction = {
    definitions: [],
    containers: [],
    refs: [],
    imports: [],
    importNames: [],
    skip: new Set(),
  };
  const root = tree.rootNode;
  if (runtime.topLevelQuery !== null) {
    collectMatches(runtime, runtime.topLevelQuery.matches(root, { maxStartDepth: 1 }), 0, source, raw);
  }
  collectMatches(runtime, runtime.query.matches(root), TREE_PATTERN_OFFSET, source, raw);
  return raw;
}

function collectMatches(
  runtime: LanguageRuntime,
  matches: Parser.QueryMatch[],
  patternOffset: number,
  source: string,
  raw: RawExtraction,
): void {
  const { roleOf } = runtime;
  for (const match of matches) {
    const pattern = match.pattern + patternOffset;
    let definition: Parser.SyntaxNode | null = null;
    let kind: SymbolKind = 'function';
    let name: Parser.SyntaxNode | null = null;
    let container: Parser.SyntaxNode | null = null;
    let receiver: Parser.SyntaxNode | null = null;
    let doc: Parser.SyntaxNode | null = null;
    let importNode: Parser.SyntaxNode | null = null;
    let importSource: Parser.SyntaxNode | null = null;
    let importRequire: Parser.SyntaxNode | null = null;
    for (const capture of match.captures) {
      const role = roleOf(capture.name);
      switch (role.role) {
        case 'definition':
          definition = capture.node;
          kind = role.kind;
          break;
        case 'name':
          name = capture.node;
          break;
        case 'container':
          container = capture.node;
          break;
        case 'receiver':
          receiver = capture.node;
          break;
        case 'doc':
          doc = capture.node;
          break;
        case 'reference': {
          const start = capture.node.startIndex;
          if (role.capitalisedOnly && !isCapitalisedAt(source, start)) break;
          raw.refs.push({ kind: role.kind, pattern, start, end: capture.node.endIndex });
          break;
        }
        case 'skip':
          raw.skip.add(capture.node.startIndex);
          break;
        case 'import':
          importNode = capture.node;
          break;
        case 'import.source':
          importSource = capture.node;
          break;
        case 'import.name':
          raw.importNames.push({ start: capture.node.startIndex, end: capture.node.endIndex });
          break;
        case 'import.require':
          importRequire = capture.node;
          break;
        case 'ignored':
          break;
      }
    }
    if (definition !== null && name !== null) {
      raw.definitions.push({
        kind,
        pattern,
        start: definition.startIndex,
        end: definition.endIndex,
        nameStart: name.startIndex,
        nameEnd: name.endIndex,
        docStart: doc === null ? -1 : doc.startIndex,
        docEnd: doc === null ? -1 : doc.endIndex,
        receiver: receiver === null ? null : receiver.text,
      });
    } else if (container !== null && name !== null) {
      raw.containers.push({ start: container.startIndex, end: container.endIndex, name: name.text });
    }
    if (importNode !== null && importSource !== null) {
      if (importRequire !== null) {
        const callee = importRequire.startIndex;
        // Only `require(...)` is an import; other calls with a string argument are just calls.
        if (source.slice(callee, importRequire.endIndex) !== 'require') continue;
        raw.skip.add(callee);
      }
      raw.imports.push({
        start: importNode.startIndex,
        end: importNode.endIndex,
        sourceText: importSource.text,
        names: [],
      });
    }
  }
}

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

/** Pops scopes that end before `offset` (or share exactly the range of a sibling). */
function popClosed(stack: Scope[], start: number, end: number): Scope | null {
  for (;;) {
    const top = stack[stack.length - 1];
    if (top === undefined) return null;
    // Identical ranges are siblings (`int a, b;` declares two fields with one node).
    if (top.end <= start || (top.start === start && top.end === end)) stack.pop();
    else return top;
  }
}

function docFor(
  definition: RawDefinition,
  declStart: number,
  source: string,
  rules: LanguageRules,
): { text: string | null; start: number } {
  if (rules.docStyle === 'docstring') {
    if (definition.docStart < 0) return { text: null, start: definition.start };
    return { text: cleanDocstring(source.slice(definition.docStart, definition.docEnd)), start: definition.start };
  }
  const doc = docCommentBefore(source, declStart, rules.docStyle);
  return doc === null ? { text: null, start: declStart } : { text: doc.text, start: doc.start };
}

interface ResolvedDefinitions {
  symbols: ExtractedSymbol[];
  /** Definitions and containers in start order, for resolving enclosing scopes of references. */
  scopes: Scope[];
  candidates: ChunkCandidate[];
  nameStarts: Set<number>;
}

function resolveDefinitions(
  raw: RawExtraction,
  source: string,
  lines: LineIndex,
  rules: LanguageRules,
): ResolvedDefinitions {
  const definitions = dedupeDefinitions(raw.definitions);
  const containers = raw.containers.sort((a, b) => a.start - b.start || b.end - a.end);
  const symbols: ExtractedSymbol[] = [];
  const scopes: Scope[] = [];
  const candidates: ChunkCandidate[] = [];
  const nameStarts = new Set<number>();
  const stack: Scope[] = [];
  let c = 0;
  const openContainer = (container: RawContainer): void => {
    const parent = popClosed(stack, container.start, container.end);
    const scope: Scope = {
      start: container.start,
      end: container.end,
      kind: 'impl',
      qualified: parent === null ? container.name : `${parent.qualified}.${container.name}`,
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
    for (let next = containers[c]; next !== undefined && next.start <= definition.start; next = containers[++c]) {
      openContainer(next);
    }
    const parent = popClosed(stack, definition.start, definition.end);
    const name = source.slice(definition.nameStart, definition.nameEnd);
    nameStarts.add(definition.nameStart);
    const prefix = keywordPrefix(source, definition.start);
    const nameRow = lines.rowOf(definition.nameStart);
    const signature = signatureText(
      source,
      prefix.start,
      definition.end,
      lines.rowStart(nameRow),
      lines.rowEnd(nameRow),
      rules.trimColon,
    );
    const head = source.slice(Math.max(prefix.start, definition.nameStart - HEAD_CHARS), definition.nameStart);
    const context = {
      name,
      kind: definition.kind,
      head,
      prefixWords: prefix.words,
      signature,
      parent: parent === null ? null : { kind: parent.kind, exported: parent.exported },
    };
    const kind = rules.refineKind(context);
    const parentIsFunction = parent !== null && (parent.insideFunction || isFunctionLike(parent.kind));
    if (parentIsFunction && LOCAL_KINDS.has(kind)) continue;
    context.kind = kind;
    const exported = rules.isExported(context);
    const container = definition.receiver ?? parent?.qualified ?? null;
    const doc = docFor(definition, prefix.start, source, rules);
    const startRow = lines.rowOf(definition.start);
    const endRow = lines.rowOf(definition.end);
    symbols.push({
      name,
      kind,
      startLine: startRow + 1,
      startCol: definition.start - lines.rowStart(startRow),
      endLine: endRow + 1,
      endCol: definition.end - lines.rowStart(endRow),
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
    if (!insideFunction && CHUNK_KINDS.has(kind) && !(parent !== null && WHOLE_CHUNK_KINDS.has(parent.kind))) {
      const chunkRow = Math.min(startRow, lines.rowOf(doc.start));
      scope.chunkRow = chunkRow;
      scope.candidate = { symbol: scope.qualified, startRow: chunkRow, endRow, firstChildRow: null };
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

/** Keeps one reference per name node (the earliest pattern wins) and drops definition names. */
function dedupeRefs(raw: RawExtraction, nameStarts: Set<number>, source: string, language: LanguageId): RawRef[] {
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
    kept.push(ref);
  }
  return kept;
}

/**
 * Walks positions in increasing order and answers "innermost scope containing this offset".
 * `scopes` must be sorted by start; queries must come in non-decreasing offset order.
 */
function createEnclosingResolver(scopes: readonly Scope[]): (offset: number) => string | null {
  const stack: Scope[] = [];
  let next = 0;
  return (offset) => {
    for (let scope = scopes[next]; scope !== undefined && scope.start <= offset; scope = scopes[++next]) {
      while (stack.length > 0 && (stack[stack.length - 1]?.end ?? 0) <= scope.start) stack.pop();
      stack.push(scope);
    }
    while (stack.length > 0 && (stack[stack.length - 1]?.end ?? 0) <= offset) stack.pop();
    return stack[stack.length - 1]?.qualified ?? null;
  };
}

interface ResolvedImports {
  imports: ExtractedImport[];
  importRefs: { name: string; start: number }[];
  /** 0-based last row of the last import outside any definition, -1 when there is none. */
  lastTopLevelRow: number;
}

function resolveImports(
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
        const at = statementText.lastIndexOf(name);
        if (name !== '*' && name !== 'self') {
          importRefs.push({ name, start: statement.start + Math.max(0, at) });
        }
      }
    }
    imports.push({ source: normalised.source, names, line: lines.rowOf(statement.start) + 1 });
  }
  importRefs.sort((a, b) => a.start - b.start);
  return { imports, importRefs, lastTopLevelRow };
}

function resolveRefs(
  refs: readonly RawRef[],
  importRefs: readonly { name: string; start: number }[],
  scopes: readonly Scope[],
  source: string,
  lines: LineIndex,
): ExtractedRef[] {
  const enclosingOf = createEnclosingResolver(scopes);
  const out: ExtractedRef[] = [];
  let i = 0;
  let j = 0;
  // Merge the two sorted lists so the enclosing-scope walk sees offsets in order.
  while (i < refs.length || j < importRefs.length) {
    const ref = refs[i];
    const importRef = importRefs[j];
    if (ref !== undefined && (importRef === undefined || ref.start <= importRef.start)) {
      const row = lines.rowOf(ref.start);
      out.push({
        name: source.slice(ref.start, ref.end),
        kind: ref.kind,
        line: row + 1,
        col: ref.start - lines.rowStart(row),
        enclosing: enclosingOf(ref.start),
      });
      i++;
    } else if (importRef !== undefined) {
      const row = lines.rowOf(importRef.start);
      out.push({
        name: importRef.name,
        kind: 'import',
        line: row + 1,
        col: importRef.start - lines.rowStart(row),
        enclosing: enclosingOf(importRef.start),
      });
      j++;
    }
  }
  return out;
}

function extractWith(runtime: LanguageRuntime, source: string, language: LanguageId): FileExtraction {
  const tree = runtime.parser.parse(source);
  const raw = collect(runtime, tree, source);
  const lines = createLineIndex(source);
  const { symbols, scopes, candidates, nameStarts } = resolveDefinitions(raw, source, lines, runtime.rules);
  const refs = dedupeRefs(raw, nameStarts, source, language);
  const { imports, importRefs, lastTopLevelRow } = resolveImports(raw, source, runtime.rules, lines, scopes);
  return {
    language,
    symbols,
    refs: resolveRefs(refs, importRefs, scopes, source, lines),
    imports,
    chunks: buildChunks(source, lines, candidates, lastTopLevelRow),
  };
}

/**
 * Creates an extractor. It keeps one Parser and one compiled tags query per language, created on
 * first use: compiling a query costs tens of milliseconds, parsing a typical file much less.
 * Not safe for concurrent use from several threads (one per worker process is the intent).
 */
export function createExtractor(): Extractor {
  const runtimes = new Map<LanguageId, LanguageRuntime>();
  const runtimeFor = (language: LanguageId): LanguageRuntime => {
    let runtime = runtimes.get(language);
    if (runtime === undefined) {
      const grammar = loadGrammar(language);
      const parser = new Parser();
      parser.setLanguage(grammar);
      const sources = tagsQuerySources(language);
      runtime = {
        parser,
        query: new Parser.Query(grammar, sources.tree),
        topLevelQuery: sources.topLevel === '' ? null : new Parser.Query(grammar, sources.topLevel),
        roleOf: createCaptureRoleCache(),
        rules: rulesFor(language),
      };
      runtimes.set(language, runtime);
    }
    return runtime;
  };
  return {
    extractFile(source, language) {
      // Grammar or query problems are programming errors and should surface, so only the
      // per-file work is guarded.
      const runtime = runtimeFor(language);
      try {
        return extractWith(runtime, source, language);
      } catch {
        return emptyExtraction(language);
      }
    },
  };
}
