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

describe('typescript: ts/sample.ts', () => {
  const result = extractFixture('ts/sample.ts');

  it('detects the language', () => {
    assert.equal(result.language, 'typescript');
  });

  it('extracts every definition with kind, lines and container', () => {
    assert.deepEqual(definitionRows(result), [
      ['CACHE_TTL_MS', 'constant', 8, 8, null],
      ['lookups', 'variable', 10, 10, null],
      ['UserSource', 'interface', 13, 16, null],
      ['load', 'method', 14, 14, 'UserSource'],
      ['label', 'property', 15, 15, 'UserSource'],
      ['Listener', 'type', 18, 18, null],
      ['CacheMode', 'enum', 20, 23, null],
      ['ReadThrough', 'constant', 21, 21, 'CacheMode'],
      ['WriteBack', 'constant', 22, 22, 'CacheMode'],
      ['UserRepository', 'class', 28, 50, null],
      ['label', 'property', 29, 29, 'UserRepository'],
      ['users', 'property', 30, 30, 'UserRepository'],
      ['listeners', 'property', 31, 31, 'UserRepository'],
      ['constructor', 'constructor', 33, 33, 'UserRepository'],
      ['load', 'method', 36, 39, 'UserRepository'],
      ['save', 'method', 41, 45, 'UserRepository'],
      ['onChange', 'method', 47, 49, 'UserRepository'],
      ['createRepository', 'function', 53, 57, null],
      ['describeState', 'function', 59, 59, null],
      ['Internal', 'namespace', 61, 65, null],
      ['reset', 'function', 62, 64, 'Internal'],
    ]);
  });

  it('reports columns of the declaration node', () => {
    const repo = symbolNamed(result, 'UserRepository');
    assert.deepEqual([repo.startCol, repo.endCol], [7, 1]);
    const constant = symbolNamed(result, 'CACHE_TTL_MS');
    assert.deepEqual(
      [constant.startLine, constant.startCol, constant.endLine, constant.endCol],
      [8, 13, 8, 34],
    );
  });

  it('marks exported symbols (export keyword; public members of exported containers)', () => {
    assert.deepEqual(exportedNames(result), [
      'CACHE_TTL_MS',
      'UserSource',
      'UserSource.load',
      'UserSource.label',
      'Listener',
      'CacheMode',
      'CacheMode.ReadThrough',
      'CacheMode.WriteBack',
      'UserRepository',
      'UserRepository.label',
      'UserRepository.constructor',
      'UserRepository.load',
      'UserRepository.save',
      'UserRepository.onChange',
      'createRepository',
      'describeState',
    ]);
  });

  it('extracts signatures and JSDoc', () => {
    const create = symbolNamed(result, 'createRepository');
    assert.equal(
      create.signature,
      'export async function createRepository(seed: User): Promise<UserRepository>',
    );
    assert.equal(create.doc, 'Creates a repository and seeds it with one user.');
    const repo = symbolNamed(result, 'UserRepository');
    assert.equal(repo.signature, 'export class UserRepository implements UserSource');
    assert.equal(repo.doc, 'Keeps users in memory and notifies listeners on change.');
    assert.equal(symbolNamed(result, 'UserRepository.load').doc, 'Loads a user, counting the lookup.');
    assert.equal(symbolNamed(result, 'UserRepository.save').doc, null);
    assert.equal(symbolNamed(result, 'UserSource.label').signature, 'readonly label: string');
    assert.equal(
      symbolNamed(result, 'describeState').signature,
      "export const describeState = (state: AccountState): string => path.join('state', state)",
    );
    // The file's header comment is separated by imports, so the first constant does not inherit it.
    assert.equal(
      symbolNamed(result, 'CACHE_TTL_MS').doc,
      'How long cached users stay fresh, in milliseconds.',
    );
  });

  it('extracts references with their enclosing definition', () => {
    assert.deepEqual(refRows(result), [
      ['User', 'import', 4, null],
      ['AccountState', 'import', 4, null],
      ['normalizeName', 'import', 4, null],
      ['path', 'import', 5, null],
      ['Promise', 'type', 14, 'UserSource.load'],
      ['User', 'type', 14, 'UserSource.load'],
      ['User', 'type', 18, 'Listener'],
      ['UserSource', 'inherit', 28, 'UserRepository'],
      ['Map', 'new', 30, 'UserRepository.users'],
      ['User', 'type', 30, 'UserRepository.users'],
      ['Listener', 'type', 31, 'UserRepository.listeners'],
      ['CacheMode', 'type', 33, 'UserRepository.constructor'],
      // `CacheMode.ReadThrough`: a static member use is a use of the enum.
      ['CacheMode', 'type', 33, 'UserRepository.constructor'],
      ['Promise', 'type', 36, 'UserRepository.load'],
      ['User', 'type', 36, 'UserRepository.load'],
      ['get', 'call', 38, 'UserRepository.load'],
      ['User', 'type', 41, 'UserRepository.save'],
      ['normalizeName', 'call', 42, 'UserRepository.save'],
      ['set', 'call', 43, 'UserRepository.save'],
      ['forEach', 'call', 44, 'UserRepository.save'],
      ['listener', 'call', 44, 'UserRepository.save'],
      ['Listener', 'type', 47, 'UserRepository.onChange'],
      ['push', 'call', 48, 'UserRepository.onChange'],
      ['User', 'type', 53, 'createRepository'],
      ['Promise', 'type', 53, 'createRepository'],
      ['UserRepository', 'type', 53, 'createRepository'],
      ['UserRepository', 'new', 54, 'createRepository'],
      ['CacheMode', 'type', 54, 'createRepository'],
      ['save', 'call', 55, 'createRepository'],
      ['AccountState', 'type', 59, 'describeState'],
      ['join', 'call', 59, 'describeState'],
    ]);
    const newRepo = result.refs.find((r) => r.kind === 'new' && r.name === 'UserRepository');
    assert.deepEqual([newRepo?.line, newRepo?.col], [54, 19]);
  });

  it('extracts imports with their names', () => {
    assert.deepEqual(importRows(result), [
      ['./models.js', ['User', 'AccountState', 'normalizeName'], 4],
      ['node:path', ['path'], 5],
    ]);
  });

  it('chunks the file without duplicating members inside their class', () => {
    assert.deepEqual(chunkRows(result), [
      ['header', null, 1, 10],
      ['symbol', 'UserSource', 12, 18],
      ['symbol', 'CacheMode', 20, 23],
      ['symbol', 'UserRepository', 25, 33],
      ['symbol', 'UserRepository.load', 35, 39],
      ['symbol', 'UserRepository.save', 41, 45],
      ['symbol', 'UserRepository.onChange', 47, 49],
      ['symbol', 'createRepository', 52, 59],
      ['symbol', 'Internal.reset', 62, 64],
    ]);
    const header = result.chunks[0];
    assert.ok(header?.content.includes("import * as path from 'node:path';"));
    assert.ok(header?.content.startsWith('/**\n * In-memory user repository'));
  });
});

