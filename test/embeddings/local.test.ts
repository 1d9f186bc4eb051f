import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { EmbeddingPermanentError } from '../../src/embeddings/errors.js';
import { embedLexical, stem } from '../../src/embeddings/local.js';
import { createEmbeddingProvider } from '../../src/embeddings/provider.js';
import { topK } from '../../src/embeddings/vector-search.js';

import { HELD_OUT, QUERIES, SNIPPETS } from './snippets.js';

describe('local lexical embeddings (local-hash)', () => {
  test(`rank the right snippet first: MRR over ${QUERIES.length} queries >= 0.75 (and the held-out set)`, async () => {
    const provider = createEmbeddingProvider({ provider: 'local', model: 'local-hash' });
    assert.equal(provider.model, 'local-hash-v1-512');
    assert.equal(provider.dims, 512);
    const names = Object.keys(SNIPPETS);
    const docs = await provider.embed(Object.values(SNIPPETS), 'document');
    const matrix = new Float32Array(docs.length * 512);
    for (const [i, v] of docs.entries()) matrix.set(v, i * 512);

    const evaluate = async (pairs: [string, string][]) => {
      let reciprocalRanks = 0;
      const lines: string[] = [];
      for (const [query, expected] of pairs) {
        const [q] = await provider.embed([query], 'query');
        const ranked = topK(matrix, 512, q!, names.length).map((h) => names[h.index]);
        const rank = ranked.indexOf(expected) + 1;
        assert.ok(rank > 0);
        reciprocalRanks += 1 / rank;
        lines.push(`${rank} ${query} -> ${ranked.slice(0, 3).join(', ')}`);
      }
      return { mrr: reciprocalRanks / pairs.length, lines };
    };
    const main = await evaluate(QUERIES);
    const heldOut = await evaluate(HELD_OUT);
    console.log(`local-hash-v1-512 MRR = ${main.mrr.toFixed(3)}\n  ${main.lines.join('\n  ')}`);
    console.log(
      `local-hash-v1-512 held-out MRR = ${heldOut.mrr.toFixed(3)}\n  ${heldOut.lines.join('\n  ')}`,
    );
    assert.ok(main.mrr >= 0.75, `MRR ${main.mrr}`);
    assert.ok(heldOut.mrr >= 0.75, `held-out MRR ${heldOut.mrr}`);
    // The motivating example must be exact.
    assert.ok(main.lines[0]?.startsWith('1 '), main.lines[0]);
  });

  test('is deterministic, unit length and independent of batching', async () => {
    const p = createEmbeddingProvider({ provider: 'local', model: 'local-hash', maxBatch: 2 });
    const texts = Object.values(SNIPPETS);
    const a = await p.embed(texts, 'document');
    const b = texts.map((t) => embedLexical(t));
    assert.deepEqual(a, b);
    for (const v of a) assert.ok(Math.abs(Math.hypot(...v) - 1) < 1e-5);
    // Stable across releases: a changed value here means stored vectors no longer match (new model name).
    const v = embedLexical('uploadWithRetry backoff');
    const nonZero = [...v.entries()].filter(([, x]) => x !== 0).length;
    assert.ok(nonZero > 10, `${nonZero} non-zero buckets`);
    assert.deepEqual(embedLexical('uploadWithRetry backoff'), v);
  });

  test('splits identifiers: camelCase, snake_case, acronyms and digits meet plain words', () => {
    const cos = (x: string, y: string) => {
      const a = embedLexical(x);
      const b = embedLexical(y);
      return a.reduce((s, ai, i) => s + ai * b[i]!, 0);
    };
    assert.ok(cos('parseHTTPResponse2', 'parse http response') > 0.9);
    assert.ok(cos('load_config_file', 'LoadConfigFile') > 0.99);
    assert.ok(cos('retries', 'retry') > 0.5);
    assert.ok(cos('uploadFile', 'matrixMultiply') < 0.2);
    // Stopwords and keywords carry no signal.
    assert.deepEqual([...embedLexical('const let function return the of')], new Array(512).fill(0));
    assert.deepEqual([...embedLexical('')], new Array(512).fill(0));
  });

  test('stemmer', () => {
    assert.equal(stem('retries'), stem('retry'));
    assert.equal(stem('retried'), stem('retry'));
    assert.equal(stem('uploading'), stem('upload'));
    assert.equal(stem('failed'), stem('fail'));
    assert.equal(stem('parser'), stem('parse'));
    assert.equal(stem('parsing'), stem('parse'));
    assert.equal(stem('users'), stem('user'));
    assert.equal(stem('running'), 'run');
    assert.equal(stem('status'), 'status');
    assert.equal(stem('class'), 'class');
  });

  test('model name and dims agree; bad settings fail', () => {
    const p = createEmbeddingProvider({ provider: 'local', model: 'local-hash-v1-1024' });
    assert.equal(p.dims, 1024);
    assert.equal(
      createEmbeddingProvider({ provider: 'local', model: 'local-hash', dims: 256 }).model,
      'local-hash-v1-256',
    );
    assert.throws(
      () => createEmbeddingProvider({ provider: 'local', model: 'bert' }),
      EmbeddingPermanentError,
    );
    assert.throws(
      () => createEmbeddingProvider({ provider: 'local', model: 'local-hash-v1-512', dims: 256 }),
      EmbeddingPermanentError,
    );
    assert.throws(
      () => createEmbeddingProvider({ provider: 'local', model: 'local-hash', dims: 4 }),
      EmbeddingPermanentError,
    );
  });

  test('honours an aborted signal', async () => {
    const ac = new AbortController();
    ac.abort(new Error('cancelled'));
    await assert.rejects(
      createEmbeddingProvider({ provider: 'local', model: 'local-hash' }).embed(['x'], 'document', ac.signal),
      /cancelled/,
    );
  });

  test('throughput (logged, not asserted)', async () => {
    const p = createEmbeddingProvider({ provider: 'local', model: 'local-hash' });
    const base = Object.values(SNIPPETS);
    // Three snippets per text (~0.7 kB), nearer the size of a real chunk.
    const texts = Array.from(
      { length: 5000 },
      (_, i) =>
        `${base[i % base.length]}\n${base[(i + 3) % base.length]}\n${base[(i + 7) % base.length]}\n// ${i}`,
    );
    const started = performance.now();
    await p.embed(texts, 'document');
    const secs = (performance.now() - started) / 1000;
    const kb = texts.reduce((s, t) => s + t.length, 0) / 1024;
    console.log(
      `local embeddings: ${Math.round(texts.length / secs)} chunks/s (${Math.round(kb / secs)} kB/s, avg ${Math.round((kb * 1024) / texts.length)} B/chunk)`,
    );
  });
});
