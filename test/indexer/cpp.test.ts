import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createExtractor } from '../../src/indexer/index.js';
import type { FileExtraction } from '../../src/indexer/types.js';
import {
  definitionRows,
  exportedNames,
  extractFixture,
  importRows,
  itReadsReceivers,
  refRows,
  symbolNamed,
} from './helpers.js';

/** `start-end kind container.name` per symbol; `skip` lines added above the source are taken off. */
function symbolLines(result: FileExtraction, skip = 0): string[] {
  return result.symbols.map(
    (s) => `${s.startLine - skip}-${s.endLine - skip} ${s.kind} ${s.container ?? ''}.${s.name}`,
  );
}

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
    assert.deepEqual(symbolLines(result), [
      // The macro's own #define is untouched; the vexing parse `lock(mutex_)` is no function.
      '1-1 constant .SPDLOG_API',
      '2-19 namespace .spdlog',
      '3-8 class spdlog.logger',
      '6-6 constructor spdlog.logger.logger',
      '7-7 method spdlog.logger.flush',
      '11-16 method sink.sink',
      '18-18 function spdlog.run_all',
    ]);
    // Signatures are the original text, macro included.
    assert.equal(
      result.symbols.find((s) => s.name === 'logger' && s.kind === 'class')?.signature,
      'class SPDLOG_API logger',
    );
  });
});

describe('cpp: macro lines above declarations and as access specifiers', () => {
  const source = [
    '#define NLOHMANN_BASIC_JSON_TPL_DECLARATION template<typename T>', // 1
    'NLOHMANN_JSON_NAMESPACE_BEGIN', // 2
    'NLOHMANN_BASIC_JSON_TPL_DECLARATION', // 3
    'class basic_json // NOLINT(special-member-functions)', // 4
    '{', // 5
    '  JSON_PRIVATE_UNLESS_TESTED:', // 6
    '    /// return the type name', // 7
    '    JSON_HEDLEY_RETURNS_NON_NULL', // 8
    '    JSON_HEDLEY_CONST', // 9
    '    static const char* type_name() noexcept;', // 10
    '};', // 11
    'NLOHMANN_JSON_NAMESPACE_END', // 12
    '', // 13
    'class Q_WIDGETS_EXPORT QDialog : public QWidget', // 14
    '{', // 15
    '    Q_OBJECT', // 16
    '#if QT_DEPRECATED_SINCE(5, 13)', // 17
    '    Q_PROPERTY(bool modal READ isModal WRITE setModal)', // 18
    '#endif', // 19
    'public:', // 20
    '    Q_REQUIRED_RESULT Q_DECL_CONSTEXPR inline bool isModal() const;', // 21
    '    QT_DEPRECATED_X("Use show()") void showExtension(bool);', // 22
    'Q_SIGNALS:', // 23
    '    void finished(int result);', // 24
    'protected Q_SLOTS:', // 25
    '    virtual void open();', // 26
    'private:', // 27
    '    Q_DISABLE_COPY(QDialog)', // 28
    '};', // 29
    '', // 30
    'enum Flag {', // 31
    '    FIRST_FLAG,', // 32
    '    LAST_FLAG', // 33
    '};', // 34
    'WIN_SIZE_T', // 35
    'compute(int n)', // 36
    '{', // 37
    '    return n;', // 38
    '}', // 39
    '#define WRAP(x) \\', // 40
    '  WRAP_INTERNAL(x)', // 41
    'int after_define;', // 42
    '',
  ].join('\n');
  const result = createExtractor().extractFile(source, 'cpp');
  const rows = symbolLines(result);

  it('reads the classes and their members under their own names', () => {
    for (const row of [
      '4-11 class .basic_json',
      '10-10 method basic_json.type_name',
      '14-29 class .QDialog',
      '21-21 method QDialog.isModal',
      '22-22 method QDialog.showExtension',
      '24-24 method QDialog.finished',
      '26-26 method QDialog.open',
    ])
      assert.ok(rows.includes(row), `${row} in\n${rows.join('\n')}`);
    // No macro read as a field, a type or a function.
    for (const macro of [
      'JSON_HEDLEY_CONST',
      'JSON_HEDLEY_RETURNS_NON_NULL',
      'Q_OBJECT',
      'Q_PROPERTY',
      'Q_DISABLE_COPY',
    ])
      assert.equal(
        result.symbols.find((s) => s.name === macro),
        undefined,
        macro,
      );
    // The doc comment above the macro lines is the method's.
    assert.equal(result.symbols.find((s) => s.name === 'type_name')?.doc, 'return the type name');
    // A signature starts at the declaration, after the annotation macro.
    assert.equal(
      result.symbols.find((s) => s.name === 'showExtension')?.signature,
      'void showExtension(bool)',
    );
  });

  it('keeps an enum’s last member, a return type on its own line and a #define’s body', () => {
    assert.ok(rows.includes('33-33 constant Flag.LAST_FLAG'), rows.join('\n'));
    assert.deepEqual(rows.slice(-6), [
      '31-34 enum .Flag',
      '32-32 constant Flag.FIRST_FLAG',
      '33-33 constant Flag.LAST_FLAG',
      // `WIN_SIZE_T` above `compute(int n)` is its return type, not a macro line to drop.
      '35-39 function .compute',
      // A function-like #define, and the declaration after its continued body.
      '40-41 function .WRAP',
      '42-42 variable .after_define',
    ]);
  });
});

