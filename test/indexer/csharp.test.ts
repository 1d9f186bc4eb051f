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

describe('csharp: csharp/Order.cs', () => {
  const result = extractFixture('csharp/Order.cs');

  it('detects the language', () => {
    assert.equal(result.language, 'csharp');
  });

  it('extracts namespaces, types, members, enum members, records and delegates', () => {
    assert.deepEqual(definitionRows(result), [
      ['Shop.Orders', 'namespace', 4, 30, null],
      ['Order', 'class', 7, 19, 'Shop.Orders'],
      ['MaxLines', 'constant', 9, 9, 'Shop.Orders.Order'],
      ['lines', 'field', 10, 10, 'Shop.Orders.Order'],
      ['Id', 'property', 11, 11, 'Shop.Orders.Order'],
      ['Changed', 'field', 12, 12, 'Shop.Orders.Order'],
      ['Order', 'constructor', 14, 14, 'Shop.Orders.Order'],
      ['Total', 'method', 16, 16, 'Shop.Orders.Order'],
      ['Touch', 'method', 18, 18, 'Shop.Orders.Order'],
      ['IRepository', 'interface', 21, 21, 'Shop.Orders'],
      ['Find', 'method', 21, 21, 'Shop.Orders.IRepository'],
      ['Money', 'struct', 23, 23, 'Shop.Orders'],
      ['Amount', 'field', 23, 23, 'Shop.Orders.Money'],
      ['Status', 'enum', 25, 25, 'Shop.Orders'],
      ['Open', 'constant', 25, 25, 'Shop.Orders.Status'],
      ['Closed', 'constant', 25, 25, 'Shop.Orders.Status'],
      ['Line', 'class', 27, 27, 'Shop.Orders'],
      ['Handler', 'type', 29, 29, 'Shop.Orders'],
    ]);
  });

  it('marks what is visible outside the file', () => {
    const hidden = result.symbols
      .map((s) => (s.container === null ? s.name : `${s.container}.${s.name}`))
      .filter((name) => !exportedNames(result).includes(name));
    assert.deepEqual(hidden, ['Shop.Orders.Order.lines', 'Shop.Orders.Order.Touch']);
  });

  it('reads signatures and doc comments', () => {
    assert.equal(
      symbolNamed(result, 'Shop.Orders.Order').signature,
      'public class Order : Entity, IComparable<Order>',
    );
    assert.equal(symbolNamed(result, 'Shop.Orders.Order').doc, '<summary>An order.</summary>');
    assert.equal(
      symbolNamed(result, 'Shop.Orders.Order.Total').signature,
      'public decimal Total() => lines.Sum(l => l.Price)',
    );
    assert.equal(symbolNamed(result, 'Shop.Orders.Order.Total').doc, null);
    assert.equal(
      symbolNamed(result, 'Shop.Orders.Order.MaxLines').signature,
      'public const int MaxLines = 10',
    );
    assert.equal(symbolNamed(result, 'Shop.Orders.Order.MaxLines').doc, null);
  });

  it('extracts references with their enclosing definition', () => {
    assert.deepEqual(refRows(result), [
      ['Entity', 'inherit', 7, 'Shop.Orders.Order'],
      ['IComparable', 'inherit', 7, 'Shop.Orders.Order'],
      ['Order', 'type', 7, 'Shop.Orders.Order'],
      ['List', 'type', 10, 'Shop.Orders.Order.lines'],
      ['Line', 'type', 10, 'Shop.Orders.Order.lines'],
      ['List', 'new', 10, 'Shop.Orders.Order.lines'],
      ['Line', 'type', 10, 'Shop.Orders.Order.lines'],
      ['EventHandler', 'type', 12, 'Shop.Orders.Order.Changed'],
      ['Sum', 'call', 16, 'Shop.Orders.Order.Total'],
      ['Invoke', 'call', 18, 'Shop.Orders.Order.Touch'],
      ['T', 'type', 21, 'Shop.Orders.IRepository.Find'],
      ['Order', 'type', 29, 'Shop.Orders.Handler'],
    ]);
  });

  it('extracts imports', () => {
    assert.deepEqual(importRows(result), [
      ['System', [], 1],
      ['System.Collections.Generic', [], 2],
    ]);
  });
});

describe('csharp: call receivers', () => {
  // Properties and fields are named like classes in C#, so a capitalised receiver is a hint of
  // its type by name (`Bridge.Invoke()` may be a property's), never taken for the class itself.
  const source = [
    'class Queue : Base {',
    '  void Run(PluginCall call) {',
    '    this.Add(1);',
    '    Add(2);',
    '    _bridge.Invoke("x");',
    '    Bridge.Invoke("y");',
    '    call.Resolve();',
    '    "abc".Trim();',
    '    this.Bridge?.Dispose();',
    '    ReactChoreographer.Instance.Add(x);',
    '    base.Run(call);',
    '    _context?',
    '      .GetModule<T>()',
    '      .Emit(1);',
    '    GetThing().Go();',
    '  }',
    '}',
  ].join('\n');
  itReadsReceivers("reads receivers as the enclosing class, a literal's class or a hint", source, 'csharp', [
    ['Add', 3, 'Queue'],
    ['Add', 4, null],
    ['Invoke', 5, '~_bridge'],
    ['Invoke', 6, '~Bridge'],
    ['Resolve', 7, '~call'],
    ['Trim', 8, 'String'],
    ['Dispose', 9, '~this.Bridge'],
    ['Add', 10, '~ReactChoreographer.Instance'],
    ['Run', 11, null],
    ['GetModule', 13, '~_context'],
    ['Emit', 14, null],
    ['GetThing', 15, null],
    ['Go', 15, null],
  ]);
});
