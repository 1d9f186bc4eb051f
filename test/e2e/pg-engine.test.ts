import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { answers, CODE_QUERIES, codeFiles, REFERENCES } from '../helpers/answers.js';
import {
  callTool,
  callToolError,
  copyFixture,
  makeTestEnv,
  startMcpClient,
  type TestEnv,
  waitForTask,
} from '../helpers/env.js';
import { createTestDatabase, type TestDatabase } from '../store/helpers/pg.js';

type Mcp = Awaited<ReturnType<typeof startMcpClient>>;

describe('the index in PostgreSQL (CODEINDEX_DATABASE_URL) answers over MCP as SQLite does', () => {
  let db: TestDatabase | null = null;
  let repo = '';
  const envs: TestEnv[] = [];
  const servers: Mcp[] = [];
  let sqlite: Mcp;
  let pg: Mcp;

  before(async () => {
    db = await createTestDatabase();
    if (db === null) return;
    // SQLite, whatever engine the other tests run on.
    const base = makeTestEnv({ CODEINDEX_DATABASE_URL: '' });
    envs.push(base);
    repo = copyFixture('langs', base.tmp);
    base.env.CODEINDEX_ROOTS = repo;
    const pgEnv = makeTestEnv({ CODEINDEX_DATABASE_URL: db.url, CODEINDEX_ROOTS: repo });
    envs.push(pgEnv);
    sqlite = await startMcpClient(base.env);
    servers.push(sqlite);
    pg = await startMcpClient(pgEnv.env);
    servers.push(pg);
    for (const s of [sqlite, pg]) {
      const t = await callTool(s.client, 'index_repository', { path: repo });
      const end = await waitForTask(s.client, String(t.task_id), 120_000);
      assert.equal(end.state, 'SUCCESS', JSON.stringify(end));
    }
  });
  after(async () => {
    for (const s of servers) await s.close().catch(() => {});
    for (const e of envs) await e.cleanup();
    await db?.drop();
  });

  test('symbols, outlines and references are the same; text search agrees on the best files', async (t) => {
    if (db === null) return t.skip('no PostgreSQL answers at 127.0.0.1:5432');
    const a = await answers(sqlite.client, repo);
    const b = await answers(pg.client, repo);
    for (const key of Object.keys(a)) assert.deepEqual(b[key], a[key], key);
    // Real answers, not two empty lists.
    assert.ok((a['symbols UserRepository'] as unknown[]).length > 0);
    const withRefs = REFERENCES.filter((n) => (a[`refs ${n}`] as unknown[]).length > 0);
    assert.ok(withRefs.length >= 2, `references found for ${withRefs.join(', ')}`);
    assert.ok((a['outline go/store.go'] as unknown[]).length > 3);
    let sameTop = 0;
    for (const q of CODE_QUERIES) {
      const x = await codeFiles(sqlite.client, q);
      const y = await codeFiles(pg.client, q);
      assert.ok(x.length > 0 && y.length > 0, q);
      if (x[0] === y[0]) sameTop++;
      const overlap = x.filter((p) => y.includes(p)).length / Math.max(x.length, y.length);
      assert.ok(overlap >= 0.6, `"${q}": top files ${JSON.stringify(x)} vs ${JSON.stringify(y)}`);
    }
    assert.ok(sameTop >= CODE_QUERIES.length - 1, `same best file for ${sameTop}/${CODE_QUERIES.length}`);
    // The PostgreSQL server wrote no SQLite file: its answers came from the database.
    assert.equal(existsSync(join(envs[1]!.home, 'index.db')), false);
    assert.equal(existsSync(join(envs[0]!.home, 'index.db')), true);
    const status = await callTool<{ roots: { root: string; files: { indexed: number } }[] }>(
      pg.client,
      'index_status',
      {},
    );
    const mine = status.roots.find((r) => r.root === repo);
    assert.ok(mine && mine.files.indexed > 20, JSON.stringify(status));
  });

  test('a second server with its own data dir and no workers answers from the same database', async (t) => {
    if (db === null) return t.skip('no PostgreSQL answers at 127.0.0.1:5432');
    const other = makeTestEnv({
      CODEINDEX_DATABASE_URL: db.url,
      CODEINDEX_ROOTS: repo,
      CODEINDEX_WORKERS: '0',
    });
    envs.push(other);
    const second = await startMcpClient(other.env);
    servers.push(second);
    assert.notEqual(other.home, envs[1]?.home);
    assert.deepEqual(await answers(second.client, repo), await answers(pg.client, repo));
    assert.deepEqual(
      await codeFiles(second.client, 'normalize name'),
      await codeFiles(pg.client, 'normalize name'),
    );
  });

  test('PostgreSQL down: query tools answer one line starting STORE_UNAVAILABLE, job tools still queue', async () => {
    // A port nothing listens on: connection refused at once.
    const down = makeTestEnv({
      CODEINDEX_DATABASE_URL: 'postgres://postgres@127.0.0.1:1/codeindex',
      CODEINDEX_ROOTS: repo || process.cwd(),
      CODEINDEX_WORKERS: '0',
    });
    envs.push(down);
    const s = await startMcpClient(down.env);
    servers.push(s);
    for (let i = 0; i < 2; i++) {
      const text = await callToolError(s.client, 'search_symbols', { query: 'UserRepository' });
      assert.match(
        text,
        /^STORE_UNAVAILABLE: PostgreSQL at postgres:\/\/postgres@127\.0\.0\.1:1\/codeindex is not usable \(.*ECONNREFUSED.*\): start it or fix CODEINDEX_DATABASE_URL/,
      );
      assert.equal(text.includes('\n'), false);
    }
    // The queue does not need the index: the job waits for a worker and a database.
    const t = await callTool<{ task_id: string; state: string }>(s.client, 'index_repository', {
      path: repo || process.cwd(),
    });
    assert.match(t.task_id, /\S+/);
    assert.equal(t.state, 'PENDING');
  });
});