describe('cpp: attribute macros after the parameters and a macro closing the file', () => {
  const source = [
    'QT_BEGIN_NAMESPACE', // 1
    'class QCborMap', // 2
    '{', // 3
    'public:', // 4
    '    qsizetype size() const noexcept Q_DECL_PURE_FUNCTION;', // 5
    '    void clear() Q_DECL_OVERRIDE { }', // 6
    '    virtual int count() const Q_DECL_NOTHROW = 0;', // 7
    '};', // 8
    'QT_END_NAMESPACE', // 9
    '', // 10
    '#endif // QCBORMAP_H', // 11
    '',
  ].join('\n');
  const result = createExtractor().extractFile(`#ifndef QCBORMAP_H\n${source}`, 'cpp');

  it('reads every member under its class', () => {
    assert.deepEqual(symbolLines(result, 1), [
      '2-8 class .QCborMap',
      '5-5 method QCborMap.size',
      '6-6 method QCborMap.clear',
      '7-7 method QCborMap.count',
    ]);
  });
});

describe('cpp: exceptions behind macros and a macro line above a block comment', () => {
  const source = [
    'NLOHMANN_JSON_NAMESPACE_BEGIN', // 1
    '/*!', // 2
    '@brief a class to store JSON values', // 3
    '*/', // 4
    'class basic_json', // 5
    '{', // 6
    '  public:', // 7
    '    void assert_invariant() const noexcept', // 8
    '    {', // 9
    '        JSON_TRY', // 10
    '        {', // 11
    '            check();', // 12
    '        }', // 13
    '        JSON_CATCH(...) {} // LCOV_EXCL_LINE', // 14
    '    }', // 15
    '    void set_parents() {}', // 16
    '};', // 17
    'NLOHMANN_JSON_NAMESPACE_END', // 18
    '#define JSON_TRY try', // 19
    '',
  ].join('\n');
  const result = createExtractor().extractFile(source, 'cpp');

  it('reads the class with its members, and the macros’ own #define as it is', () => {
    assert.deepEqual(symbolLines(result), [
      '5-17 class .basic_json',
      '8-15 method basic_json.assert_invariant',
      '16-16 method basic_json.set_parents',
      '19-19 constant .JSON_TRY',
    ]);
    assert.equal(result.symbols[0]?.doc, '@brief a class to store JSON values');
  });
});

describe('cpp: a catch macro that is a whole catch clause, after a try macro', () => {
  // spdlog's logger.h: `SPDLOG_LOGGER_CATCH(loc)` expands to `catch (…) {…} catch (...) {…}`.
  const source = [
    'namespace spdlog {', // 1
    'class SPDLOG_API logger', // 2
    '{', // 3
    'public:', // 4
    '    void flush();', // 5
    'private:', // 6
    '    template<typename... Args>', // 7
    '    void log_(source_loc loc, string_view_t fmt, Args &&... args)', // 8
    '    {', // 9
    '        SPDLOG_TRY', // 10
    '        {', // 11
    '            log_it_(log_msg, log_enabled, traceback_enabled);', // 12
    '        }', // 13
    '        SPDLOG_LOGGER_CATCH(loc)', // 14
    '    }', // 15
    '    void sink_it_(const details::log_msg &msg);', // 16
    '};', // 17
    '} // namespace spdlog', // 18
    '',
  ].join('\n');
  const result = createExtractor().extractFile(source, 'cpp');

  it('keeps the class and its members (they were read as the namespace’s functions)', () => {
    assert.deepEqual(symbolLines(result), [
      '1-18 namespace .spdlog',
      '2-17 class spdlog.logger',
      '5-5 method spdlog.logger.flush',
      '8-15 method spdlog.logger.log_',
      '16-16 method spdlog.logger.sink_it_',
    ]);
  });
});

