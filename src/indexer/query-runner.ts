/**
 * Runs a tags query and returns its matches as plain numbers: for match i, `patterns[i]`, and its
 * captures `capStart[i]..capStart[i+1]` in `captures` (capture ids: positions in `names`) /
 * `starts` / `ends` (UTF-16 string offsets, as `node.startIndex` / `node.endIndex` report them).
 * The native extractor (`./native.ts`) hands back the same shape.
 *
 * Two implementations:
 * - public: `Query.matches()`, then `startIndex` / `endIndex` of every captured node. The binding
 *   builds a `SyntaxNode` per captured node and registers each in the tree's node cache (a weak
 *   reference plus a finaliser), which costs about as much as running the query itself.
 * - fast: the binding's own `Query.prototype._matches` (what `matches()` calls), reading each
 *   node's start from the transfer buffer and asking the native `endIndex` for its end, with no
 *   node objects. It relies on internals of tree-sitter 0.25's node binding, so it is guarded: it is
 *   only used when every piece it needs is present, its results are compared with the public path
 *   on the first files of each query, and any mismatch or error switches it off for good (the
 *   public path is always the fallback).
 */
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import Parser from 'tree-sitter';

/** Matches of one query run, flattened. */
export interface RawMatches {
  patterns: ArrayLike<number>;
  /** Capture range of match i: capStart[i] .. capStart[i + 1]; length = matches + 1. */
  capStart: ArrayLike<number>;
  /** Capture ids: positions in `names`. */
  captures: ArrayLike<number>;
  starts: ArrayLike<number>;
  ends: ArrayLike<number>;
  /** Capture id -> capture name (one table per query, shared by all its runs). */
  names: readonly string[];
}

/** The flat arrays the JS paths fill. */
interface MatchLists extends RawMatches {
  patterns: number[];
  capStart: number[];
  captures: number[];
  starts: number[];
  ends: number[];
}

/** A query's capture names in the order the JS paths first met them (the binding has no list). */
interface CaptureTable {
  ids: Map<string, number>;
  names: string[];
}

const captureTables = new WeakMap<Parser.Query, CaptureTable>();

function captureTableOf(query: Parser.Query): CaptureTable {
  let table = captureTables.get(query);
  if (table === undefined) {
    table = { ids: new Map(), names: [] };
    captureTables.set(query, table);
  }
  return table;
}

function idOf(table: CaptureTable, name: string): number {
  let id = table.ids.get(name);
  if (id === undefined) {
    id = table.names.length;
    table.names.push(name);
    table.ids.set(name, id);
  }
  return id;
}

const NO_LIMIT = 0xffffffff;
/** Files per query on which the fast path is checked against the public one. */
const SELF_CHECK_RUNS = 3;
const FIELDS_PER_NODE = 6;

/** The binding internals the fast path needs, or null when they are not what we expect. */
interface Internals {
  binding: { nodeTransferArray: Uint32Array };
  rawMatches: (this: Parser.Query, tree: Parser.Tree, ...args: number[]) => [unknown[], unknown[]];
  endIndex: (tree: Parser.Tree) => number;
}

function loadInternals(): Internals | null {
  try {
    const require = createRequire(import.meta.url);
    const pkgDir = dirname(require.resolve('tree-sitter/package.json'));
    const fromPkg = createRequire(`${pkgDir}/index.js`);
    const binding = (fromPkg('node-gyp-build') as (dir: string) => Record<string, unknown>)(pkgDir);
    const methods = binding.NodeMethods as Record<string, unknown> | undefined;
    const rawMatches = (Parser.Query.prototype as unknown as Record<string, unknown>)._matches;
    if (
      binding.Query !== Parser.Query ||
      !(binding.nodeTransferArray instanceof Uint32Array) ||
      typeof methods?.endIndex !== 'function' ||
      typeof rawMatches !== 'function'
    ) {
      return null;
    }
    return {
      binding: binding as unknown as Internals['binding'],
      rawMatches: rawMatches as Internals['rawMatches'],
      endIndex: methods.endIndex as Internals['endIndex'],
    };
  } catch {
    return null;
  }
}

let internals: Internals | null | undefined;
let fastPathAllowed = true;

/** Query runs per path since the process started (for tests and profiling). */
export const queryPathRuns = { fast: 0, public: 0 };

/** Turns the fast path off (or back on) for this process; tests compare both paths with it. */
export function setFastQueryPath(enabled: boolean): void {
  fastPathAllowed = enabled;
}

function emptyMatches(table: CaptureTable): MatchLists {
  return { patterns: [], capStart: [0], captures: [], starts: [], ends: [], names: table.names };
}

function publicMatches(
  query: Parser.Query,
  root: Parser.SyntaxNode,
  maxStartDepth: number,
  timeoutMicros: number,
): MatchLists {
  const ids = captureTableOf(query);
  const out = emptyMatches(ids);
  // `timeoutMicros` is in the binding (index.js), not in its type declarations.
  const options = { maxStartDepth, timeoutMicros } as Parser.QueryOptions;
  const matches = query.matches(root, options);
  for (const match of matches) {
    out.patterns.push(match.pattern);
    for (const capture of match.captures) {
      out.captures.push(idOf(ids, capture.name));
      out.starts.push(capture.node.startIndex);
      out.ends.push(capture.node.endIndex);
    }
    out.capStart.push(out.captures.length);
  }
  return out;
}

