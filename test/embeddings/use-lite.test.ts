import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { loadConfig } from '../../src/config/load.js';
import { embeddingDocumentText, wordsOf } from '../../src/embeddings/embed-text.js';
import { embeddingModelName, USE_LITE_MODEL } from '../../src/embeddings/model.js';
import { createEmbeddingProvider } from '../../src/embeddings/provider.js';
import { topK } from '../../src/embeddings/vector-search.js';
import { HELD_OUT, QUERIES, SNIPPETS } from './snippets.js';

const provider = createEmbeddingProvider({ provider: 'local' });
after(() => provider.close?.());

describe('the neural default (USE-lite from the npm package, in a model thread)', () => {
  test('is the local default: 512 dims, unit-length vectors, blank text is the zero vector', async () => {
    assert.equal(embeddingModelName(loadConfig({}, { CODEINDEX_HOME: '/tmp/x' }).embeddings), USE_LITE_MODEL);
    assert.equal(provider.model, USE_LITE_MODEL);
    assert.equal(provider.dims, 512);
    const [a, blank] = await provider.embed(['parse command line arguments', '  '], 'document');
    assert.equal(a!.length, 512);
    assert.ok(Math.abs(Math.hypot(...a!) - 1) < 1e-4);
    assert.deepEqual([...blank!], new Array(512).fill(0));
  });

  test('documents are read as words: name, signature and doc; the body only without a doc', () => {
    assert.equal(wordsOf('parseHTTPResponse get_object_or_404'), 'parse HTTP Response get object or 404');
    const documented = embeddingDocumentText({
      symbol: 'Paginator.get_page',
      content: `@property\ndef get_page(self, number):\n    """Return a valid page."""\n    # even if the number is not\n    return self.page(number)`,
    });
    assert.equal(
      documented,
      'Paginator.get page. def get page(self, number): Return a valid page. even if the number is not',
    );
    const bare = embeddingDocumentText({
      symbol: 'add',
      content: `function add(a, b) {\n  return a + b;\n}`,
    });
    assert.equal(bare, 'add. function add(a, b) { return a + b; }');
    const withPath = embeddingDocumentText({
      path: 'django/core/paginator.py',
      symbol: 'add',
      content: 'def add(a, b):\n    return a + b',
    });
    assert.equal(withPath, 'django core paginator: add. def add(a, b): return a + b');
    const long = embeddingDocumentText(
      { symbol: null, content: `def f():\n    """${'word '.repeat(200)}"""` },
      100,
    );
    assert.equal(long.length, 100);
  });

  test('ranks by meaning: MRR over the snippet questions (both sets) >= 0.6; same vectors in any batch order', async () => {
    const names = Object.keys(SNIPPETS);
    const docs = await provider.embed(
      names.map((n) => provider.documentText!({ symbol: null, content: SNIPPETS[n]! })),
      'document',
    );
    const matrix = new Float32Array(docs.length * 512);
    for (const [i, v] of docs.entries()) matrix.set(v, i * 512);
    let rr = 0;
    const lines: string[] = [];
    const pairs = [...QUERIES, ...HELD_OUT];
    const queries = await provider.embed(
      pairs.map(([q]) => q),
      'query',
    );
    pairs.forEach(([query, expected], i) => {
      const ranked = topK(matrix, 512, queries[i]!, names.length).map((h) => names[h.index]);
      const rank = ranked.indexOf(expected) + 1;
      rr += 1 / rank;
      lines.push(`${rank} ${query} -> ${ranked.slice(0, 3).join(', ')}`);
    });
    const mrr = rr / pairs.length;
    console.log(`${USE_LITE_MODEL} MRR = ${mrr.toFixed(3)}\n  ${lines.join('\n  ')}`);
    assert.ok(mrr >= 0.6, `MRR ${mrr}`);
    // Sorting by length inside a call must not change which vector a text gets.
    const [reversed] = await provider.embed([pairs[3]![0], pairs[0]![0]].reverse(), 'query');
    const sum = reversed!.reduce((s, x, k) => s + Math.abs(x - queries[0]![k]!), 0);
    assert.ok(sum < 1e-3, `difference ${sum}`);
  });
});

test('with idleMs the model thread goes after that long without a batch, and comes back on the next', async () => {
  const idle = createEmbeddingProvider({ provider: 'local', idleMs: 300 });
  try {
    assert.equal(idle.resident?.(), false, 'nothing is loaded before the first batch');
    const [first] = await idle.embed(['retry a failed job with backoff'], 'document');
    assert.equal(idle.resident?.(), true);
    // Batches closer together than idleMs keep it.
    await new Promise((r) => setTimeout(r, 100));
    await idle.embed(['another text'], 'document');
    assert.equal(idle.resident?.(), true);
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal(idle.resident?.(), false, 'unloaded after idleMs');
    const [again] = await idle.embed(['retry a failed job with backoff'], 'document');
    assert.equal(idle.resident?.(), true);
    for (let i = 0; i < first!.length; i++) assert.ok(Math.abs(first![i]! - again![i]!) < 1e-6);
  } finally {
    await idle.close?.();
  }
  // Without idleMs the model stays (the MCP server embeds every hybrid query with it).
  await provider.embed(['keep me'], 'document');
  await new Promise((r) => setTimeout(r, 400));
  assert.equal(provider.resident?.(), true);
});
