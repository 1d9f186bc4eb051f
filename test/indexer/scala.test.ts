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

describe('scala: scala/Order.scala', () => {
  const result = extractFixture('scala/Order.scala');

  it('detects the language', () => {
    assert.equal(result.language, 'scala');
  });

  it('extracts classes, traits, objects, enums, defs, vals and type aliases', () => {
    assert.deepEqual(definitionRows(result), [
      ['Order', 'class', 7, 13, null],
      ['id', 'field', 7, 7, 'Order'],
      ['total', 'field', 7, 7, 'Order'],
      ['lines', 'field', 8, 8, 'Order'],
      ['add', 'method', 10, 10, 'Order'],
      ['compare', 'method', 12, 12, 'Order'],
      ['Repository', 'trait', 15, 15, null],
      ['find', 'method', 15, 15, 'Repository'],
      ['Order', 'module', 17, 20, null],
      ['Max', 'constant', 18, 18, 'Order'],
      ['empty', 'method', 19, 19, 'Order'],
      ['Status', 'class', 22, 22, null],
      ['Color', 'enum', 23, 23, null],
      ['Red', 'constant', 23, 23, 'Color'],
      ['Green', 'constant', 23, 23, 'Color'],
      ['Orders', 'type', 25, 25, null],
    ]);
  });

  it('marks what is visible outside the file', () => {
    const hidden = result.symbols
      .map((s) => (s.container === null ? s.name : `${s.container}.${s.name}`))
      .filter((name) => !exportedNames(result).includes(name));
    assert.deepEqual(hidden, []);
  });

  it('reads signatures and doc comments', () => {
    assert.equal(
      symbolNamed(result, 'Order').signature,
      'case class Order(id: String, total: Int) extends Entity with Ordered[Order]',
    );
    assert.equal(symbolNamed(result, 'Order').doc, 'An order.');
    assert.equal(symbolNamed(result, 'Order.add').signature, 'def add(line: Line): Unit = lines += line');
    assert.equal(symbolNamed(result, 'Order.add').doc, null);
    assert.equal(symbolNamed(result, 'Repository.find').signature, 'def find(id: String): Option[T]');
    assert.equal(symbolNamed(result, 'Repository.find').doc, null);
  });

  it('extracts references with their enclosing definition', () => {
    assert.deepEqual(refRows(result), [
      ['mutable', 'import', 3, null],
      ['Log', 'import', 4, null],
      ['Metrics', 'import', 4, null],
      ['String', 'type', 7, 'Order.id'],
      ['Int', 'type', 7, 'Order.total'],
      ['Entity', 'inherit', 7, 'Order'],
      ['Ordered', 'type', 7, 'Order'],
      ['Order', 'type', 7, 'Order'],
      ['ListBuffer', 'call', 8, 'Order.lines'],
      ['Line', 'type', 8, 'Order.lines'],
      ['Line', 'type', 10, 'Order.add'],
      ['Unit', 'type', 10, 'Order.add'],
      ['Order', 'type', 12, 'Order.compare'],
      ['Int', 'type', 12, 'Order.compare'],
      ['compare', 'call', 12, 'Order.compare'],
      ['String', 'type', 15, 'Repository.find'],
      ['Option', 'type', 15, 'Repository.find'],
      ['T', 'type', 15, 'Repository.find'],
      ['Order', 'type', 19, 'Order.empty'],
      ['Order', 'new', 19, 'Order.empty'],
      ['List', 'type', 25, 'Orders'],
      ['Order', 'type', 25, 'Orders'],
    ]);
  });

  it('extracts imports', () => {
    assert.deepEqual(importRows(result), [
      ['scala.collection', ['mutable'], 3],
      ['com.example.util', ['Log', 'Metrics'], 4],
    ]);
  });
});

describe('scala: call receivers', () => {
  const source = [
    'class A {',
    '  def f(call: PluginCall) = {',
    '    this.add(1)',
    '    call.resolve()',
    '    Foo.bar()',
    '    add(2)',
    '    super.g()',
    '    "x".trim()',
    '    xs.map[Int](f)',
    '  }',
    '}',
  ].join('\n');
  itReadsReceivers('reads this, an object, a literal or a variable as the receiver', source, 'scala', [
    ['add', 3, 'A'],
    ['resolve', 4, '~call'],
    ['bar', 5, 'Foo'],
    ['add', 6, null],
    ['g', 7, null],
    ['trim', 8, 'String'],
    ['map', 9, '~xs'],
  ]);
});
