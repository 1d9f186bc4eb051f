import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import {
  callTool,
  callToolError,
  copyFixture,
  freePort,
  makeTestEnv,
  startMcpClient,
  type TestEnv,
} from '../helpers/env.js';
import { http, waitForHttpTask } from './helpers.js';

async function connectHttp(url: string): Promise<Client> {
  const client = new Client({ name: 'codeindex-http-test', version: '0.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(`${url}/mcp`)));
  return client;
}

/**
 * `serve --http <port>`: one process answers MCP on stdio and, on the same index, queues and
 * workers, the HTTP API and MCP over Streamable HTTP at /mcp.
 */
describe('serve --http: MCP over Streamable HTTP next to stdio', () => {
  let env: TestEnv;
  let repo: string;
  let stdio: Awaited<ReturnType<typeof startMcpClient>>;
  let url: string;
  let remote: Client;

  before(async () => {
    env = makeTestEnv({ CODEINDEX_WATCH: 'false' });
    repo = copyFixture('langs', env.tmp);
    env.env.CODEINDEX_ROOTS = repo;
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    stdio = await startMcpClient(env.env, ['--http', String(port)]);
    // Generous: on a busy 2-core machine, loading the HTTP stack alone has taken over 15 s.
    const end = Date.now() + 60_000;
    for (;;) {
      const ok = await fetch(`${url}/healthz`).then(
        (r) => r.status === 200,
        () => false,
      );
      if (ok) break;
      if (Date.now() > end) throw new Error(`serve --http did not come up: ${stdio.stderr()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    remote = await connectHttp(url);
  });
  after(async () => {
    await remote?.close().catch(() => {});
    await stdio?.close();
    await env?.cleanup();
  });

  test('the same tools as stdio', async () => {
    const overHttp = (await remote.listTools()).tools.map((t) => t.name).sort();
    const overStdio = (await stdio.client.listTools()).tools.map((t) => t.name).sort();
    assert.deepEqual(overHttp, overStdio);
    assert.ok(overHttp.includes('search_symbols') && overHttp.includes('index_repository'));
    assert.equal(remote.getServerVersion()?.name, 'codeindex');
  });

  test('index over HTTP MCP, then search_symbols over HTTP MCP and over the JSON API', async () => {
    const done = await callTool(remote, 'index_repository', { path: repo, wait: true, wait_seconds: 60 });
    assert.equal(done.state, 'SUCCESS', JSON.stringify(done));
    const r = await callTool<{ symbols: { name: string; path: string }[] }>(remote, 'search_symbols', {
      query: 'Greeter',
      limit: 5,
    });
    assert.equal(r.symbols[0]?.name, 'Greeter');
    assert.ok(r.symbols[0]?.path.startsWith(repo));
    const api = await http('GET', `${url}/search/symbols?q=Greeter&limit=1`);
    assert.equal(api.status, 200);
    assert.equal((api.body.symbols as { name: string }[])[0]?.name, 'Greeter');
    // The stdio side sees the same index.
    const viaStdio = await callTool<{ symbols: { name: string }[] }>(stdio.client, 'search_symbols', {
      query: 'Greeter',
      limit: 1,
    });
    assert.equal(viaStdio.symbols[0]?.name, 'Greeter');
  });

  test('tool errors keep their shape over HTTP; a remote client cannot widen the roots', async () => {
    const outside = await callToolError(remote, 'index_repository', { path: '/etc' });
    assert.match(outside, /^PATH_OUTSIDE_ROOT: /);
    // A client that declares its own roots (folders on ITS machine) still gets the server's.
    const client = new Client(
      { name: 'rooty', version: '0' },
      { capabilities: { roots: { listChanged: true } } },
    );
    const { ListRootsRequestSchema } = await import('@modelcontextprotocol/sdk/types.js');
    client.setRequestHandler(ListRootsRequestSchema, async () => ({
      roots: [{ uri: 'file:///etc', name: 'etc' }],
    }));
    await client.connect(new StreamableHTTPClientTransport(new URL(`${url}/mcp`)));
    try {
      const err = await callToolError(client, 'index_repository', { path: '/etc' });
      assert.match(err, /^PATH_OUTSIDE_ROOT: /);
    } finally {
      await client.close();
    }
  });

  test('sessions: each client gets its own; unknown session ids are 404, no session 400', async () => {
    const second = await connectHttp(url);
    try {
      const t = await second.listTools();
      assert.ok(t.tools.length > 5);
    } finally {
      await second.close();
    }
    const unknown = await fetch(`${url}/mcp`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-session-id': 'no-such-session',
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
    });
    assert.equal(unknown.status, 404);
    const none = await http('POST', `${url}/mcp`, { jsonrpc: '2.0', id: 1, method: 'tools/list' });
    assert.equal(none.status, 400);
  });

  test('an index started over HTTP is followed over the JSON API', async () => {
    const r = await http('POST', `${url}/index`, { path: repo });
    assert.equal(r.status, 202);
    const done = await waitForHttpTask(url, String(r.body.task_id));
    assert.equal(done.state, 'SUCCESS');
  });
});
