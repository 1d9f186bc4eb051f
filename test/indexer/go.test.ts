import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createExtractor } from '../../src/indexer/index.js';
import {
  chunkRows,
  definitionRows,
  exportedNames,
  extractFixture,
  importRows,
  itReadsReceivers,
  refRows,
  symbolNamed,
} from './helpers.js';

describe('go: go/server.go', () => {
  const result = extractFixture('go/server.go');

  it('detects the language', () => {
    assert.equal(result.language, 'go');
  });

  it('extracts every definition; methods are contained by their receiver type', () => {
    assert.deepEqual(definitionRows(result), [
      ['DefaultAddr', 'constant', 11, 11, null],
      ['Mode', 'type', 14, 14, null],
      ['ModeText', 'constant', 18, 18, null],
      ['ModeJSON', 'constant', 19, 19, null],
      ['requestCount', 'variable', 22, 22, null],
      ['Getter', 'interface', 25, 27, null],
      ['Get', 'method', 26, 26, 'Getter'],
      ['HandlerFunc', 'type', 29, 29, null],
      ['Server', 'struct', 32, 36, null],
      ['Mode', 'field', 34, 34, 'Server'],
      ['addr', 'field', 35, 35, 'Server'],
      ['New', 'function', 39, 41, null],
      ['ServeHTTP', 'method', 44, 52, 'Server'],
      ['describe', 'method', 54, 56, 'Server'],
      ['lineBits', 'constant', 60, 60, null],
      ['lineMax', 'constant', 60, 60, null],
    ]);
  });

  it('exports capitalised names only', () => {
    assert.deepEqual(exportedNames(result), [
      'DefaultAddr',
      'Mode',
      'ModeText',
      'ModeJSON',
      'Getter',
      'Getter.Get',
      'HandlerFunc',
      'Server',
      'Server.Mode',
      'New',
      'Server.ServeHTTP',
    ]);
  });

  it('extracts // doc comments directly above, including in const groups', () => {
    assert.equal(symbolNamed(result, 'Server.ServeHTTP').doc, 'ServeHTTP answers GET /key.');
    assert.equal(symbolNamed(result, 'Server').doc, 'Server serves values from a Getter.');
    assert.equal(symbolNamed(result, 'ModeText').doc, 'ModeText answers with plain text.');
    assert.equal(symbolNamed(result, 'ModeJSON').doc, null);
    assert.equal(symbolNamed(result, 'Server.describe').doc, null);
    assert.equal(
      symbolNamed(result, 'Server.ServeHTTP').signature,
      'func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request)',
    );
    assert.equal(symbolNamed(result, 'Server').signature, 'type Server struct');
  });

  it('extracts calls, composite literals, embedding and types (not builtins)', () => {
    assert.deepEqual(refRows(result), [
      ['str', 'import', 7, null],
      ['Mode', 'type', 18, 'ModeText'],
      ['ResponseWriter', 'type', 29, 'HandlerFunc'],
      ['Request', 'type', 29, 'HandlerFunc'],
      ['Getter', 'inherit', 33, 'Server'],
      ['Mode', 'type', 34, 'Server.Mode'],
      ['Server', 'type', 39, 'New'],
      ['Server', 'new', 40, 'New'],
      ['NewStore', 'call', 40, 'New'],
      ['Server', 'type', 44, 'Server.ServeHTTP'],
      ['ResponseWriter', 'type', 44, 'Server.ServeHTTP'],
      ['Request', 'type', 44, 'Server.ServeHTTP'],
      ['TrimPrefix', 'call', 46, 'Server.ServeHTTP'],
      ['Get', 'call', 47, 'Server.ServeHTTP'],
      ['Fprintln', 'call', 48, 'Server.ServeHTTP'],
      ['NotFound', 'call', 51, 'Server.ServeHTTP'],
      ['Server', 'type', 54, 'Server.describe'],
      ['Sprintf', 'call', 55, 'Server.describe'],
    ]);
  });

  it('extracts import specs with aliases', () => {
    assert.deepEqual(importRows(result), [
      ['fmt', [], 5],
      ['net/http', [], 6],
      ['strings', ['str'], 7],
    ]);
  });

  it('chunks interfaces whole and methods separately', () => {
    assert.deepEqual(chunkRows(result), [
      ['header', null, 1, 22],
      ['symbol', 'Getter', 24, 29],
      ['symbol', 'Server', 31, 36],
      ['symbol', 'New', 38, 41],
      ['symbol', 'Server.ServeHTTP', 43, 52],
      ['symbol', 'Server.describe', 54, 56],
      ['code', null, 58, 61],
    ]);
  });
});

describe('go: go/store.go (same package, called from server.go)', () => {
  it('defines NewStore used by server.go', () => {
    const result = extractFixture('go/store.go');
    assert.deepEqual(definitionRows(result), [
      ['Store', 'struct', 6, 9, null],
      ['mu', 'field', 7, 7, 'Store'],
      ['items', 'field', 8, 8, 'Store'],
      ['NewStore', 'function', 12, 14, null],
      ['Get', 'method', 17, 22, 'Store'],
      ['Set', 'method', 25, 29, 'Store'],
    ]);
  });
});

describe('go: call receivers', () => {
  const source = [
    'package p',
    '',
    'func (c *Client) send() {',
    '\tc.Do(1)',
    '\tx.Do(2)',
    '\tfunc() { c.Do(3) }()',
    '\tDefaultClient.Do(4)',
    '\thttp.Get("u")',
    '}',
    '',
    'func (s Server[T]) run() { s.Do(5) }',
    '',
    'func free(c *Client) { c.Do(6); helper() }',
  ].join('\n');
  itReadsReceivers("a method's own receiver is its type; other receivers are hints by name", source, 'go', [
    ['Do', 4, 'Client'],
    ['Do', 5, '~x'],
    ['Do', 6, 'Client'],
    ['Do', 7, '~DefaultClient'],
    ['Get', 8, '~http'],
    ['Do', 11, 'Server'],
    ['Do', 13, '~c'],
    ['helper', 13, ''],
  ]);
});

describe('go: package-qualified types', () => {
  const source = [
    'package p',
    '',
    'import "go/build"',
    '',
    'type T struct {',
    '\tsync.Mutex',
    '\tctx build.Context',
    '\tc   Client',
    '}',
    '',
    'type R interface { io.Reader }',
    '',
    'func f(x build.Context) *http.Client { return &http.Client{} }',
  ].join('\n');
  for (const native of [true, false]) {
    it(`carry their package as the receiver hint (${native ? 'native' : 'queries'})`, () => {
      const x = createExtractor({ native }).extractFile(source, 'go');
      assert.deepEqual(
        x.refs
          .filter((r) => r.kind === 'type' || r.kind === 'new' || r.kind === 'inherit')
          .map((r) => [r.name, r.kind, r.line, r.receiver ?? null]),
        [
          ['Mutex', 'inherit', 6, '~sync'],
          ['Context', 'type', 7, '~build'],
          ['Client', 'type', 8, null],
          ['Reader', 'inherit', 11, '~io'],
          ['Context', 'type', 13, '~build'],
          ['Client', 'type', 13, '~http'],
          ['Client', 'new', 13, '~http'],
        ],
      );
    });
  }
});
