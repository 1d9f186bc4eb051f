import assert from 'node:assert/strict';
import { readdirSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import pg from 'pg';
import { callTool, copyFixture, makeTestEnv, type TestEnv } from '../helpers/env.js';
import { connectHttp, type Serve, startServe } from '../helpers/http-mcp.js';
import { createTestDatabase, type TestDatabase } from '../store/helpers/pg.js';

/**
 * MCP sessions over HTTP share the process's index, producer and code search: each session used to
 * open its own pool (or SQLite connection with its page cache), Redis connection and vector
 * thread, so a team server with 100 sessions held 100 pools against a database that allows 100
 * connections.
 */

/** `serve --http` with its worker pool, `repo` indexed. */
async function indexedServe(env: Record<string, string>, repo: string): Promise<Serve> {
  const serve = await startServe(env, []);
  const done = await callTool(serve.client, 'index_repository', { path: repo, wait: true, wait_seconds: 60 });
  assert.equal(done.state, 'SUCCESS', JSON.stringify(done));
  return serve;
}

/** Opens `n` more MCP sessions over HTTP, each searching the index. */
async function openAndAsk(url: string, sessions: Client[], n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    const c = await connectHttp(url);
    sessions.push(c);
    const r = await callTool<{ symbols: { name: string }[] }>(c, 'search_symbols', { query: 'Greeter' });
    assert.equal(r.symbols[0]?.name, 'Greeter');
    await callTool(c, 'search_code', { query: 'greet', mode: 'text' });
  }
}

describe('HTTP MCP sessions share one PostgreSQL pool', () => {
  let db: TestDatabase | null = null;
  let env: TestEnv;
  let serve: Serve;
  const sessions: Client[] = [];

  before(async () => {
    db = await createTestDatabase();
    if (db === null) return;
    env = makeTestEnv({ CODEINDEX_WATCH: 'false', CODEINDEX_DATABASE_URL: db.url });
    const repo = copyFixture('langs', env.tmp);
    env.env.CODEINDEX_ROOTS = repo;
    serve = await indexedServe(env.env, repo);
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
      await openAndAsk(serve.url, sessions, 1);
      const before = await connections();
      await openAndAsk(serve.url, sessions, 8);
      const afterEight = await connections();
      assert.ok(afterEight - before <= 1, `${before} connections before, ${afterEight} after eight sessions`);
    } finally {
      await admin.end();
    }
  });
});

describe('HTTP MCP sessions share one SQLite connection', () => {
  let env: TestEnv;
  let serve: Serve;
  let db = '';
  const sessions: Client[] = [];

  before(async () => {
    env = makeTestEnv({ CODEINDEX_WATCH: 'false', CODEINDEX_DATABASE_URL: '' });
    const repo = copyFixture('langs', env.tmp);
    env.env.CODEINDEX_ROOTS = repo;
    db = join(env.env.CODEINDEX_HOME!, 'index.db');
    serve = await indexedServe(env.env, repo);
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
    await openAndAsk(serve.url, sessions, 1);
    const before = handles();
    assert.ok(before >= 1, 'the index is open');
    await openAndAsk(serve.url, sessions, 8);
    assert.equal(handles(), before, `${before} descriptors on ${db} before eight more sessions`);
  });
});
