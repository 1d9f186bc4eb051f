import type { SymbolKind } from '../indexer/types.js';

/** Definitions people look for first; variables and fields last. */
export const KIND_RANK: Record<SymbolKind, number> = {
  class: 0,
  interface: 0,
  struct: 0,
  trait: 0,
  enum: 0,
  function: 0,
  type: 1,
  method: 1,
  module: 1,
  namespace: 1,
  constructor: 2,
  constant: 2,
  property: 3,
  field: 3,
  variable: 4,
};

/**
 * Added to the rank of every symbol of a test, fixture, example, benchmark, generated, vendored or
 * docs file (`isSecondaryPath`): the helpers tests define (`build`, `setup`, `createServer`) come
 * after the code's own definitions of those names, exported or not.
 */
export const SECONDARY_RANK = 20_000_000;

/**
 * Added to the rank of a function nested in another function's body: eslint's rules each declare
 * a `getTokens` helper inside `create(context)`, which came before `TokenStore.getTokens` (a
 * function ranks before a method).
 */
const NESTED_RANK = 5_000_000;

/**
 * The symbol-search tie-break as one integer, lower first: source files before tests and the other
 * secondary files, then exported before not, then top-level and members before helpers nested in
 * a function, then kind rank, then shorter file path. Stored per symbol so ranking reads only the
 * covering index.
 */
export function symbolRank(
  exported: boolean,
  kind: SymbolKind,
  pathLength: number,
  secondary: boolean,
  nested = false,
): number {
  return (
    (secondary ? SECONDARY_RANK : 0) +
    (exported ? 0 : 10_000_000) +
    (nested ? NESTED_RANK : 0) +
    (KIND_RANK[kind] ?? 5) * 1_000_000 +
    Math.min(pathLength, 999_999)
  );
}

/** Kinds whose body is a scope of its own: what is defined inside one is local to it. */
const FUNCTION_KINDS: ReadonlySet<string> = new Set(['function', 'method', 'constructor']);

/** What {@link localDefinitions} reads of a definition. */
interface DefinitionSpan {
  fileId?: number;
  name: string;
  kind: string;
  container: string | null;
  endLine: number;
}

/**
 * Functions declared inside the lines of the function or method their container names (a nested
 * helper, a decorator's `wrapper`, a Rust `fn` inside a `fn`): no other file can name them, unless
 * the function returns them. A method assigned from outside its container's lines
 * (`Foo.prototype.bar = function`) is not one, nor is any method: an object literal's methods in a
 * factory's body are called from outside (`store.getState()`).
 */
export function localDefinitions<T extends DefinitionSpan>(
  symbols: readonly T[],
  startLine: (s: T) => number,
): Set<T> {
  const bodies = new Map<string, { start: number; end: number }[]>();
  for (const s of symbols) {
    const start = startLine(s);
    if (!FUNCTION_KINDS.has(s.kind) || s.endLine <= start) continue;
    const key = `${s.fileId ?? 0}\u0000${s.container === null ? s.name : `${s.container}.${s.name}`}`;
    const list = bodies.get(key) ?? [];
    bodies.set(key, list);
    list.push({ start, end: s.endLine });
  }
  const out = new Set<T>();
  if (bodies.size === 0) return out;
  for (const s of symbols) {
    if (s.container === null || s.kind !== 'function') continue;
    const line = startLine(s);
    const around = bodies.get(`${s.fileId ?? 0}\u0000${s.container}`);
    if (around?.some((b) => line > b.start && line <= b.end)) out.add(s);
  }
  return out;
}
