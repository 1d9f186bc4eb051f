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

describe('python: python/service.py', () => {
  const result = extractFixture('python/service.py');

  it('detects the language', () => {
    assert.equal(result.language, 'python');
  });

  it('extracts every definition; methods, constructors and nested functions by context', () => {
    assert.deepEqual(definitionRows(result), [
      ['log', 'variable', 9, 9, null],
      ['MAX_ACCOUNTS', 'constant', 10, 10, null],
      ['AccountList', 'type', 11, 11, null],
      ['InMemoryRepository', 'class', 14, 24, null],
      ['__init__', 'constructor', 17, 18, 'InMemoryRepository'],
      ['get', 'method', 20, 21, 'InMemoryRepository'],
      ['put', 'method', 23, 24, 'InMemoryRepository'],
      ['AccountService', 'class', 27, 51, null],
      ['limit', 'field', 30, 30, 'AccountService'],
      ['__init__', 'constructor', 32, 33, 'AccountService'],
      ['register', 'method', 35, 47, 'AccountService'],
      ['_normalize', 'method', 50, 51, 'AccountService'],
      ['export_path', 'function', 54, 60, null],
      ['suffix', 'function', 57, 58, 'export_path'],
    ]);
  });

  it('treats underscore names as private, dunders as public', () => {
    assert.deepEqual(exportedNames(result), [
      'log',
      'MAX_ACCOUNTS',
      'AccountList',
      'InMemoryRepository',
      'InMemoryRepository.__init__',
      'InMemoryRepository.get',
      'InMemoryRepository.put',
      'AccountService',
      'AccountService.limit',
      'AccountService.__init__',
      'AccountService.register',
      'export_path',
    ]);
  });

  it('extracts docstrings (cleaned) and signatures', () => {
    const register = symbolNamed(result, 'AccountService.register');
    assert.equal(register.doc, 'Registers every name, skipping existing ones.\n\nReturns the new accounts.');
    assert.equal(register.signature, 'def register(self, names: Iterable[str]) -> AccountList');
    assert.equal(symbolNamed(result, 'AccountService').doc, 'Creates and promotes accounts.');
    assert.equal(symbolNamed(result, 'export_path').doc, 'Where exports are written.');
    assert.equal(symbolNamed(result, 'export_path.suffix').doc, null);
    assert.equal(symbolNamed(result, 'AccountList').signature, 'type AccountList = list[Account]');
  });

  it('extracts references with their enclosing definition', () => {
    assert.deepEqual(refRows(result), [
      ['Iterable', 'import', 5, null],
      ['Account', 'import', 7, null],
      ['Repository', 'import', 7, null],
      ['make_account', 'import', 7, null],
      ['getLogger', 'call', 9, 'log'],
      ['list', 'type', 11, 'AccountList'],
      ['Account', 'type', 11, 'AccountList'],
      ['dict', 'type', 18, 'InMemoryRepository.__init__'],
      ['str', 'type', 18, 'InMemoryRepository.__init__'],
      ['Account', 'type', 18, 'InMemoryRepository.__init__'],
      ['str', 'type', 20, 'InMemoryRepository.get'],
      ['get', 'call', 21, 'InMemoryRepository.get'],
      ['Account', 'type', 23, 'InMemoryRepository.put'],
      ['Repository', 'type', 32, 'AccountService.__init__'],
      ['Iterable', 'type', 35, 'AccountService.register'],
      ['str', 'type', 35, 'AccountService.register'],
      ['AccountList', 'type', 35, 'AccountService.register'],
      ['get', 'call', 42, 'AccountService.register'],
      ['make_account', 'call', 43, 'AccountService.register'],
      ['put', 'call', 44, 'AccountService.register'],
      ['append', 'call', 45, 'AccountService.register'],
      ['info', 'call', 46, 'AccountService.register'],
      ['len', 'call', 46, 'AccountService.register'],
      ['staticmethod', 'call', 49, 'AccountService'],
      ['str', 'type', 50, 'AccountService._normalize'],
      ['str', 'type', 50, 'AccountService._normalize'],
      ['strip', 'call', 51, 'AccountService._normalize'],
      ['lower', 'call', 51, 'AccountService._normalize'],
      ['str', 'type', 54, 'export_path'],
      ['str', 'type', 54, 'export_path'],
      ['str', 'type', 57, 'export_path.suffix'],
      ['join', 'call', 60, 'export_path'],
      ['suffix', 'call', 60, 'export_path'],
    ]);
  });

  it('extracts plain, aliased and relative imports', () => {
    assert.deepEqual(importRows(result), [
      ['logging', [], 3],
      ['os.path', [], 4],
      ['typing', ['Iterable'], 5],
      ['.models', ['Account', 'Repository', 'make_account'], 7],
    ]);
  });

  it('chunks the module docstring and imports into the header', () => {
    assert.deepEqual(chunkRows(result), [
      ['header', null, 1, 11],
      ['symbol', 'InMemoryRepository', 14, 16],
      ['symbol', 'InMemoryRepository.__init__', 17, 18],
      ['symbol', 'InMemoryRepository.get', 20, 21],
      ['symbol', 'InMemoryRepository.put', 23, 24],
      ['symbol', 'AccountService', 27, 31],
      ['symbol', 'AccountService.__init__', 32, 33],
      ['symbol', 'AccountService.register', 35, 47],
      ['symbol', 'AccountService._normalize', 49, 51],
      ['symbol', 'export_path', 54, 60],
    ]);
  });
});

