import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { detectLanguage } from '../../src/indexer/index.js';
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

describe('dart: dart/queue.dart', () => {
  const result = extractFixture('dart/queue.dart');

  it('detects the language', () => {
    assert.equal(result.language, 'dart');
    assert.equal(detectLanguage('bin/tool', '#!/usr/bin/env dart\n'), 'dart');
  });

  it('extracts classes, mixins, extensions, enums, constructors, accessors, methods and fields', () => {
    assert.deepEqual(definitionRows(result), [
      ['maxAttempts', 'constant', 7, 7, null],
      ['_log', 'constant', 9, 9, null],
      ['JobCallback', 'type', 11, 11, null],
      ['Queue', 'class', 14, 40, null],
      ['name', 'field', 15, 15, 'Queue'],
      ['defaultLimit', 'constant', 16, 16, 'Queue'],
      ['_items', 'field', 17, 17, 'Queue'],
      ['Queue', 'constructor', 20, 20, 'Queue'],
      ['named', 'constructor', 22, 22, 'Queue'],
      ['fromJson', 'constructor', 24, 24, 'Queue'],
      ['length', 'method', 26, 26, 'Queue'],
      ['limit', 'method', 28, 30, 'Queue'],
      ['add', 'method', 33, 37, 'Queue'],
      ['close', 'method', 39, 39, 'Queue'],
      ['MemoryQueue', 'class', 42, 49, null],
      ['MemoryQueue', 'constructor', 43, 43, 'MemoryQueue'],
      ['close', 'method', 46, 48, 'MemoryQueue'],
      ['Loggable', 'class', 51, 53, null],
      ['log', 'method', 52, 52, 'Loggable'],
      ['QueueStats', 'class', 55, 57, null],
      ['isEmpty', 'method', 56, 56, 'QueueStats'],
      ['Priority', 'enum', 59, 59, null],
      ['low', 'constant', 59, 59, 'Priority'],
      ['normal', 'constant', 59, 59, 'Priority'],
      ['high', 'constant', 59, 59, 'Priority'],
      ['_drain', 'function', 61, 65, null],
      ['main', 'function', 67, 71, null],
    ]);
  });

  it('spans a function and its body (the grammar puts them side by side)', () => {
    const add = symbolNamed(result, 'Queue.add');
    assert.deepEqual([add.startLine, add.endLine], [33, 37]);
    assert.equal(result.refs.find((r) => r.name === 'compute')?.enclosing, 'Queue.add');
  });

  it('marks names starting with _ as library-private', () => {
    const hidden = result.symbols
      .map((s) => (s.container === null ? s.name : `${s.container}.${s.name}`))
      .filter((name) => !exportedNames(result).includes(name));
    assert.deepEqual(hidden, ['_log', 'Queue._items', '_drain']);
  });

  it('reads signatures and /// doc comments', () => {
    assert.equal(symbolNamed(result, 'Queue').doc, 'A queue of jobs.');
    assert.equal(
      symbolNamed(result, 'Queue.add').signature,
      'Future<void> add(T job, {int priority = 0}) async',
    );
    assert.equal(symbolNamed(result, 'Queue.add').doc, 'Adds a job and schedules its retry.');
    assert.equal(symbolNamed(result, 'maxAttempts').signature, 'const int maxAttempts = 3');
    assert.equal(symbolNamed(result, 'Queue.fromJson').kind, 'constructor');
  });

  it('extracts calls, cascades, instantiations, inheritance and type uses, without built-in types', () => {
    assert.deepEqual(refRows(result), [
      ['Job', 'import', 2, null],
      ['JobState', 'import', 2, null],
      ['Logger', 'new', 9, '_log'],
      ['Future', 'type', 11, 'JobCallback'],
      ['Job', 'type', 11, 'JobCallback'],
      ['T', 'type', 14, 'Queue'],
      ['Job', 'type', 14, 'Queue'],
      ['Base', 'inherit', 14, 'Queue'],
      ['Loggable', 'inherit', 14, 'Queue'],
      ['Sink', 'inherit', 14, 'Queue'],
      ['T', 'type', 14, 'Queue'],
      ['List', 'type', 17, 'Queue._items'],
      ['T', 'type', 17, 'Queue._items'],
      ['Map', 'type', 24, 'Queue.fromJson'],
      ['MemoryQueue', 'new', 24, 'Queue.fromJson'],
      ['Future', 'type', 33, 'Queue.add'],
      ['T', 'type', 33, 'Queue.add'],
      ['add', 'call', 34, 'Queue.add'],
      ['log', 'call', 35, 'Queue.add'],
      ['Backoff', 'type', 36, 'Queue.add'],
      ['compute', 'call', 36, 'Queue.add'],
      ['then', 'call', 36, 'Queue.add'],
      ['Queue', 'inherit', 42, 'MemoryQueue'],
      ['Job', 'type', 42, 'MemoryQueue'],
      ['clear', 'call', 47, 'MemoryQueue.close'],
      ['Base', 'type', 51, 'Loggable'],
      ['info', 'call', 52, 'Loggable.log'],
      ['Queue', 'type', 55, 'QueueStats'],
      ['Queue', 'type', 61, '_drain'],
      ['add', 'call', 63, '_drain'],
      ['Job', 'new', 63, '_drain'],
      ['close', 'call', 64, '_drain'],
      ['List', 'type', 67, 'main'],
      ['MemoryQueue', 'new', 68, 'main'],
      ['_drain', 'call', 69, 'main'],
      ['runZoned', 'call', 70, 'main'],
      ['close', 'call', 70, 'main'],
    ]);
    const types = new Set(result.refs.filter((r) => r.kind === 'type').map((r) => r.name));
    for (const builtin of ['int', 'String', 'bool', 'dynamic']) assert.ok(!types.has(builtin), builtin);
  });

  it('extracts imports with their show names, and exports', () => {
    assert.deepEqual(importRows(result), [
      ['dart:async', [], 1],
      ['package:jobs/job.dart', ['Job', 'JobState'], 2],
      ['package:jobs/backoff.dart', [], 3],
      ['src/worker.dart', [], 4],
    ]);
  });

  it('chunks each definition', () => {
    assert.deepEqual(chunkRows(result), [
      ['header', null, 1, 11],
      ['symbol', 'Queue', 13, 18],
      ['symbol', 'Queue.Queue', 19, 26],
      ['symbol', 'Queue.limit', 28, 30],
      ['symbol', 'Queue.add', 32, 39],
      ['symbol', 'MemoryQueue', 42, 43],
      ['symbol', 'MemoryQueue.close', 45, 48],
      ['symbol', 'Loggable', 51, 52],
      ['symbol', 'QueueStats', 55, 59],
      ['symbol', '_drain', 61, 65],
      ['symbol', 'main', 67, 71],
    ]);
  });
});

describe('dart: call receivers', () => {
  const source = [
    'class A {',
    '  void f(PluginCall call) {',
    '    this.add(1);',
    '    call.resolve();',
    '    Foo.bar();',
    '    add(2);',
    '    a.b.c();',
    '    x?.y();',
    '  }',
    '}',
  ].join('\n');
  itReadsReceivers('this, a class or a variable is the receiver; a chain has none', source, 'dart', [
    ['add', 3, 'A'],
    ['resolve', 4, '~call'],
    ['bar', 5, 'Foo'],
    ['add', 6, null],
    ['c', 7, null],
    ['y', 8, '~x'],
  ]);
});
