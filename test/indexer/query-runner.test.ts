import assert from 'node:assert/strict';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createExtractor, detectLanguage } from '../../src/indexer/index.js';
import { queryPathRuns, setFastQueryPath } from '../../src/indexer/query-runner.js';
import { FIXTURES, readFixture } from './helpers.js';

function fixtureFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...fixtureFiles(p));
    else if (detectLanguage(p) !== null) out.push(p);
  }
  return out;
}

test('query fast path and public Query.matches path extract exactly the same', () => {
  const root = fileURLToPath(FIXTURES);
  const files = fixtureFiles(root).map((p) => relative(root, p));
  assert.ok(files.length >= 7, 'fixtures of every language');
  setFastQueryPath(false);
  const slow = createExtractor({ native: false });
  const expected = files.map((f) => slow.extractFile(readFixture(f), detectLanguage(f)!));
  setFastQueryPath(true);
  const fastBefore = queryPathRuns.fast;
  // Twice: the first runs of each query are self-checked against the public path, later ones not.
  for (let round = 0; round < 2; round++) {
    const fast = createExtractor({ native: false });
    for (let i = 0; i < 4; i++) {
      files.forEach((f, j) => {
        assert.deepEqual(fast.extractFile(readFixture(f), detectLanguage(f)!), expected[j], f);
      });
    }
  }
  // The self-check passed: later runs used the fast path (the binding internals are as expected).
  assert.ok(queryPathRuns.fast > fastBefore, 'fast path in use after its self-check');
});
