/**
 * What the tree-walk tests share: a language's native runtime with its walk and one with its
 * queries, and the comparisons between them (matches in order, whole extraction), per text.
 */
import assert from 'node:assert/strict';
import { createExtractor, loadGrammar, tagsQuerySources } from '../../src/indexer/index.js';
import {
  createNativeRuntime,
  type NativeRuntime,
  nativeExtract,
  nativeStatus,
  type TreeWalker,
} from '../../src/indexer/native.js';
import type { RawMatches } from '../../src/indexer/query-runner.js';
import type { CodeLanguageId } from '../../src/indexer/types.js';

/** Why the native tests are skipped, or false when the addon loaded. */
export const NO_ADDON = nativeStatus().loaded
  ? false
  : `native extractor not loaded: ${nativeStatus().reason}`;

/** One line per match: `pattern capture#id:start-end ...`, captures in match order. */
export function matchRows(m: RawMatches | null): string[] {
  if (m === null) return [];
  const rows: string[] = [];
  for (let i = 0; i < m.patterns.length; i++) {
    const caps: string[] = [];
    for (let c = m.capStart[i] ?? 0; c < (m.capStart[i + 1] ?? 0); c++)
      caps.push(`${m.names[m.captures[c] ?? 0]}#${m.captures[c]}:${m.starts[c]}-${m.ends[c]}`);
    rows.push(`${m.patterns[i]} ${caps.join(' ')}`);
  }
  return rows;
}

/** Differences between two match lists as multisets: what only one side has (with repeats). */
export function multisetDiff(a: string[], b: string[]): { onlyA: string[]; onlyB: string[] } {
  const count = new Map<string, number>();
  for (const r of a) count.set(r, (count.get(r) ?? 0) + 1);
  const onlyB: string[] = [];
  for (const r of b) {
    const n = count.get(r) ?? 0;
    if (n > 0) count.set(r, n - 1);
    else onlyB.push(r);
  }
  const onlyA: string[] = [];
  for (const [r, n] of count) for (let i = 0; i < n; i++) onlyA.push(r);
  return { onlyA, onlyB };
}

/** A broken copy of a file: a line cut in half and an unclosed bracket (deterministic). */
export function breakText(text: string, seed: number): string {
  const lines = text.split('\n');
  if (lines.length < 3) return `${text}\n(`;
  const at = (seed * 7919) % lines.length;
  const line = lines[at] ?? '';
  lines[at] = `${line.slice(0, Math.floor(line.length / 2))}(`;
  return lines.join('\n');
}

export interface Tally {
  files: number;
  matches: number;
}

export interface WalkComparison {
  sources: { tree: string; topLevel: string };
  /** The runtime running the queries, and the one walking the tree (null without the addon). */
  queries: NativeRuntime | null;
  walk: NativeRuntime | null;
  /**
   * Asserts the walk's matches equal the queries' for one text (and its original, if given): the
   * same multiset first (a readable difference), then the same order, match by match.
   */
  assertSameMatches(text: string, original: string | null, label: string, tally: Tally): void;
  /** Asserts the extractor gives the same symbols, refs, imports and chunks with the walk on and off. */
  assertSameExtraction(text: string, label: string): void;
  /** Both of the above. */
  checkFile(text: string, label: string, tally: Tally): void;
}

export function walkComparison(language: CodeLanguageId, walker: TreeWalker): WalkComparison {
  const grammar = loadGrammar(language);
  const sources = tagsQuerySources(language);
  const queries = NO_ADDON ? null : createNativeRuntime(grammar, sources.tree, sources.topLevel, null);
  const walk = NO_ADDON ? null : createNativeRuntime(grammar, sources.tree, sources.topLevel, walker);
  const walking = createExtractor({ treeWalk: true });
  const querying = createExtractor({ treeWalk: false });
  const assertSameMatches = (text: string, original: string | null, label: string, tally: Tally): void => {
    const q = nativeExtract(queries!, text, original);
    const w = nativeExtract(walk!, text, original);
    for (const which of ['top', 'tree'] as const) {
      const qa = matchRows(q[which]);
      const wa = matchRows(w[which]);
      const { onlyA, onlyB } = multisetDiff(qa, wa);
      assert.deepEqual(
        { queryOnly: onlyA.slice(0, 10), walkOnly: onlyB.slice(0, 10) },
        { queryOnly: [], walkOnly: [] },
        `${label} (${which} query)`,
      );
      const at = qa.findIndex((row, i) => row !== wa[i]);
      assert.equal(at, -1, `${label} (${which} query): order differs at match ${at}: ${qa[at]} / ${wa[at]}`);
      tally.matches += qa.length;
    }
    tally.files++;
  };
  const assertSameExtraction = (text: string, label: string): void => {
    assert.deepEqual(walking.extractFile(text, language), querying.extractFile(text, language), label);
  };
  return {
    sources,
    queries,
    walk,
    assertSameMatches,
    assertSameExtraction,
    checkFile(text, label, tally) {
      assertSameMatches(text, null, label, tally);
      assertSameExtraction(text, label);
    },
  };
}
