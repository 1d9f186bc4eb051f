import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  definitionRows,
  exportedNames,
  extractFixture,
  importRows,
  itReadsReceivers,
  refRows,
  symbolNamed,
} from './helpers.js';

describe('kotlin: kotlin/Order.kt', () => {
  const result = extractFixture('kotlin/Order.kt');

  it('detects the language', () => {
    assert.equal(result.language, 'kotlin');
  });

  it('extracts classes, companion objects, interfaces, enums, functions, extension functions and properties; a constructor on the line after the class name is repaired', () => {
    assert.deepEqual(definitionRows(result), [
      ['Order', 'class', 7, 18, null],
      ['id', 'property', 7, 7, 'Order'],
      ['total', 'property', 7, 7, 'Order'],
      ['lines', 'property', 8, 8, 'Order'],
      ['add', 'method', 10, 12, 'Order'],
      ['Companion', 'class', 14, 17, 'Order'],
      ['MAX', 'constant', 15, 15, 'Order.Companion'],
      ['empty', 'method', 16, 16, 'Order.Companion'],
      ['Repository', 'interface', 20, 22, null],
      ['find', 'method', 21, 21, 'Repository'],
      ['Registry', 'class', 24, 26, null],
      ['items', 'property', 25, 25, 'Registry'],
      ['Status', 'enum', 28, 31, null],
      ['OPEN', 'constant', 29, 29, 'Status'],
      ['CLOSED', 'constant', 30, 30, 'Status'],
      ['Orders', 'type', 33, 33, null],
      ['describe', 'function', 35, 35, 'Order'],
      ['defaultOrder', 'property', 37, 37, null],
      ['Page', 'class', 40, 43, null],
      ['id', 'property', 41, 41, 'Page'],
      ['pageId', 'method', 42, 42, 'Page'],
    ]);
  });

  it('marks what is visible outside the file', () => {
    const hidden = result.symbols
      .map((s) => (s.container === null ? s.name : `${s.container}.${s.name}`))
      .filter((name) => !exportedNames(result).includes(name));
    assert.deepEqual(hidden, ['Page.id']);
  });

  it('reads signatures and doc comments', () => {
    assert.equal(
      symbolNamed(result, 'Order').signature,
      'data class Order(val id: String, var total: Int) : Entity(), Comparable<Order>',
    );
    assert.equal(symbolNamed(result, 'Order').doc, 'An order.');
    assert.equal(symbolNamed(result, 'Order.add').signature, 'fun add(line: Line): Boolean');
    assert.equal(symbolNamed(result, 'Order.add').doc, null);
    assert.equal(symbolNamed(result, 'Order.Companion.MAX').signature, 'const val MAX = 10');
    assert.equal(symbolNamed(result, 'Order.Companion.MAX').doc, null);
    assert.equal(
      symbolNamed(result, 'Order.describe').signature,
      'fun Order.describe(): String = "order $id"',
    );
    assert.equal(symbolNamed(result, 'Order.describe').doc, null);
    assert.equal(symbolNamed(result, 'Page').signature, 'class Page');
    assert.equal(
      symbolNamed(result, 'Page').doc,
      'A page; its constructor is on the next line, with a modifier.',
    );
  });

  it('extracts references with their enclosing definition', () => {
    assert.deepEqual(refRows(result), [
      ['max', 'import', 3, null],
      ['String', 'type', 7, 'Order.id'],
      ['Int', 'type', 7, 'Order.total'],
      ['Entity', 'inherit', 7, 'Order'],
      ['Comparable', 'inherit', 7, 'Order'],
      ['Order', 'type', 7, 'Order'],
      ['mutableListOf', 'call', 8, 'Order.lines'],
      ['Line', 'type', 8, 'Order.lines'],
      ['Line', 'type', 10, 'Order.add'],
      ['Boolean', 'type', 10, 'Order.add'],
      ['add', 'call', 11, 'Order.add'],
      ['Order', 'call', 16, 'Order.Companion.empty'],
      ['String', 'type', 21, 'Repository.find'],
      ['T', 'type', 21, 'Repository.find'],
      ['HashMap', 'call', 25, 'Registry.items'],
      ['String', 'type', 25, 'Registry.items'],
      ['Order', 'type', 25, 'Registry.items'],
      ['List', 'type', 33, 'Orders'],
      ['Order', 'type', 33, 'Orders'],
      ['Order', 'type', 35, 'Order.describe'],
      ['String', 'type', 35, 'Order.describe'],
      ['Order', 'call', 37, 'defaultOrder'],
      ['max', 'call', 37, 'defaultOrder'],
      ['Int', 'type', 41, 'Page.id'],
      ['Int', 'type', 42, 'Page.pageId'],
    ]);
  });

  it('extracts imports', () => {
    assert.deepEqual(importRows(result), [
      ['kotlin.math.max', ['max'], 3],
      ['com.example.util.*', [], 4],
    ]);
  });
});

