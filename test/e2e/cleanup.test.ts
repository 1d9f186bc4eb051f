import assert from 'node:assert/strict';
import { appendFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  callTool,
  callToolError,
  copyFixture,
  makeTestEnv,
  startMcpClient,
  type TestEnv,
  waitForTask,
} from '../helpers/env.js';

describe('cleanup_indices and freshness', () => {
  let env: TestEnv;
  let repo: string;
  let mcp: Awaited<ReturnType<typeof startMcpClient>>;

  before(async () => {
    env = makeTestEnv({ CODEINDEX_WATCH: 'false' });
    repo = copyFixture('langs', env.tmp);
    env.env.CODEINDEX_ROOTS = repo;
    mcp = await startMcpClient(env.env);
  });
  after(async () => {
    await mcp?.close();
    await env?.cleanup();
  });

  test('query tools say NOT_INDEXED before anything is indexed', async () => {
    assert.match(
      await callToolError(mcp.client, 'search_symbols', { query: 'x' }),
      /^NOT_INDEXED: .*index_repository/,
    );
    assert.match(await callToolError(mcp.client, 'index_status', {}), /^NOT_INDEXED/);
  });

  test('results of an unchanged file are not stale; after an edit, every query tool says stale', async () => {
    const t = await callTool(mcp.client, 'index_repository', { path: repo });
    assert.equal((await waitForTask(mcp.client, String(t.task_id))).state, 'SUCCESS');
    const file = join(repo, 'python/models.py');
    type Hit = { path: string; stale?: boolean };
    const staleness = async () => {
      const symbols = await callTool<{ symbols: Hit[] }>(mcp.client, 'search_symbols', {
        query: 'make_account',
      });
      const refs = await callTool<{ references: Hit[] }>(mcp.client, 'find_references', {
        symbol: 'Account',
      });
      const code = await callTool<{ results: Hit[] }>(mcp.client, 'search_code', {
        query: 'make_account',
        mode: 'text',
        group_by: 'chunk',
      });
      const outline = await callTool<{ stale?: boolean; symbols: unknown[] }>(
        mcp.client,
        'get_file_outline',
        {
          path: file,
        },
      );
      const inFile = (hits: Hit[]) => hits.filter((h) => h.path === file);
      const all = [...inFile(symbols.symbols), ...inFile(refs.references), ...inFile(code.results)];
      assert.ok(
        inFile(symbols.symbols).length > 0 &&
          inFile(refs.references).length > 0 &&
          inFile(code.results).length > 0,
      );
      assert.ok(outline.symbols.length > 0);
      return { hits: all.map((h) => h.stale === true), outline: outline.stale === true };
    };
    const before = await staleness();
    assert.ok(
      before.hits.every((s) => !s),
      JSON.stringify(before),
    );
    assert.equal(before.outline, false);
    appendFileSync(file, '\n# edited after indexing\n');
    const after = await staleness();
    assert.ok(
      after.hits.every((s) => s),
      JSON.stringify(after),
    );
    assert.equal(after.outline, true);
  });

  test('a vanished file is reported stale, then removed by cleanup (dry run first)', async () => {
    const t = await callTool(mcp.client, 'index_repository', { path: repo });
    assert.equal((await waitForTask(mcp.client, String(t.task_id))).state, 'SUCCESS');
    rmSync(join(repo, 'go/store.go'));
    const r = await callTool<{ symbols: { path: string; stale?: boolean }[] }>(mcp.client, 'search_symbols', {
      query: 'NewStore',
    });
    assert.equal(r.symbols[0]?.path, join(repo, 'go/store.go'));
    assert.equal(r.symbols[0]?.stale, true, 'a result whose file changed says so');

    const dry = await callTool<{
      deleted: { roots: string[]; files: number };
      dry_run: boolean;
      cutoff_date: string;
    }>(mcp.client, 'cleanup_indices', { days: 7, dry_run: true });
    assert.equal(dry.dry_run, true);
    assert.equal(dry.deleted.files, 1);
    assert.deepEqual(dry.deleted.roots, []);
    assert.ok(Date.parse(dry.cutoff_date) < Date.now() - 6 * 24 * 3600 * 1000);
    const still = await callTool<{ symbols: unknown[] }>(mcp.client, 'search_symbols', { query: 'NewStore' });
    assert.equal(still.symbols.length, 1, 'dry run deletes nothing');

    const real = await callTool<{ deleted: { files: number } }>(mcp.client, 'cleanup_indices', { days: 7 });
    assert.equal(real.deleted.files, 1);
    const gone = await callTool<{ symbols: { path: string }[] }>(mcp.client, 'search_symbols', {
      query: 'NewStore',
    });
    assert.ok(!gone.symbols.some((s) => s.path.endsWith('go/store.go')), JSON.stringify(gone.symbols));
  });
});
