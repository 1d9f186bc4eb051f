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

const KEY = 'sk-test-0123456789abcdefSECRET';

/** Answers like OpenAI, after checking the request is exactly what the API expects. */
function openaiReply(req: ReceivedRequest, opts: { dims?: number; shuffle?: boolean } = {}): FakeReply {
  const body = req.body as Record<string, unknown>;
  if (req.method !== 'POST' || req.url !== '/v1/embeddings')
    return { status: 404, json: { error: 'no route' } };
  if (req.headers['content-type'] !== 'application/json') return { status: 415, json: {} };
  const allowed = new Set(['model', 'input', 'encoding_format', 'dimensions']);
  const unknown = Object.keys(body).filter((k) => !allowed.has(k));
  if (unknown.length > 0) return { status: 400, json: { error: { message: `unknown fields ${unknown}` } } };
  if (typeof body.model !== 'string') return { status: 400, json: { error: { message: 'model' } } };
  if (body.encoding_format !== 'float')
    return { status: 400, json: { error: { message: 'encoding_format' } } };
  const input = body.input;
  if (!Array.isArray(input) || input.some((s) => typeof s !== 'string' || s.length === 0)) {
    return { status: 400, json: { error: { message: 'input must be an array of non-empty strings' } } };
  }
  const dims = typeof body.dimensions === 'number' ? body.dimensions : (opts.dims ?? 8);
  const data = input.map((text: string, index) => ({
    object: 'embedding',
    index,
    embedding: fakeVector(text, dims),
  }));
  if (opts.shuffle) data.reverse();
  return { json: { object: 'list', data, model: body.model, usage: { prompt_tokens: 1, total_tokens: 1 } } };
}

function authorized(req: ReceivedRequest): boolean {
  return req.headers.authorization === `Bearer ${KEY}`;
}

