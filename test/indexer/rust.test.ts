import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { createExtractor } from '../../src/indexer/index.js';
import {
  chunkRows,
  definitionRows,
  exportedNames,
  extractFixture,
  FIXTURES,
  importRows,
  refRows,
  symbolNamed,
} from './helpers.js';

describe('rust: rust/src/lib.rs', () => {
  const result = extractFixture('rust/src/lib.rs');

  it('detects the language', () => {
    assert.equal(result.language, 'rust');
  });

  it('extracts every definition; impl methods are contained by the impl type', () => {
    assert.deepEqual(definitionRows(result), [
      ['store', 'module', 3, 3, null],
      ['DEFAULT_CAPACITY', 'constant', 9, 9, null],
      ['HITS', 'variable', 11, 11, null],
      ['Policy', 'enum', 15, 18, null],
      ['Lru', 'constant', 16, 16, 'Policy'],
      ['Fifo', 'constant', 17, 17, 'Policy'],
      ['Key', 'type', 20, 20, null],
      ['Lookup', 'trait', 23, 30, null],
      ['lookup', 'method', 25, 25, 'Lookup'],
      ['contains', 'method', 27, 29, 'Lookup'],
      ['Cache', 'struct', 33, 36, null],
      ['store', 'field', 34, 34, 'Cache'],
      ['policy', 'field', 35, 35, 'Cache'],
      ['new', 'method', 39, 41, 'Cache'],
      ['record_hit', 'method', 43, 45, 'Cache'],
      ['lookup', 'method', 49, 52, 'Cache'],
      ['fmt', 'method', 56, 58, 'Cache'],
      ['default_cache', 'function', 62, 64, null],
      ['tests', 'module', 66, 72, null],
      ['check', 'function', 69, 71, 'tests'],
    ]);
  });

  it('exports `pub` items (and members of pub traits and enums)', () => {
    assert.deepEqual(exportedNames(result), [
      'store',
      'DEFAULT_CAPACITY',
      'Policy',
      'Policy.Lru',
      'Policy.Fifo',
      'Key',
      'Lookup',
      'Lookup.lookup',
      'Lookup.contains',
      'Cache',
      'Cache.new',
      'default_cache',
    ]);
  });

  it('extracts /// docs across attributes, and signatures', () => {
    assert.equal(symbolNamed(result, 'Policy').doc, 'How entries are evicted.');
    assert.equal(symbolNamed(result, 'Lookup.lookup').doc, 'Returns the value for `key`, if any.');
    assert.equal(symbolNamed(result, 'Cache').doc, 'A cache in front of a [`Store`].');
    assert.equal(symbolNamed(result, 'Cache.new').doc, null);
    assert.equal(
      symbolNamed(result, 'Cache.fmt').signature,
      "fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result",
    );
    assert.equal(
      symbolNamed(result, 'DEFAULT_CAPACITY').signature,
      'pub const DEFAULT_CAPACITY: usize = 128',
    );
  });

  it('extracts calls, macros, struct literals, trait impls and types', () => {
    assert.deepEqual(refRows(result), [
      ['Display', 'import', 5, null],
      ['Store', 'import', 6, null],
      ['String', 'type', 20, 'Key'],
      ['Option', 'type', 25, 'Lookup.lookup'],
      ['String', 'type', 25, 'Lookup.lookup'],
      ['lookup', 'call', 28, 'Lookup.contains'],
      ['is_some', 'call', 28, 'Lookup.contains'],
      ['Store', 'type', 34, 'Cache.store'],
      ['Policy', 'type', 35, 'Cache.policy'],
      ['Cache', 'type', 38, 'Cache'],
      ['Policy', 'type', 39, 'Cache.new'],
      ['Self', 'type', 39, 'Cache.new'],
      ['Cache', 'new', 40, 'Cache.new'],
      ['Store', 'type', 40, 'Cache.new'],
      ['new', 'call', 40, 'Cache.new'],
      ['Lookup', 'inherit', 48, 'Cache'],
      ['Cache', 'type', 48, 'Cache'],
      ['Option', 'type', 49, 'Cache.lookup'],
      ['String', 'type', 49, 'Cache.lookup'],
      ['record_hit', 'call', 50, 'Cache.lookup'],
      ['get', 'call', 51, 'Cache.lookup'],
      ['cloned', 'call', 51, 'Cache.lookup'],
      ['Display', 'inherit', 55, 'Cache'],
      ['Cache', 'type', 55, 'Cache'],
      ['Formatter', 'type', 56, 'Cache.fmt'],
      ['Result', 'type', 56, 'Cache.fmt'],
      ['write', 'call', 57, 'Cache.fmt'],
      ['Cache', 'type', 62, 'default_cache'],
      ['Cache', 'type', 63, 'default_cache'],
      ['new', 'call', 63, 'default_cache'],
      // An enum variant as a value names its enum.
      ['Policy', 'type', 63, 'default_cache'],
      ['assert', 'call', 70, 'tests.check'],
    ]);
  });

  it('splits use trees into source and names', () => {
    assert.deepEqual(importRows(result), [
      ['std::fmt', ['self', 'Display'], 5],
      ['crate::store', ['Store'], 6],
      ['super', ['*'], 67],
    ]);
  });

  it('chunks with the header running to the last top-level use', () => {
    assert.deepEqual(chunkRows(result), [
      // `pub mod store;` has no body: it stays in the header, which runs on to the constants.
      ['header', null, 1, 11],
      // The `impl` heads are in no chunk: their methods' contexts carry them.
      ['symbol', 'Policy', 13, 20],
      ['symbol', 'Lookup', 22, 30],
      ['symbol', 'Cache', 32, 36],
      ['symbol', 'Cache.new', 39, 41],
      ['symbol', 'Cache.record_hit', 43, 45],
      ['symbol', 'Cache.lookup', 49, 52],
      ['symbol', 'Cache.fmt', 56, 58],
      ['symbol', 'default_cache', 61, 64],
      ['symbol', 'tests', 66, 68],
      ['symbol', 'tests.check', 69, 71],
    ]);
  });
});

