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

const STORE = 'java/com/example/store/Store.java';

describe('java: Store.java', () => {
  const result = extractFixture(STORE);

  it('detects the language', () => {
    assert.equal(result.language, 'java');
  });

  it('extracts every definition including nested enums, records and components', () => {
    assert.deepEqual(definitionRows(result), [
      ['Store', 'class', 10, 50, null],
      ['MAX_ENTRIES', 'constant', 12, 12, 'Store'],
      ['items', 'field', 14, 14, 'Store'],
      ['version', 'field', 15, 15, 'Store'],
      ['Store', 'constructor', 18, 20, 'Store'],
      ['get', 'method', 22, 25, 'Store'],
      ['put', 'method', 33, 39, 'Store'],
      ['version', 'method', 41, 43, 'Store'],
      ['Change', 'enum', 46, 49, 'Store'],
      ['ADDED', 'constant', 47, 47, 'Store.Change'],
      ['REMOVED', 'constant', 48, 48, 'Store.Change'],
      ['Readable', 'interface', 53, 55, null],
      ['get', 'method', 54, 54, 'Readable'],
      ['Entry', 'class', 57, 57, null],
      ['key', 'field', 57, 57, 'Entry'],
      ['value', 'field', 57, 57, 'Entry'],
    ]);
  });

  it('exports public declarations', () => {
    assert.deepEqual(exportedNames(result), [
      'Store',
      'Store.MAX_ENTRIES',
      'Store.Store',
      'Store.get',
      'Store.put',
      'Store.Change',
      'Store.Change.ADDED',
      'Store.Change.REMOVED',
    ]);
  });

  it('extracts Javadoc and signatures past annotations', () => {
    const put = symbolNamed(result, 'Store.put');
    assert.equal(put.doc, 'Stores a value.\n\n@param key the key\n@param value the value');
    assert.equal(put.signature, 'public void put(String key, V value)');
    const get = symbolNamed(result, 'Store.get');
    assert.equal(get.signature, 'public V get(String key)');
    assert.equal(get.doc, null);
    assert.equal(
      symbolNamed(result, 'Store.MAX_ENTRIES').signature,
      'public static final int MAX_ENTRIES = 10_000',
    );
    assert.equal(symbolNamed(result, 'Store').doc, 'A key/value store with change listeners.');
  });

  it('extracts references with their enclosing definition', () => {
    assert.deepEqual(refRows(result), [
      ['HashMap', 'import', 3, null],
      ['Map', 'import', 4, null],
      ['Readable', 'inherit', 10, 'Store'],
      ['V', 'type', 10, 'Store'],
      ['Map', 'type', 14, 'Store.items'],
      ['String', 'type', 14, 'Store.items'],
      ['V', 'type', 14, 'Store.items'],
      ['HashMap', 'new', 14, 'Store.items'],
      ['Override', 'type', 22, 'Store.get'],
      ['V', 'type', 23, 'Store.get'],
      ['String', 'type', 23, 'Store.get'],
      ['get', 'call', 24, 'Store.get'],
      ['String', 'type', 33, 'Store.put'],
      ['V', 'type', 33, 'Store.put'],
      ['size', 'call', 34, 'Store.put'],
      ['IllegalStateException', 'new', 35, 'Store.put'],
      ['put', 'call', 37, 'Store.put'],
      ['V', 'type', 54, 'Readable.get'],
      ['String', 'type', 54, 'Readable.get'],
      ['String', 'type', 57, 'Entry.key'],
      ['V', 'type', 57, 'Entry.value'],
    ]);
  });

  it('extracts single-type and wildcard imports', () => {
    assert.deepEqual(importRows(result), [
      ['java.util.HashMap', ['HashMap'], 3],
      ['java.util.Map', ['Map'], 4],
      ['java.util.function.*', [], 5],
    ]);
  });

  it('chunks the class up to its first member chunk', () => {
    assert.deepEqual(chunkRows(result), [
      ['header', null, 1, 5],
      ['symbol', 'Store', 7, 16],
      ['symbol', 'Store.Store', 17, 20],
      ['symbol', 'Store.get', 22, 25],
      ['symbol', 'Store.put', 27, 39],
      ['symbol', 'Store.version', 41, 43],
      ['symbol', 'Store.Change', 45, 49],
      ['symbol', 'Readable', 52, 57],
    ]);
  });
});

describe('java: StoreService.java', () => {
  it('calls into Store and imports statically', () => {
    const result = extractFixture('java/com/example/store/StoreService.java');
    assert.deepEqual(definitionRows(result), [
      ['StoreService', 'class', 6, 18, null],
      ['store', 'field', 7, 7, 'StoreService'],
      ['StoreService', 'constructor', 9, 11, 'StoreService'],
      ['copy', 'method', 14, 17, 'StoreService'],
    ]);
    assert.deepEqual(importRows(result), [['java.util.Objects.requireNonNull', ['requireNonNull'], 3]]);
    const calls = result.refs.filter((r) => r.kind === 'call').map((r) => [r.name, r.enclosing]);
    assert.deepEqual(calls, [
      ['requireNonNull', 'StoreService.StoreService'],
      ['get', 'StoreService.copy'],
      ['put', 'StoreService.copy'],
    ]);
  });
});

describe('java: what enum and interface members export', () => {
  const source = [
    'public enum Color {',
    '    RED, GREEN;',
    '    public static final int COUNT = 2;',
    '    private static final int SECRET = 3;',
    '    Color next() { return GREEN; }',
    '    public Color previous() { return RED; }',
    '}',
    'public interface Shape {',
    '    double area();',
    '    private double half() { return area() / 2; }',
    '}',
  ].join('\n');
  const result = createExtractor().extractFile(source, 'java');

  it('enum constants and public members; interface members unless private', () => {
    assert.deepEqual(exportedNames(result), [
      'Color',
      'Color.RED',
      'Color.GREEN',
      'Color.COUNT',
      'Color.previous',
      'Shape',
      'Shape.area',
    ]);
  });
});
