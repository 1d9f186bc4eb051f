import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  callTool,
  callToolError,
  freePort,
  makeTestEnv,
  startMcpClient,
  type TestEnv,
  waitForTask,
} from '../helpers/env.js';

/** Every kind of bad input gets a one-line error or skip reason, and the server keeps serving. */
describe('bad input over MCP', () => {
  let env: TestEnv;
  let repo: string;
  let outside: string;
  let mcp: Awaited<ReturnType<typeof startMcpClient>>;

  before(async () => {
    // repo_map ranks at most 2 definitions at once here (the default is 250,000).
    env = makeTestEnv({ CODEINDEX_MAX_FILE_BYTES: '40960', CODEINDEX_REPO_MAP_MAX_SYMBOLS: '2' });
    repo = join(env.tmp, 'repo');
    outside = join(env.tmp, 'outside');
    mkdirSync(join(repo, 'src'), { recursive: true });
    mkdirSync(outside, { recursive: true });
    writeFileSync(join(repo, 'src/good.py'), 'def good():\n    return 1\n');
    writeFileSync(join(repo, 'src/big.py'), `# big\n${'x = 1\n'.repeat(8000)}`);
    writeFileSync(join(repo, 'src/blob.js'), Buffer.from([0x63, 0x6f, 0x00, 0x01, 0x02, 0x6e, 0x73, 0x74]));
    writeFileSync(
      join(repo, 'src/latin1.py'),
      Buffer.from([0x64, 0x65, 0x66, 0x20, 0xe9, 0xff, 0x28, 0x29, 0x3a, 0x0a]),
    );
    writeFileSync(join(repo, 'src/empty.ts'), '');
    // A bundle: one line of 30,000 characters.
    writeFileSync(join(repo, 'src/bundle.js'), `var a=${'[1,2,3],'.repeat(4300)}0;\n`);
    writeFileSync(join(repo, 'src/notes.xyz'), 'plain notes\n');
    writeFileSync(join(outside, 'secret.py'), 'def secret():\n    pass\n');
    symlinkSync(join(outside, 'secret.py'), join(repo, 'src/escape.py'));
    symlinkSync(join(repo, 'src/nowhere.py'), join(repo, 'src/dangling.py'));
    env.env.CODEINDEX_ROOTS = repo;
    mcp = await startMcpClient(env.env);
  });

  after(async () => {
    await mcp?.close();
    await env?.cleanup();
  });

  test('skipped files are counted by reason, nothing from outside the root is read', async () => {
    const started = await callTool(mcp.client, 'index_repository', { path: repo });
    const done = await waitForTask(mcp.client, String(started.task_id));
    assert.equal(done.state, 'SUCCESS');
    const s = done.result as Record<string, unknown>;
    assert.equal(s.files_indexed, 1, JSON.stringify(s));
    assert.deepEqual(s.skipped_by_reason, {
      binary: 1,
      dangling_symlink: 1,
      empty: 1,
      invalid_utf8: 1,
      minified: 1,
      symlink_outside_root: 1,
      too_large: 1,
      // Counted by the run, but given no row (notes.xyz).
      unsupported_language: 1,
    });
    const r = await callTool<{ symbols: unknown[] }>(mcp.client, 'search_symbols', { query: 'secret' });
    assert.deepEqual(r.symbols, []);
    const status = await callTool<{ roots: { skipped_by_reason: Record<string, number> }[] }>(
      mcp.client,
      'index_status',
      {},
    );
    assert.equal(status.roots[0]?.skipped_by_reason.binary, 1);
  });

  test("a skipped file's outline says why it was skipped, not to index it first", async () => {
    const outline = (path: string) =>
      callToolError(mcp.client, 'get_file_outline', { path: join(repo, path) });
    assert.match(
      await outline('src/latin1.py'),
      /^FILE_SKIPPED: .*latin1\.py was not indexed: it is not valid UTF-8/,
    );
    assert.match(
      await outline('src/big.py'),
      /^FILE_SKIPPED: .*big\.py was not indexed: it is larger than CODEINDEX_MAX_FILE_BYTES/,
    );
    assert.match(
      await outline('src/blob.js'),
      /^FILE_SKIPPED: .*blob\.js was not indexed: it is a binary file/,
    );
    assert.match(
      await outline('src/bundle.js'),
      /^FILE_SKIPPED: .*bundle\.js was not indexed: it is minified code .*: index its source instead/,
    );
    // A file of no language codeindex reads has no row.
    assert.match(
      await outline('src/notes.xyz'),
      /^NOT_INDEXED: .*notes\.xyz is not in the index of .*: .*reads no language from its name; call index_file/,
    );
  });

  test('paths outside the allowed roots are refused, including via .. and symlinks', async () => {
    for (const p of [outside, join(repo, '..', 'outside'), '/etc']) {
      const msg = await callToolError(mcp.client, 'index_repository', { path: p });
      assert.match(msg, /^PATH_OUTSIDE_ROOT: .*outside the allowed roots/);
      assert.equal(msg.split('\n').length, 1);
    }
    const viaLink = await callToolError(mcp.client, 'index_file', { path: join(repo, 'src/escape.py') });
    assert.match(viaLink, /^PATH_OUTSIDE_ROOT/);
    const outline = await callToolError(mcp.client, 'get_file_outline', { path: '/etc/passwd' });
    assert.match(outline, /^PATH_OUTSIDE_ROOT/);
  });

  test('missing path, directory to index_file, file to index_repository', async () => {
    assert.match(
      await callToolError(mcp.client, 'index_file', { path: join(repo, 'src/missing.py') }),
      /^PATH_NOT_FOUND: /,
    );
    assert.match(
      await callToolError(mcp.client, 'index_file', { path: join(repo, 'src') }),
      /^NOT_A_FILE: .*index_repository/,
    );
    assert.match(
      await callToolError(mcp.client, 'index_repository', { path: join(repo, 'src/good.py') }),
      /^NOT_A_DIRECTORY: /,
    );
    assert.match(
      await callToolError(mcp.client, 'index_file', { path: join(repo, 'src/dangling.py') }),
      /^PATH_NOT_FOUND: /,
    );
    // A path with a newline in it still makes a one-line error: the newline is written as \n.
    const odd = await callToolError(mcp.client, 'get_file_outline', {
      path: join(repo, 'src/two\nlines.py'),
    });
    assert.match(odd, /^PATH_NOT_FOUND: .*two\\nlines\.py/);
    assert.ok(!odd.includes('\n'), odd);
  });

  test('index_file of a binary file ends with a skip reason, not a crash', async () => {
    const started = await callTool(mcp.client, 'index_file', { path: join(repo, 'src/blob.js') });
    const done = await waitForTask(mcp.client, String(started.task_id));
    assert.equal(done.state, 'SUCCESS');
    const res = done.result as { skipped: Record<string, number>; indexed: number; unchanged: number };
    // Already recorded as binary by the repository run with the same size+mtime: unchanged.
    assert.equal(res.indexed, 0);
    assert.equal((res.skipped.binary ?? 0) + res.unchanged, 1);
  });

  test('wrong argument types are rejected with a clear message', async () => {
    const r = await mcp.client.callTool({ name: 'search_symbols', arguments: { query: 42 } });
    assert.equal(r.isError, true);
    assert.match(JSON.stringify(r.content), /Invalid arguments for tool search_symbols/);
    const r2 = await mcp.client.callTool({
      name: 'index_repository',
      arguments: { path: repo, priority: 'urgent' },
    });
    assert.equal(r2.isError, true);
  });

  test('an argument a tool does not define is refused, naming the ones it takes', async () => {
    // A misspelt argument used to be dropped without a word, and the search ran over every root.
    const r = await mcp.client.callTool({ name: 'search_code', arguments: { query: 'greet', paths: repo } });
    assert.equal(r.isError, true);
    assert.match(
      JSON.stringify(r.content),
      /unknown argument paths: search_code takes query, mode, group_by, include_tests, exclude, path, path_prefix, language, limit, cursor/,
    );
    const r2 = await mcp.client.callTool({ name: 'queue_stats', arguments: { verbose: true } });
    assert.equal(r2.isError, true);
    assert.match(JSON.stringify(r2.content), /unknown argument verbose: queue_stats takes no arguments/);
    // The listed schemas say so too.
    const tools = (await mcp.client.listTools()).tools;
    assert.ok(
      tools.every((t) => t.inputSchema.additionalProperties === false),
      JSON.stringify(tools.map((t) => t.name)),
    );
    // And a call with only known arguments still answers.
    const ok = await mcp.client.callTool({
      name: 'search_code',
      arguments: { query: 'greet', path_prefix: repo },
    });
    assert.notEqual(ok.isError, true, JSON.stringify(ok.content));
  });

  test('the query tools take their scope as path or path_prefix, and apply it either way', async () => {
    const src = join(repo, 'src');
    const calls: [string, Record<string, unknown>][] = [
      ['search_symbols', { query: 'good' }],
      ['search_code', { query: 'good', mode: 'text' }],
      ['find_references', { symbol: 'good' }],
      ['repo_map', { max_tokens: 256 }],
    ];
    for (const [name, args] of calls) {
      const a = await mcp.client.callTool({ name, arguments: { ...args, path: src } });
      const b = await mcp.client.callTool({ name, arguments: { ...args, path_prefix: src } });
      assert.notEqual(a.isError, true, `${name}: ${JSON.stringify(a.content)}`);
      assert.deepEqual(b.structuredContent, a.structuredContent, name);
      assert.match(
        await callToolError(mcp.client, name, { ...args, path: src, path_prefix: repo }),
        /^INVALID_PAYLOAD: path and path_prefix disagree \(.*\): they are two names for the one scope, give one$/,
        name,
      );
    }
    const found = await mcp.client.callTool({
      name: 'search_symbols',
      arguments: { query: 'good', path: src },
    });
    const names = (found.structuredContent as { symbols: { name: string }[] }).symbols.map((s) => s.name);
    assert.ok(names.includes('good'), names.join(','));
    // The scope is applied, not dropped: nothing is defined under a directory with no files.
    mkdirSync(join(repo, 'empty-dir'), { recursive: true });
    for (const key of ['path', 'path_prefix']) {
      const none = await mcp.client.callTool({
        name: 'search_symbols',
        arguments: { query: 'good', [key]: join(repo, 'empty-dir') },
      });
      assert.deepEqual((none.structuredContent as { symbols: unknown[] }).symbols, [], key);
    }
  });

  test('a query scope that does not exist is PATH_NOT_FOUND, not an empty answer', async () => {
    const missing = join(repo, 'srcc');
    for (const [tool, args] of [
      ['search_symbols', { query: 'good' }],
      ['search_code', { query: 'good' }],
      ['find_references', { symbol: 'good' }],
      ['repo_map', {}],
      ['get_symbol', { symbol: 'good' }],
    ] as const) {
      const msg = await callToolError(mcp.client, tool, { ...args, path: missing });
      assert.match(msg, new RegExp(`^PATH_NOT_FOUND: ${missing} does not exist: .*inside ${repo}$`), tool);
    }
    // The scope that exists answers.
    const found = await callTool<{ symbols: { name: string }[] }>(mcp.client, 'search_symbols', {
      query: 'good',
      path: join(repo, 'src'),
    });
    assert.ok(found.symbols.some((x) => x.name === 'good'));
  });

  test('unknown and never-issued task ids say so', async () => {
    assert.match(
      await callToolError(mcp.client, 'task_status', { task_id: 'nope' }),
      /^TASK_NOT_FOUND: unknown task id/,
    );
    assert.match(
      await callToolError(mcp.client, 'task_status', { task_id: 'idx_00000000000000000000000000000000' }),
      /^TASK_NOT_FOUND: no task .* was ever issued/,
    );
    assert.match(await callToolError(mcp.client, 'cancel_task', { task_id: 'idx_ffff' }), /^TASK_NOT_FOUND/);
  });

  test('repo_map over more definitions than it ranks at once says which part to map instead', async () => {
    mkdirSync(join(repo, 'src/more'), { recursive: true });
    writeFileSync(
      join(repo, 'src/more/pair.py'),
      'def left():\n    return 1\n\n\ndef right():\n    return left()\n',
    );
    const t = await callTool(mcp.client, 'index_file', { path: join(repo, 'src/more/pair.py') });
    assert.equal((await waitForTask(mcp.client, String(t.task_id))).state, 'SUCCESS');
    assert.equal(
      await callToolError(mcp.client, 'repo_map', { path: repo }),
      `SCOPE_TOO_LARGE: ${repo} holds 3 definitions in 2 files, more than a repository map ranks at once (2): pass path for one part of it, such as ${repo}/src (3)`,
    );
    const part = await callTool<{ files: { path: string }[] }>(mcp.client, 'repo_map', {
      path: join(repo, 'src/more'),
    });
    assert.deepEqual(
      part.files.map((f) => f.path),
      ['pair.py'],
    );
  });

  test('the server still answers after all of that', async () => {
    const r = await callTool<{ symbols: { name: string }[] }>(mcp.client, 'search_symbols', {
      query: 'good',
    });
    assert.equal(r.symbols[0]?.name, 'good');
  });

  test('Redis unreachable: job tools fail with a hint, query tools still answer', async () => {
    const port = await freePort();
    const down = await startMcpClient({
      ...env.env,
      REDIS_URL: `redis://127.0.0.1:${port}`,
      CODEINDEX_WORKERS: '0',
    });
    try {
      const msg = await callToolError(down.client, 'index_repository', { path: repo });
      assert.match(
        msg,
        /^REDIS_UNAVAILABLE: cannot connect to Redis at redis:\/\/127\.0\.0\.1:\d+\/? \(connection refused\): start redis-server or set REDIS_URL/,
      );
      assert.match(
        await callToolError(down.client, 'task_status', { task_id: 'idx_0' }),
        /^REDIS_UNAVAILABLE/,
      );
      const r = await callTool<{ symbols: { name: string }[] }>(down.client, 'search_symbols', {
        query: 'good',
      });
      assert.equal(r.symbols[0]?.name, 'good');
    } finally {
      await down.close();
    }
  });
});