describe('rust: rust/src/store.rs', () => {
  it('defines the Store used by lib.rs', () => {
    const result = extractFixture('rust/src/store.rs');
    assert.deepEqual(definitionRows(result), [
      ['Store', 'struct', 7, 10, null],
      ['items', 'field', 8, 8, 'Store'],
      ['capacity', 'field', 9, 9, 'Store'],
      ['new', 'method', 14, 16, 'Store'],
      ['get', 'method', 18, 20, 'Store'],
      ['insert', 'method', 22, 28, 'Store'],
    ]);
    assert.deepEqual(importRows(result), [['std::collections', ['HashMap'], 3]]);
  });
});

describe('rust: items inside item-level macros (fixtures/rust-macros/macros.rs)', () => {
  // Kept out of the langs fixture repository, whose file and symbol counts other tests assert.
  const result = createExtractor().extractFile(
    readFileSync(new URL('../rust-macros/macros.rs', FIXTURES), 'utf8'),
    'rust',
  );

  it('finds items in macro bodies, nested macros and cfg_if branches, with their positions', () => {
    assert.deepEqual(definitionRows(result), [
      ['cfg_rt', 'function', 4, 6, null],
      ['JoinHandle', 'struct', 10, 12, null],
      ['raw', 'field', 11, 11, 'JoinHandle'],
      ['abort', 'method', 15, 17, 'JoinHandle'],
      ['bind', 'function', 21, 21, null],
      ['page_size', 'function', 27, 27, null],
      ['page_size', 'function', 29, 29, null],
      ['Runtime', 'struct', 33, 33, null],
      ['block_on', 'method', 37, 37, 'Runtime'],
      ['drop_task', 'function', 47, 50, null],
      ['define_builder', 'function', 53, 70, null],
      ['RegexBuilder', 'struct', 59, 59, null],
      ['size_limit', 'method', 62, 66, 'RegexBuilder'],
    ]);
    assert.equal(symbolNamed(result, 'JoinHandle').doc, 'A handle to a spawned task.');
    assert.equal(symbolNamed(result, 'JoinHandle').exported, true);
  });

  it('records references inside macro bodies once each', () => {
    const rows = refRows(result).filter(([, , line]) => line >= 8 && line <= 31);
    // Generic parameters count as type uses, and `Listener::new` names `Listener` twice, as
    // outside macros.
    assert.deepEqual(rows, [
      ['cfg_rt', 'call', 8, null],
      ['Arc', 'type', 11, 'JoinHandle.raw'],
      ['T', 'type', 11, 'JoinHandle.raw'],
      ['JoinHandle', 'type', 14, 'JoinHandle'],
      ['T', 'type', 14, 'JoinHandle'],
      ['drop_task', 'call', 16, 'JoinHandle.abort'],
      ['Arc', 'type', 16, 'JoinHandle.abort'],
      ['clone', 'call', 16, 'JoinHandle.abort'],
      ['cfg_net', 'call', 20, null],
      ['Listener', 'type', 21, 'bind'],
      ['Listener', 'type', 21, 'bind'],
      ['new', 'call', 21, 'bind'],
    ]);
  });

  it('reads the items a macro_rules! template defines, without the names its metavariables spell', () => {
    // `pub mod $name { … }` is no module (the definitions above list none); what it holds is
    // where the macro is invoked, and its repetition `$(#[$doc])*` reads as one attribute.
    assert.equal(
      symbolNamed(result, 'RegexBuilder.size_limit').signature,
      'pub fn size_limit(&mut self, bytes: usize) -> &mut RegexBuilder',
    );
    const names = [...result.symbols.map((s) => s.name), ...result.refs.map((r) => r.name)];
    assert.deepEqual(
      names.filter((n) => n.includes('$')),
      [],
    );
    assert.deepEqual(
      refRows(result).filter(([, , line]) => line >= 53 && line <= 70),
      [
        ['Options', 'type', 59, 'RegexBuilder'],
        ['RegexBuilder', 'type', 61, 'RegexBuilder'],
        ['RegexBuilder', 'type', 62, 'RegexBuilder.size_limit'],
        ['check', 'call', 64, 'RegexBuilder.size_limit'],
      ],
    );
    // `use crate::$regex_mod::Regex` names no module of the crate.
    assert.deepEqual(importRows(result), [['std::sync', ['Arc'], 2]]);
    assert.deepEqual(
      chunkRows(result).filter(([kind, , start]) => kind === 'symbol' && start >= 52),
      [
        // The comment above the macro opens its chunk.
        // The `impl` head is in no chunk; the one-line struct is its own (it is no member of the macro).
        ['symbol', 'define_builder', 52, 58],
        ['symbol', 'RegexBuilder', 59, 59],
        ['symbol', 'RegexBuilder.size_limit', 62, 66],
      ],
    );
  });

  it('chunks the items found in macro bodies', () => {
    assert.deepEqual(
      chunkRows(result).filter(([kind, , start]) => kind === 'symbol' && start >= 8 && start <= 31),
      [
        // The `impl` head is in no chunk.
        ['symbol', 'JoinHandle', 9, 12],
        ['symbol', 'JoinHandle.abort', 15, 17],
        ['symbol', 'bind', 21, 21],
        // The other branch's `page_size`, the `} else {` between and the one-line struct after
        // them join the unix one's chunk.
        ['symbol', 'page_size', 27, 33],
      ],
    );
  });
});

