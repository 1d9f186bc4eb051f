import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import { copyFixture, makeTestEnv, type TestEnv, testRedisUrl } from '../helpers/env.js';
import { http, type RunningDashboard, startDashboard, waitForHttpTask } from './helpers.js';

/**
 * The HTTP API against the real thing: `codeindex dashboard` as a process with its own worker,
 * the shared Redis (private queue prefix), SQLite in a temporary data dir.
 */
describe('HTTP API', () => {
  let env: TestEnv;
  let repo: string;
  let srv: RunningDashboard;

  before(async () => {
    env = makeTestEnv({ CODEINDEX_WATCH: 'false' });
    repo = copyFixture('langs', env.tmp);
    env.env.CODEINDEX_ROOTS = repo;
    srv = await startDashboard(env.env, { expectWorkers: true });
  });
  after(async () => {
    await srv?.stop();
    await env?.cleanup();
  });

  test('queries before anything is indexed answer 409 NOT_INDEXED', async () => {
    const r = await http('GET', `${srv.url}/search/symbols?q=Greeter`);
    assert.equal(r.status, 409, JSON.stringify(r.body));
    assert.deepEqual(Object.keys(r.body), ['error']);
    const e = r.body.error as { code: string; message: string };
    assert.equal(e.code, 'NOT_INDEXED');
    assert.match(e.message, /POST \/index|index_repository/);
  });

  test('POST /index returns 202 {task_id, status_url}; GET status_url follows it to SUCCESS', async () => {
    const r = await http('POST', `${srv.url}/index`, { path: repo });
    assert.equal(r.status, 202, JSON.stringify(r.body));
    assert.match(String(r.body.task_id), /^idx_[0-9a-f]{32}$/);
    assert.equal(r.body.status_url, `/tasks/${r.body.task_id}`);
    assert.equal(r.headers.get('location'), r.body.status_url);
    assert.equal(r.body.state, 'PENDING');
    const done = await waitForHttpTask(srv.url, String(r.body.task_id));
    assert.equal(done.state, 'SUCCESS', JSON.stringify(done));
    assert.equal(done.name, 'index-repository');
    const result = done.result as { files_indexed: number };
    assert.equal(result.files_indexed, 34);
  });

  test('GET /search/symbols finds definitions; filters and limits are validated', async () => {
    const r = await http('GET', `${srv.url}/search/symbols?q=Greeter&limit=5`);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const symbols = r.body.symbols as { name: string; kind: string; path: string; line: number }[];
    assert.ok(symbols.length > 0 && symbols.length <= 5);
    assert.equal(symbols[0]?.name, 'Greeter');
    assert.ok(symbols[0]?.path.startsWith(repo));
    const classes = await http('GET', `${srv.url}/search/symbols?q=Greeter&kind=class`);
    assert.ok((classes.body.symbols as { kind: string }[]).every((s) => s.kind === 'class'));
    for (const bad of ['', '?q=', '?q=x&limit=0', '?q=x&limit=abc', '?q=x&kind=banana']) {
      const b = await http('GET', `${srv.url}/search/symbols${bad}`);
      assert.equal(b.status, 400, `${bad}: ${JSON.stringify(b.body)}`);
      const e = b.body.error as { code: string; message: string };
      assert.equal(e.code, 'INVALID_PAYLOAD');
      assert.match(e.message, /^invalid query string: (q|limit|kind)/);
    }
  });

  test('GET /symbol reads a definition with its doc comment; an unknown name is 404 SYMBOL_NOT_FOUND', async () => {
    const r = await http('GET', `${srv.url}/symbol?name=Greeter.greet&max_lines=2`);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const symbol = r.body.symbol as { name: string; container: string; path: string; line: number };
    assert.equal(symbol.name, 'greet');
    assert.equal(symbol.container, 'Greeter');
    assert.equal(symbol.path, join(repo, 'js/util.js'));
    assert.equal(r.body.start_line, symbol.line - 1);
    assert.match(
      String(r.body.source),
      /^ {2}\/\*\* Returns a greeting for every name\. \*\/\n {2}greet\(\.\.\.names\) \{\n {4}greetCount\+\+;$/,
    );
    assert.equal(r.body.truncated, true);
    const missing = await http('GET', `${srv.url}/symbol?name=NoSuchThing`);
    assert.equal(missing.status, 404);
    assert.equal((missing.body.error as { code: string }).code, 'SYMBOL_NOT_FOUND');
    const bad = await http('GET', `${srv.url}/symbol?name=x&max_lines=0`);
    assert.equal(bad.status, 400);
    assert.match((bad.body.error as { message: string }).message, /^invalid query string: max_lines/);
  });

  test('GET /search/code finds chunks by text; path_prefix outside the roots is 403', async () => {
    const r = await http('GET', `${srv.url}/search/code?q=greet&mode=text&limit=3`);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.mode, 'text');
    const results = r.body.results as { path: string; snippet: string }[];
    assert.ok(results.length > 0 && results.length <= 3);
    assert.ok(results.every((x) => x.path.startsWith(repo)));
    const outside = await http('GET', `${srv.url}/search/code?q=x&path_prefix=/etc`);
    assert.equal(outside.status, 403);
    assert.equal((outside.body.error as { code: string }).code, 'PATH_OUTSIDE_ROOT');
    const badMode = await http('GET', `${srv.url}/search/code?q=x&mode=psychic`);
    assert.equal(badMode.status, 400);
    assert.match((badMode.body.error as { message: string }).message, /mode/);
  });

  test('query strings take path as path_prefix, and refuse a parameter no route reads', async () => {
    // `path` was dropped without a word: the search ran over every root, as if unscoped.
    const all = await http('GET', `${srv.url}/search/code?q=greet&mode=text&limit=50`);
    const allPaths = (all.body.results as { path: string }[]).map((x) => x.path);
    assert.ok(
      allPaths.some((p) => !p.startsWith(join(repo, 'js'))),
      JSON.stringify(allPaths),
    );
    for (const route of ['search/code?q=greet&mode=text', 'search/symbols?q=greet', 'symbol?name=greet']) {
      const scoped = await http('GET', `${srv.url}/${route}&path=${encodeURIComponent(join(repo, 'js'))}`);
      assert.equal(scoped.status, 200, `${route}: ${JSON.stringify(scoped.body)}`);
      const paths = [
        ...((scoped.body.results ?? scoped.body.symbols ?? []) as { path: string }[]),
        ...(scoped.body.symbol ? [scoped.body.symbol as { path: string }] : []),
      ].map((x) => x.path);
      assert.ok(paths.length > 0, route);
      assert.ok(
        paths.every((p) => p.startsWith(join(repo, 'js'))),
        `${route}: ${JSON.stringify(paths)}`,
      );
      const outside = await http('GET', `${srv.url}/${route}&path=/etc`);
      assert.equal(outside.status, 403, `${route}: ${JSON.stringify(outside.body)}`);
    }
    const disagree = await http(
      'GET',
      `${srv.url}/search/symbols?q=greet&path=${encodeURIComponent(join(repo, 'js'))}&path_prefix=${encodeURIComponent(repo)}`,
    );
    assert.equal(disagree.status, 400);
    assert.match((disagree.body.error as { message: string }).message, /path and path_prefix disagree/);
    for (const [route, known] of [
      ['search/symbols?q=greet&limt=5', /limit/],
      ['search/code?q=greet&query=greet', /\bq\b/],
      ['symbol?name=greet&maxLines=3', /max_lines/],
    ] as const) {
      const r = await http('GET', `${srv.url}/${route}`);
      assert.equal(r.status, 400, `${route}: ${JSON.stringify(r.body)}`);
      const e = r.body.error as { code: string; message: string };
      assert.equal(e.code, 'INVALID_PAYLOAD');
      assert.match(e.message, /^unknown parameter (limt|query|maxLines): this route takes /);
      assert.match(e.message, known);
    }
  });

  test('bad bodies are 400 with a message that names the problem', async () => {
    const cases: [unknown, RegExp][] = [
      [{}, /path/],
      [{ path: '' }, /path is required/],
      [{ path: 42 }, /path/],
      [{ path: repo, force: 'yes' }, /force/],
      [{ path: repo, priority: 'urgent' }, /priority/],
      [{ path: repo, surprise: 1 }, /surprise|unrecognized/i],
      ['{"path": ', /not valid JSON/],
      ['[1,2]', /expected object/i],
    ];
    for (const [body, pattern] of cases) {
      const r = await http('POST', `${srv.url}/index`, body);
      assert.equal(r.status, 400, `${JSON.stringify(body)}: ${JSON.stringify(r.body)}`);
      const e = r.body.error as { code: string; message: string };
      assert.equal(e.code, 'INVALID_PAYLOAD');
      assert.match(e.message, pattern, JSON.stringify(body));
    }
    const noType = await http('POST', `${srv.url}/index`, JSON.stringify({ path: repo }), {
      'content-type': 'text/plain',
    });
    assert.equal(noType.status, 400);
    assert.match((noType.body.error as { message: string }).message, /Content-Type: application\/json/);
  });

  test('paths: outside the roots 403, missing 404, wrong kind 400', async () => {
    for (const [route, path, status, code] of [
      ['/index', '/etc', 403, 'PATH_OUTSIDE_ROOT'],
      ['/index', `${repo}/../..`, 403, 'PATH_OUTSIDE_ROOT'],
      ['/index-file', '/etc/passwd', 403, 'PATH_OUTSIDE_ROOT'],
      ['/index', join(repo, 'no-such-dir'), 404, 'PATH_NOT_FOUND'],
      ['/index-file', join(repo, 'nope.ts'), 404, 'PATH_NOT_FOUND'],
      ['/index-file', repo, 400, 'NOT_A_FILE'],
      ['/index', join(repo, 'js/util.js'), 400, 'NOT_A_DIRECTORY'],
    ] as const) {
      const r = await http('POST', `${srv.url}${route}`, { path });
      assert.equal(r.status, status, `${route} ${path}: ${JSON.stringify(r.body)}`);
      assert.equal((r.body.error as { code: string }).code, code);
    }
  });

  test('POST /index-file re-indexes one file: the new symbol becomes searchable', async () => {
    const file = join(repo, 'js/util.js');
    writeFileSync(file, `export function freshlySavedFunction() { return 1; }\n`, { flag: 'a' });
    const r = await http('POST', `${srv.url}/index-file`, { path: file });
    assert.equal(r.status, 202, JSON.stringify(r.body));
    assert.equal(r.body.path, file);
    const done = await waitForHttpTask(srv.url, String(r.body.task_id));
    assert.equal(done.state, 'SUCCESS', JSON.stringify(done));
    const s = await http('GET', `${srv.url}/search/symbols?q=freshlySavedFunction`);
    assert.equal((s.body.symbols as { name: string }[])[0]?.name, 'freshlySavedFunction');
  });

  test('unknown task ids are 404, expired ones 410; DELETE cancels', async () => {
    for (const id of ['idx_00000000000000000000000000000000', 'not-a-task']) {
      const g = await http('GET', `${srv.url}/tasks/${id}`);
      assert.equal(g.status, 404, JSON.stringify(g.body));
      assert.equal((g.body.error as { code: string }).code, 'TASK_NOT_FOUND');
      const d = await http('DELETE', `${srv.url}/tasks/${id}`);
      assert.equal(d.status, 404);
    }
    // A task that was issued and whose record expired: remembered as issued, the job is gone.
    const expired = 'idx_11111111111111111111111111111111';
    const r = new Redis(testRedisUrl());
    await r.set(`${env.prefix}:ci:issued:${expired}`, 'indexing', 'EX', 60);
    r.disconnect();
    const gone = await http('GET', `${srv.url}/tasks/${expired}`);
    assert.equal(gone.status, 410, JSON.stringify(gone.body));
    assert.equal((gone.body.error as { code: string }).code, 'TASK_EXPIRED');

    // Cancel a real task: a forced re-index, cancelled at once.
    const started = await http('POST', `${srv.url}/index`, { path: repo, force: true, priority: 'low' });
    const id = String(started.body.task_id);
    const c = await http('DELETE', `${srv.url}/tasks/${id}`);
    assert.equal(c.status, 200, JSON.stringify(c.body));
    assert.equal(c.body.task_id, id);
    assert.ok(['REVOKED', 'SUCCESS'].includes(String(c.body.state)), JSON.stringify(c.body));
    assert.equal(typeof c.body.detail, 'string');
    const end = await waitForHttpTask(srv.url, id);
    assert.ok(['REVOKED', 'SUCCESS'].includes(String(end.state)));
  });

  test('GET /healthz reports Redis, SQLite and workers', async () => {
    const r = await http('GET', `${srv.url}/healthz`);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.status, 'ok');
    const checks = r.body.checks as {
      redis: { ok: boolean; latency_ms: number };
      sqlite: { ok: boolean; roots: number };
      workers: { ok: boolean; count: number; by_queue: Record<string, number> };
    };
    assert.equal(checks.redis.ok, true);
    assert.ok(checks.redis.latency_ms >= 0);
    assert.deepEqual(checks.sqlite, { ok: true, roots: 1 });
    assert.equal(checks.workers.ok, true);
    assert.equal(checks.workers.by_queue.indexing, 1);
  });

  test('unknown routes are JSON 404s; the dashboard JSON lists the root', async () => {
    const r = await http('GET', `${srv.url}/no/such/thing`);
    assert.equal(r.status, 404);
    assert.equal((r.body.error as { code: string }).code, 'ROUTE_NOT_FOUND');
    const d = await http('GET', `${srv.url}/dashboard.json`);
    assert.equal(d.status, 200);
    const roots = d.body.roots as { root: string; files: { indexed: number }; symbols: number }[];
    assert.equal(roots[0]?.root, repo);
    assert.equal(roots[0]?.files.indexed, 34);
    assert.ok((roots[0]?.symbols ?? 0) > 10);
    const queues = d.body.queues as { queue: string }[];
    assert.deepEqual(
      queues.map((q) => q.queue),
      ['indexing', 'embeddings', 'maintenance', 'dead-letter'],
    );
  });
});

