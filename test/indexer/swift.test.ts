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

describe('swift: swift/Shapes.swift', () => {
  const result = extractFixture('swift/Shapes.swift');

  it('detects the language', () => {
    assert.equal(result.language, 'swift');
  });

  it('extracts protocols, classes, structs, enums, extensions (as containers), initialisers and properties', () => {
    assert.deepEqual(definitionRows(result), [
      ['Shape', 'interface', 5, 8, null],
      ['area', 'property', 6, 6, 'Shape'],
      ['describe', 'method', 7, 7, 'Shape'],
      ['Circle', 'class', 11, 22, null],
      ['radius', 'property', 12, 12, 'Circle'],
      ['unit', 'property', 13, 13, 'Circle'],
      ['init', 'constructor', 15, 17, 'Circle'],
      ['area', 'property', 19, 19, 'Circle'],
      ['describe', 'method', 21, 21, 'Circle'],
      ['Point', 'struct', 24, 24, null],
      ['x', 'property', 24, 24, 'Point'],
      ['y', 'property', 24, 24, 'Point'],
      ['Direction', 'enum', 26, 26, null],
      ['north', 'constant', 26, 26, 'Direction'],
      ['south', 'constant', 26, 26, 'Direction'],
      ['scaled', 'method', 29, 29, 'Circle'],
      ['Points', 'type', 32, 32, null],
      ['makeCircle', 'function', 34, 34, null],
      ['origin', 'property', 36, 36, null],
    ]);
  });

  it('marks what is visible outside the file', () => {
    const hidden = result.symbols
      .map((s) => (s.container === null ? s.name : `${s.container}.${s.name}`))
      .filter((name) => !exportedNames(result).includes(name));
    assert.deepEqual(hidden, []);
  });

  it('reads signatures and doc comments', () => {
    assert.equal(symbolNamed(result, 'Shape').signature, 'protocol Shape');
    assert.equal(symbolNamed(result, 'Shape').doc, 'A shape with an area.');
    assert.equal(symbolNamed(result, 'Circle').signature, 'class Circle: NSObject, Shape');
    assert.equal(symbolNamed(result, 'Circle').doc, 'A circle.');
    assert.equal(symbolNamed(result, 'Circle.init').signature, 'init(radius: Double)');
    assert.equal(symbolNamed(result, 'Circle.init').doc, null);
    assert.equal(
      symbolNamed(result, 'Circle.scaled').signature,
      'func scaled(by f: Double) -> Circle { Circle(radius: radius * f) }',
    );
    assert.equal(symbolNamed(result, 'Circle.scaled').doc, null);
  });

  it('extracts references with their enclosing definition', () => {
    assert.deepEqual(refRows(result), [
      ['Double', 'type', 6, 'Shape.area'],
      ['String', 'type', 7, 'Shape.describe'],
      ['NSObject', 'inherit', 11, 'Circle'],
      ['Shape', 'inherit', 11, 'Circle'],
      ['Double', 'type', 12, 'Circle.radius'],
      ['Circle', 'call', 13, 'Circle.unit'],
      ['Double', 'type', 15, 'Circle.init'],
      ['Double', 'type', 19, 'Circle.area'],
      ['String', 'type', 21, 'Circle.describe'],
      ['String', 'call', 21, 'Circle.describe'],
      ['Double', 'type', 24, 'Point.x'],
      ['Double', 'type', 24, 'Point.y'],
      ['Circle', 'type', 28, 'Circle'],
      ['Double', 'type', 29, 'Circle.scaled'],
      ['Circle', 'type', 29, 'Circle.scaled'],
      ['Circle', 'call', 29, 'Circle.scaled'],
      ['Point', 'type', 32, 'Points'],
      ['Circle', 'type', 34, 'makeCircle'],
      ['Circle', 'call', 34, 'makeCircle'],
      ['Point', 'call', 36, 'origin'],
    ]);
  });

  it('extracts imports', () => {
    assert.deepEqual(importRows(result), [
      ['Foundation', [], 1],
      ['UIKit', [], 2],
    ]);
  });
});

describe('swift: the locals of a lazy property closure or a computed property are no members', () => {
  it('keeps the properties, not what their code declares', async () => {
    const { createExtractor } = await import('../../src/indexer/index.js');
    const source = [
      'public class AppContext {',
      '  public lazy var jsLogger: Logger = {',
      '    let loggerModule = self.registry.get("logger")',
      '    return loggerModule.logger',
      '  }()',
      '  public var fileSystem: FileSystemManager? {',
      '    let fileSystem = FileSystemManager()',
      '    return fileSystem',
      '  }',
      '}',
      '',
    ].join('\n');
    const rows = definitionRows(createExtractor().extractFile(source, 'swift'));
    assert.deepEqual(
      rows.map(([name, kind, , , container]) => [name, kind, container]),
      [
        ['AppContext', 'class', null],
        ['jsLogger', 'property', 'AppContext'],
        ['fileSystem', 'property', 'AppContext'],
      ],
    );
  });
});

describe('swift: Swift 5.9-6 syntax and #if inside a type are repaired before parsing', () => {
  it('keeps every member in its type', async () => {
    const { createExtractor } = await import('../../src/indexer/index.js');
    const { repairSwift } = await import('../../src/indexer/swift-repair.js');
    const source = [
      'public final class HostingView: ExpoView {',
      '  nonisolated(unsafe) public static var factory: Factory?',
      '  func call(this: borrowing JavaScriptValue, args: consuming Buffer) throws(Exception) -> Int {',
      '    switch consume result {',
      '    default: return 1',
      '    }',
      '  }',
      '  public func emit<P: AnyArgument>(event: String, arguments: sending P) {}',
      '#if os(macOS)',
      '  public override func reactViewController() -> NSViewController? {',
      '    return nil',
      '  }',
      '#else',
      '  public override func reactViewController() -> UIViewController? {',
      '    return nil',
      '  }',
      '#endif',
      '  func last() {}',
      '}',
      '',
    ].join('\n');
    const repaired = repairSwift(source) ?? '';
    assert.deepEqual(
      repaired.split('\n').map((l) => l.length),
      source.split('\n').map((l) => l.length),
    );
    const rows = definitionRows(createExtractor().extractFile(source, 'swift'));
    assert.deepEqual(
      rows.map(([name, kind, start, , container]) => [name, kind, start, container]),
      [
        ['HostingView', 'class', 1, null],
        ['factory', 'property', 2, 'HostingView'],
        ['call', 'method', 3, 'HostingView'],
        ['emit', 'method', 8, 'HostingView'],
        ['reactViewController', 'method', 10, 'HostingView'],
        ['reactViewController', 'method', 14, 'HostingView'],
        ['last', 'method', 18, 'HostingView'],
      ],
    );
  });
});

describe('swift: call receivers', () => {
  const source = [
    'class A {',
    '  func f(call: PluginCall) {',
    '    self.add(1)',
    '    call.resolve()',
    '    Foo.bar()',
    '    a?.b()',
    '    add(2)',
    '    super.g()',
    '    "x".lowercased()',
    '  }',
    '}',
  ].join('\n');
  itReadsReceivers('reads self, a class, a literal or a variable as the receiver', source, 'swift', [
    ['add', 3, 'A'],
    ['resolve', 4, '~call'],
    ['bar', 5, 'Foo'],
    ['b', 6, '~a'],
    ['add', 7, null],
    ['g', 8, null],
    ['lowercased', 9, 'String'],
  ]);
});
