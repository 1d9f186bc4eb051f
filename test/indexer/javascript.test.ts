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

describe('javascript: js/util.js', () => {
  const result = extractFixture('js/util.js');

  it('detects the language', () => {
    assert.equal(result.language, 'javascript');
  });

  it('extracts every definition; locals inside functions and require() bindings are not symbols', () => {
    assert.deepEqual(definitionRows(result), [
      ['DEFAULTS', 'constant', 7, 7, null],
      ['greetCount', 'variable', 9, 9, null],
      ['Greeter', 'class', 12, 32, null],
      ['#prefix', 'property', 13, 13, 'Greeter'],
      ['instances', 'property', 14, 14, 'Greeter'],
      ['constructor', 'constructor', 16, 20, 'Greeter'],
      ['greet', 'method', 23, 27, 'Greeter'],
      ['count', 'method', 29, 31, 'Greeter'],
      ['readNames', 'function', 37, 40, null],
      ['main', 'function', 42, 44, null],
    ]);
    assert.deepEqual(exportedNames(result), [
      'Greeter',
      'Greeter.instances',
      'Greeter.constructor',
      'Greeter.greet',
      'Greeter.count',
      'readNames',
      'main',
    ]);
  });

  it('extracts references; require() is an import, not a call', () => {
    assert.deepEqual(refRows(result), [
      ['joinWords', 'import', 2, null],
      ['capitalize', 'import', 2, null],
      ['defaultsDeep', 'import', 3, null],
      ['fs', 'import', 4, null],
      ['EventTarget', 'inherit', 12, 'Greeter'],
      ['defaultsDeep', 'call', 18, 'Greeter.constructor'],
      ['Greeter', 'type', 19, 'Greeter.constructor'],
      ['joinWords', 'call', 25, 'Greeter.greet'],
      ['map', 'call', 25, 'Greeter.greet'],
      ['trim', 'call', 38, 'readNames'],
      ['readFileSync', 'call', 39, 'readNames'],
      ['split', 'call', 39, 'readNames'],
      ['map', 'call', 39, 'readNames'],
      ['filter', 'call', 39, 'readNames'],
      ['Greeter', 'new', 43, 'main'],
      ['greet', 'call', 43, 'main'],
      ['readNames', 'call', 43, 'main'],
    ]);
  });

  it('extracts ES and CommonJS imports', () => {
    assert.deepEqual(importRows(result), [
      ['./format.js', ['joinWords', 'capitalize'], 2],
      ['lodash/defaultsDeep', ['defaultsDeep'], 3],
      ['node:fs', ['fs'], 4],
    ]);
  });

  it('extracts docs and signatures', () => {
    assert.equal(symbolNamed(result, 'readNames').doc, 'Reads names from a file, one per line.');
    assert.equal(symbolNamed(result, 'Greeter.greet').doc, 'Returns a greeting for every name.');
    assert.equal(symbolNamed(result, 'Greeter.count').signature, 'get count()');
    assert.equal(symbolNamed(result, 'main').signature, 'export default function main(file)');
    assert.equal(symbolNamed(result, 'DEFAULTS').doc, 'Default options for {@link Greeter}.');
  });

  it('chunks classes up to their first method', () => {
    assert.deepEqual(chunkRows(result), [
      ['header', null, 1, 9],
      ['symbol', 'Greeter', 11, 15],
      ['symbol', 'Greeter.constructor', 16, 20],
      ['symbol', 'Greeter.greet', 22, 27],
      ['symbol', 'Greeter.count', 29, 31],
      ['symbol', 'readNames', 34, 40],
      ['symbol', 'main', 42, 44],
    ]);
  });
});

describe('javascript: js/format.js', () => {
  const result = extractFixture('js/format.js');

  it('keeps the file comment off the first declaration (blank line between)', () => {
    assert.deepEqual(definitionRows(result), [
      ['SEPARATOR', 'constant', 5, 5, null],
      ['joinWords', 'function', 11, 13, null],
      ['capitalize', 'function', 15, 15, null],
    ]);
    assert.equal(symbolNamed(result, 'SEPARATOR').doc, null);
    assert.equal(
      symbolNamed(result, 'joinWords').doc,
      'Joins words with {@link SEPARATOR}.\n@param {string[]} words',
    );
  });
});

