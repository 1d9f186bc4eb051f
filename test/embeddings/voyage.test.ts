import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { inspect } from 'node:util';
import {
  EmbeddingPermanentError,
  EmbeddingRateLimitError,
  EmbeddingTransientError,
} from '../../src/embeddings/errors.js';
import { createEmbeddingProvider, type EmbeddingProviderConfig } from '../../src/embeddings/provider.js';
import {
  type FakeReply,
  type FakeServer,
  fakeVector,
  type ReceivedRequest,
  sameDirection,
  startFakeServer,
  unusedPort,
} from './fake-server.js';

const KEY = 'pa-voyagetestkey-0123456789SECRET';

/** Answers like Voyage after validating the request the way its API does. */
function voyageReply(req: ReceivedRequest, dimsOverride?: number): FakeReply {
  if (req.method !== 'POST' || req.url !== '/v1/embeddings')
    return { status: 404, json: { detail: 'Not Found' } };
  if (req.headers.authorization !== `Bearer ${KEY}`) {
    return { status: 401, json: { detail: 'Provided API key is invalid.' } };
  }
  const body = req.body as Record<string, unknown>;
  const allowed = new Set(['input', 'model', 'input_type', 'output_dimension', 'truncation']);
  const unknown = Object.keys(body).filter((k) => !allowed.has(k));
  if (unknown.length > 0) return { status: 400, json: { detail: `unexpected fields: ${unknown}` } };
  if (typeof body.model !== 'string') return { status: 400, json: { detail: 'model is required' } };
  if (body.input_type !== 'document' && body.input_type !== 'query') {
    return { status: 400, json: { detail: 'input_type must be document or query' } };
  }
  const input = body.input;
  if (!Array.isArray(input) || input.length > 1000 || input.some((s) => typeof s !== 'string')) {
    return { status: 400, json: { detail: 'input must be a list of at most 1000 strings' } };
  }
  const dims = dimsOverride ?? (typeof body.output_dimension === 'number' ? body.output_dimension : 1024);
  return {
    json: {
      object: 'list',
      data: input.map((text: string, index) => ({
        object: 'embedding',
        embedding: fakeVector(`${body.input_type}:${text}`, dims),
        index,
      })),
      model: body.model,
      usage: { total_tokens: input.length },
    },
  };
}

describe('Voyage provider', () => {
  let server: FakeServer;
  let handler: (req: ReceivedRequest) => FakeReply = voyageReply;
  before(async () => {
    server = await startFakeServer((req) => handler(req));
  });
  after(() => server.close());

  const make = (extra: Partial<EmbeddingProviderConfig> = {}) =>
    createEmbeddingProvider({ provider: 'voyage', baseUrl: server.baseUrl, apiKey: KEY, ...extra });

  test('defaults: voyage-code-3, maxBatch 128, dims unknown until the first response', () => {
    const p = make();
    assert.equal(p.id, 'voyage');
    assert.equal(p.model, 'voyage-code-3');
    assert.equal(p.maxBatch, 128);
    assert.equal(p.dims, null);
  });

  test('batches, keeps order, and sends input_type', async () => {
    server.requests.length = 0;
    handler = voyageReply;
    const p = make({ maxBatch: 2 });
    const texts = ['function a() {}', 'class B {}', 'def c(): pass', 'fn d() {}', 'func e() {}'];
    const docs = await p.embed(texts, 'document');
    assert.equal(server.requests.length, 3);
    assert.deepEqual(
      server.requests.map((r) => r.body),
      [
        { input: texts.slice(0, 2), model: 'voyage-code-3', input_type: 'document' },
        { input: texts.slice(2, 4), model: 'voyage-code-3', input_type: 'document' },
        { input: texts.slice(4), model: 'voyage-code-3', input_type: 'document' },
      ],
    );
    for (const [i, t] of texts.entries())
      assert.ok(sameDirection(docs[i]!, fakeVector(`document:${t}`, 1024)));
    assert.equal(p.dims, 1024);

    const [q] = await p.embed(['find the parser'], 'query');
    assert.deepEqual(server.requests.at(-1)?.body, {
      input: ['find the parser'],
      model: 'voyage-code-3',
      input_type: 'query',
    });
    assert.ok(sameDirection(q!, fakeVector('query:find the parser', 1024)));
  });

  test('sends output_dimension when dims is configured and checks the answer', async () => {
    server.requests.length = 0;
    handler = voyageReply;
    const [v] = await make({ dims: 256, model: 'voyage-3-large' }).embed(['x'], 'query');
    assert.equal(v?.length, 256);
    assert.deepEqual(server.requests[0]?.body, {
      input: ['x'],
      model: 'voyage-3-large',
      input_type: 'query',
      output_dimension: 256,
    });
    handler = (req) => voyageReply(req, 512);
    const err = await make({ dims: 256 })
      .embed(['x'], 'query')
      .catch((e: unknown) => e);
    assert.ok(err instanceof EmbeddingPermanentError);
  });

  test('401 is permanent, names the key variable, and hides the key', async () => {
    handler = voyageReply;
    const err = await make({ apiKey: 'pa-wrongkey-abcdefghijklmnop' })
      .embed(['x'], 'document')
      .catch((e: unknown) => e);
    assert.ok(err instanceof EmbeddingPermanentError);
    assert.match(err.message, /Provided API key is invalid/);
    assert.match(err.message, /CODEINDEX_EMBEDDINGS_API_KEY/);
    assert.ok(!inspect(err).includes('pa-wrongkey'));
    assert.throws(
      () => createEmbeddingProvider({ provider: 'voyage' }),
      (e: unknown) => e instanceof EmbeddingPermanentError && /VOYAGE_API_KEY/.test(e.message),
    );
  });

  test('429 with Retry-After is a rate-limit error', async () => {
    handler = () => ({ status: 429, headers: { 'Retry-After': '2' }, json: { detail: 'rate limit' } });
    const err = await make()
      .embed(['x'], 'document')
      .catch((e: unknown) => e);
    assert.ok(err instanceof EmbeddingRateLimitError);
    assert.equal(err.retryAfterMs, 2000);
    assert.match(err.message, /rate limit/);
  });

  test('500 and connection refused are transient', async () => {
    handler = () => ({ status: 500, json: { detail: 'internal error' } });
    const err = await make()
      .embed(['x'], 'document')
      .catch((e: unknown) => e);
    assert.ok(err instanceof EmbeddingTransientError);

    const port = await unusedPort();
    const err2 = await createEmbeddingProvider({
      provider: 'voyage',
      baseUrl: `http://127.0.0.1:${port}/v1`,
      apiKey: KEY,
    })
      .embed(['x'], 'document')
      .catch((e: unknown) => e);
    assert.ok(err2 instanceof EmbeddingTransientError);
  });

  test('a timeout is transient', async () => {
    handler = () => 'hang';
    const err = await make({ timeoutMs: 100 })
      .embed(['x'], 'document')
      .catch((e: unknown) => e);
    assert.ok(err instanceof EmbeddingTransientError);
  });

  test('wrong count and malformed JSON are permanent', async () => {
    handler = () => ({
      json: { object: 'list', data: [{ object: 'embedding', embedding: [1, 2], index: 0 }] },
    });
    const err = await make()
      .embed(['x', 'y'], 'document')
      .catch((e: unknown) => e);
    assert.ok(err instanceof EmbeddingPermanentError);
    handler = () => ({ text: 'upstream said: <html>' });
    const err2 = await make()
      .embed(['x'], 'document')
      .catch((e: unknown) => e);
    assert.ok(err2 instanceof EmbeddingPermanentError);
  });
});
