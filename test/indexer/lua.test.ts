import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createExtractor } from '../../src/indexer/index.js';
import {
  definitionRows,
  exportedNames,
  extractFixture,
  importRows,
  itReadsReceivers,
  refRows,
  symbolNamed,
} from './helpers.js';

describe('lua: lua/queue.lua', () => {
  const result = extractFixture('lua/queue.lua');

  it('detects the language', () => {
    assert.equal(result.language, 'lua');
  });

  it('extracts functions, methods, table fields and module-level variables', () => {
    assert.deepEqual(definitionRows(result), [
      ['json', 'variable', 1, 1, null],
      ['util', 'variable', 2, 2, null],
      ['Queue', 'variable', 5, 5, null],
      ['__index', 'field', 6, 6, 'Queue'],
      ['new', 'function', 9, 13, 'Queue'],
      ['push', 'method', 15, 17, 'Queue'],
      ['helper', 'function', 19, 19, null],
      ['global_fn', 'function', 21, 21, null],
      ['M', 'variable', 23, 23, null],
      ['version', 'field', 24, 24, 'M'],
      ['run', 'function', 25, 25, 'M'],
    ]);
  });

  it('marks what is visible outside the file', () => {
    const hidden = result.symbols
      .map((s) => (s.container === null ? s.name : `${s.container}.${s.name}`))
      .filter((name) => !exportedNames(result).includes(name));
    assert.deepEqual(hidden, ['json', 'util', 'Queue', 'helper']);
  });

  it('reads signatures and doc comments', () => {
    assert.equal(symbolNamed(result, 'Queue').signature, 'local Queue = {}');
    assert.equal(symbolNamed(result, 'Queue').doc, 'A queue.');
    assert.equal(symbolNamed(result, 'Queue.new').signature, 'function Queue.new(name)');
    assert.equal(symbolNamed(result, 'Queue.new').doc, 'Creates a queue.');
    assert.equal(symbolNamed(result, 'Queue.push').signature, 'function Queue:push(item)');
    assert.equal(symbolNamed(result, 'Queue.push').doc, null);
    assert.equal(symbolNamed(result, 'helper').signature, 'local function helper(x) return x * 2 end');
    assert.equal(symbolNamed(result, 'helper').doc, null);
  });

  it('extracts references with their enclosing definition', () => {
    assert.deepEqual(refRows(result), [
      ['setmetatable', 'call', 10, 'Queue.new'],
      ['insert', 'call', 16, 'Queue.push'],
      ['run', 'call', 25, 'M.run'],
    ]);
  });

  it('extracts imports', () => {
    assert.deepEqual(importRows(result), [
      ['json', [], 1],
      ['util', [], 2],
    ]);
  });
});

describe('lua: functions on nested tables', () => {
  const source = [
    'local Date = {}',
    'Date.Format = {}',
    'function Date.Format:parse(str)',
    '  return str',
    'end',
    'function Date.Interval.new(n) return n end',
    'M.util.trim = function(s) return s end',
    '',
  ].join('\n');
  const result = createExtractor().extractFile(source, 'lua');

  it('names the table path as the container', () => {
    assert.deepEqual(
      definitionRows(result).filter(([, kind]) => kind === 'function' || kind === 'method'),
      [
        ['parse', 'method', 3, 5, 'Date.Format'],
        ['new', 'function', 6, 6, 'Date.Interval'],
        ['trim', 'function', 7, 7, 'M.util'],
      ],
    );
  });
});

describe('lua: module-level aliases', () => {
  const source = [
    'local find = string.find', // 1
    'local pairs, type = pairs, type', // 2
    'local List = utils.stdmt.List', // 3
    'local M = {}', // 4
    'local VERSION = "1.0"', // 5
    'local json = require("json")', // 6
    'local limit = 2 * 8', // 7
    'alias = other', // 8
    'count = 0', // 9
    'function M.run() return find("a", "b") end', // 10
    'return M', // 11
    '',
  ].join('\n');
  const result = createExtractor().extractFile(source, 'lua');

  it('binds no definition to a name that only renames another', () => {
    assert.deepEqual(
      result.symbols.map((s) => `${s.startLine} ${s.kind} ${s.container ?? ''}.${s.name}`),
      [
        '4 variable .M',
        '5 variable .VERSION',
        '6 variable .json',
        '7 variable .limit',
        '9 variable .count',
        '10 function M.run',
      ],
    );
    // The alias's uses are still references.
    assert.ok(result.refs.some((r) => r.name === 'find' && r.line === 10));
  });
});

describe('lua: call receivers', () => {
  const source = [
    "local utils = require 'pl.utils'",
    'local List = {}',
    'function List:append(x)',
    '  self:insert(x)',
    '  utils.assert_arg(1, x)',
    '  List.new()',
    '  local l = List()',
    '  l:extend(x)',
    '  pl.utils.split(x)',
    '  helper(x)',
    '  obj.field:go()',
    '  self.items.add(x)',
    'end',
  ].join('\n');
  itReadsReceivers('t.f() names the table, obj:f() reads like a method call', source, 'lua', [
    ['insert', 4, 'List'],
    ['assert_arg', 5, 'utils'],
    ['new', 6, 'List'],
    ['List', 7, ''],
    ['extend', 8, '~l'],
    ['split', 9, 'utils'],
    ['helper', 10, ''],
    ['go', 11, '~obj.field'],
    ['add', 12, '~self.items'],
  ]);
});
