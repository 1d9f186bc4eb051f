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
 * The symbol-search tie-break as one integer, lower first: source files before tests and the other
 * secondary files, then exported before not, then kind rank, then shorter file path. Stored per
 * symbol so ranking reads only the covering index.
 */
export function symbolRank(
  exported: boolean,
  kind: SymbolKind,
  pathLength: number,
  secondary: boolean,
): number {
  return (
    (secondary ? SECONDARY_RANK : 0) +
    (exported ? 0 : 10_000_000) +
    (KIND_RANK[kind] ?? 5) * 1_000_000 +
    Math.min(pathLength, 999_999)
  );
}
