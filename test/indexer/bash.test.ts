import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createExtractor } from '../../src/indexer/index.js';
import {
  definitionRows,
  exportedNames,
  extractFixture,
  importRows,
  refRows,
  symbolNamed,
} from './helpers.js';

describe('bash: bash/build.sh', () => {
  const result = extractFixture('bash/build.sh');

  it('detects the language', () => {
    assert.equal(result.language, 'bash');
  });

  it('extracts functions and variables; commands are calls', () => {
    assert.deepEqual(definitionRows(result), [
      ['VERSION', 'variable', 6, 6, null],
      ['APP_HOME', 'variable', 7, 7, null],
      ['count', 'variable', 8, 8, null],
      ['log', 'function', 11, 13, null],
      ['build', 'function', 15, 18, null],
      ['main', 'function', 20, 20, null],
    ]);
  });

  it('marks what is visible outside the file', () => {
    const hidden = result.symbols
      .map((s) => (s.container === null ? s.name : `${s.container}.${s.name}`))
      .filter((name) => !exportedNames(result).includes(name));
    assert.deepEqual(hidden, []);
  });

  it('reads signatures and doc comments', () => {
    assert.equal(symbolNamed(result, 'log').signature, 'log()');
    assert.equal(symbolNamed(result, 'log').doc, 'Logs a message.');
    assert.equal(symbolNamed(result, 'build').signature, 'function build');
    assert.equal(symbolNamed(result, 'build').doc, null);
    assert.equal(symbolNamed(result, 'VERSION').signature, 'readonly VERSION=1.2');
    assert.equal(symbolNamed(result, 'VERSION').doc, null);
  });

  it('extracts references with their enclosing definition', () => {
    assert.deepEqual(refRows(result), [
      ['set', 'call', 2, null],
      ['printf', 'call', 12, 'log'],
      ['log', 'call', 16, 'build'],
      ['make', 'call', 17, 'build'],
      ['build', 'call', 20, 'main'],
      ['main', 'call', 21, null],
    ]);
  });

  it('extracts imports', () => {
    assert.deepEqual(importRows(result), [
      ['./lib.sh', [], 3],
      ['$HOME/.env', [], 4],
    ]);
  });
});

describe('bash: a test the grammar cannot parse does not hide the functions around it', () => {
  const source = [
    'findDirectory()',
    '{',
    '  local L OP=$1',
    '  for L in "$@"; do',
    '    [ "$OP" "$L" ] || continue',
    '    printf %s "$L"',
    '  done',
    '}',
    '',
    'running() { [ -f "$1" ] && echo yes; }',
    'case $a in [yY]) start ;; esac',
    '',
  ].join('\n');
  const result = createExtractor().extractFile(source, 'bash');

  it('finds both functions and no locals', () => {
    assert.deepEqual(definitionRows(result), [
      ['findDirectory', 'function', 1, 8, null],
      ['running', 'function', 10, 10, null],
    ]);
  });

  it('keeps real calls and reads no repaired bracket as one', () => {
    assert.deepEqual(
      refRows(result).map(([name, kind, line]) => [name, kind, line]),
      [
        ['continue', 'call', 5],
        ['printf', 'call', 6],
        ['echo', 'call', 10],
        ['start', 'call', 11],
      ],
    );
  });
});
