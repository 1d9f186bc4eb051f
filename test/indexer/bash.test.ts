import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
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
