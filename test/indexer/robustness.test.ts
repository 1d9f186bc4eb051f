import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import Parser from 'tree-sitter';
import {
  createExtractor,
  LANGUAGE_IDS,
  loadGrammar,
  MAX_CHUNK_CHARS,
  SYMBOL_KINDS,
} from '../../src/indexer/index.js';
import { definitionRows } from './helpers.js';

const extractor = createExtractor();

describe('robustness', () => {
  it('returns an empty extraction for an empty file in every language', () => {
    for (const language of LANGUAGE_IDS) {
      assert.deepEqual(
        extractor.extractFile('', language),
        { language, symbols: [], refs: [], imports: [], chunks: [] },
        language,
      );
    }
  });

  it('keeps what it can from a TypeScript file with a syntax error', () => {
    const source = [
      'export function ok1() {',
      '  return 1;',
      '}',
      '',
      'function broken( {',
      '  return ;;',
      '}',
      '',
      'export class After {',
      '  m() {}',
      '}',
      '',
    ].join('\n');
    const result = extractor.extractFile(source, 'typescript');
    assert.deepEqual(definitionRows(result), [
      ['ok1', 'function', 1, 3, null],
      ['After', 'class', 9, 11, null],
      ['m', 'method', 10, 10, 'After'],
    ]);
  });

  it('keeps what it can from a Python file with a syntax error', () => {
    const source =
      'def good():\n    pass\n\ndef bad():\n    x = = 1\n\nclass Later:\n    def m(self):\n        pass\n';
    const result = extractor.extractFile(source, 'python');
    assert.deepEqual(definitionRows(result), [
      ['good', 'function', 1, 2, null],
      ['bad', 'function', 4, 5, null],
      ['Later', 'class', 7, 9, null],
      ['m', 'method', 8, 9, 'Later'],
    ]);
  });

  it('never throws on garbage input in any language', () => {
    const garbage = [
      '\u0000\u0001\u0002}}}{{{((([[[',
      ')))\n\t\t\r\n"\'`',
      '\uFFFD'.repeat(1000),
      'class class class fn fn def def func func {'.repeat(50),
      '/** unterminated',
      '"""unterminated docstring',
      '\ud800 lone surrogate \udfff',
    ];
    for (const language of LANGUAGE_IDS) {
      for (const source of garbage) {
        const result = extractor.extractFile(source, language);
        assert.equal(result.language, language);
        for (const symbol of result.symbols) assert.ok(SYMBOL_KINDS.includes(symbol.kind));
      }
    }
  });

  it('handles a huge minified single line', () => {
    const count = 20_000;
    const source = Array.from({ length: count }, (_, i) => `function f${i}(a){return a+${i}}`).join(';');
    assert.ok(source.length > 500_000);
    const started = performance.now();
    const result = extractor.extractFile(source, 'javascript');
    const elapsed = performance.now() - started;
    assert.equal(result.symbols.length, count);
    assert.ok(result.symbols.every((s) => s.startLine === 1 && s.signature.length <= 200));
    assert.equal(result.symbols[1]?.signature, 'function f1(a){return a+1}');
    assert.ok(result.chunks.every((c) => c.content.length <= MAX_CHUNK_CHARS));
    assert.ok(elapsed < 10_000, `took ${elapsed} ms`);
  });

  it('handles a 1 MB file', () => {
    const unit =
      'def handler_{i}(request):\n    """Handle request {i}."""\n    return process(request, {i})\n\n';
    const parts: string[] = [];
    let size = 0;
    for (let i = 0; size < 1_000_000; i++) {
      const text = unit.replaceAll('{i}', String(i));
      parts.push(text);
      size += text.length;
    }
    const source = parts.join('');
    const result = extractor.extractFile(source, 'python');
    assert.equal(result.symbols.length, parts.length);
    assert.equal(result.refs.length, parts.length);
    const last = result.symbols[result.symbols.length - 1];
    assert.equal(last?.name, `handler_${parts.length - 1}`);
    assert.equal(last?.doc, `Handle request ${parts.length - 1}.`);
    assert.equal(last?.startLine, (parts.length - 1) * 4 + 1);
    assert.equal(result.chunks.length, parts.length);
  });

  it('reports columns like tree-sitter for non-ASCII text (UTF-16 code units)', () => {
    const source = 'const é = 1;\nfunction 日本(a) { return "😀"; } function ñ() { 日本(1); }\n';
    const result = extractor.extractFile(source, 'javascript');
    assert.deepEqual(
      result.symbols.map((s) => [s.name, s.startLine, s.startCol, s.endCol]),
      [
        ['é', 1, 6, 11],
        ['日本', 2, 0, 31],
        ['ñ', 2, 32, 55],
      ],
    );
    assert.deepEqual(
      result.refs.map((r) => [r.name, r.line, r.col, r.enclosing]),
      [['日本', 2, 47, 'ñ']],
    );
    // Cross-check against the columns tree-sitter itself reports.
    const parser = new Parser();
    parser.setLanguage(loadGrammar('javascript'));
    const tree = parser.parse(source);
    const fn = tree.rootNode.namedChildren[2];
    assert.equal(fn?.type, 'function_declaration');
    assert.deepEqual(fn?.startPosition, { row: 1, column: 32 });
  });

  it('handles CRLF line endings', () => {
    const source = '/** Doc. */\r\nexport function a(): void {\r\n  b();\r\n}\r\n';
    const result = extractor.extractFile(source, 'typescript');
    const a = result.symbols[0];
    assert.deepEqual(
      [a?.name, a?.startLine, a?.endLine, a?.signature, a?.doc],
      ['a', 2, 4, 'export function a(): void', 'Doc.'],
    );
    assert.deepEqual(
      result.refs.map((r) => [r.name, r.line, r.col]),
      [['b', 3, 2]],
    );
  });

  it('reuses one extractor across languages and files', () => {
    const first = extractor.extractFile('def a():\n    pass\n', 'python');
    const second = extractor.extractFile('fn a() {}\n', 'rust');
    const third = extractor.extractFile('def b():\n    pass\n', 'python');
    assert.deepEqual(
      [first, second, third].map((r) => r.symbols.map((s) => s.name)),
      [['a'], ['a'], ['b']],
    );
  });
});
