import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { callTool, makeTestEnv, startMcpClient, type TestEnv, waitForTask } from '../helpers/env.js';
import { eventually, indexingCounts, put, symbolPaths, watchNotes } from './helpers.js';

const FILES = 5000;
const DIRS = 50;
const fileOf = (i: number) => `pkg${i % DIRS}/mod${i}.ts`;
const body = (name: string) => `export function ${name}(x: number): number {\n  return x * 2;\n}\n`;

async function indexedFiles(
  client: Awaited<ReturnType<typeof startMcpClient>>['client'],
  root: string,
): Promise<number> {
  const r = await callTool<{ roots: { root: string; files: { indexed: number } }[] }>(
    client,
    'index_status',
    {},
  );
  return r.roots.find((x) => x.root === root)?.files.indexed ?? -1;
}

/** A git checkout / npm install sized burst: thousands of events become a few batch jobs. */
describe('a storm of 5,000 touched files', () => {
  let env: TestEnv;
  let repo: string;
  let mcp: Awaited<ReturnType<typeof startMcpClient>>;

  before(async () => {
    env = makeTestEnv();
    repo = join(env.tmp, 'repo');
    put(repo, 'main.ts', body('mainEntry'));
    env.env.CODEINDEX_ROOTS = repo;
    mcp = await startMcpClient(env.env);
    const started = await callTool(mcp.client, 'index_repository', { path: repo });
    assert.equal((await waitForTask(mcp.client, String(started.task_id))).state, 'SUCCESS');
    await eventually('the watcher', async () => (await watchNotes(mcp.client, repo))?.watching === true);
    await eventually('an idle queue', async () => (await indexingCounts(env.prefix)).open === 0);
  });

  after(async () => {
    await mcp?.close();
    await env?.cleanup();
  });

  test('5,000 new files settle into the index with few jobs', async (t) => {
    const before = (await indexingCounts(env.prefix)).total;
    for (let i = 0; i < FILES; i++) put(repo, fileOf(i), body(`stormOne${i}`));
    await eventually(
      '5,001 indexed files',
      async () => (await indexedFiles(mcp.client, repo)) === FILES + 1,
      60_000,
    );
    await eventually('an idle queue', async () => (await indexingCounts(env.prefix)).open === 0, 30_000);
    const jobs = (await indexingCounts(env.prefix)).total - before;
    t.diagnostic(`${jobs} jobs for ${FILES} files`);
    // Batches, not a job per file. How many depends on how the events arrive over time (observed
    // 26-105 on a loaded 2-core machine); 150 is still 3 % of the per-file count.
    assert.ok(jobs <= 150, `${jobs} jobs for ${FILES} files`);
    for (const i of [0, 1234, 4999])
      assert.deepEqual(await symbolPaths(mcp.client, `stormOne${i}`), [join(repo, fileOf(i))]);
  });

  test('rewriting all of them and deleting a folder settles correctly', async (t) => {
    const before = (await indexingCounts(env.prefix)).total;
    rmSync(join(repo, 'pkg7'), { recursive: true });
    for (let i = 0; i < FILES; i++) if (i % DIRS !== 7) put(repo, fileOf(i), body(`stormTwo${i}`));
    const expected = FILES - FILES / DIRS + 1;
    let last = '';
    await eventually(
      'the rewritten index',
      async () => {
        const n = await indexedFiles(mcp.client, repo);
        const found = (await symbolPaths(mcp.client, 'stormTwo4999')).length === 1;
        last = `indexed ${n} of ${expected}, stormTwo4999 ${found ? 'found' : 'missing'}`;
        return n === expected && found;
      },
      60_000,
    ).catch(async (err) => {
      const c = await indexingCounts(env.prefix);
      const st = await callTool(mcp.client, 'get_file_outline', { path: join(repo, fileOf(4999)) }).catch(
        (e) => String(e),
      );
      throw new Error(
        `${(err as Error).message}; last: ${last}; jobs ${JSON.stringify(c.counts)}; outline ${JSON.stringify(st).slice(0, 300)}`,
      );
    });
    await eventually('an idle queue', async () => (await indexingCounts(env.prefix)).open === 0, 30_000);
    const jobs = (await indexingCounts(env.prefix)).total - before;
    t.diagnostic(`${jobs} jobs for ${FILES} files`);
    // Batches, not a job per file. How many depends on how the events arrive over time (observed
    // 26-105 on a loaded 2-core machine); 150 is still 3 % of the per-file count.
    assert.ok(jobs <= 150, `${jobs} jobs for ${FILES} files`);
    assert.equal(await indexedFiles(mcp.client, repo), expected);
    for (const i of [0, 1234, 4999]) {
      assert.deepEqual(await symbolPaths(mcp.client, `stormTwo${i}`), [join(repo, fileOf(i))]);
      assert.deepEqual(await symbolPaths(mcp.client, `stormOne${i}`), []);
    }
    assert.deepEqual(await symbolPaths(mcp.client, 'stormOne7'), [], 'files of the deleted folder are gone');
    assert.deepEqual(await symbolPaths(mcp.client, 'stormOne4957'), []);
  });
});