describe('OpenAI-compatible provider', () => {
  let server: FakeServer;
  let handler: (req: ReceivedRequest) => FakeReply = () => 'destroy';
  before(async () => {
    server = await startFakeServer((req) => handler(req));
  });
  after(() => server.close());

  const make = (extra: Partial<EmbeddingProviderConfig> = {}) =>
    createEmbeddingProvider({ provider: 'openai', baseUrl: server.baseUrl, apiKey: KEY, ...extra });

  test('splits inputs larger than maxBatch into ordered requests and orders data by index', async () => {
    server.requests.length = 0;
    handler = (req) => (authorized(req) ? openaiReply(req, { shuffle: true }) : { status: 401, json: {} });
    const p = make({ maxBatch: 3 });
    assert.equal(p.id, 'openai');
    assert.equal(p.model, 'text-embedding-3-small');
    assert.equal(p.maxBatch, 3);
    assert.equal(p.dims, null);
    const texts = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel'];
    const vectors = await p.embed(texts, 'document');
    assert.equal(vectors.length, texts.length);
    assert.deepEqual(
      server.requests.map((r) => (r.body as { input: string[] }).input),
      [texts.slice(0, 3), texts.slice(3, 6), texts.slice(6)],
    );
    for (const r of server.requests) {
      assert.equal((r.body as { model: string }).model, 'text-embedding-3-small');
      assert.equal((r.body as Record<string, unknown>).dimensions, undefined);
    }
    for (const [i, t] of texts.entries()) {
      assert.ok(sameDirection(vectors[i]!, fakeVector(t, 8)), `vector ${i} is ${t}'s`);
    }
    assert.equal(p.dims, 8);
    for (const v of vectors) assert.ok(Math.abs(Math.hypot(...v) - 1) < 1e-5, 'unit length');
  });

  test('sends dimensions when configured, and no request for no texts', async () => {
    server.requests.length = 0;
    handler = (req) => openaiReply(req);
    const p = make({ dims: 16, model: 'text-embedding-3-large' });
    assert.equal(p.dims, 16);
    assert.deepEqual(await p.embed([], 'query'), []);
    assert.equal(server.requests.length, 0);
    const [v] = await p.embed(['hello'], 'query');
    assert.equal(v?.length, 16);
    assert.deepEqual(server.requests[0]?.body, {
      model: 'text-embedding-3-large',
      input: ['hello'],
      encoding_format: 'float',
      dimensions: 16,
    });
  });

  test('works without a key against a local server (Ollama style), sending no Authorization', async () => {
    server.requests.length = 0;
    handler = (req) => openaiReply(req);
    const p = createEmbeddingProvider({
      provider: 'openai',
      baseUrl: `${server.baseUrl}/`,
      model: 'nomic-embed-text',
    });
    const out = await p.embed(['x y', ''], 'document');
    assert.equal(out.length, 2);
    assert.equal(server.requests[0]?.headers.authorization, undefined);
    assert.deepEqual(server.requests[0]?.body, {
      model: 'nomic-embed-text',
      input: ['x y', ' '],
      encoding_format: 'float',
    });
  });

  test('decodes base64 embeddings from servers that ignore encoding_format', async () => {
    const raw = new Float32Array([3, 4]);
    handler = () => ({
      json: { data: [{ index: 0, embedding: Buffer.from(raw.buffer).toString('base64') }] },
    });
    const [v] = await make().embed(['a'], 'document');
    assert.deepEqual(
      [...(v ?? [])].map((x) => Math.round(x * 100) / 100),
      [0.6, 0.8],
    );
  });

  test('429 with Retry-After seconds is a rate-limit error with retryAfterMs', async () => {
    handler = () => ({
      status: 429,
      headers: { 'retry-after': '2' },
      json: { error: { message: 'slow down' } },
    });
    const err = await make()
      .embed(['a'], 'document')
      .catch((e: unknown) => e);
    assert.ok(err instanceof EmbeddingRateLimitError);
    assert.equal(err.retryAfterMs, 2000);
    assert.equal(err.status, 429);
    assert.equal(err.code, 'EMBEDDING_PROVIDER');
    assert.equal(err.kind, 'rate_limit');
    assert.equal(err.retryable, true);
    assert.doesNotMatch(err.message, /\n/);
  });

  test('429 with an HTTP-date Retry-After', async () => {
    const at = new Date(Date.now() + 5000).toUTCString();
    handler = () => ({ status: 429, headers: { 'retry-after': at }, json: {} });
    const err = await make()
      .embed(['a'], 'document')
      .catch((e: unknown) => e);
    assert.ok(err instanceof EmbeddingRateLimitError);
    // HTTP-dates have one-second resolution.
    assert.ok(
      err.retryAfterMs !== null && err.retryAfterMs > 3000 && err.retryAfterMs <= 5000,
      `${err.retryAfterMs}`,
    );
  });

  test('429 prefers retry-after-ms, falls back to x-ratelimit-reset-*, else null', async () => {
    handler = () => ({ status: 429, headers: { 'retry-after-ms': '1500', 'retry-after': '9' }, json: {} });
    let err = await make()
      .embed(['a'], 'document')
      .catch((e: unknown) => e);
    assert.ok(err instanceof EmbeddingRateLimitError);
    assert.equal(err.retryAfterMs, 1500);

    handler = () => ({
      status: 429,
      headers: { 'x-ratelimit-reset-requests': '1m2.5s', 'x-ratelimit-reset-tokens': '20ms' },
      json: {},
    });
    err = await make()
      .embed(['a'], 'document')
      .catch((e: unknown) => e);
    assert.ok(err instanceof EmbeddingRateLimitError);
    assert.equal(err.retryAfterMs, 62_500);

    handler = () => ({ status: 429, json: {} });
    err = await make()
      .embed(['a'], 'document')
      .catch((e: unknown) => e);
    assert.ok(err instanceof EmbeddingRateLimitError);
    assert.equal(err.retryAfterMs, null);
  });

  for (const status of [500, 502, 503, 408]) {
    test(`${status} is transient`, async () => {
      handler = () => ({ status, headers: { 'retry-after': '3' }, text: '<html>Bad Gateway</html>' });
      const err = await make()
        .embed(['a'], 'document')
        .catch((e: unknown) => e);
      assert.ok(err instanceof EmbeddingTransientError, String(err));
      assert.equal(err.status, status);
      assert.equal(err.retryable, true);
      assert.equal(err.retryAfterMs, 3000);
    });
  }

  test('401 is permanent, says which variable to set, and never shows the key', async () => {
    // A hostile or careless server echoes the key back.
    handler = (req) => ({
      status: 401,
      json: { error: { message: `Incorrect API key provided: ${req.headers.authorization}` } },
    });
    const p = make();
    const err = await p.embed(['a'], 'document').catch((e: unknown) => e);
    assert.ok(err instanceof EmbeddingPermanentError);
    assert.equal(err.status, 401);
    assert.equal(err.retryable, false);
    assert.match(err.message, /CODEINDEX_EMBEDDINGS_API_KEY/);
    assert.doesNotMatch(err.message, /\n/);
    for (const shown of [err.message, String(err.stack), inspect(err, { depth: 10 }), JSON.stringify(err)]) {
      assert.ok(!shown.includes(KEY), 'key leaked in error');
      assert.ok(!shown.includes('SECRET'), 'key fragment leaked in error');
    }
    for (const shown of [JSON.stringify(p), inspect(p, { depth: 10, showHidden: true })]) {
      assert.ok(!shown.includes(KEY), 'key leaked from provider');
    }
  });

  test('401 at api.openai.com names OPENAI_API_KEY; a missing key fails at construction', () => {
    assert.throws(
      () => createEmbeddingProvider({ provider: 'openai' }),
      (e: unknown) => e instanceof EmbeddingPermanentError && /OPENAI_API_KEY/.test(e.message),
    );
  });

  test('400 and 404 are permanent with the server message', async () => {
    handler = () => ({ status: 400, json: { error: { message: "'$.input' is invalid" } } });
    let err = await make()
      .embed(['a'], 'document')
      .catch((e: unknown) => e);
    assert.ok(err instanceof EmbeddingPermanentError);
    assert.match(err.message, /\$\.input/);
    handler = () => ({ status: 404, json: { error: 'model "nope" not found, try pulling it first' } });
    err = await make()
      .embed(['a'], 'document')
      .catch((e: unknown) => e);
    assert.ok(err instanceof EmbeddingPermanentError);
    assert.match(err.message, /not found.*baseUrl/);
  });

  test('malformed JSON is permanent', async () => {
    handler = () => ({ text: '{"data": [' });
    const err = await make()
      .embed(['a'], 'document')
      .catch((e: unknown) => e);
    assert.ok(err instanceof EmbeddingPermanentError);
    assert.match(err.message, /not JSON/);
  });

  test('a response without data, or with bad indexes, is permanent', async () => {
    for (const json of [
      { object: 'list' },
      {
        data: [
          { index: 0, embedding: [1, 2] },
          { index: 0, embedding: [1, 2] },
        ],
      },
      {
        data: [
          { index: 5, embedding: [1, 2] },
          { index: 1, embedding: [1, 2] },
        ],
      },
      {
        data: [
          { index: 0, embedding: 'not base64 floats!' },
          { index: 1, embedding: [1, 2] },
        ],
      },
      {
        data: [
          { index: 0, embedding: [] },
          { index: 1, embedding: [] },
        ],
      },
    ]) {
      handler = () => ({ json });
      const err = await make()
        .embed(['a', 'b'], 'document')
        .catch((e: unknown) => e);
      assert.ok(err instanceof EmbeddingPermanentError, JSON.stringify(json));
    }
  });

  test('the wrong number of vectors is permanent', async () => {
    handler = (req) => {
      const reply = openaiReply(req);
      if (typeof reply === 'object' && reply.json) (reply.json as { data: unknown[] }).data.pop();
      return reply;
    };
    const err = await make()
      .embed(['a', 'b', 'c'], 'document')
      .catch((e: unknown) => e);
    assert.ok(err instanceof EmbeddingPermanentError);
    assert.match(err.message, /2 vectors for 3 inputs/);
  });

  test('vectors of the wrong width vs configured dims are permanent', async () => {
    // The server ignores `dimensions` (as some local servers do) and returns 8.
    handler = () => ({ json: { data: [{ index: 0, embedding: fakeVector('a', 8) }] } });
    const err = await make({ dims: 16 })
      .embed(['a'], 'document')
      .catch((e: unknown) => e);
    assert.ok(err instanceof EmbeddingPermanentError);
    assert.match(err.message, /8-dimension.*embeddings\.dims is 16/);
  });

  test('vectors whose width changes between responses are permanent', async () => {
    let dims = 8;
    handler = (req) => openaiReply(req, { dims });
    const p = make();
    await p.embed(['a'], 'document');
    assert.equal(p.dims, 8);
    dims = 12;
    const err = await p.embed(['b'], 'document').catch((e: unknown) => e);
    assert.ok(err instanceof EmbeddingPermanentError);
    // Mixed widths inside one response too.
    handler = () => ({ json: { data: [{ embedding: [1, 2] }, { embedding: [1, 2, 3] }] } });
    const err2 = await make()
      .embed(['a', 'b'], 'document')
      .catch((e: unknown) => e);
    assert.ok(err2 instanceof EmbeddingPermanentError);
  });

  test('NaN (null) values are permanent', async () => {
    handler = () => ({ json: { data: [{ index: 0, embedding: [0.1, null, 0.3] }] } });
    const err = await make()
      .embed(['a'], 'document')
      .catch((e: unknown) => e);
    assert.ok(err instanceof EmbeddingPermanentError);
    assert.match(err.message, /NaN/);
  });

  test('a dropped connection is transient', async () => {
    handler = () => 'destroy';
    const err = await make()
      .embed(['a'], 'document')
      .catch((e: unknown) => e);
    assert.ok(err instanceof EmbeddingTransientError, String(err));
  });

  test('connection refused is transient and names the cause', async () => {
    const port = await unusedPort();
    const p = createEmbeddingProvider({
      provider: 'openai',
      baseUrl: `http://127.0.0.1:${port}/v1`,
      apiKey: KEY,
    });
    const err = await p.embed(['a'], 'document').catch((e: unknown) => e);
    assert.ok(err instanceof EmbeddingTransientError, String(err));
    assert.match(err.message, /ECONNREFUSED/);
    assert.ok(!inspect(err, { depth: 10 }).includes(KEY));
  });

  test('a server that never answers times out as transient', async () => {
    handler = () => 'hang';
    const started = Date.now();
    const err = await make({ timeoutMs: 150 })
      .embed(['a'], 'document')
      .catch((e: unknown) => e);
    assert.ok(err instanceof EmbeddingTransientError, String(err));
    assert.match(err.message, /within 150 ms/);
    assert.ok(Date.now() - started < 5000);
  });

  test("the caller's abort passes through unclassified", async () => {
    handler = () => 'hang';
    const ac = new AbortController();
    const pending = make().embed(['a'], 'document', ac.signal);
    setTimeout(() => ac.abort(new Error('job cancelled')), 50);
    await assert.rejects(pending, /job cancelled/);
  });

  test('invalid settings fail at construction', () => {
    for (const cfg of [
      { baseUrl: 'not a url' },
      { baseUrl: 'ftp://example.com/v1' },
      { baseUrl: 'https://user:pw@example.com/v1' },
      { maxBatch: 0 },
      { maxBatch: 1.5 },
      { dims: -1 },
      { timeoutMs: 0 },
    ]) {
      assert.throws(() => make(cfg), EmbeddingPermanentError, JSON.stringify(cfg));
    }
  });
});