describe('kotlin: the locals of a property getter or initialiser are no members', () => {
  it('keeps the properties, not what their code declares', async () => {
    const { createExtractor } = await import('../../src/indexer/index.js');
    const source = [
      'class AppContext(private val provider: ActivityProvider?) {',
      '  val throwingActivity: Activity',
      '    get() {',
      '      val current = provider?.currentActivity',
      '      return current ?: throw IllegalStateException()',
      '    }',
      '  val jsLogger by lazy {',
      '    val module = provider?.logger',
      '    module',
      '  }',
      '  fun run() {',
      '    val local = 1',
      '  }',
      '}',
      '',
    ].join('\n');
    const rows = definitionRows(createExtractor().extractFile(source, 'kotlin'));
    assert.deepEqual(
      rows.map(([name, kind, , , container]) => [name, kind, container]),
      [
        ['AppContext', 'class', null],
        ['provider', 'property', 'AppContext'],
        ['throwingActivity', 'property', 'AppContext'],
        ['jsLogger', 'property', 'AppContext'],
        ['run', 'method', 'AppContext'],
      ],
    );
  });
});

describe('kotlin: a primary constructor after annotation lines', () => {
  it('parses the class and its members (the grammar needs the constructor on the class line)', async () => {
    const { createExtractor } = await import('../../src/indexer/index.js');
    const { repairKotlin } = await import('../../src/indexer/kotlin-repair.js');
    const source = [
      '@DoNotStrip',
      'public class ReadableMapBuffer',
      '@DoNotStrip',
      '@Suppress("unused")',
      'private constructor(',
      '    private val buffer: ByteBuffer,',
      ') : HybridClassBase(), MapBuffer {',
      '  fun readHeader() {}',
      '  public companion object {',
      '    private const val ALIGNMENT = 0xFE',
      '  }',
      '}',
      '',
    ].join('\n');
    const repaired = repairKotlin(source) ?? '';
    assert.deepEqual(
      repaired.split('\n').length,
      source.split('\n').length - 3,
      'the three line breaks before the constructor become blanks',
    );
    assert.equal(repaired.length, source.length);
    const rows = definitionRows(createExtractor().extractFile(source, 'kotlin'));
    assert.deepEqual(
      rows.map(([name, kind, start, , container]) => [name, kind, start, container]),
      [
        ['ReadableMapBuffer', 'class', 1, null],
        ['buffer', 'property', 6, 'ReadableMapBuffer'],
        ['readHeader', 'method', 8, 'ReadableMapBuffer'],
        ['Companion', 'class', 9, 'ReadableMapBuffer'],
        ['ALIGNMENT', 'constant', 10, 'ReadableMapBuffer.Companion'],
      ],
    );
  });
});

describe('kotlin: call receivers', () => {
  const source = [
    'class A {',
    '  fun f(call: PluginCall) {',
    '    this.add(1)',
    '    call.resolve()',
    '    Foo.bar()',
    '    a?.b()',
    '    add(2)',
    '    super.g()',
    '    "x".trim()',
    '  }',
    '}',
  ].join('\n');
  itReadsReceivers('reads this, a class, a literal or a variable as the receiver', source, 'kotlin', [
    ['add', 3, 'A'],
    ['resolve', 4, '~call'],
    ['bar', 5, 'Foo'],
    ['b', 6, '~a'],
    ['add', 7, null],
    ['g', 8, null],
    ['trim', 9, 'String'],
  ]);
});
