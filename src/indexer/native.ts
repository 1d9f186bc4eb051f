/**
 * The native extractor (`native/extract.c`, built by `scripts/build-native.mjs` on install): one
 * call parses a file and runs its tags queries, and hands back every match as numbers in a
 * Uint32Array. It does the same work as node-tree-sitter's `parser.parse()` + `Query.matches()`
 * (same tree-sitter runtime version, same grammars, same queries) without building a JS value
 * per capture, which on a cold index costs about as much as the query itself.
 *
 * It is optional: when the addon is missing (no compiler at install time) or
 * `CODEINDEX_NATIVE=0`, the extractor uses node-tree-sitter (`./query-runner.ts`), which
 * extracts exactly the same (a test compares the two on every language).
 *
 * For Python, Go, TypeScript, TSX and JavaScript the addon can skip the query engine: a
 * hand-written walk over the tree (one TSTreeCursor pass) emits the same matches as the tags
 * queries, with the same pattern indices and capture ids, in the same order, at a fraction of the
 * query cursor's cost per node (one walker serves the three JavaScript-family grammars, whose
 * queries share fragments). The queries stay the reference and the fallback: a walker whose node
 * types, fields or captures do not resolve is not used, and test/indexer/tree-walk.test.ts,
 * tree-walk-go.test.ts and tree-walk-ts.test.ts check that both give the same matches and the same
 * extraction on the fixtures and on real code (Django, Go's standard library, npm packages).
 * `CODEINDEX_TREE_WALK=0` (or off / false) turns walkers off.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type Parser from 'tree-sitter';
import type { RawMatches } from './query-runner.js';

/** An opaque handle: parser, query cursor and compiled queries of one language. */
export type NativeHandle = { readonly __nativeRuntime: unique symbol };

interface NativeBinding {
  createRuntime(
    language: Parser.Language,
    treeQuery: string,
    topLevelQuery: string,
    walker?: TreeWalker | null,
  ): NativeHandle;
  captureNames(runtime: NativeHandle, which: 0 | 1): string[];
  walker(runtime: NativeHandle): TreeWalker | null;
  extract(
    runtime: NativeHandle,
    text: string,
    original: string | null,
    timeoutMs: number,
  ): [Uint32Array | null, Uint32Array, boolean, number];
  parse(runtime: NativeHandle, text: string, timeoutMs?: number): boolean;
  /** glibc's malloc_trim(0); null where the C library is not glibc. */
  trimHeap(): boolean | null;
}

/** Whether the native extractor is in use in this process, and why not when it is not. */
export interface NativeStatus {
  loaded: boolean;
  /** Why it is not loaded (disabled by setting, not built, failed to load). */
  reason?: string;
  path?: string;
}

const ADDON = 'build/Release/codeindex_native.node';
/** `NativeStatus.reason` when CODEINDEX_NATIVE turned the addon off on purpose. */
export const NATIVE_DISABLED_REASON = 'disabled by CODEINDEX_NATIVE';

let binding: NativeBinding | null | undefined;
let status: NativeStatus = { loaded: false, reason: 'not loaded yet' };

/** The package root: the nearest directory above this module with the addon's build output. */
function addonPath(): string | null {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const candidate = join(dir, ADDON);
    if (existsSync(candidate)) return candidate;
    dir = dirname(dir);
  }
  return null;
}

/** Off when CODEINDEX_NATIVE is 0 / false / off (read once per process). */
function disabledBySetting(): boolean {
  const value = (process.env.CODEINDEX_NATIVE ?? '').trim().toLowerCase();
  return value === '0' || value === 'false' || value === 'off';
}

/** The addon, or null when it is disabled, not built or does not load (see `nativeStatus`). */
export function loadNative(): NativeBinding | null {
  if (binding !== undefined) return binding;
  binding = null;
  if (disabledBySetting()) {
    status = { loaded: false, reason: NATIVE_DISABLED_REASON };
    return binding;
  }
  const path = addonPath();
  if (path === null) {
    status = { loaded: false, reason: `${ADDON} was not built (run npm run build:native)` };
    return binding;
  }
  try {
    binding = createRequire(import.meta.url)(path) as NativeBinding;
    status = { loaded: true, path };
  } catch (err) {
    status = {
      loaded: false,
      path,
      reason: `${ADDON} did not load: ${(err as Error).message.split('\n')[0]}`,
    };
  }
  return binding;
}