describe('local OpenAI-compatible servers (Ollama, llama.cpp server, LM Studio) from the configuration', () => {
  test('CODEINDEX_EMBEDDINGS=openai with a local URL and model, no key: the wire format they speak', async () => {
    const { loadConfig } = await import('../../src/config/load.js');
    const { embeddingModelName, isSemanticModel } = await import('../../src/embeddings/model.js');
    const { resolveEmbeddingApiKey } = await import('../../src/embeddings/provider.js');
    // llama.cpp's server leaves out `object` and `usage` and does not normalise; the others add them.
    const server = await startFakeServer((req) => {
      const body = req.body as { model: string; input: string[] };
      if (req.url !== '/v1/embeddings') return { status: 404, json: { error: 'no route' } };
      return {
        json: {
          model: body.model,
          data: body.input.map((t, index) => ({ index, embedding: fakeVector(t, 6).map((x) => x * 3) })),
        },
      };
    });
    try {
      const cfg = loadConfig(
        {},
        {
          CODEINDEX_HOME: '/tmp/codeindex-unused',
          CODEINDEX_EMBEDDINGS: 'openai',
          CODEINDEX_EMBEDDINGS_URL: server.baseUrl,
          CODEINDEX_EMBEDDINGS_MODEL: 'nomic-embed-text',
        },
      );
      const model = embeddingModelName(cfg.embeddings);
      assert.equal(model, 'nomic-embed-text');
      assert.equal(isSemanticModel(model), true);
      const p = createEmbeddingProvider({
        provider: 'openai',
        model,
        baseUrl: cfg.embeddings.baseUrl,
        apiKey: resolveEmbeddingApiKey('openai', {}),
      });
      const [v] = await p.embed(['def slugify(value)'], 'document');
      assert.equal(v!.length, 6);
      assert.ok(sameDirection(v!, fakeVector('def slugify(value)', 6)));
      assert.equal(server.requests[0]?.headers.authorization, undefined);
      assert.equal((server.requests[0]!.body as { model: string }).model, 'nomic-embed-text');
    } finally {
      await server.close();
    }
  });
});
