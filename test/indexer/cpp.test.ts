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

describe('cpp: cpp/shape.cpp', () => {
  const result = extractFixture('cpp/shape.cpp');

  it('detects the language', () => {
    assert.equal(result.language, 'cpp');
  });

  it('extracts namespaces, classes, members, templates, aliases and out-of-line methods (the class is the container)', () => {
    assert.deepEqual(definitionRows(result), [
      ['geo', 'namespace', 4, 30, null],
      ['Shape', 'class', 7, 15, 'geo'],
      ['Shape', 'constructor', 9, 9, 'geo.Shape'],
      ['~Shape', 'method', 10, 10, 'geo.Shape'],
      ['area', 'method', 11, 11, 'geo.Shape'],
      ['count', 'field', 12, 12, 'geo.Shape'],
      ['sides_', 'field', 14, 14, 'geo.Shape'],
      ['Point', 'struct', 17, 17, 'geo'],
      ['x', 'field', 17, 17, 'geo.Point'],
      ['y', 'field', 17, 17, 'geo.Point'],
      ['max_of', 'function', 20, 20, 'geo'],
      ['Kind', 'enum', 22, 22, 'geo'],
      ['Circle', 'constant', 22, 22, 'geo.Kind'],
      ['Square', 'constant', 22, 22, 'geo.Kind'],
      ['Points', 'type', 24, 24, 'geo'],
      ['area', 'method', 26, 26, 'Shape'],
      ['Shape', 'method', 28, 28, 'Shape'],
      ['main', 'function', 32, 32, null],
    ]);
  });

  it('marks what is visible outside the file', () => {
    const hidden = result.symbols
      .map((s) => (s.container === null ? s.name : `${s.container}.${s.name}`))
      .filter((name) => !exportedNames(result).includes(name));
    assert.deepEqual(hidden, []);
  });

  it('reads signatures and doc comments', () => {
    assert.equal(symbolNamed(result, 'geo.Shape').signature, 'class Shape : public Base');
    assert.equal(symbolNamed(result, 'geo.Shape').doc, 'A shape with an area.');
    assert.equal(
      symbolNamed(result, 'Shape.area').signature,
      'double Shape::area() const { return compute(sides_); }',
    );
    assert.equal(symbolNamed(result, 'Shape.area').doc, null);
    assert.equal(symbolNamed(result, 'geo.Points').signature, 'using Points = std::vector<Point>');
    assert.equal(symbolNamed(result, 'geo.Points').doc, null);
  });

  it('extracts references with their enclosing definition', () => {
    assert.deepEqual(refRows(result), [
      ['Base', 'inherit', 7, 'geo.Shape'],
      ['T', 'type', 20, 'geo.max_of'],
      ['T', 'type', 20, 'geo.max_of'],
      ['T', 'type', 20, 'geo.max_of'],
      ['vector', 'type', 24, 'geo.Points'],
      ['Point', 'type', 24, 'geo.Points'],
      ['compute', 'call', 26, 'Shape.area'],
      ['Point', 'new', 28, 'Shape.Shape'],
      ['sort', 'call', 28, 'Shape.Shape'],
      ['begin', 'call', 28, 'Shape.Shape'],
      ['end', 'call', 28, 'Shape.Shape'],
      ['Shape', 'type', 32, 'main'],
    ]);
  });

  it('extracts imports', () => {
    assert.deepEqual(importRows(result), [
      ['vector', [], 1],
      ['shape.hpp', [], 2],
    ]);
  });
});

describe('cpp: methods defined under a nested qualified name', () => {
  const source = [
    'web::json::value::value() : m(0) {}',
    'web::json::value web::json::value::number(double v) { return value(); }',
    'const web::json::value& web::json::object::at(int i) const { return v; }',
    'bool web::json::value::operator==(const value& o) const { return true; }',
    '',
  ].join('\n');
  const result = createExtractor().extractFile(source, 'cpp');

  it('takes the innermost scope as the container at any depth', () => {
    assert.deepEqual(
      definitionRows(result).map(([name, , line, , container]) => [name, line, container]),
      [
        ['value', 1, 'value'],
        ['number', 2, 'value'],
        ['at', 3, 'object'],
        ['operator==', 4, 'value'],
      ],
    );
  });
});

describe('cpp: export and inline annotation macros', () => {
  const source = [
    '#define SPDLOG_API __attribute__((visibility("default")))', // 1
    'namespace spdlog {', // 2
    'class SPDLOG_API logger', // 3
    '{', // 4
    'public:', // 5
    '    explicit logger(std::string name);', // 6
    '    void flush();', // 7
    '};', // 8
    '', // 9
    'template<typename Mutex>', // 10
    'SPDLOG_INLINE sink<Mutex>::sink(std::size_t max_size)', // 11
    '    : max_size_(max_size)', // 12
    '    , file_helper_{}', // 13
    '{', // 14
    '    std::lock_guard<Mutex> lock(mutex_);', // 15
    '}', // 16
    '', // 17
    'GTEST_API_ int run_all();', // 18
    '} // namespace spdlog', // 19
    '',
  ].join('\n');
  const result = createExtractor().extractFile(source, 'cpp');

  it('reads the class under its own name and an out-of-class constructor as one', () => {
    assert.deepEqual(
      result.symbols.map((s) => `${s.startLine}-${s.endLine} ${s.kind} ${s.container ?? ''}.${s.name}`),
      [
        // The macro's own #define is untouched; the vexing parse `lock(mutex_)` is no function.
        '1-1 constant .SPDLOG_API',
        '2-19 namespace .spdlog',
        '3-8 class spdlog.logger',
        '6-6 constructor spdlog.logger.logger',
        '7-7 method spdlog.logger.flush',
        '11-16 method sink<Mutex>.sink',
        '18-18 function spdlog.run_all',
      ],
    );
    // Signatures are the original text, macro included.
    assert.equal(
      result.symbols.find((s) => s.name === 'logger' && s.kind === 'class')?.signature,
      'class SPDLOG_API logger',
    );
  });
});