describe('python: python/models.py', () => {
  const result = extractFixture('python/models.py');

  it('maps Enum and Protocol classes to enum and interface kinds', () => {
    assert.deepEqual(definitionRows(result), [
      ['DEFAULT_ROLE', 'constant', 7, 7, null],
      ['Role', 'enum', 10, 14, null],
      ['READER', 'constant', 13, 13, 'Role'],
      ['ADMIN', 'constant', 14, 14, 'Role'],
      ['Account', 'class', 18, 26, null],
      ['name', 'field', 21, 21, 'Account'],
      ['role', 'field', 22, 22, 'Account'],
      ['tags', 'field', 23, 23, 'Account'],
      ['is_admin', 'method', 25, 26, 'Account'],
      ['Repository', 'interface', 29, 34, null],
      ['get', 'method', 32, 32, 'Repository'],
      ['put', 'method', 34, 34, 'Repository'],
      ['make_account', 'function', 37, 39, null],
    ]);
    // service.py calls make_account across files.
    const service = extractFixture('python/service.py');
    assert.ok(service.refs.some((r) => r.name === 'make_account' && r.kind === 'call'));
  });
});

describe('python: module-level assignments inside if/try blocks', () => {
  const source = [
    'import sys',
    '',
    'try:',
    '    import colorama',
    '    HAS_COLORAMA = True',
    'except ImportError:',
    '    HAS_COLORAMA = False',
    'else:',
    '    COLOR_INIT = colorama.init',
    'finally:',
    '    loaded = True',
    '',
    "if sys.platform == 'win32':",
    '    LOCK_EX = 2',
    "elif sys.platform == 'darwin':",
    '    LOCK_EX = 3',
    'else:',
    '    LOCK_EX = 1',
    '',
    'def f():',
    '    if True:',
    '        local = 1',
    '    return local',
  ].join('\n');
  const result = createExtractor().extractFile(source, 'python');

  it('are module symbols; assignments in function bodies are not', () => {
    assert.deepEqual(definitionRows(result), [
      ['HAS_COLORAMA', 'constant', 5, 5, null],
      ['HAS_COLORAMA', 'constant', 7, 7, null],
      ['COLOR_INIT', 'constant', 9, 9, null],
      ['loaded', 'variable', 11, 11, null],
      ['LOCK_EX', 'constant', 14, 14, null],
      ['LOCK_EX', 'constant', 16, 16, null],
      ['LOCK_EX', 'constant', 18, 18, null],
      ['f', 'function', 20, 23, null],
    ]);
  });
});

describe('python: a private class’s attribute use is a use of the class', () => {
  const source = [
    'class _CountingAttr:',
    '    cls_counter = 0',
    '',
    'def attrib():',
    '    _CountingAttr.cls_counter += 1',
    '    return _helper.value + lower.value',
    '',
  ].join('\n');
  for (const walk of [true, false]) {
    it(walk ? 'with the tree walk' : 'with the queries', () => {
      const result = createExtractor({ treeWalk: walk }).extractFile(source, 'python');
      assert.deepEqual(
        result.refs.filter((r) => r.kind === 'type').map((r) => [r.name, r.line]),
        [['_CountingAttr', 5]],
      );
    });
  }
});