describe('rust: turbofish calls and enum variants in patterns', () => {
  const source = [
    'fn f(m: &ArgMatches, k: ErrorKind) -> u8 {',
    '    let a = m.get_one::<u8>("x");',
    '    let b = parse::<u8>(s);',
    '    let c = Value::from_str::<u8>(s);',
    '    match k { ErrorKind::ArgumentConflict => 1, _ => 2 }',
    '}',
  ].join('\n');
  it('are references', () => {
    const result = createExtractor().extractFile(source, 'rust');
    assert.deepEqual(
      result.refs.filter((r) => r.line > 1).map((r) => [r.name, r.kind, r.line, r.receiver ?? null]),
      [
        ['get_one', 'call', 2, '~m'],
        ['parse', 'call', 3, ''],
        ['Value', 'type', 4, null],
        ['from_str', 'call', 4, 'Value'],
        ['ErrorKind', 'type', 5, null],
      ],
    );
  });
});

describe('rust: methods of a trait implementation', () => {
  const source = [
    'pub struct Error { msg: String }',
    '',
    'impl fmt::Display for Error {',
    '    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {',
    '        write!(f, "{}", self.msg)',
    '    }',
    '}',
    '',
    'impl<T> From<T> for Error',
    'where',
    '    T: std::error::Error,',
    '{',
    '    fn from(e: T) -> Self {',
    '        Error { msg: e.to_string() }',
    '    }',
    '}',
    '',
    'impl Error {',
    '    pub fn new() -> Self {',
    '        Error { msg: String::new() }',
    '    }',
    '}',
    '',
  ].join('\n');
  const chunks = createExtractor().extractFile(source, 'rust').chunks;

  it('carry the trait in their chunk’s context, which the container’s name alone does not tell', () => {
    assert.deepEqual(
      chunks.filter((c) => c.kind === 'symbol').map((c) => [c.symbol, c.context]),
      [
        ['Error', 'Error'],
        ['Error.fmt', 'Error.fmt (impl fmt::Display for Error)'],
        ['Error.from', 'Error.from (impl<T> From<T> for Error)'],
        ['Error.new', 'Error.new'],
      ],
    );
  });

  it('leave the impl heads (a where clause, `} impl Error {`) in no chunk of their own', () => {
    assert.deepEqual(
      chunks.map((c) => [c.kind, c.symbol, c.startLine, c.endLine]),
      [
        ['symbol', 'Error', 1, 1],
        ['symbol', 'Error.fmt', 4, 6],
        ['symbol', 'Error.from', 13, 15],
        ['symbol', 'Error.new', 19, 21],
      ],
    );
  });
});