describe('typescript: cross-file use of ts/models.ts', () => {
  const models = extractFixture('ts/models.ts');
  const sample = extractFixture('ts/sample.ts');

  it('defines what sample.ts imports and calls', () => {
    assert.deepEqual(definitionRows(models), [
      ['User', 'interface', 6, 10, null],
      ['id', 'property', 7, 7, 'User'],
      ['name', 'property', 8, 8, 'User'],
      ['email', 'property', 9, 9, 'User'],
      ['AccountState', 'enum', 13, 16, null],
      ['Active', 'constant', 14, 14, 'AccountState'],
      ['Suspended', 'constant', 15, 15, 'AccountState'],
      ['UserId', 'type', 18, 18, null],
      ['MAX_NAME_LENGTH', 'constant', 21, 21, null],
      ['normalizeName', 'function', 24, 26, null],
    ]);
    assert.ok(sample.refs.some((r) => r.name === 'normalizeName' && r.kind === 'call'));
    assert.equal(
      symbolNamed(models, 'normalizeName').doc,
      'Normalises a display name: trims it and cuts it to {@link MAX_NAME_LENGTH}.',
    );
  });
});

describe('typescript: object types and wrapped function expressions', () => {
  const source = [
    'export type Annotation = {', // 1
    '    annotationType_: string',
    '    make_(',
    '        adm: Administration,',
    '        key: PropertyKey',
    '    ): MakeResult',
    '    extend_(',
    '        adm: Administration,',
    '        key: PropertyKey',
    '    ): boolean | null',
    '    options_?: any',
    '}',
    '',
    'export const flow: Flow = Object.assign(', // 14
    '    function flow(generator) {',
    '        function onFulfilled(value) {',
    '            return next(value)',
    '        }',
    '        function next(ret) {',
    '            return ret.done ? ret.value : Promise.resolve(ret.value).then(onFulfilled)',
    '        }',
    '        return next(generator.next())',
    '    },',
    '    flowAnnotation',
    ')',
    '',
    'export const Input = forwardRef(function Input(props, ref) {', // 27
    '    return render(props, ref)',
    '})',
  ].join('\n');
  const result = createExtractor().extractFile(source, 'typescript');

  it('reads a type alias of an object type whole, as an interface', () => {
    const chunks = result.chunks.map((c) => [c.symbol, c.startLine, c.endLine]);
    assert.deepEqual(chunks[0], ['Annotation', 1, 12]);
    assert.ok(!chunks.some(([symbol]) => symbol === 'Annotation.make_' || symbol === 'Annotation.extend_'));
    // Its members are still symbols.
    assert.equal(symbolNamed(result, 'Annotation.make_').kind, 'method');
  });

  it('names a function expression wrapped in a value of its own name once; what it nests stays in its chunk', () => {
    assert.deepEqual(
      result.chunks.filter((c) => c.startLine >= 14).map((c) => [c.symbol, c.startLine, c.endLine]),
      [
        ['flow', 14, 25],
        ['Input', 27, 29],
      ],
    );
    const names = result.symbols.map((s) => (s.container === null ? s.name : `${s.container}.${s.name}`));
    assert.ok(!names.includes('flow.flow') && !names.includes('Input.Input'));
  });
});