describe('cpp: conditional lines inside a declaration, and extern "C" behind __cplusplus', () => {
  const source = [
    '#ifdef __cplusplus', // 1
    'extern "C" {', // 2
    '#endif', // 3
    'SQLITE_API sqlite3_int64 sqlite3_memory_used(void);', // 4
    '#ifdef __cplusplus', // 5
    '}', // 6
    '#endif', // 7
    'class basic_json {', // 8
    '  public:', // 9
    '    template < typename ValueTypeCV, typename ValueType = uncvref_t<ValueTypeCV>>', // 10
    '#if defined(JSON_HAS_CPP_14)', // 11
    '    constexpr', // 12
    '#endif', // 13
    '    auto get() const -> ValueType', // 14
    '    {', // 15
    '        return get_impl<ValueType>();', // 16
    '    }', // 17
    '#if defined(_WIN32)', // 18
    '    void open_file(const wchar_t* name);', // 19
    '#else', // 20
    '    void open_file(const char* name);', // 21
    '#endif', // 22
    '};', // 23
    '',
  ].join('\n');
  const result = createExtractor().extractFile(source, 'cpp');

  it('reads the function in the extern block and the method after the #if, and both branches of an #else', () => {
    assert.deepEqual(symbolLines(result), [
      '4-4 function .sqlite3_memory_used',
      '8-23 class .basic_json',
      '12-17 method basic_json.get',
      '19-19 method basic_json.open_file',
      '21-21 method basic_json.open_file',
    ]);
  });
});

describe('cpp: a macro after the class name', () => {
  const source = [
    'class U_I18N_API RegexPattern U_FINAL : public UObject {', // 1
    'public:', // 2
    '    RegexPattern();', // 3
    '};', // 4
    'struct Q_CORE_EXPORT QMetaObject', // 5
    '{', // 6
    '    const char *className() const;', // 7
    '};', // 8
    '',
  ].join('\n');
  const result = createExtractor().extractFile(source, 'cpp');

  it('reads the class under its name, with its members', () => {
    assert.deepEqual(symbolLines(result), [
      '1-4 class .RegexPattern',
      '3-3 constructor RegexPattern.RegexPattern',
      '5-8 struct .QMetaObject',
      '7-7 method QMetaObject.className',
    ]);
  });
});

describe('cpp: call receivers', () => {
  const source = [
    'namespace spdlog {',
    'class logger {',
    '  void flush() {',
    '    this->flush_();',
    '    sink->log(msg);',
    '    details::registry::instance().drop(name);',
    '    Registry::Instance();',
    '    fmt::format_to<char>(buf, "x");',
    '    helper(1);',
    '    msg.payload.size();',
    '    ::memcpy(a, b, 1);',
    '  }',
    '};',
    '}',
  ].join('\n');
  itReadsReceivers('reads this, a variable or field as a hint, and a :: scope as the class', source, 'cpp', [
    ['flush_', 4, 'logger'],
    ['log', 5, '~sink'],
    // Nested scopes were not read as calls at all.
    ['instance', 6, 'registry'],
    ['drop', 6, null],
    ['Instance', 7, 'Registry'],
    ['format_to', 8, 'fmt'],
    ['helper', 9, null],
    ['size', 10, '~msg.payload'],
    // The global scope names no class.
    ['memcpy', 11, null],
  ]);
});

describe('cpp: an out-of-class member of a class template', () => {
  it('belongs to the template, without its arguments', () => {
    const source = [
      'template <typename T, size_t SIZE, typename Allocator>',
      'class basic_memory_buffer {',
      '  void grow(size_t size);',
      '};',
      '',
      'template <typename T, size_t SIZE, typename Allocator>',
      'void basic_memory_buffer<T, SIZE, Allocator>::grow(size_t size) {',
      '  (void)size;',
      '}',
      '',
    ].join('\n');
    const result = createExtractor().extractFile(source, 'cpp');
    assert.deepEqual(
      result.symbols.filter((s) => s.name === 'grow').map((s) => [s.startLine, s.container]),
      [
        [3, 'basic_memory_buffer'],
        [7, 'basic_memory_buffer'],
      ],
    );
  });
});

