import assert from 'node:assert/strict';
import { mkdirSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { callTool, makeTestEnv, startMcpClient, type TestEnv, waitForTask } from '../helpers/env.js';
import { eventually, indexingCounts, outlineNames, put, symbolPaths, watchNotes } from './helpers.js';

const ts = (name: string) => `export function ${name}(a: number): number {\n  return a + 1;\n}\n`;

/**
 * Saves reach the index through the watcher: the built server over stdio, real chokidar on a
 * temporary folder, real Redis and a real worker process.
 */
describe('live re-indexing over MCP', () => {
  let env: TestEnv;
  let repo: string;
  let mcp: Awaited<ReturnType<typeof startMcpClient>>;

  before(async () => {
    env = makeTestEnv();
    repo = join(env.tmp, 'repo');
    put(repo, 'src/base.ts', ts('baseFunction'));
    put(repo, 'src/old/legacy.ts', ts('legacyOne'));
    put(repo, 'src/old/deeper/legacy2.ts', ts('legacyTwo'));
    put(repo, '.gitignore', 'generated/\n*.local.ts\n');
    env.env.CODEINDEX_ROOTS = repo;
    mcp = await startMcpClient(env.env);
    const started = await callTool(mcp.client, 'index_repository', { path: repo });
    const done = await waitForTask(mcp.client, String(started.task_id));
    assert.equal(done.state, 'SUCCESS', JSON.stringify(done));
    await eventually(
      'the watcher to be running',
      async () => (await watchNotes(mcp.client, repo))?.watching === true,
    );
  });

  after(async () => {
    await mcp?.close();
    await env?.cleanup();
  });

  test('index_status reports the watcher', async () => {
    const n = await watchNotes(mcp.client, repo);
    assert.equal(n?.watching, true);
    assert.equal(n?.mode, 'native');
    assert.equal(typeof n?.pendingChanges, 'number');
  });

  test('a new file becomes searchable', async () => {
    put(repo, 'src/added.ts', ts('addedByWatcher'));
    const paths = await eventually(
      'addedByWatcher',
      async () =>
        (await symbolPaths(mcp.client, 'addedByWatcher')).length > 0 &&
        symbolPaths(mcp.client, 'addedByWatcher'),
    );
    assert.deepEqual(paths, [join(repo, 'src/added.ts')]);
  });

  test('a changed file is re-indexed with its new content', async () => {
    put(repo, 'src/change.ts', ts('beforeChange'));
    await eventually(
      'beforeChange',
      async () => (await symbolPaths(mcp.client, 'beforeChange')).length === 1,
    );
    put(repo, 'src/change.ts', `${ts('afterChange')}${ts('secondAfterChange')}`);
    await eventually('the new outline', async () => {
      const names = await outlineNames(mcp.client, join(repo, 'src/change.ts'));
      return names?.join(',') === 'afterChange,secondAfterChange';
    });
    assert.deepEqual(await symbolPaths(mcp.client, 'beforeChange'), []);
  });

  test('quick successive writes end with the last content', async () => {
    for (let i = 0; i < 8; i++) put(repo, 'src/rapid.ts', ts(`rapidVersion${i}`));
    await eventually(
      'rapidVersion7',
      async () => (await outlineNames(mcp.client, join(repo, 'src/rapid.ts')))?.join(',') === 'rapidVersion7',
    );
  });

  test('a deleted file leaves the index', async () => {
    put(repo, 'src/doomed.ts', ts('doomedFunction'));
    await eventually(
      'doomedFunction',
      async () => (await symbolPaths(mcp.client, 'doomedFunction')).length === 1,
    );
    unlinkSync(join(repo, 'src/doomed.ts'));
    await eventually(
      'doomedFunction to go',
      async () => (await symbolPaths(mcp.client, 'doomedFunction')).length === 0,
    );
    assert.equal(await outlineNames(mcp.client, join(repo, 'src/doomed.ts')), null);
  });

  test('a rename removes the old path and adds the new one', async () => {
    put(repo, 'src/before-rename.ts', ts('renamedFunction'));
    await eventually(
      'renamedFunction',
      async () => (await symbolPaths(mcp.client, 'renamedFunction')).length === 1,
    );
    renameSync(join(repo, 'src/before-rename.ts'), join(repo, 'src/after-rename.ts'));
    await eventually('renamedFunction at the new path only', async () => {
      const p = await symbolPaths(mcp.client, 'renamedFunction');
      return p.length === 1 && p[0] === join(repo, 'src/after-rename.ts');
    });
  });

  test('an atomic save (write a temporary file, rename it over the original) is picked up', async () => {
    put(repo, 'src/atomic.ts', ts('atomicBefore'));
    await eventually(
      'atomicBefore',
      async () => (await symbolPaths(mcp.client, 'atomicBefore')).length === 1,
    );
    const tmp = join(repo, 'src/atomic.ts.tmp-12345');
    writeFileSync(tmp, ts('atomicAfter'));
    renameSync(tmp, join(repo, 'src/atomic.ts'));
    await eventually(
      'atomicAfter',
      async () => (await outlineNames(mcp.client, join(repo, 'src/atomic.ts')))?.join(',') === 'atomicAfter',
    );
    // vim style: move the original away, write a new one, delete the backup.
    renameSync(join(repo, 'src/atomic.ts'), join(repo, 'src/atomic.ts~'));
    writeFileSync(join(repo, 'src/atomic.ts'), ts('atomicVim'));
    unlinkSync(join(repo, 'src/atomic.ts~'));
    await eventually(
      'atomicVim',
      async () => (await outlineNames(mcp.client, join(repo, 'src/atomic.ts')))?.join(',') === 'atomicVim',
    );
    assert.deepEqual(await symbolPaths(mcp.client, 'atomicAfter'), []);
  });

  test('removing a directory removes every file under it', async () => {
    assert.equal((await symbolPaths(mcp.client, 'legacyTwo')).length, 1);
    rmSync(join(repo, 'src/old'), { recursive: true });
    await eventually('legacy files to go', async () => {
      const a = await symbolPaths(mcp.client, 'legacyOne');
      const b = await symbolPaths(mcp.client, 'legacyTwo');
      return a.length === 0 && b.length === 0;
    });
  });

  test('a new directory with files is picked up', async () => {
    mkdirSync(join(repo, 'src/fresh/nested'), { recursive: true });
    put(repo, 'src/fresh/nested/deep.ts', ts('freshDeep'));
    await eventually('freshDeep', async () => (await symbolPaths(mcp.client, 'freshDeep')).length === 1);
  });

  test('ignored paths produce no job', async () => {
    // Let earlier tests' jobs finish so the count is stable.
    await eventually('an idle queue', async () => (await indexingCounts(env.prefix)).open === 0);
    const before = (await indexingCounts(env.prefix)).total;
    put(repo, 'node_modules/pkg/index.js', 'export function insideNodeModules() {}\n');
    put(repo, 'generated/out.ts', ts('insideGenerated'));
    put(repo, 'src/secret.local.ts', ts('gitignoredFile'));
    put(repo, 'src/notes.txt', 'not code, not a text format that is indexed\n');
    put(repo, 'src/sentinel.ts', ts('sentinelAfterIgnored'));
    await eventually(
      'the sentinel',
      async () => (await symbolPaths(mcp.client, 'sentinelAfterIgnored')).length === 1,
    );
    await eventually('an idle queue', async () => (await indexingCounts(env.prefix)).open === 0);
    const afterCount = (await indexingCounts(env.prefix)).total;
    assert.equal(afterCount - before, 1, 'only the sentinel made a job');
    for (const n of ['insideNodeModules', 'insideGenerated', 'gitignoredFile'])
      assert.deepEqual(await symbolPaths(mcp.client, n), [], n);
  });

  test('editing .gitignore applies the new rules to the index', async () => {
    put(repo, 'src/later-ignored.ts', ts('laterIgnored'));
    await eventually(
      'laterIgnored',
      async () => (await symbolPaths(mcp.client, 'laterIgnored')).length === 1,
    );
    put(repo, '.gitignore', 'src/later-ignored.ts\n*.local.ts\n');
    // generated/ is no longer ignored: its file joins the index; later-ignored.ts leaves it.
    let last = '';
    await eventually('the new rules', async () => {
      const gone = (await symbolPaths(mcp.client, 'laterIgnored')).length === 0;
      const back = (await symbolPaths(mcp.client, 'insideGenerated')).length === 1;
      last = `laterIgnored gone: ${gone}, insideGenerated back: ${back}`;
      return gone && back;
    }).catch((err: Error) => {
      throw new Error(`${err.message} (${last})`);
    });
    put(repo, 'generated/more.ts', ts('generatedLater'));
    await eventually(
      'generatedLater (the folder is watched now)',
      async () => (await symbolPaths(mcp.client, 'generatedLater')).length === 1,
    );
  });
});
