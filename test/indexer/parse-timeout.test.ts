import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createExtractor, ParseTimeoutError } from '../../src/indexer/index.js';
import type { LanguageId } from '../../src/indexer/types.js';

// tree-sitter's error recovery is quadratic here: 60,000 unclosed brackets take seconds to
// minutes, depending on the grammar and the parser path.
const PATHOLOGICAL = `x = ${'['.repeat(60_000)}`;
const GOOD: Record<'python' | 'typescript', string> = {
  python: 'def good():\n    return 1\n',
  typescript: 'export function good(): number { return 1; }\n',
};

describe('parse time budget', () => {
  for (const native of [true, false]) {
    const label = native ? 'native extractor' : 'node-tree-sitter';
    it(`${label}: a parse past the budget throws ParseTimeoutError, and the next file parses from scratch`, () => {
      // For Python it is the query cursor, not the parse, that is slow on this input; the tree
      // walk that replaces it is not (see below), so this runs the queries.
      const extractor = createExtractor({ native, parseTimeoutMs: 150, treeWalk: false });
      for (const language of ['python', 'typescript'] as const satisfies readonly LanguageId[]) {
        const t0 = performance.now();
        assert.throws(
          () => extractor.extractFile(PATHOLOGICAL, language),
          (err: unknown) =>
            err instanceof ParseTimeoutError &&
            err.timeoutMs === 150 &&
            /longer than 150 ms .*CODEINDEX_PARSE_TIMEOUT_MS/.test(err.message),
        );
        // Cancelled close to the budget, not after the minutes the parse would take (a generous
        // bound: this is a loaded 2-core machine).
        assert.ok(performance.now() - t0 < 5_000, `${language}: ${performance.now() - t0} ms`);
        // A cancelled parse is not resumed by the next one: the good file is parsed on its own.
        const good = extractor.extractFile(GOOD[language], language);
        assert.deepEqual(
          good.symbols.map((s) => s.name),
          ['good'],
        );
      }
    });
  }

  for (const language of ['python', 'typescript'] as const) {
    it(`the ${language} tree walk extracts the same file well within the budget`, () => {
      const extractor = createExtractor({ parseTimeoutMs: 2_000, treeWalk: true });
      const t0 = performance.now();
      const result = extractor.extractFile(PATHOLOGICAL, language);
      assert.ok(performance.now() - t0 < 2_000, `${performance.now() - t0} ms`);
      assert.deepEqual(result.symbols, []);
    });
  }

  it('no budget (the default) leaves ordinary files alone; a budget does too', () => {
    const unbounded = createExtractor();
    const bounded = createExtractor({ parseTimeoutMs: 10_000 });
    const text = 'class A:\n    def m(self):\n        return [1, 2, (3, 4)]\n';
    assert.deepEqual(bounded.extractFile(text, 'python'), unbounded.extractFile(text, 'python'));
  });
});
