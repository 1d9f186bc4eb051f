import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createExtractor } from '../../src/indexer/index.js';
import {
  chunkRows,
  definitionRows,
  exportedNames,
  extractFixture,
  importRows,
  refRows,
  symbolNamed,
} from './helpers.js';

describe('php: php/User.php', () => {
  const result = extractFixture('php/User.php');

  it('detects the language', () => {
    assert.equal(result.language, 'php');
  });

  it('extracts namespaces, classes, interfaces, traits, enums, methods, properties and constants', () => {
    assert.deepEqual(definitionRows(result), [
      ['App\\Models', 'namespace', 2, 2, null],
      ['User', 'class', 10, 24, null],
      ['TABLE', 'constant', 14, 14, 'User'],
      ['name', 'property', 15, 15, 'User'],
      ['count', 'property', 16, 16, 'User'],
      ['__construct', 'constructor', 18, 18, 'User'],
      ['getName', 'method', 21, 21, 'User'],
      ['boot', 'method', 23, 23, 'User'],
      ['Greeter', 'interface', 26, 26, null],
      ['greet', 'method', 26, 26, 'Greeter'],
      ['HasFactory', 'trait', 28, 28, null],
      ['factory', 'method', 28, 28, 'HasFactory'],
      ['Suit', 'enum', 30, 30, null],
      ['Hearts', 'constant', 30, 30, 'Suit'],
      ['Spades', 'constant', 30, 30, 'Suit'],
      ['helper', 'function', 32, 32, null],
      ['VERSION', 'constant', 34, 34, null],
    ]);
  });

  it('marks what is visible outside the file', () => {
    const hidden = result.symbols
      .map((s) => (s.container === null ? s.name : `${s.container}.${s.name}`))
      .filter((name) => !exportedNames(result).includes(name));
    assert.deepEqual(hidden, ['User.name', 'User.boot']);
  });

  it('reads signatures and doc comments', () => {
    assert.equal(symbolNamed(result, 'User').signature, 'class User extends Model implements Repository');
    assert.equal(symbolNamed(result, 'User').doc, 'A user of the application.');
    assert.equal(
      symbolNamed(result, 'User.getName').signature,
      'public function getName(): string { return Str::upper($this->name); }',
    );
    assert.equal(symbolNamed(result, 'User.getName').doc, 'Returns the name.');
    assert.equal(symbolNamed(result, 'User.name').signature, 'private string $name');
    assert.equal(symbolNamed(result, 'User.name').doc, null);
  });

  it('extracts references with their enclosing definition', () => {
    assert.deepEqual(refRows(result), [
      ['Repository', 'import', 4, null],
      ['Collection', 'import', 5, null],
      ['Str', 'import', 5, null],
      ['Model', 'inherit', 10, 'User'],
      ['Repository', 'inherit', 10, 'User'],
      ['HasFactory', 'inherit', 12, 'User'],
      ['Str', 'type', 21, 'User.getName'],
      ['upper', 'call', 21, 'User.getName'],
      ['boot', 'call', 23, 'User.boot'],
      ['Factory', 'new', 28, 'HasFactory.factory'],
      ['strlen', 'call', 32, 'helper'],
    ]);
  });

  it('extracts imports', () => {
    assert.deepEqual(importRows(result), [
      ['App\\Contracts\\Repository', ['Repository'], 4],
      ['Illuminate\\Support', ['Collection', 'Str'], 5],
    ]);
  });
});

describe('php: a long trait of methods is chunked per method; a long interface of signatures is one', () => {
  // Laravel's shape: a `Concerns` trait of 2,000 lines of validation rules.
  const method = (n: number) =>
    [
      `    public function validateRule${n}($attribute, $value)`,
      '    {',
      `        return $this->check${n}($attribute, $value) && $value !== null;`,
      '    }',
      '',
    ].join('\n');
  const trait = [
    '<?php',
    '',
    'trait ValidatesAttributes',
    '{',
    ...Array.from({ length: 20 }, (_, i) => method(i)),
    '}',
    '',
  ].join('\n');
  const signature = (n: number) =>
    [`    /** Rule ${n}. */`, `    public function rule${n}($attribute, $value);`, ''].join('\n');
  const iface = [
    '<?php',
    '',
    'interface Rules',
    '{',
    ...Array.from({ length: 30 }, (_, i) => signature(i)),
    '}',
    '',
  ].join('\n');
  const extractor = createExtractor();

  it('gives each method of a trait longer than a chunk its own chunk', () => {
    const symbols = chunkRows(extractor.extractFile(trait, 'php'))
      .filter(([kind]) => kind === 'symbol')
      .map(([, symbol]) => symbol);
    assert.equal(symbols[0], 'ValidatesAttributes');
    assert.deepEqual(
      symbols.slice(1),
      Array.from({ length: 20 }, (_, i) => `ValidatesAttributes.validateRule${i}`),
    );
  });

  it('keeps a long interface of signatures whole (in windows named for it)', () => {
    const symbols = new Set(
      chunkRows(extractor.extractFile(iface, 'php'))
        .filter(([kind]) => kind === 'symbol')
        .map(([, symbol]) => symbol),
    );
    assert.deepEqual([...symbols], ['Rules']);
  });
});
