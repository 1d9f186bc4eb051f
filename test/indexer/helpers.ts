/**
 * Shared helpers for the indexer tests: fixture loading and compact projections of extraction
 * results, so expectations can be written as full literal lists.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { it } from 'node:test';
import {
  type CodeLanguageId,
  createExtractor,
  detectLanguage,
  type FileExtraction,
} from '../../src/indexer/index.js';

/** Root of the multi-language fixture repository (compiled tests live in dist/test/indexer/). */
export const FIXTURES = new URL('../../../test/fixtures/langs/', import.meta.url);

const extractor = createExtractor();

/** Reads a fixture file relative to `test/fixtures/langs/`. */
export function readFixture(relativePath: string): string {
  return readFileSync(new URL(relativePath, FIXTURES), 'utf8');
}

/** Extracts a fixture file, detecting its language from the extension. */
export function extractFixture(relativePath: string): FileExtraction {
  const language = detectLanguage(relativePath);
  if (language === null) throw new Error(`no language for ${relativePath}`);
  return extractor.extractFile(readFixture(relativePath), language);
}

/** `[name, kind, startLine, endLine, container]` per symbol, in output order. */
export type DefinitionRow = [string, string, number, number, string | null];

export function definitionRows(result: FileExtraction): DefinitionRow[] {
  return result.symbols.map((s) => [s.name, s.kind, s.startLine, s.endLine, s.container]);
}

/** `[name, kind, line, enclosing]` per reference, in output order. */
export type RefRow = [string, string, number, string | null];

export function refRows(result: FileExtraction): RefRow[] {
  return result.refs.map((r) => [r.name, r.kind, r.line, r.enclosing]);
}

/** `[source, names, line]` per import. */
export function importRows(result: FileExtraction): [string, string[], number][] {
  return result.imports.map((i) => [i.source, i.names, i.line]);
}

/** `[kind, symbol, startLine, endLine]` per chunk. */
export function chunkRows(result: FileExtraction): [string, string | null, number, number][] {
  return result.chunks.map((c) => [c.kind, c.symbol, c.startLine, c.endLine]);
}

/** Names of exported symbols, qualified with their container. */
export function exportedNames(result: FileExtraction): string[] {
  return result.symbols
    .filter((s) => s.exported)
    .map((s) => (s.container === null ? s.name : `${s.container}.${s.name}`));
}

/** Finds one symbol by qualified name, failing the test when it is missing. */
export function symbolNamed(result: FileExtraction, qualified: string) {
  const found = result.symbols.find(
    (s) => (s.container === null ? s.name : `${s.container}.${s.name}`) === qualified,
  );
  if (found === undefined) throw new Error(`symbol ${qualified} not found`);
  return found;
}

/**
 * One test per extractor (native, and node-tree-sitter's queries) that the calls of `source` come
 * out as `[name, line, receiver]` rows (receiver null when there is none).
 */
export function itReadsReceivers(
  title: string,
  source: string,
  language: CodeLanguageId,
  expected: [string, number, string | null][],
): void {
  for (const native of [true, false]) {
    it(`${title} (${native ? 'native' : 'queries'})`, () => {
      const x = createExtractor({ native }).extractFile(source, language);
      assert.deepEqual(
        x.refs.filter((r) => r.kind === 'call').map((r) => [r.name, r.line, r.receiver ?? null]),
        expected,
      );
    });
  }
}
