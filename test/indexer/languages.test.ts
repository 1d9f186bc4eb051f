import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { detectLanguage, LANGUAGE_IDS, loadGrammar, tagsQuerySources } from '../../src/indexer/index.js';

describe('detectLanguage', () => {
  it('maps every supported extension', () => {
    const cases: [string, string | null][] = [
      ['a.ts', 'typescript'],
      ['a.mts', 'typescript'],
      ['a.cts', 'typescript'],
      ['a.tsx', 'tsx'],
      ['a.js', 'javascript'],
      ['a.mjs', 'javascript'],
      ['a.cjs', 'javascript'],
      ['a.jsx', 'javascript'],
      ['a.py', 'python'],
      ['a.pyi', 'python'],
      ['a.go', 'go'],
      ['a.rs', 'rust'],
      ['src/com/x/A.java', 'java'],
      ['UPPER.TS', 'typescript'],
      ['a.d.ts', 'typescript'],
    ];
    for (const [path, expected] of cases) assert.equal(detectLanguage(path), expected, path);
  });

  it('returns null for unsupported or missing extensions', () => {
    for (const path of ['README.md', 'Makefile', 'a.c', 'a.ts.bak', '.gitignore', 'dir.ts/file', '']) {
      assert.equal(detectLanguage(path), null, path);
    }
  });
});

describe('grammars and queries', () => {
  it('load and compile for every language', async () => {
    const { default: Parser } = await import('tree-sitter');
    for (const language of LANGUAGE_IDS) {
      const grammar = loadGrammar(language);
      const sources = tagsQuerySources(language);
      assert.doesNotThrow(() => new Parser.Query(grammar, sources.tree), language);
      if (sources.topLevel !== '')
        assert.doesNotThrow(() => new Parser.Query(grammar, sources.topLevel), language);
    }
  });
});
