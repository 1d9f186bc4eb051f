import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { request } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { CLI, copyFixture, freePort, makeTestEnv, REPO_ROOT, type TestEnv } from '../helpers/env.js';
import { http, type RunningDashboard, startDashboard } from './helpers.js';

/** fetch() ignores a Host header; node:http sends what it is given, like a rebinding browser would. */
function getWithHost(port: number, path: string, host: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers: { host } }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => {
        body += d.toString();
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

const TOKEN = 'test-token-0123456789abcdef';

function runCli(args: string[], env: Record<string, string>) {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    env,
    encoding: 'utf8',
    timeout: 20_000,
    cwd: REPO_ROOT,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('the token rule', () => {
  test('binding beyond loopback without CODEINDEX_DASHBOARD_TOKEN is refused: exit 2, one line', async () => {
    const env = makeTestEnv({ CODEINDEX_WORKERS: '0' });
    try {
      const port = String(await freePort());
      for (const args of [
        ['dashboard', '--host', '0.0.0.0', '--port', port],
        ['dashboard', '--host', '::', '--port', port],
        ['serve', '--http', port, '--host', '0.0.0.0'],
      ]) {
        const r = runCli(args, { ...env.env, CODEINDEX_DASHBOARD_TOKEN: '' });
        assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
        assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
        assert.match(r.stderr, /refusing to listen on .* without CODEINDEX_DASHBOARD_TOKEN/);
      }
      const shortToken = runCli(['dashboard', '--host', '0.0.0.0', '--port', port], {
        ...env.env,
        CODEINDEX_DASHBOARD_TOKEN: 'short',
      });
      assert.equal(shortToken.code, 2);
      assert.match(shortToken.stderr, /too short/);
      const badPort = runCli(['dashboard', '--port', 'eighty'], env.env);
      assert.equal(badPort.code, 2);
      assert.match(badPort.stderr, /--port wants a port number/);
    } finally {
      await env.cleanup();
    }
  });

  describe('with a token, on 0.0.0.0', () => {
    let env: TestEnv;
    let srv: RunningDashboard;
    let repo: string;

    before(async () => {
      env = makeTestEnv({ CODEINDEX_DASHBOARD_TOKEN: TOKEN, CODEINDEX_WORKERS: '0' });
      repo = copyFixture('langs', env.tmp);
      env.env.CODEINDEX_ROOTS = repo;
      srv = await startDashboard(env.env, { args: ['--host', '0.0.0.0'] });
    });
    after(async () => {
      await srv?.stop();
      await env?.cleanup();
    });

    test('every route is 401 without the token and answers with it', async () => {
      const auth = { authorization: `Bearer ${TOKEN}` };
      for (const [method, path, body, okStatus] of [
        ['GET', '/', undefined, 200],
        ['GET', '/dashboard.json', undefined, 200],
        ['GET', '/metrics', undefined, 200],
        ['GET', '/queues', undefined, 200],
        ['GET', '/queues/api/queues', undefined, 200],
        ['GET', '/tasks/idx_00000000000000000000000000000000', undefined, 404],
        ['DELETE', '/tasks/idx_00000000000000000000000000000000', undefined, 404],
        ['POST', '/index', { path: repo }, 202],
        ['POST', '/index-file', { path: `${repo}/js/util.js` }, 202],
        ['GET', '/search/symbols?q=Greeter', undefined, 409],
        ['GET', '/search/code?q=Greeter', undefined, 409],
        ['POST', '/mcp', { jsonrpc: '2.0', id: 1, method: 'tools/list' }, 400],
      ] as const) {
        const denied = await http(method, `${srv.url}${path}`, body);
        assert.equal(denied.status, 401, `${method} ${path}: ${JSON.stringify(denied.body)}`);
        assert.equal((denied.body.error as { code: string }).code, 'UNAUTHORIZED');
        assert.match(denied.headers.get('www-authenticate') ?? '', /Bearer/);
        assert.ok(!JSON.stringify(denied.body).includes(TOKEN));
        const wrong = await http(method, `${srv.url}${path}`, body, {
          authorization: 'Bearer wrong-token-xxxxxxxx',
        });
        assert.equal(wrong.status, 401, `${method} ${path} with a wrong token`);
        const allowed = await http(method, `${srv.url}${path}`, body, auth);
        assert.equal(
          allowed.status,
          okStatus,
          `${method} ${path}: ${JSON.stringify(allowed.body).slice(0, 300)}`,
        );
      }
    });

    test('/healthz answers without the token, but only with the status', async () => {
      const open = await http('GET', `${srv.url}/healthz`);
      assert.equal(open.status, 503); // no workers in this test (--workers 0)
      assert.deepEqual(open.body, { status: 'fail' });
      const full = await http('GET', `${srv.url}/healthz`, undefined, { authorization: `Bearer ${TOKEN}` });
      assert.equal(full.status, 503);
      assert.ok(full.body.checks);
    });

    test('?token= sets a cookie and redirects to the clean URL; the cookie then authenticates', async () => {
      const r = await fetch(`${srv.url}/?token=${TOKEN}`, {
        headers: { accept: 'text/html' },
        redirect: 'manual',
      });
      assert.equal(r.status, 303);
      assert.equal(r.headers.get('location'), '/');
      const setCookie = r.headers.get('set-cookie') ?? '';
      assert.match(setCookie, /^codeindex_token=[0-9a-f]{64};/);
      assert.match(setCookie, /HttpOnly/);
      assert.match(setCookie, /SameSite=Strict/);
      assert.ok(!setCookie.includes(TOKEN), 'the cookie must not hold the token itself');
      const cookie = setCookie.split(';')[0]!;
      const page = await fetch(`${srv.url}/`, { headers: { cookie } });
      assert.equal(page.status, 200);
      assert.match(await page.text(), /codeindex/);
      const board = await fetch(`${srv.url}/queues/api/queues`, { headers: { cookie } });
      assert.equal(board.status, 200);
      // bull-board lists every queue with retry and remove enabled.
      const queues = (
        (await board.json()) as { queues: { name: string; readOnlyMode: boolean; allowRetries: boolean }[] }
      ).queues;
      assert.deepEqual(
        queues.map((q) => [q.name, q.readOnlyMode, q.allowRetries]),
        ['indexing', 'embeddings', 'maintenance', 'dead-letter'].map((n) => [n, false, true]),
      );
      const forged = await fetch(`${srv.url}/`, { headers: { cookie: 'codeindex_token=deadbeef' } });
      assert.equal(forged.status, 401);
      const badQuery = await fetch(`${srv.url}/?token=nope`, { redirect: 'manual' });
      assert.equal(badQuery.status, 401);
    });

    test('the token never appears in the log', () => {
      assert.ok(!srv.stderr().includes(TOKEN), srv.stderr());
    });
  });

  test('on loopback without a token: open, but only to loopback Host names (DNS rebinding)', async () => {
    const env = makeTestEnv({ CODEINDEX_WORKERS: '0' });
    delete env.env.CODEINDEX_DASHBOARD_TOKEN;
    const srv = await startDashboard(env.env);
    try {
      assert.equal((await http('GET', `${srv.url}/dashboard.json`)).status, 200);
      const rebound = await getWithHost(srv.port, '/dashboard.json', 'evil.example:1234');
      assert.equal(rebound.status, 403);
      assert.equal((JSON.parse(rebound.body).error as { code: string }).code, 'FORBIDDEN_HOST');
      assert.equal((await getWithHost(srv.port, '/dashboard.json', `localhost:${srv.port}`)).status, 200);
    } finally {
      await srv.stop();
      await env.cleanup();
    }
  });
});
