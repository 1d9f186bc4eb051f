import assert from 'node:assert/strict';
import { readdirSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import pg from 'pg';
import {
  callTool,
  copyFixture,
  freePort,
  makeTestEnv,
  startMcpClient,
  type TestEnv,
} from '../helpers/env.js';
import { connectHttp } from '../helpers/http-mcp.js';
import { waitFor } from '../helpers/wait.js';
import { createTestDatabase, type TestDatabase } from '../store/helpers/pg.js';

/**
 * MCP sessions over HTTP share the process's index, producer and code search: each session used to
 * open its own pool (or SQLite connection with its page cache), Redis connection and vector
 * thread, so a team server with 100 sessions held 100 pools against a database that allows 100
 * connections.
 */
describe('HTTP MCP sessions share one PostgreSQL pool', () => {
  let db: TestDatabase | null = null;
  let env: TestEnv;
  let serve: Awaited<ReturnType<typeof startMcpClient>>;
  let url = '';
  const sessions: Client[] = [];

  before(async () => {
    db = await createTestDatabase();
    if (db === null) return;
    env = makeTestEnv({ CODEINDEX_WATCH: 'false', CODEINDEX_DATABASE_URL: db.url });
    const repo = copyFixture('langs', env.tmp);
    env.env.CODEINDEX_ROOTS = repo;
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    serve = await startMcpClient(env.env, ['--http', String(port)]);
    await waitFor(
      `serve --http on ${port}`,
      () =>
        fetch(`${url}/healthz`).then(
          () => true,
          () => false,
        ),
      15_000,
      100,
    );
    const done = await callTool(serve.client, 'index_repository', {
      path: repo,
      wait: true,
      wait_seconds: 60,
    });
    assert.equal(done.state, 'SUCCESS', JSON.stringify(done));
  });
  after(async () => {
    for (const s of sessions) await s.close().catch(() => {});
    await serve?.close();
    await env?.cleanup();
    await db?.drop();
  });

  test('eight sessions that each query the index add no database connection', async (t) => {
    if (db === null) return t.skip('no PostgreSQL answers at 127.0.0.1:5432');
    const admin = new pg.Client({ connectionString: db.url });
    await admin.connect();
    try {
      const connections = async () =>
        Number(
          (
            await admin.query(
              'SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()',
            )
          ).rows[0].n,
        );
      const ask = async (c: Client) => {
        const r = await callTool<{ symbols: { name: string }[] }>(c, 'search_symbols', { query: 'Greeter' });
        assert.equal(r.symbols[0]?.name, 'Greeter');
        await callTool(c, 'search_code', { query: 'greet', mode: 'text' });
      };
      sessions.push(await connectHttp(url));
      await ask(sessions[0]!);
      const before = await connections();
      for (let i = 0; i < 8; i++) {
        const c = await connectHttp(url);
        sessions.push(c);
        await ask(c);
      }
      const afterEight = await connections();
      assert.ok(afterEight - before <= 1, `${before} connections before, ${afterEight} after eight sessions`);
    } finally {
      await admin.end();
    }
  });
});

describe('HTTP MCP sessions share one SQLite connection', () => {
  let env: TestEnv;
  let serve: Awaited<ReturnType<typeof startMcpClient>>;
  let url = '';
  let db = '';
  const sessions: Client[] = [];

  before(async () => {
    env = makeTestEnv({ CODEINDEX_WATCH: 'false', CODEINDEX_DATABASE_URL: '' });
    const repo = copyFixture('langs', env.tmp);
    env.env.CODEINDEX_ROOTS = repo;
    db = join(env.env.CODEINDEX_HOME!, 'index.db');
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    serve = await startMcpClient(env.env, ['--http', String(port)]);
    await waitFor(
      `serve --http on ${port}`,
      () =>
        fetch(`${url}/healthz`).then(
          () => true,
          () => false,
        ),
      15_000,
      100,
    );
    const done = await callTool(serve.client, 'index_repository', {
      path: repo,
      wait: true,
      wait_seconds: 60,
    });
    assert.equal(done.state, 'SUCCESS', JSON.stringify(done));
  });
  after(async () => {
    for (const s of sessions) await s.close().catch(() => {});
    await serve?.close();
    await env?.cleanup();
  });

  test('eight sessions that each query the index open the index file no more often', async () => {
    const pid = serve.pid();
    assert.ok(pid, 'the server has a pid');
    // Descriptors of the server process on the index file (each connection holds one).
    const handles = () =>
      readdirSync(`/proc/${pid}/fd`).filter((fd) => {
        try {
          return readlinkSync(`/proc/${pid}/fd/${fd}`) === db;
        } catch {
          return false;
        }
      }).length;
    const ask = async (c: Client) => {
      const r = await callTool<{ symbols: { name: string }[] }>(c, 'search_symbols', { query: 'Greeter' });
      assert.equal(r.symbols[0]?.name, 'Greeter');
      await callTool(c, 'search_code', { query: 'greet', mode: 'text' });
    };
    sessions.push(await connectHttp(url));
    await ask(sessions[0]!);
    const before = handles();
    assert.ok(before >= 1, 'the index is open');
    for (let i = 0; i < 8; i++) {
      const c = await connectHttp(url);
      sessions.push(c);
      await ask(c);
    }
    assert.equal(handles(), before, `${before} descriptors on ${db} before eight more sessions`);
  });
});
