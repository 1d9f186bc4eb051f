/**
 * Runs the tags queries over a syntax tree and records what they captured as plain offsets. Each
 * capture costs a node object and a native call per property, so this is the only place that
 * touches tree-sitter nodes; everything downstream works on numbers and the source string.
 */
import type Parser from 'tree-sitter';
import type { CaptureRole } from './capture-names.js';
import type { RefKind, SymbolKind } from './types.js';

/** A definition capture: its node range, name range and optional docstring/receiver. */
export interface RawDefinition {
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

/** A scope that names members without being a symbol (Rust impl block). */
export interface RawContainer {
  start: number;
  end: number;
  name: string;
}

/** A reference capture: the name node range. */
export interface RawRef {
  kind: RefKind;
  pattern: number;
  start: number;
  end: number;
}

/** An import statement with its specifier text and the ranges of its imported names. */
export interface RawImport {
  start: number;
  end: number;
  sourceText: string;
  names: { start: number; end: number }[];
}

/** Everything the query found, as offsets. */
export interface RawExtraction {
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

/** The compiled queries of one language and the meaning of their capture names. */
export interface CaptureQueries {
  query: Parser.Query;
  /** Run with maxStartDepth 1; null when the language has no top-level query. */
  topLevelQuery: Parser.Query | null;
  roleOf: (captureName: string) => CaptureRole;
}

/** Runs the top-level query (depth 1) and the whole-tree query and collects their captures. */
export function collectCaptures(runtime: CaptureQueries, tree: Parser.Tree, source: string): RawExtraction {
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
  runtime: CaptureQueries,
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
function isCapitalisedAt(source: string, offset: number): boolean {
  const code = source.charCodeAt(offset);
  return code >= 65 && code <= 90;
}