describe('javascript: CommonJS exports and named function expressions', () => {
  const source = [
    "'use strict';",
    'var app = {};',
    'app.init = function init() {',
    '  return 1;',
    '};',
    'exports.render = function (name) {',
    '  return name;',
    '};',
    'module.exports.helper = (x) => x;',
    'const twice = function twice(x) { return helper(x) * 2; };',
    'function Router() {}',
    'Router.prototype.route = function route(path) {',
    '  return twice(path);',
    '};',
    'Router.prototype.handle = (req) => req;',
  ].join('\n');
  const result = createExtractor().extractFile(source, 'javascript');

  it('one symbol per assigned function; prototype methods belong to their class; exports.x is exported', () => {
    assert.deepEqual(
      result.symbols.map((s) => [s.name, s.kind, s.startLine, s.container, s.exported]),
      [
        ['app', 'variable', 2, null, false],
        ['init', 'method', 3, 'app', false],
        ['render', 'function', 6, null, true],
        ['helper', 'function', 9, null, true],
        ['twice', 'function', 10, null, false],
        ['Router', 'function', 11, null, false],
        ['route', 'method', 12, 'Router', false],
        ['handle', 'method', 15, 'Router', false],
      ],
    );
    assert.deepEqual(
      result.refs.filter((r) => r.name === 'twice').map((r) => [r.kind, r.line, r.enclosing]),
      [['call', 13, 'Router.route']],
    );
    // References inside the function expression belong to the assigned name.
    assert.deepEqual(
      result.refs.filter((r) => r.name === 'helper').map((r) => [r.kind, r.line, r.enclosing]),
      [['call', 10, 'twice']],
    );
  });
});

describe('javascript: express-style JSDoc one blank line above, and a named function expression of another name', () => {
  const source = [
    '/*!',
    ' * lib',
    ' * MIT Licensed',
    ' */',
    '',
    "'use strict';",
    '',
    '/**',
    ' * Module dependencies.',
    ' * @private',
    ' */',
    '',
    "var pathRegexp = require('path-to-regexp');",
    '',
    '/**',
    ' * Check if this route matches `path`, if so',
    ' * populate `.params`.',
    ' *',
    ' * @param {String} path',
    ' * @api private',
    ' */',
    '',
    'Layer.prototype.match = function match(path) {',
    '  return pathRegexp(path);',
    '};',
    '',
    '/**',
    ' * Handle the request for the layer.',
    ' */',
    '',
    'Layer.prototype.handle_request = function handle(req, res, next) {',
    '  var fn = this.handle;',
    '  fn(req, res, next);',
    '};',
    '',
    '/**',
    ' * @module layer',
    ' */',
    '',
    'function decode_param(val) {',
    '  return decodeURIComponent(val);',
    '}',
    '',
    '/**',
    ' * Two blank lines away.',
    ' */',
    '',
    '',
    'function far() {}',
  ].join('\n');
  const result = createExtractor().extractFile(source, 'javascript');

  it('is the doc of the definition below it, which it opens the chunk of; an overview is not', () => {
    assert.equal(
      symbolNamed(result, 'Layer.match').doc,
      'Check if this route matches `path`, if so\npopulate `.params`.\n\n@param {String} path\n@api private',
    );
    assert.equal(symbolNamed(result, 'Layer.handle_request').doc, 'Handle the request for the layer.');
    assert.equal(symbolNamed(result, 'decode_param').doc, null);
    assert.equal(symbolNamed(result, 'far').doc, null);
    assert.deepEqual(
      result.chunks.filter((c) => c.kind === 'symbol').map((c) => [c.symbol, c.startLine, c.endLine]),
      [
        ['Layer.match', 15, 25],
        ['Layer.handle_request', 27, 34],
        ['decode_param', 40, 42],
        ['far', 49, 49],
      ],
    );
  });

  it('names the method once: `function handle` is the value assigned, no second symbol', () => {
    assert.deepEqual(
      result.symbols.filter((s) => s.kind !== 'variable').map((s) => [s.container, s.name, s.startLine]),
      [
        ['Layer', 'match', 23],
        ['Layer', 'handle_request', 31],
        [null, 'decode_param', 40],
        [null, 'far', 49],
      ],
    );
  });
});

describe('javascript: CommonJS require() bindings', () => {
  const source = [
    "const { Linter, Fixer: Applied } = require('./linter');",
    'const SourceCodeFixer = require("./source-code-fixer");',
    "const a = require('./x'), b = require('./y').b;",
    "let path = require('path');",
    "require('./side-effect');",
    "const config = loadConfig('./config.json');",
    'module.exports = { Linter, SourceCodeFixer };',
  ].join('\n');
  const result = createExtractor().extractFile(source, 'javascript');

  it('a name bound to a whole require() call is an import, not a definition', () => {
    // `b` holds a member of the module and `config` a call's result: those stay definitions.
    assert.deepEqual(definitionRows(result), [
      ['b', 'constant', 3, 3, null],
      ['config', 'constant', 6, 6, null],
    ]);
  });

  it('records the names each require() binds, at the name and not inside the module string', () => {
    assert.deepEqual(importRows(result), [
      ['./linter', ['Linter', 'Fixer'], 1],
      ['./source-code-fixer', ['SourceCodeFixer'], 2],
      ['./x', ['a'], 3],
      ['path', ['path'], 4],
      ['./side-effect', [], 5],
    ]);
    assert.deepEqual(
      result.refs.filter((r) => r.kind === 'import').map((r) => [r.name, r.line, r.col]),
      [
        ['Linter', 1, 8],
        ['Fixer', 1, 16],
        ['SourceCodeFixer', 2, 6],
        ['a', 3, 6],
        ['path', 4, 4],
      ],
    );
  });
});
