import assert from 'node:assert/strict';
import { test } from 'node:test';
import { WARM_UP_SAMPLES } from '../../src/indexer/extractor.js';
import { createExtractor } from '../../src/indexer/index.js';
import { CODE_LANGUAGE_IDS } from '../../src/indexer/types.js';

test('every warm-up sample goes through the whole extraction (symbols, refs, imports, chunks)', () => {
  const extractor = createExtractor();
  for (const language of CODE_LANGUAGE_IDS) {
    const ex = extractor.extractFile(WARM_UP_SAMPLES[language], language);
    assert.ok(ex.symbols.length >= 1, `${language}: no symbols`);
    assert.ok(ex.refs.length >= 1, `${language}: no refs`);
    assert.ok(ex.imports.length >= 1, `${language}: no imports`);
    assert.ok(ex.chunks.length >= 1, `${language}: no chunks`);
  }
});

test('warmUp compiles every language once; later extraction gives the same result as a cold extractor', () => {
  const warm = createExtractor();
  const ms = warm.warmUp();
  assert.ok(ms > 0);
  const source = 'export function retryBackoff(n: number) { return delay(n * 2); }\n';
  assert.deepEqual(
    warm.extractFile(source, 'typescript'),
    createExtractor().extractFile(source, 'typescript'),
  );
});

test('extractFile adds its stage times when given a timings object, and extracts the same', () => {
  const extractor = createExtractor();
  const source = 'export class Queue { add(job: Job) { return schedule(job); } }\n';
  const timings = { parse: 0, query: 0, rest: 0 };
  const timed = extractor.extractFile(source, 'typescript', timings);
  assert.deepEqual(timed, extractor.extractFile(source, 'typescript'));
  assert.ok(timings.parse > 0 && timings.query > 0 && timings.rest > 0, JSON.stringify(timings));
  const before = { ...timings };
  extractor.extractFile(source, 'typescript', timings);
  assert.ok(timings.parse > before.parse && timings.query > before.query && timings.rest > before.rest);
});