export function nativeStatus(): NativeStatus {
  loadNative();
  return { ...status };
}

/** Languages whose tags queries have a hand-written tree walk in the addon. */
export type TreeWalker = 'python' | 'go' | 'typescript' | 'tsx' | 'javascript';

/** Off when CODEINDEX_TREE_WALK is 0 / false / off: every language runs its queries. */
export function treeWalkEnabled(): boolean {
  const value = (process.env.CODEINDEX_TREE_WALK ?? '').trim().toLowerCase();
  return !(value === '0' || value === 'false' || value === 'off');
}

/** One language's native runtime and the capture names of its two queries, by capture id. */
export interface NativeRuntime {
  handle: NativeHandle;
  treeNames: readonly string[];
  topNames: readonly string[];
  /** The tree walker that stands in for the queries, or null when the queries run. */
  walker: TreeWalker | null;
}

/**
 * Compiles the language's queries in the addon. Null when the addon is not loaded or refuses the
 * queries (a query with predicates, which it does not evaluate): the JS path is used instead.
 * With `walker`, matches come from that tree walk instead of the queries, when the walker's node
 * types, fields and capture names all resolve (else the queries run; see `NativeRuntime.walker`).
 */
export function createNativeRuntime(
  language: Parser.Language,
  treeQuery: string,
  topLevelQuery: string,
  walker: TreeWalker | null = null,
): NativeRuntime | null {
  const api = loadNative();
  if (api === null) return null;
  try {
    const handle = api.createRuntime(language, treeQuery, topLevelQuery, walker);
    return {
      handle,
      treeNames: api.captureNames(handle, 0),
      topNames: api.captureNames(handle, 1),
      walker: api.walker(handle),
    };
  } catch {
    return null;
  }
}

/** Unpacks one query's result: [M, C, pattern x M, capStart x (M + 1), id x C, start x C, end x C]. */
function unpack(data: Uint32Array, names: readonly string[]): RawMatches {
  const m = data[0] ?? 0;
  const c = data[1] ?? 0;
  let at = 2;
  const patterns = data.subarray(at, at + m);
  at += m;
  const capStart = data.subarray(at, at + m + 1);
  at += m + 1;
  return {
    patterns,
    capStart,
    captures: data.subarray(at, at + c),
    starts: data.subarray(at + c, at + 2 * c),
    ends: data.subarray(at + 2 * c, at + 3 * c),
    names,
  };
}

/**
 * Parses `text` and runs both queries. With `original` (the text before a syntax repair), a
 * repaired text that still has errors is compared with the original, and the tree with fewer
 * characters under ERROR nodes is the one queried. `parseMs`: the parse's share of the call.
 * Parses and queries that run past `timeoutMs` (> 0, one budget for the whole call) are
 * cancelled, and the call throws an error with code `PARSE_TIMEOUT`.
 */
export function nativeExtract(
  runtime: NativeRuntime,
  text: string,
  original: string | null,
  timeoutMs = 0,
): { top: RawMatches | null; tree: RawMatches; parseMs: number } {
  const api = loadNative();
  if (api === null) throw new Error('native extractor not loaded');
  const [top, tree, , parseMs] = api.extract(runtime.handle, text, original, timeoutMs);
  return {
    top: top === null ? null : unpack(top, runtime.topNames),
    tree: unpack(tree, runtime.treeNames),
    parseMs,
  };
}

/** Parses only (for the parse floor); returns whether the tree has errors. */
export function nativeParse(runtime: NativeRuntime, text: string, timeoutMs = 0): boolean {
  const api = loadNative();
  if (api === null) throw new Error('native extractor not loaded');
  return api.parse(runtime.handle, text, timeoutMs);
}

/** Whether an error is a parse cancelled by its time budget (native `PARSE_TIMEOUT`). */
export function isNativeParseTimeout(err: unknown): boolean {
  return (err as { code?: unknown } | null)?.code === 'PARSE_TIMEOUT';
}
