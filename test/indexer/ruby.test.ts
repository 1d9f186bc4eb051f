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

describe('ruby: ruby/order.rb', () => {
  const result = extractFixture('ruby/order.rb');

  it('detects the language', () => {
    assert.equal(result.language, 'ruby');
  });

  it('extracts modules, classes, constants, methods, singleton methods and top-level functions', () => {
    assert.deepEqual(definitionRows(result), [
      ['Shop', 'module', 4, 34, null],
      ['Order', 'class', 6, 33, 'Shop'],
      ['id', 'property', 8, 8, 'Shop.Order'],
      ['lines', 'property', 8, 8, 'Shop.Order'],
      ['MAX', 'constant', 9, 9, 'Shop.Order'],
      ['initialize', 'constructor', 11, 14, 'Shop.Order'],
      ['add', 'method', 17, 20, 'Shop.Order'],
      ['build', 'method', 22, 24, 'Shop.Order'],
      ['parse', 'method', 27, 27, 'Shop.Order'],
      ['validate!', 'method', 32, 32, 'Shop.Order'],
      ['top_level_helper', 'function', 36, 36, null],
    ]);
  });

  it('marks what is visible outside the file', () => {
    const hidden = result.symbols
      .map((s) => (s.container === null ? s.name : `${s.container}.${s.name}`))
      .filter((name) => !exportedNames(result).includes(name));
    assert.deepEqual(hidden, []);
  });

  it('reads signatures and doc comments', () => {
    assert.equal(symbolNamed(result, 'Shop.Order').signature, 'class Order < Base');
    assert.equal(symbolNamed(result, 'Shop.Order').doc, 'An order in the shop.');
    assert.equal(symbolNamed(result, 'Shop.Order.add').signature, 'def add(line)');
    assert.equal(symbolNamed(result, 'Shop.Order.add').doc, 'Adds a line.');
    assert.equal(symbolNamed(result, 'Shop.Order.build').signature, 'def self.build(attrs)');
    assert.equal(symbolNamed(result, 'Shop.Order.build').doc, null);
  });

  it('extracts references with their enclosing definition', () => {
    assert.deepEqual(refRows(result), [
      ['Base', 'inherit', 6, 'Shop.Order'],
      ['include', 'call', 7, 'Shop.Order'],
      ['attr_reader', 'call', 8, 'Shop.Order'],
      ['validate!', 'call', 19, 'Shop.Order.add'],
      ['new', 'call', 23, 'Shop.Order.build'],
      ['JSON', 'type', 27, 'Shop.Order.parse'],
      ['parse', 'call', 27, 'Shop.Order.parse'],
    ]);
  });

  it('extracts imports', () => {
    assert.deepEqual(importRows(result), [
      ['json', [], 1],
      ['base', [], 2],
    ]);
  });
});

describe('ruby: accessors and aliases', () => {
  const source = [
    'class Conn',
    '  attr_accessor :host, :port',
    '  attr_writer :timeout',
    '  alias_method :open, :connect',
    '  alias close disconnect',
    '  alias :reset :disconnect',
    '  def connect; end',
    'end',
    '',
  ].join('\n');
  const result = createExtractor().extractFile(source, 'ruby');

  it('makes every accessor symbol a property and only the new name of an alias a method', () => {
    assert.deepEqual(definitionRows(result), [
      ['Conn', 'class', 1, 8, null],
      ['host', 'property', 2, 2, 'Conn'],
      ['port', 'property', 2, 2, 'Conn'],
      ['timeout', 'property', 3, 3, 'Conn'],
      ['open', 'method', 4, 4, 'Conn'],
      ['close', 'method', 5, 5, 'Conn'],
      ['reset', 'method', 6, 6, 'Conn'],
      ['connect', 'method', 7, 7, 'Conn'],
    ]);
  });

  it('leaves the accessor calls enclosed by the class, not by what they define', () => {
    assert.deepEqual(
      refRows(result).filter(([name]) => name.startsWith('attr') || name === 'alias_method'),
      [
        ['attr_accessor', 'call', 2, 'Conn'],
        ['attr_writer', 'call', 3, 'Conn'],
        ['alias_method', 'call', 4, 'Conn'],
      ],
    );
  });
});

describe('ruby: a doc comment one blank line above its definition', () => {
  const source = [
    '# frozen_string_literal: true',
    '',
    'module Rack',
    '  # Sets the Content-Length header on responses that do not specify one.',
    '',
    '  class ContentLength',
    '    # Generate a new session id.',
    '    # The size is set by the :sidbits option.',
    '',
    '    def generate_sid',
    '      1',
    '    end',
    '',
    '  # Helpers below.',
    '',
    '    def call(env)',
    '      env',
    '    end',
    '',
    '    # :nodoc:',
    '',
    '    def hidden; end',
    '',
    '    # Two blank lines away.',
    '',
    '',
    '    def far; end',
    '  end',
    'end',
    '',
  ].join('\n');
  const result = createExtractor().extractFile(source, 'ruby');

  it('is the doc when it has the definition indentation and is no magic comment', () => {
    assert.equal(
      symbolNamed(result, 'Rack.ContentLength').doc,
      'Sets the Content-Length header on responses that do not specify one.',
    );
    assert.equal(
      symbolNamed(result, 'Rack.ContentLength.generate_sid').doc,
      'Generate a new session id.\nThe size is set by the :sidbits option.',
    );
    assert.equal(symbolNamed(result, 'Rack').doc, null);
    assert.equal(symbolNamed(result, 'Rack.ContentLength.call').doc, null);
    assert.equal(symbolNamed(result, 'Rack.ContentLength.hidden').doc, null);
    assert.equal(symbolNamed(result, 'Rack.ContentLength.far').doc, null);
  });

  it('leaves a header of only a magic comment out of the chunks', () => {
    assert.deepEqual(
      result.chunks.filter((c) => c.content.includes('frozen_string_literal')),
      [],
    );
  });

  it('starts the definition chunk, so the comment is no chunk of its own', () => {
    const sid = result.chunks.find((c) => c.symbol === 'Rack.ContentLength.generate_sid');
    assert.equal(sid?.startLine, 7);
    assert.ok(!result.chunks.some((c) => c.startLine === 7 && c.symbol === null));
    assert.ok(!result.chunks.some((c) => c.symbol === null && c.content.includes('Generate a new')));
  });
});
