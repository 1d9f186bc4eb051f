import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createExtractor, detectLanguage } from '../../src/indexer/index.js';
import {
  chunkRows,
  definitionRows,
  exportedNames,
  extractFixture,
  importRows,
  refRows,
  symbolNamed,
} from './helpers.js';

describe('elixir: elixir/queue.ex', () => {
  const result = extractFixture('elixir/queue.ex');

  it('detects the language by extension and by shebang', () => {
    assert.equal(result.language, 'elixir');
    assert.equal(detectLanguage('mix.exs'), 'elixir');
    assert.equal(detectLanguage('bin/release', '#!/usr/bin/env elixir\n'), 'elixir');
  });

  it('extracts modules, protocols, implementations, functions, macros, guards and types', () => {
    // `defmodule Jobs.Queue` is `Queue` in `Jobs`; a nested module is in its parent.
    assert.deepEqual(definitionRows(result), [
      ['Queue', 'module', 1, 49, 'Jobs'],
      ['state', 'type', 8, 8, 'Jobs.Queue'],
      ['ref', 'type', 9, 9, 'Jobs.Queue'],
      ['start_link', 'function', 17, 17, 'Jobs.Queue'],
      ['push', 'function', 20, 24, 'Jobs.Queue'],
      ['retry', 'function', 27, 27, 'Jobs.Queue'],
      ['size', 'function', 29, 29, 'Jobs.Queue'],
      ['handle_call', 'function', 32, 34, 'Jobs.Queue'],
      ['log_result', 'function', 36, 39, 'Jobs.Queue'],
      ['debug', 'function', 41, 41, 'Jobs.Queue'],
      ['is_job', 'function', 43, 43, 'Jobs.Queue'],
      ['Stats', 'module', 45, 48, 'Jobs.Queue'],
      ['new', 'function', 47, 47, 'Jobs.Queue.Stats'],
      ['Describe', 'interface', 51, 54, 'Jobs'],
      ['describe', 'function', 53, 53, 'Jobs.Describe'],
      ['Describe', 'module', 56, 58, 'Jobs'],
      ['describe', 'function', 57, 57, 'Jobs.Describe'],
    ]);
  });

  it('marks defp, defmacrop and @typep as private', () => {
    const hidden = result.symbols
      .map((s) => (s.container === null ? s.name : `${s.container}.${s.name}`))
      .filter((name) => !exportedNames(result).includes(name));
    assert.deepEqual(hidden, ['Jobs.Queue.ref', 'Jobs.Queue.log_result']);
  });

  it('reads signatures and @doc strings and heredocs past @spec and @impl', () => {
    assert.equal(
      symbolNamed(result, 'Jobs.Queue.push').signature,
      'def push(pid, %Job{} = job) when is_pid(pid) do',
    );
    assert.equal(symbolNamed(result, 'Jobs.Queue.push').doc, 'Pushes a job; returns its id.');
    assert.equal(
      symbolNamed(result, 'Jobs.Queue.start_link').doc,
      'Starts the queue.\n\n  iex> Jobs.Queue.start_link([])',
    );
    assert.equal(symbolNamed(result, 'Jobs.Queue.retry').doc, 'Retries a failed job after its backoff.');
    assert.equal(symbolNamed(result, 'Jobs.Queue.handle_call').doc, null);
    assert.equal(symbolNamed(result, 'Jobs.Describe.describe').doc, 'A one-line description.');
  });

  it('extracts calls, pipes, remote calls as uses of their module, and structs; no keywords', () => {
    assert.deepEqual(refRows(result), [
      ['Job', 'import', 5, 'Jobs.Queue'],
      ['Backoff', 'import', 5, 'Jobs.Queue'],
      ['list', 'call', 8, 'Jobs.Queue.state'],
      ['pos_integer', 'call', 8, 'Jobs.Queue.state'],
      ['reference', 'call', 9, 'Jobs.Queue.ref'],
      ['keyword', 'call', 16, 'Jobs.Queue'],
      ['GenServer', 'type', 16, 'Jobs.Queue'],
      ['on_start', 'call', 16, 'Jobs.Queue'],
      ['GenServer', 'type', 17, 'Jobs.Queue.start_link'],
      ['start_link', 'call', 17, 'Jobs.Queue.start_link'],
      ['Job', 'new', 20, 'Jobs.Queue.push'],
      ['is_pid', 'call', 20, 'Jobs.Queue.push'],
      ['GenServer', 'type', 22, 'Jobs.Queue.push'],
      ['call', 'call', 22, 'Jobs.Queue.push'],
      ['log_result', 'call', 23, 'Jobs.Queue.push'],
      ['Backoff', 'type', 27, 'Jobs.Queue.retry'],
      ['delay', 'call', 27, 'Jobs.Queue.retry'],
      ['Process', 'type', 27, 'Jobs.Queue.retry'],
      ['sleep', 'call', 27, 'Jobs.Queue.retry'],
      ['Logger', 'type', 37, 'Jobs.Queue.log_result'],
      ['info', 'call', 37, 'Jobs.Queue.log_result'],
      ['inspect', 'call', 37, 'Jobs.Queue.log_result'],
      ['Logger', 'type', 41, 'Jobs.Queue.debug'],
      ['debug', 'call', 41, 'Jobs.Queue.debug'],
      ['is_struct', 'call', 43, 'Jobs.Queue.is_job'],
      ['Job', 'type', 43, 'Jobs.Queue.is_job'],
      ['Stats', 'new', 47, 'Jobs.Queue.Stats.new'],
      ['Job', 'type', 56, 'Jobs.Describe'],
    ]);
    const names = new Set(result.refs.map((r) => r.name));
    for (const keyword of [
      'def',
      'defp',
      'defmodule',
      'if',
      'quote',
      'unquote',
      'defstruct',
      'doc',
      'spec',
      'impl',
    ])
      assert.ok(!names.has(keyword), keyword);
  });

  it('extracts use, require, alias (with its names) and import', () => {
    assert.deepEqual(importRows(result), [
      ['GenServer', [], 3],
      ['Logger', [], 4],
      ['Jobs', ['Job', 'Backoff'], 5],
      ['Enum', [], 6],
    ]);
  });

  it('chunks each definition with the attributes above it', () => {
    assert.deepEqual(chunkRows(result), [
      ['symbol', 'Jobs.Queue', 1, 10],
      ['symbol', 'Jobs.Queue.start_link', 11, 17],
      ['symbol', 'Jobs.Queue.push', 19, 24],
      ['symbol', 'Jobs.Queue.retry', 26, 29],
      ['symbol', 'Jobs.Queue.handle_call', 31, 34],
      ['symbol', 'Jobs.Queue.log_result', 36, 43],
      ['symbol', 'Jobs.Queue.Stats', 45, 47],
      ['symbol', 'Jobs.Describe', 51, 54],
      ['symbol', 'Jobs.Describe', 56, 57],
    ]);
  });
});

describe('elixir: call receivers', () => {
  const source = [
    'defmodule A do',
    '  def f(x) do',
    '    Enum.map(x, &g/1)',
    '    MyApp.Repo.insert(x)',
    '    g(x)',
    '  end',
    'end',
  ].join('\n');
  for (const native of [true, false]) {
    it(`a module's call names the module's last name (${native ? 'native' : 'queries'})`, () => {
      const x = createExtractor({ native }).extractFile(source, 'elixir');
      assert.deepEqual(
        x.refs
          .filter((r) => r.kind === 'call' || r.kind === 'type')
          .map((r) => [r.name, r.kind, r.line, r.receiver ?? null]),
        [
          ['Enum', 'type', 3, null],
          ['map', 'call', 3, 'Enum'],
          ['Repo', 'type', 4, null],
          ['insert', 'call', 4, 'Repo'],
          ['g', 'call', 5, null],
        ],
      );
    });
  }
});
