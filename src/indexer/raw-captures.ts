/**
 * Runs the tags queries over a syntax tree and records what they captured as plain offsets. The
 * queries run through `./query-runner.ts` (or all at once in `./native.ts`), which hand back
 * capture ids and offsets instead of node objects; everything here and downstream works on
 * numbers and the source string.
 */
import type Parser from 'tree-sitter';
import type { CaptureRole } from './capture-names.js';
import { createQueryRunner, type RawMatches } from './query-runner.js';
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
  /** The callee of a definition made by a call (`attr_reader :name`), else null. */
  callee: string | null;
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
  /** Where the object a call is made on is written (`this`, `Queue`, `job`); -1 when none. */
  receiverStart: number;
  receiverEnd: number;
  /** The name, when the text at start..end spells it otherwise (Vue's `<my-button>` is `MyButton`). */
  name?: string;
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
  /**
   * Callees whose call with a string argument is an import (`require` in JavaScript; Ruby's
   * `require_relative`, shell `source` and `.`, Lua's `dofile`); see `@import.require`.
   */
  importCallees: ReadonlySet<string>;
  /** Callees whose call defines its string argument (PHP's `define`); see `@callee`. */
  definitionCallees: ReadonlySet<string>;
}

/** Capture roles by capture id, per capture-name table (filled as ids are first seen). */
const roleTables = new WeakMap<readonly string[], CaptureRole[]>();

function rolesFor(names: readonly string[]): CaptureRole[] {
  let roles = roleTables.get(names);
  if (roles === undefined) {
    roles = [];
    roleTables.set(names, roles);
  }
  return roles;
}

/** A fresh, empty extraction to collect captures into. */
export function emptyRawExtraction(): RawExtraction {
  return { definitions: [], containers: [], refs: [], imports: [], importNames: [], skip: new Set() };
}

const runners = new WeakMap<Parser.Query, ReturnType<typeof createQueryRunner>>();

/** Thrown when the queries ran past the caller's deadline (their results would be partial). */
export class QueryDeadlineError extends Error {}

function runQuery(
  query: Parser.Query,
  root: Parser.SyntaxNode,
  maxStartDepth: number | undefined,
  deadline: number,
): RawMatches {
  let run = runners.get(query);
  if (run === undefined) {
    run = createQueryRunner(query);
    runners.set(query, run);
  }
  if (deadline <= 0) return run(root, maxStartDepth);
  const left = deadline - performance.now();
  if (left <= 0) throw new QueryDeadlineError();
  const matches = run(root, maxStartDepth, Math.max(1, Math.round(left * 1000)));
  if (performance.now() > deadline) throw new QueryDeadlineError();
  return matches;
}

/** Runs the top-level query (depth 1) and the whole-tree query and collects their captures. */
export function collectCaptures(
  runtime: CaptureQueries,
  tree: Parser.Tree,
  source: string,
  /** Adds to these captures instead of starting afresh (a second tree over the same source). */
  into?: RawExtraction,
  /** `performance.now()` time after which the queries stop and QueryDeadlineError is thrown; 0: none. */
  deadline = 0,
): RawExtraction {
  const raw: RawExtraction = into ?? emptyRawExtraction();
  const root = tree.rootNode;
  const top = runtime.topLevelQuery === null ? null : runQuery(runtime.topLevelQuery, root, 1, deadline);
  collectQueryMatches(runtime, top, runQuery(runtime.query, root, undefined, deadline), source, raw);
  return raw;
}

/** Adds the matches of the top-level query (when the language has one) and the tree query. */
export function collectQueryMatches(
  runtime: Pick<CaptureQueries, 'roleOf' | 'importCallees' | 'definitionCallees'>,
  top: RawMatches | null,
  tree: RawMatches,
  source: string,
  raw: RawExtraction,
): void {
  if (top !== null) collectMatches(runtime, top, 0, source, raw);
  collectMatches(runtime, tree, TREE_PATTERN_OFFSET, source, raw);
}

