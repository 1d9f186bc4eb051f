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

describe('c: c/list.c', () => {
  const result = extractFixture('c/list.c');

  it('detects the language', () => {
    assert.equal(result.language, 'c');
  });

  it('extracts functions, prototypes, macros, structs, unions, enums, typedefs, members and globals', () => {
    assert.deepEqual(definitionRows(result), [
      ['MAX_ITEMS', 'constant', 4, 4, null],
      ['SQUARE', 'function', 5, 5, null],
      ['node', 'struct', 8, 11, null],
      ['value', 'field', 9, 9, 'node'],
      ['next', 'field', 10, 10, 'node'],
      ['node_t', 'type', 13, 13, null],
      ['compare_fn', 'type', 14, 14, null],
      ['color', 'enum', 16, 16, null],
      ['RED', 'constant', 16, 16, 'color'],
      ['GREEN', 'constant', 16, 16, 'color'],
      ['value', 'struct', 18, 18, null],
      ['i', 'field', 18, 18, 'value'],
      ['d', 'field', 18, 18, 'value'],
      ['counter', 'variable', 20, 20, null],
      ['names', 'variable', 21, 21, null],
      ['shared', 'variable', 22, 22, null],
      ['list_push', 'function', 25, 31, null],
      ['make', 'function', 33, 33, null],
      ['declared_only', 'function', 34, 34, null],
    ]);
  });

  it('marks what is visible outside the file', () => {
    const hidden = result.symbols
      .map((s) => (s.container === null ? s.name : `${s.container}.${s.name}`))
      .filter((name) => !exportedNames(result).includes(name));
    assert.deepEqual(hidden, ['counter', 'make']);
  });

  it('reads signatures and doc comments', () => {
    assert.equal(symbolNamed(result, 'node').signature, 'struct node');
    assert.equal(symbolNamed(result, 'node').doc, 'A node of the list.');
    assert.equal(symbolNamed(result, 'list_push').signature, 'int list_push(struct node **head, int value)');
    assert.equal(symbolNamed(result, 'list_push').doc, 'Adds a node.');
    assert.equal(symbolNamed(result, 'names').signature, 'const char *names[] = {"a", "b"}');
    assert.equal(symbolNamed(result, 'names').doc, null);
  });

  it('extracts references with their enclosing definition', () => {
    assert.deepEqual(refRows(result), [
      ['node', 'type', 10, 'node.next'],
      ['node', 'type', 13, 'node_t'],
      ['node', 'type', 25, 'list_push'],
      ['node_t', 'type', 27, 'list_push'],
      ['malloc', 'call', 27, 'list_push'],
      ['SQUARE', 'call', 28, 'list_push'],
      ['printf', 'call', 29, 'list_push'],
      ['helper', 'call', 30, 'list_push'],
    ]);
  });

  it('extracts imports', () => {
    assert.deepEqual(importRows(result), [
      ['stdio.h', [], 1],
      ['list.h', [], 2],
    ]);
  });
});

describe('c: function-pointer members and macros with comments', () => {
  const source = [
    'struct api_routines {',
    '  void * (*aggregate_context)(void *ctx, int n);',
    '  int (*bind_count)(void *stmt);',
    '};',
    '#define RB_HEAD(name, type)        \\',
    'struct name {                      \\',
    '  struct type *rbh_root; /* root */ \\',
    '}',
    '',
    '#define RB_INIT(root) do {         \\',
    '  (root)->rbh_root = 0;            \\',
    '} while (/* CONSTCOND */ 0)',
    'int after_macros(void) { return 0; }',
    '',
  ].join('\n');
  const result = createExtractor().extractFile(source, 'c');

  it('finds members returning pointers, and macros whose continued lines hold comments', () => {
    assert.deepEqual(definitionRows(result), [
      ['api_routines', 'struct', 1, 4, null],
      ['aggregate_context', 'field', 2, 2, 'api_routines'],
      ['bind_count', 'field', 3, 3, 'api_routines'],
      // A macro's node takes its line break with it; the macro still ends on its last line.
      ['RB_HEAD', 'function', 5, 8, null],
      ['RB_INIT', 'function', 10, 12, null],
      ['after_macros', 'function', 13, 13, null],
    ]);
  });

  it("gives a continued macro its first line as signature, without the continuation's backslash", () => {
    assert.equal(result.symbols.find((s) => s.name === 'RB_HEAD')?.signature, '#define RB_HEAD(name, type)');
    assert.equal(result.symbols.find((s) => s.name === 'RB_INIT')?.signature, '#define RB_INIT(root) do');
  });

  it("ends a macro's chunk on the macro's last line", () => {
    const rows = result.chunks.map((c) => [c.symbol, c.startLine, c.endLine]);
    // The one-line function right after RB_INIT joins its chunk.
    assert.deepEqual(
      rows.filter((r) => r[0] === 'RB_HEAD' || r[0] === 'RB_INIT'),
      [
        ['RB_HEAD', 5, 8],
        ['RB_INIT', 10, 13],
      ],
    );
  });
});

describe('c: glibc declaration macros', () => {
  const source = [
    '__BEGIN_DECLS', // 1
    '', // 2
    '/* Open the shared object FILE.  */', // 3
    'extern void *dlopen (const char *__file, int __mode) __THROWNL;', // 4
    'extern int bcmp (const void *__s1, const void *__s2, size_t __n)', // 5
    '     __THROW __attribute_pure__;', // 6
    '', // 7
    '__END_DECLS', // 8
    '',
  ].join('\n');
  const result = createExtractor().extractFile(source, 'c');

  it('reads the functions between __BEGIN_DECLS and __END_DECLS, past their trailing attribute macros', () => {
    assert.deepEqual(definitionRows(result), [
      ['dlopen', 'function', 4, 4, null],
      ['bcmp', 'function', 5, 6, null],
    ]);
  });
});

describe('c: calling-convention macros in function pointer typedefs', () => {
  const source = [
    'typedef void (APIENTRYP PFNGLCULLFACEPROC) (GLenum mode);', // 1
    'typedef BOOL (WINAPI *LPFN_ACCEPTEX) (SOCKET s, DWORD n);', // 2
    'typedef int (*plain_cb) (void *arg);', // 3
    'int after_typedefs(void) { return 0; }', // 4
    '',
  ].join('\n');
  const result = createExtractor().extractFile(source, 'c');

  it('reads each typedef under its own name', () => {
    assert.deepEqual(
      definitionRows(result).map(([name, kind, start]) => [name, kind, start]),
      [
        ['PFNGLCULLFACEPROC', 'type', 1],
        ['LPFN_ACCEPTEX', 'type', 2],
        ['plain_cb', 'type', 3],
        ['after_typedefs', 'function', 4],
      ],
    );
  });
});

describe('c: an export macro, a return type and a calling-convention macro', () => {
  const source = [
    'GL_APICALL GLuint GL_APIENTRY glCreateProgram (void);', // 1
    'U_CAPI int32_t U_EXPORT2', // 2
    'u_strlen(const UChar *s);', // 3
    'static SIZE_T compute(int n);', // 4
    '',
  ].join('\n');
  const result = createExtractor().extractFile(source, 'c');

  it('reads each function under its name, with no macro or type read as a variable', () => {
    assert.deepEqual(
      definitionRows(result).map(([name, kind, start]) => [name, kind, start]),
      [
        ['glCreateProgram', 'function', 1],
        ['u_strlen', 'function', 2],
        ['compute', 'function', 4],
      ],
    );
  });
});
