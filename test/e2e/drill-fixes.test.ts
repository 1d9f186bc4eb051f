import assert from 'node:assert/strict';
import { mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import {
  callTool,
  callToolError,
  makeTestEnv,
  REPO_ROOT,
  startMcpClient,
  type TestEnv,
  waitForTask,
} from '../helpers/env.js';

/** The one text block of a tool's answer. */
async function answerText(client: Client, name: string, args: Record<string, unknown>): Promise<string> {
  const r = await client.callTool({ name, arguments: args });
  return (r.content as { type: string; text: string }[])[0]?.text ?? '';
}

/** Writes `text` and gives the file a fixed mtime, so a rewrite of the same size looks unchanged. */
function writeAt(path: string, text: string | Buffer): void {
  writeFileSync(path, text);
  utimesSync(path, 1_700_000_000, 1_700_000_000);
}

/** Defects found by a drill over MCP: each answer below was silent or wrong before. */
describe('drill fixes over MCP', () => {
  let env: TestEnv;
  let allowed: string;
  let repo: string;
  let mcp: Awaited<ReturnType<typeof startMcpClient>>;

  const indexFile = async (client: Client, path: string) => {
    const started = await callTool(client, 'index_file', { path });
    const done = await waitForTask(client, String(started.task_id));
    assert.equal(done.state, 'SUCCESS', JSON.stringify(done));
    return done.result as { outcome: string; indexed: number; unchanged: number };
  };

  before(async () => {
    // Embeddings off: hybrid and semantic search fall back to text with a note. No watcher: the
    // tests rewrite files behind the index's back and decide themselves when to index them.
    env = makeTestEnv({
      CODEINDEX_EMBEDDINGS: 'off',
      CODEINDEX_MAX_FILE_BYTES: '2000',
      CODEINDEX_WATCH: 'false',
    });
    allowed = join(env.tmp, 'work');
    repo = join(allowed, 'repo');
    mkdirSync(join(repo, 'pkg'), { recursive: true });
    mkdirSync(join(allowed, 'other'), { recursive: true });
    writeAt(join(repo, 'pkg/models.py'), 'def make_animal():\n    return 1\n\nmake_animal()\n');
    writeAt(join(repo, 'pkg/bom.py'), '\ufeffdef bom_fn():\n    return 2\n');
    // Over the 2,000-byte cap of the first server, under the second's.
    writeAt(join(repo, 'pkg/big.py'), `def big_fn():\n    return 3\n${'# padding\n'.repeat(300)}`);
    writeAt(join(repo, 'pkg/big2.py'), `def big2_fn():\n    return 4\n${'# padding\n'.repeat(300)}`);
    // 16 bytes, as the text that replaces it later.
    writeAt(join(repo, 'pkg/blob.py'), Buffer.from('def b():\n\0\x01pass\n', 'latin1'));
    writeAt(join(repo, 'pkg/later.py'), 'def first_fn():\n    return 5\n');
    env.env.CODEINDEX_ROOTS = allowed;
    mcp = await startMcpClient(env.env);
    const started = await callTool(mcp.client, 'index_repository', { path: repo });
    assert.equal((await waitForTask(mcp.client, String(started.task_id))).state, 'SUCCESS');
  });

  after(async () => {
    await mcp?.close();
    await env?.cleanup();
  });

  test('find_references refuses an unknown language as search_symbols does, naming the valid ones', async () => {
    const refs = await answerText(mcp.client, 'find_references', {
      symbol: 'make_animal',
      language: 'pyhton',
    });
    const symbols = await answerText(mcp.client, 'search_symbols', {
      query: 'make_animal',
      language: 'pyhton',
    });
    assert.match(
      refs,
      /Invalid arguments for tool find_references: Invalid option: expected one of .*"python"/,
    );
    assert.equal(refs.replace('find_references', 'search_symbols'), symbols);
    const ok = await callTool<{ references: { path: string }[] }>(mcp.client, 'find_references', {
      symbol: 'make_animal',
      language: 'python',
    });
    assert.deepEqual(
      ok.references.map((r) => r.path),
      [join(repo, 'pkg/models.py')],
    );
  });

  test('index_status of a folder or file in a root shows that root, and says so', async () => {
    for (const inside of [join(repo, 'pkg'), join(repo, 'pkg/models.py')]) {
      const r = await mcp.client.callTool({ name: 'index_status', arguments: { path: inside } });
      const s = r.structuredContent as { roots: { root: string }[] };
      assert.deepEqual(
        s.roots.map((x) => x.root),
        [repo],
      );
      const text = (r.content as { text: string }[])[0]?.text ?? '';
      assert.equal(text.split('\n')[0], `(${inside} lies in the indexed root ${repo})`);
    }
    // The root itself needs no such line.
    const own = await answerText(mcp.client, 'index_status', { path: repo });
    assert.match(own, new RegExp(`^${repo}: \\d+ files indexed`));
    assert.equal(
      await callToolError(mcp.client, 'index_status', { path: join(allowed, 'other') }),
      `NOT_INDEXED: ${join(allowed, 'other')} is not indexed: call index_repository on it`,
    );
    // A path that does not exist, in no indexed root, is not something to index.
    for (const tool of ['index_status', 'repo_map', 'search_code'])
      assert.match(
        await callToolError(mcp.client, tool, {
          path: join(allowed, 'nope'),
          ...(tool === 'search_code' ? { query: 'x' } : {}),
        }),
        /^PATH_NOT_FOUND: .*nope does not exist and no indexed root holds it/,
        tool,
      );
    // A folder above the root shows the root it holds.
    const above = await callTool<{ roots: { root: string }[] }>(mcp.client, 'index_status', {
      path: allowed,
    });
    assert.deepEqual(
      above.roots.map((x) => x.root),
      [repo],
    );
  });

  test('search_code says there is no match in every mode, with the note of a fallback', async () => {
    for (const mode of ['hybrid', 'semantic']) {
      const text = await answerText(mcp.client, 'search_code', { query: 'zzzznotthere', mode });
      assert.equal(
        text,
        'no code matches "zzzznotthere"\n\n(embeddings are off (CODEINDEX_EMBEDDINGS=off): text results only)',
        mode,
      );
    }
    assert.equal(
      await answerText(mcp.client, 'search_code', { query: 'zzzznotthere', mode: 'text' }),
      'no code matches "zzzznotthere"',
    );
  });

  test('get_symbol leaves out the BOM of a file that starts with one', async () => {
    const r = await callTool<{ source: string; start_line: number }>(mcp.client, 'get_symbol', {
      symbol: 'bom_fn',
    });
    assert.equal(r.start_line, 1);
    assert.equal(r.source, 'def bom_fn():\n    return 2');
    const text = await answerText(mcp.client, 'get_symbol', { symbol: 'bom_fn' });
    assert.ok(!text.includes('\ufeff'), text);
    // The outline and the chunks were read without it already.
    const code = await callTool<{ results: { snippet: string }[] }>(mcp.client, 'search_code', {
      query: 'bom_fn',
      mode: 'text',
      group_by: 'chunk',
    });
    assert.ok(code.results.length > 0 && code.results.every((x) => !x.snippet.includes('\ufeff')));
  });

  test('path and path_prefix that differ are said to disagree', async () => {
    assert.equal(
      await callToolError(mcp.client, 'search_code', { query: 'x', path: repo, path_prefix: '/etc' }),
      `INVALID_PAYLOAD: path and path_prefix disagree (${JSON.stringify(repo)} and "/etc"): they are two names for the one scope, give one`,
    );
  });

  test('a relative path outside the roots says what it was resolved against', async () => {
    // The server runs in the checkout, not in the allowed root.
    const cwd = REPO_ROOT.replace(/\/$/, '');
    for (const [tool, args] of [
      ['get_file_outline', { path: 'pkg/models.py' }],
      ['search_code', { query: 'x', path: 'pkg' }],
    ] as const) {
      const msg = await callToolError(mcp.client, tool, args);
      assert.match(msg, /^PATH_OUTSIDE_ROOT: /, tool);
      assert.ok(
        msg.endsWith(
          `the relative path ${args.path} was resolved against the server's working directory ${cwd}; pass an absolute path`,
        ),
        msg,
      );
      assert.equal(msg.split('\n').length, 1);
    }
    // An absolute path keeps the usual advice.
    assert.match(
      await callToolError(mcp.client, 'get_file_outline', { path: '/etc/passwd' }),
      /outside the allowed roots .*: add it to CODEINDEX_ROOTS or open the client in that folder$/,
    );
  });

  test('index_file reads the file again, whatever its size and mtime, and says what came of it', async () => {
    // A binary file stays skipped, and the result says why.
    assert.equal((await indexFile(mcp.client, join(repo, 'pkg/blob.py'))).outcome, 'skipped: binary file');
    // Made text, with the same size and mtime: the skip recorded before must not stand.
    writeAt(join(repo, 'pkg/blob.py'), 'def b():\n  pass\n');
    const fixed = await indexFile(mcp.client, join(repo, 'pkg/blob.py'));
    assert.equal(fixed.outcome, 'indexed: 1 symbols');
    // An indexed file rewritten with the same size and mtime: its new definition is read.
    writeAt(join(repo, 'pkg/later.py'), 'def other_fn():\n    return 5\n');
    assert.equal((await indexFile(mcp.client, join(repo, 'pkg/later.py'))).outcome, 'indexed: 1 symbols');
    const outline = await callTool<{ symbols: { name: string }[] }>(mcp.client, 'get_file_outline', {
      path: join(repo, 'pkg/later.py'),
    });
    assert.deepEqual(
      outline.symbols.map((s) => s.name),
      ['other_fn'],
    );
    // The same content again is unchanged (by its hash), not parsed anew.
    assert.match((await indexFile(mcp.client, join(repo, 'pkg/later.py'))).outcome, /^unchanged: /);
  });

  test('files skipped as too large are indexed once the cap is raised', async () => {
    const outline = (client: Client, f: string) =>
      callTool<{ symbols: { name: string }[] }>(client, 'get_file_outline', { path: join(repo, f) });
    assert.match(
      await callToolError(mcp.client, 'get_file_outline', { path: join(repo, 'pkg/big.py') }),
      /^FILE_SKIPPED: .*larger than CODEINDEX_MAX_FILE_BYTES/,
    );
    await mcp.close();
    mcp = await startMcpClient({ ...env.env, CODEINDEX_MAX_FILE_BYTES: '100000' });
    // index_file of one of them: read again, not "unchanged since it was last indexed".
    const one = await indexFile(mcp.client, join(repo, 'pkg/big.py'));
    assert.equal(one.outcome, 'indexed: 1 symbols');
    assert.deepEqual(
      (await outline(mcp.client, 'pkg/big.py')).symbols.map((s) => s.name),
      ['big_fn'],
    );
    // index_repository picks up the other, and still takes the untouched files as unchanged.
    const started = await callTool(mcp.client, 'index_repository', { path: repo });
    const done = await waitForTask(mcp.client, String(started.task_id));
    assert.equal(done.state, 'SUCCESS');
    const summary = done.result as { files_indexed: number; files_unchanged: number };
    assert.equal(summary.files_indexed, 1, JSON.stringify(summary));
    assert.equal(summary.files_unchanged, 5, JSON.stringify(summary));
    assert.deepEqual(
      (await outline(mcp.client, 'pkg/big2.py')).symbols.map((s) => s.name),
      ['big2_fn'],
    );
  });
});