/** Mirrors `Query.prototype.matches` of tree-sitter 0.25 (index.js) without building nodes. */
function fastMatches(
  api: Internals,
  query: Parser.Query,
  root: Parser.SyntaxNode,
  maxStartDepth: number,
  timeoutMicros: number,
): MatchLists {
  const tree = root.tree;
  // marshalNode(root): the native side reads the node to run the query on from the buffer.
  const rootFields = root as unknown as Record<number, number>;
  let buffer = api.binding.nodeTransferArray;
  for (let i = 0; i < FIELDS_PER_NODE; i++) buffer[i] = rootFields[i] ?? 0;
  const [returned, nodes] = api.rawMatches.call(
    query,
    tree,
    0,
    0,
    0,
    0,
    0,
    0,
    NO_LIMIT,
    maxStartDepth,
    timeoutMicros,
  );
  // The buffer may have been replaced by a bigger one; the endIndex calls below overwrite it.
  buffer = api.binding.nodeTransferArray;
  const fields = new Uint32Array(nodes.length * FIELDS_PER_NODE);
  let offset = 0;
  for (let i = 0; i < nodes.length; i++) {
    const value = nodes[i];
    const at = i * FIELDS_PER_NODE;
    if (typeof value === 'number') {
      fields.set(buffer.subarray(offset, offset + FIELDS_PER_NODE), at);
      offset += FIELDS_PER_NODE;
    } else if (value !== null && typeof value === 'object') {
      // A node that already has a JS object (the root): its fields are on the object.
      const obj = value as Record<number, number>;
      for (let k = 0; k < FIELDS_PER_NODE; k++) fields[at + k] = obj[k] ?? 0;
    } else {
      throw new Error('unexpected node in query result');
    }
  }
  const ids = captureTableOf(query);
  const out = emptyMatches(ids);
  const predicates = (query as unknown as { predicates: readonly (readonly unknown[])[] }).predicates;
  let i = 0;
  let node = 0;
  while (i < returned.length) {
    const pattern = returned[i++];
    if (typeof pattern !== 'number') throw new Error('unexpected query result shape');
    // Our queries have no predicates; a pattern with some is left to the public path.
    if ((predicates[pattern]?.length ?? 0) !== 0) throw new Error('query has predicates');
    out.patterns.push(pattern);
    while (i < returned.length && typeof returned[i] === 'string') {
      const name = returned[i++] as string;
      const at = node++ * FIELDS_PER_NODE;
      buffer = api.binding.nodeTransferArray;
      for (let k = 0; k < FIELDS_PER_NODE; k++) buffer[k] = fields[at + k] ?? 0;
      out.captures.push(idOf(ids, name));
      // Field 2 is the node's start byte; the binding's offsets are UTF-16 units (bytes / 2).
      out.starts.push(Math.floor((fields[at + 2] ?? 0) / 2));
      out.ends.push(api.endIndex(tree));
    }
    out.capStart.push(out.captures.length);
  }
  if (node !== nodes.length) throw new Error('query result node count mismatch');
  return out;
}

function sameMatches(a: MatchLists, b: MatchLists): boolean {
  const eq = (x: readonly unknown[], y: readonly unknown[]) =>
    x.length === y.length && x.every((v, i) => v === y[i]);
  return (
    eq(a.patterns, b.patterns) &&
    eq(a.capStart, b.capStart) &&
    eq(a.captures, b.captures) &&
    eq(a.starts, b.starts) &&
    eq(a.ends, b.ends)
  );
}

/** One query's runner: checks the fast path on its first runs, then uses whichever is valid. */
export function createQueryRunner(
  query: Parser.Query,
): (root: Parser.SyntaxNode, maxStartDepth?: number, timeoutMicros?: number) => RawMatches {
  let checksLeft = SELF_CHECK_RUNS;
  let fastOk = true;
  // timeoutMicros > 0 ends the matches early once it has passed (callers check the clock).
  return (root, maxStartDepth = NO_LIMIT, timeoutMicros = 0) => {
    if (fastOk && fastPathAllowed) {
      if (internals === undefined) internals = loadInternals();
      if (internals !== null) {
        try {
          const fast = fastMatches(internals, query, root, maxStartDepth, timeoutMicros);
          if (checksLeft <= 0) {
            queryPathRuns.fast++;
            return fast;
          }
          // Only a run that found something counts as a check.
          if (fast.patterns.length > 0) checksLeft--;
          const reference = publicMatches(query, root, maxStartDepth, timeoutMicros);
          if (sameMatches(fast, reference)) return reference;
          fastOk = false;
          return reference;
        } catch {
          fastOk = false;
        }
      } else {
        fastOk = false;
      }
    }
    queryPathRuns.public++;
    return publicMatches(query, root, maxStartDepth, timeoutMicros);
  };
}
