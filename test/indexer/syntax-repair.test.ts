import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createExtractor } from '../../src/indexer/index.js';
import { repairTypeScript } from '../../src/indexer/syntax-repair.js';
import { definitionRows } from './helpers.js';

const extractor = createExtractor();

describe('TypeScript the grammar cannot parse', () => {
  // Both forms made tree-sitter-typescript 0.23 read the whole file as one ERROR node.
  const source = [
    'export interface Effect<out A, in out E = never> {',
    '  readonly a: A',
    '}',
    '',
    'export const clamp: {',
    '  /** Data-last. */',
    '  <Min extends Date, Max extends Date>(options: { min: Min; max: Max }): <A extends Date>(self: A) => A | Min | Max',
    '  // Data-first.',
    '  <A extends Date, Min extends Date, Max extends Date>(self: A, options: { min: Min; max: Max }): A | Min | Max',
    '} = dual(2, impl)',
    '',
    'export const fromDate: (date: Date) => Utc = Internal.fromDate',
    '',
    'export function now(): Utc {',
    '  return Internal.now()',
    '}',
  ].join('\n');

  it('repairs without moving a character', () => {
    const repaired = repairTypeScript(source, false);
    assert.ok(repaired !== null);
    assert.equal(repaired.length, source.length);
    assert.deepEqual(
      repaired.split('\n').map((l) => l.length),
      source.split('\n').map((l) => l.length),
    );
    assert.match(repaired, /interface Effect< {4}A, {8}E = never>/);
    assert.match(repaired, /\n ;<A extends Date, Min/);
    // In TSX a line starting with `<` is JSX: only the variance keywords change there.
    assert.doesNotMatch(repairTypeScript(source, true)!, /;</);
  });

  it('extracts every declaration, with the original text in signatures', () => {
    const result = extractor.extractFile(source, 'typescript');
    // Without the repair only the object-type properties of line 3 and 5 survived.
    assert.deepEqual(
      definitionRows(result).filter((r) => r[1] !== 'property'),
      [
        ['Effect', 'interface', 1, 3, null],
        ['clamp', 'constant', 5, 10, null],
        ['fromDate', 'constant', 12, 12, null],
        ['now', 'function', 14, 16, null],
      ],
    );
    assert.equal(result.symbols[0]?.signature, 'export interface Effect<out A, in out E = never>');
    assert.deepEqual(
      result.refs.filter((r) => r.name === 'dual').map((r) => [r.kind, r.line]),
      [['call', 10]],
    );
  });

  it('leaves files that parse alone, even where the repair would change them', () => {
    const valid = 'const ok = index\n  < length;\nexport const after = 1;\n';
    assert.ok(repairTypeScript(valid, false) !== null, 'the pattern is there');
    const result = extractor.extractFile(valid, 'typescript');
    assert.deepEqual(
      definitionRows(result).map((r) => r[0]),
      ['ok', 'after'],
    );
    assert.equal(result.symbols[0]?.signature, 'const ok = index');
  });
});