function collectMatches(
  runtime: Pick<CaptureQueries, 'roleOf' | 'importCallees' | 'definitionCallees'>,
  matches: RawMatches,
  patternOffset: number,
  source: string,
  raw: RawExtraction,
): void {
  const { roleOf, importCallees, definitionCallees } = runtime;
  const { patterns, capStart, captures, starts, ends, names } = matches;
  const roles = rolesFor(names);
  for (let m = 0; m < patterns.length; m++) {
    const pattern = (patterns[m] ?? 0) + patternOffset;
    let definition = -1;
    let kind: SymbolKind = 'function';
    let name = -1;
    let container = -1;
    let receiver = -1;
    // `@receiver.path`: a dotted receiver (Lua's `Date.Format`) is the container path as written.
    let receiverIsPath = false;
    let refReceiver = -1;
    const refsBefore = raw.refs.length;
    let callee = -1;
    let body = -1;
    let doc = -1;
    let importNode = -1;
    let importSource = -1;
    let importRequire = -1;
    const to = capStart[m + 1] ?? 0;
    for (let c = capStart[m] ?? 0; c < to; c++) {
      const id = captures[c] ?? 0;
      let role = roles[id];
      if (role === undefined) {
        role = roleOf(names[id] ?? '');
        roles[id] = role;
      }
      switch (role.role) {
        case 'definition':
          definition = c;
          kind = role.kind;
          break;
        case 'name':
          name = c;
          break;
        case 'container':
          container = c;
          break;
        case 'receiver':
          receiver = c;
          break;
        case 'receiver.path':
          receiver = c;
          receiverIsPath = true;
          break;
        case 'ref.receiver':
          refReceiver = c;
          break;
        case 'callee':
          callee = c;
          break;
        case 'body':
          body = c;
          break;
        case 'doc':
          doc = c;
          break;
        case 'reference': {
          const start = starts[c] ?? 0;
          if (role.capitalisedOnly && !isCapitalisedAt(source, start)) break;
          raw.refs.push({
            kind: role.kind,
            pattern,
            start,
            end: ends[c] ?? 0,
            receiverStart: -1,
            receiverEnd: -1,
          });
          break;
        }
        case 'skip':
          raw.skip.add(starts[c] ?? 0);
          break;
        case 'import':
          importNode = c;
          break;
        case 'import.source':
          importSource = c;
          break;
        case 'import.name':
          raw.importNames.push({ start: starts[c] ?? 0, end: ends[c] ?? 0 });
          // The name becomes an `import` reference; a general pattern must not count it twice.
          raw.skip.add(starts[c] ?? 0);
          break;
        case 'import.require':
          importRequire = c;
          break;
        case 'ignored':
          break;
      }
    }
    if (refReceiver >= 0) {
      for (let r = refsBefore; r < raw.refs.length; r++) {
        const ref = raw.refs[r]!;
        ref.receiverStart = starts[refReceiver] ?? 0;
        ref.receiverEnd = ends[refReceiver] ?? 0;
      }
    }
    const text = (c: number): string => source.slice(starts[c], ends[c]);
    let receiverText = receiver < 0 ? null : text(receiver);
    // A C++ class template's out-of-class member (`basic_memory_buffer<T, SIZE, Allocator>::grow`)
    // belongs to the template (`basic_memory_buffer`), as its in-class declaration does.
    if (receiverText?.includes('<'))
      receiverText = receiverText.slice(0, receiverText.indexOf('<')).trimEnd();
    if (!receiverIsPath && receiverText?.includes('.')) {
      // A JavaScript receiver: `Foo.prototype` names Foo; any other dotted one (`module.exports`)
      // is no class, and the match is dropped so a plainer pattern for the same name wins.
      if (!receiverText.endsWith('.prototype')) continue;
      receiverText = receiverText.slice(0, -'.prototype'.length);
    }
    // A definition made by a call (`define('X', 1)`) only when the callee is one that defines.
    if (callee >= 0 && !definitionCallees.has(text(callee))) definition = -1;
    if (definition >= 0 && name >= 0) {
      raw.definitions.push({
        kind,
        pattern,
        start: starts[definition] ?? 0,
        // A body beside the definition node (Dart's signature + function_body) belongs to it.
        end: Math.max(ends[definition] ?? 0, body < 0 ? 0 : (ends[body] ?? 0)),
        nameStart: starts[name] ?? 0,
        nameEnd: ends[name] ?? 0,
        docStart: doc < 0 ? -1 : (starts[doc] ?? 0),
        docEnd: doc < 0 ? -1 : (ends[doc] ?? 0),
        receiver: receiverText,
        callee: callee >= 0 ? text(callee) : null,
      });
    } else if (container >= 0 && name >= 0) {
      raw.containers.push({ start: starts[container] ?? 0, end: ends[container] ?? 0, name: text(name) });
    }
    if (importNode >= 0 && importSource >= 0) {
      if (importRequire >= 0) {
        const callee = starts[importRequire] ?? 0;
        // Only `require(...)` (and the language's like) is an import; other calls with a string
        // argument are just calls.
        if (!importCallees.has(source.slice(callee, ends[importRequire]))) continue;
        raw.skip.add(callee);
        // A module named by the call (Elixir's `alias A.B`) is the import, not also a use.
        raw.skip.add(starts[importSource] ?? 0);
      }
      raw.imports.push({
        start: starts[importNode] ?? 0,
        end: ends[importNode] ?? 0,
        sourceText: text(importSource),
        names: [],
      });
    }
  }
}
/** A capitalised name, after any leading underscores (Python's private `_CountingAttr`). */
function isCapitalisedAt(source: string, offset: number): boolean {
  let at = offset;
  while (source.charCodeAt(at) === 95) at++;
  const code = source.charCodeAt(at);
  return code >= 65 && code <= 90;
}
