import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  chunkRows,
  definitionRows,
  exportedNames,
  extractFixture,
  importRows,
  refRows,
  symbolNamed,
} from './helpers.js';

describe('tsx: ts/component.tsx', () => {
  const result = extractFixture('ts/component.tsx');

  it('detects the language', () => {
    assert.equal(result.language, 'tsx');
  });

  it('extracts every definition (object types in parameters are not members)', () => {
    assert.deepEqual(definitionRows(result), [
      ['UserCardProps', 'interface', 5, 8, null],
      ['user', 'property', 6, 6, 'UserCardProps'],
      ['onSelect', 'property', 7, 7, 'UserCardProps'],
      ['Variant', 'type', 10, 10, null],
      ['DEFAULT_VARIANT', 'constant', 12, 12, null],
      ['UserCard', 'function', 15, 25, null],
      ['Badge', 'function', 27, 29, null],
      ['CardList', 'class', 31, 37, null],
      ['variant', 'property', 32, 32, 'CardList'],
      ['render', 'method', 34, 36, 'CardList'],
    ]);
    assert.deepEqual(exportedNames(result), [
      'UserCardProps',
      'UserCardProps.user',
      'UserCardProps.onSelect',
      'Variant',
      'UserCard',
      'CardList',
      'CardList.variant',
      'CardList.render',
    ]);
  });

  it('treats capitalised JSX elements as calls and ignores intrinsic elements', () => {
    assert.deepEqual(refRows(result), [
      ['useState', 'import', 1, null],
      ['User', 'import', 2, null],
      ['normalizeName', 'import', 2, null],
      ['User', 'type', 6, 'UserCardProps.user'],
      ['Variant', 'type', 12, 'DEFAULT_VARIANT'],
      ['UserCardProps', 'type', 15, 'UserCard'],
      ['useState', 'call', 16, 'UserCard'],
      ['normalizeName', 'call', 17, 'UserCard'],
      ['onSelect', 'call', 19, 'UserCard'],
      ['Badge', 'call', 20, 'UserCard'],
      ['setOpen', 'call', 22, 'UserCard'],
      ['Base', 'inherit', 31, 'CardList'],
      ['UserCardProps', 'type', 31, 'CardList'],
      ['Variant', 'type', 32, 'CardList.variant'],
      ['map', 'call', 35, 'CardList.render'],
      ['UserCard', 'call', 35, 'CardList.render'],
    ]);
  });

  it('extracts imports, docs and chunks', () => {
    assert.deepEqual(importRows(result), [
      ['react', ['useState'], 1],
      ['./models.js', ['User', 'normalizeName'], 2],
    ]);
    assert.equal(symbolNamed(result, 'UserCard').doc, 'Renders a user as a clickable card.');
    assert.equal(
      symbolNamed(result, 'UserCard').signature,
      'export function UserCard({ user, onSelect }: UserCardProps)',
    );
    assert.deepEqual(chunkRows(result), [
      ['header', null, 1, 2],
      ['symbol', 'UserCardProps', 4, 8],
      ['code', null, 10, 12],
      ['symbol', 'UserCard', 14, 25],
      ['symbol', 'Badge', 27, 29],
      ['symbol', 'CardList', 31, 33],
      ['symbol', 'CardList.render', 34, 36],
    ]);
  });
});