describe('cpp: the doc comment above a template header', () => {
  const source = [
    '#include <vector>', // 1
    '', // 2
    '/*!', // 3
    '@brief serialization to CBOR', // 4
    '*/', // 5
    'template<typename BasicJsonType, typename CharType,', // 6
    '         typename = decltype(std::declval<CharType>())>', // 7
    'class binary_writer', // 8
    '{', // 9
    '  public:', // 10
    '    /// writes a value', // 11
    '    template<typename T> void write(const T& v) { out.push_back(v); }', // 12
    '', // 13
    '    /// parses', // 14
    '    template<typename SAX>', // 15
    '    JSON_HEDLEY_NON_NULL(2)', // 16
    '    bool sax_parse(SAX* sax) { return sax != nullptr; }', // 17
    '', // 18
    '    std::vector<int> out;', // 19
    '};', // 20
    '', // 21
    'template<typename T>', // 22
    'T plain(T x) { return x; }', // 23
    '',
  ].join('\n');
  const result = createExtractor().extractFile(source, 'cpp');

  it('is the doc of the class or function, over the header and attribute macros', () => {
    assert.equal(symbolNamed(result, 'binary_writer').doc, '@brief serialization to CBOR');
    assert.equal(symbolNamed(result, 'binary_writer.write').doc, 'writes a value');
    assert.equal(symbolNamed(result, 'binary_writer.sax_parse').doc, 'parses');
    assert.equal(symbolNamed(result, 'plain').doc, null);
  });

  it('starts the definition chunk, so no chunk ends in a template header', () => {
    assert.deepEqual(
      result.chunks.filter((c) => c.symbol !== null).map((c) => [c.symbol, c.startLine, c.endLine]),
      [
        ['binary_writer', 3, 10],
        ['binary_writer.write', 11, 12],
        ['binary_writer.sax_parse', 14, 17],
        ['plain', 22, 23],
      ],
    );
    assert.deepEqual(
      result.chunks.filter((c) => c.symbol === null).map((c) => [c.kind, c.startLine, c.endLine]),
      [
        ['header', 1, 1],
        ['code', 19, 20],
      ],
    );
  });
});

describe('cpp: a comma expression in decltype (SFINAE trailing return types)', () => {
  const source = [
    '#pragma once',
    'NLOHMANN_JSON_NAMESPACE_BEGIN',
    '',
    '/// @sa https://json.nlohmann.me/api/adl_serializer/',
    'template<typename ValueType, typename>',
    'struct adl_serializer',
    '{',
    '    /// @brief convert a JSON value to any value type',
    '    template<typename BasicJsonType, typename TargetType = ValueType>',
    '    static auto from_json(BasicJsonType && j, TargetType& val) noexcept(',
    '        noexcept(::nlohmann::from_json(std::forward<BasicJsonType>(j), val)))',
    '    -> decltype(::nlohmann::from_json(std::forward<BasicJsonType>(j), val), void())',
    '    {',
    '        ::nlohmann::from_json(std::forward<BasicJsonType>(j), val);',
    '    }',
    '',
    '    /// @brief convert any value type to a JSON value',
    '    template<typename BasicJsonType, typename TargetType = ValueType>',
    '    static auto to_json(BasicJsonType& j, TargetType && val) noexcept(',
    '        noexcept(::nlohmann::to_json(j, std::forward<TargetType>(val))))',
    '    -> decltype(::nlohmann::to_json(j, std::forward<TargetType>(val)), void())',
    '    {',
    '        ::nlohmann::to_json(j, std::forward<TargetType>(val));',
    '    }',
    '};',
    '',
    'NLOHMANN_JSON_NAMESPACE_END',
    '',
  ].join('\n');
  const result = createExtractor().extractFile(source, 'cpp');

  it('keeps the struct and both members, and names no function `void`', () => {
    assert.deepEqual(
      result.symbols.map((s) => [s.kind, s.container, s.name, s.startLine, s.endLine]),
      [
        ['struct', null, 'adl_serializer', 6, 25],
        ['method', 'adl_serializer', 'from_json', 10, 15],
        ['method', 'adl_serializer', 'to_json', 19, 24],
      ],
    );
    assert.equal(
      symbolNamed(result, 'adl_serializer.to_json').doc,
      '@brief convert any value type to a JSON value',
    );
  });
});