describe('HTTP API while Redis is down', () => {
  test('/healthz is 503 naming Redis; job endpoints 503 REDIS_UNAVAILABLE; the server stays up', async () => {
    const { startPrivateRedis } = await import('../helpers/env.js');
    const redis = await startPrivateRedis();
    const env = makeTestEnv({ REDIS_URL: redis.url, CODEINDEX_WORKERS: '0' });
    const srv = await startDashboard(env.env);
    try {
      await redis.stop();
      const h = await http('GET', `${srv.url}/healthz`);
      assert.equal(h.status, 503, JSON.stringify(h.body));
      assert.equal(h.body.status, 'fail');
      const checks = h.body.checks as { redis: { ok: boolean; error: string }; sqlite: { ok: boolean } };
      assert.equal(checks.redis.ok, false);
      assert.match(checks.redis.error, /unreachable|Redis/);
      assert.equal(checks.sqlite.ok, true);
      const t = await http('GET', `${srv.url}/tasks/idx_00000000000000000000000000000000`);
      assert.equal(t.status, 503, JSON.stringify(t.body));
      assert.equal((t.body.error as { code: string }).code, 'REDIS_UNAVAILABLE');
      const page = await fetch(`${srv.url}/`);
      assert.equal(page.status, 200);
      assert.match(await page.text(), /Redis down/);
    } finally {
      await srv.stop();
      await redis.stop();
      await env.cleanup();
    }
  });
});