describe('rust: methods of a blanket implementation', () => {
  const source = [
    'pub trait CoalescePredicate<Item, T> {',
    '    fn coalesce_pair(&mut self, t: T, item: Item) -> Result<T, (T, T)>;',
    '}',
    '',
    'impl<F, Item, T> CoalescePredicate<Item, T> for F',
    'where',
    '    F: FnMut(T, Item) -> Result<T, (T, T)>,',
    '{',
    '    fn coalesce_pair(&mut self, t: T, item: Item) -> Result<T, (T, T)> {',
    '        self(t, item)',
    '    }',
    '}',
    '',
    'impl<G: FnMut(u8) -> u8, const N: usize> fmt::Debug for G {',
    '    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {',
    '        Ok(())',
    '    }',
    '}',
    '',
    'impl<T> From<T> for Wrapper<T> {',
    '    fn from(t: T) -> Self {',
    '        Wrapper(t)',
    '    }',
    '}',
    '',
  ].join('\n');
  const result = createExtractor().extractFile(source, 'rust');

  it('belong to the trait, not to a type named after the type parameter', () => {
    assert.deepEqual(
      result.symbols
        .filter((s) => s.kind === 'method' || s.kind === 'function')
        .map((s) => `${s.container}.${s.name}`),
      ['CoalescePredicate.coalesce_pair', 'CoalescePredicate.coalesce_pair', 'Debug.fmt', 'Wrapper.from'],
    );
  });
});
