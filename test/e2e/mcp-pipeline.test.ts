import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import {
  callTool,
  copyFixture,
  makeTestEnv,
  startMcpClient,
  type TestEnv,
  waitForTask,
} from '../helpers/env.js';

type Sym = {
  name: string;
  kind: string;
  path: string;
  line: number;
  end_line: number;
  container: string | null;
};

/**
 * The whole path with real parts: the built server over stdio, a real worker process, real Redis,
 * real SQLite, real tree-sitter, on the mixed fixture repository (seventeen languages).
 */
describe('index a repository over MCP, then query it', () => {
  let env: TestEnv;
  let repo: string;
  let mcp: Awaited<ReturnType<typeof startMcpClient>>;
  let summary: Record<string, unknown>;

  before(async () => {
    env = makeTestEnv();
    repo = copyFixture('langs', env.tmp);
    env.env.CODEINDEX_ROOTS = repo;
    mcp = await startMcpClient(env.env);
    const started = await callTool(mcp.client, 'index_repository', { path: repo });
    assert.equal(started.state, 'PENDING');
    assert.match(String(started.task_id), /^idx_[0-9a-f]{32}$/);
    const done = await waitForTask(mcp.client, String(started.task_id));
    assert.equal(done.state, 'SUCCESS', JSON.stringify(done));
    summary = done.result as Record<string, unknown>;
  });

  after(async () => {
    await mcp?.close();
    await env?.cleanup();
  });

  test('the summary counts files, symbols and languages', () => {
    assert.equal(summary.root, repo);
    // The extensionless `scripts/release-notes` is a candidate too (scanned); its shebang makes it
    // Python (indexed); `scripts/NOTICE` has no shebang (skipped). Five text-only files are
    // indexed for full-text search.
    assert.equal(summary.files_scanned, 35);
    assert.equal(summary.files_indexed, 34);
    assert.equal(summary.files_failed, 0);
    assert.deepEqual(summary.languages, {
      bash: 1,
      c: 1,
      cpp: 1,
      csharp: 1,
      dart: 1,
      dockerfile: 1,
      elixir: 1,
      dotenv: 1,
      go: 2,
      java: 2,
      javascript: 2,
      kotlin: 1,
      lua: 1,
      markdown: 1,
      objc: 1,
      php: 1,
      python: 3,
      ruby: 1,
      rust: 2,
      scala: 1,
      sql: 1,
      svelte: 1,
      swift: 1,
      tsx: 1,
      typescript: 2,
      vue: 1,
      yaml: 1,
    });
    assert.ok(Number(summary.symbols) > 100, `symbols ${summary.symbols}`);
    assert.ok(Number(summary.refs) > 100, `refs ${summary.refs}`);
  });

  test('lists the tools with output schemas and truthful annotations', async () => {
    const { tools } = await mcp.client.listTools();
    const names = tools.map((t) => t.name).sort();
    for (const n of [
      'index_file',
      'index_repository',
      'task_status',
      'cancel_task',
      'list_tasks',
      'cleanup_indices',
      'search_symbols',
      'get_file_outline',
      'get_symbol',
      'find_references',
      'search_code',
      'index_status',
      'repo_map',
    ]) {
      assert.ok(names.includes(n), `missing tool ${n}`);
    }
    for (const t of tools) assert.ok(t.outputSchema, `${t.name} has no outputSchema`);
    assert.equal(tools.find((t) => t.name === 'search_symbols')?.annotations?.readOnlyHint, true);
    assert.equal(tools.find((t) => t.name === 'get_symbol')?.annotations?.readOnlyHint, true);
    assert.equal(tools.find((t) => t.name === 'index_repository')?.annotations?.readOnlyHint, false);
  });

  const expectations: [string, string, Partial<Sym>][] = [
    [
      'UserRepository',
      'typescript',
      { kind: 'class', path: 'ts/sample.ts', line: 28, end_line: 50, container: null },
    ],
    ['CardList', 'tsx', { kind: 'class', path: 'ts/component.tsx', line: 31, end_line: 37, container: null }],
    ['Greeter', 'javascript', { kind: 'class', path: 'js/util.js', line: 12, end_line: 32, container: null }],
    [
      'AccountService',
      'python',
      { kind: 'class', path: 'python/service.py', line: 27, end_line: 51, container: null },
    ],
    [
      'ServeHTTP',
      'go',
      { kind: 'method', path: 'go/server.go', line: 44, end_line: 52, container: 'Server' },
    ],
    ['Lookup', 'rust', { kind: 'trait', path: 'rust/src/lib.rs', line: 23, end_line: 30, container: null }],
    [
      'Store',
      'java',
      { kind: 'class', path: 'java/com/example/store/Store.java', line: 10, end_line: 50, container: null },
    ],
  ];
  for (const [name, language, want] of expectations) {
    test(`search_symbols finds ${name} (${language}) first, exactly`, async () => {
      const r = await callTool<{ symbols: Sym[] }>(mcp.client, 'search_symbols', { query: name, language });
      const top = r.symbols[0];
      assert.ok(top, `no result for ${name}`);
      assert.equal(top.name, name);
      assert.equal(top.kind, want.kind);
      assert.equal(top.path, `${repo}/${want.path}`);
      assert.equal(top.line, want.line);
      assert.equal(top.end_line, want.end_line);
      assert.equal(top.container, want.container);
    });
  }

  test('get_file_outline returns the file symbols in source order with containers', async () => {
    const r = await callTool<{ symbols: Sym[] }>(mcp.client, 'get_file_outline', {
      path: `${repo}/python/models.py`,
    });
    assert.deepEqual(
      r.symbols.map((s) => [s.line, s.end_line, s.kind, s.container, s.name]),
      [
        [7, 7, 'constant', null, 'DEFAULT_ROLE'],
        [10, 14, 'enum', null, 'Role'],
        [13, 13, 'constant', 'Role', 'READER'],
        [14, 14, 'constant', 'Role', 'ADMIN'],
        [18, 26, 'class', null, 'Account'],
        [21, 21, 'field', 'Account', 'name'],
        [22, 22, 'field', 'Account', 'role'],
        [23, 23, 'field', 'Account', 'tags'],
        [25, 26, 'method', 'Account', 'is_admin'],
        [29, 34, 'interface', null, 'Repository'],
        [32, 32, 'method', 'Repository', 'get'],
        [34, 34, 'method', 'Repository', 'put'],
        [37, 39, 'function', null, 'make_account'],
      ],
    );
  });

  test('go outline: struct, fields, methods with receiver containers', async () => {
    const r = await callTool<{ symbols: Sym[] }>(mcp.client, 'get_file_outline', {
      path: `${repo}/go/store.go`,
    });
    assert.deepEqual(
      r.symbols.map((s) => [s.line, s.kind, s.container, s.name]),
      [
        [6, 'struct', null, 'Store'],
        [7, 'field', 'Store', 'mu'],
        [8, 'field', 'Store', 'items'],
        [12, 'function', null, 'NewStore'],
        [17, 'method', 'Store', 'Get'],
        [25, 'method', 'Store', 'Set'],
      ],
    );
  });

  test('fuzzy and kind-filtered search', async () => {
    const r = await callTool<{ symbols: Sym[] }>(mcp.client, 'search_symbols', { query: 'normalize_name' });
    assert.equal(r.symbols[0]?.name, 'normalizeName', 'snake_case query finds the camelCase name');
    // Words that name a container and a member are read as `Store.Set`.
    const words = await callTool<{ symbols: Sym[] }>(mcp.client, 'search_symbols', { query: 'store set' });
    assert.deepEqual([words.symbols[0]?.container, words.symbols[0]?.name.toLowerCase()], ['Store', 'set']);
    // A question matches no name: the answer says which tool reads questions.
    const question = await mcp.client.callTool({
      name: 'search_symbols',
      arguments: { query: 'where are the items kept' },
    });
    assert.match(JSON.stringify(question.content), /no symbols match .*call search_code/);
    const enums = await callTool<{ symbols: Sym[] }>(mcp.client, 'search_symbols', {
      query: 'Policy',
      kind: 'enum',
    });
    assert.deepEqual(
      enums.symbols.map((s) => [s.name, s.kind]),
      [['Policy', 'enum']],
    );
  });

  test('finds definitions in the further languages and in a script known by its shebang', async () => {
    const cases: [string, string, string, string, string | null][] = [
      ['release_notes', 'python', 'scripts/release-notes', 'function', null],
      ['list_push', 'c', 'c/list.c', 'function', null],
      ['max_of', 'cpp', 'cpp/shape.cpp', 'function', 'geo'],
      ['Total', 'csharp', 'csharp/Order.cs', 'method', 'Shop.Orders.Order'],
      ['validate!', 'ruby', 'ruby/order.rb', 'method', 'Shop.Order'],
      ['getName', 'php', 'php/User.php', 'method', 'User'],
      ['describe', 'kotlin', 'kotlin/Order.kt', 'function', 'Order'],
      ['scaled', 'swift', 'swift/Shapes.swift', 'method', 'Circle'],
      ['greetAll', 'objc', 'objc/EXGreeter.m', 'method', 'EXGreeter'],
      ['compare', 'scala', 'scala/Order.scala', 'method', 'Order'],
      ['log', 'bash', 'bash/build.sh', 'function', null],
      ['push', 'lua', 'lua/queue.lua', 'method', 'Queue'],
      ['push', 'elixir', 'elixir/queue.ex', 'function', 'Jobs.Queue'],
      ['add', 'dart', 'dart/queue.dart', 'method', 'Queue'],
    ];
    for (const [query, language, path, kind, container] of cases) {
      const r = await callTool<{ symbols: Sym[] }>(mcp.client, 'search_symbols', {
        query,
        language,
        limit: 5,
      });
      const hit = r.symbols.find((s) => s.name === query && s.path.endsWith(`/${path}`));
      assert.ok(hit, `${query} in ${path}: ${JSON.stringify(r.symbols)}`);
      assert.equal(hit.kind, kind, query);
      assert.equal(hit.container, container, query);
    }
  });

  test('text-only files are found by search_code, with language and path filters, and have no symbols', async () => {
    type Hit = { path: string; language: string; start_line: number };
    const search = (args: Record<string, unknown>) =>
      callTool<{ results: Hit[] }>(mcp.client, 'search_code', { mode: 'text', limit: 5, ...args });
    const sql = await search({ query: 'releases_published_at', language: 'sql' });
    assert.ok(
      sql.results.some((r) => r.path.endsWith('/db/schema.sql')),
      JSON.stringify(sql),
    );
    const yaml = await search({ query: 'retention_days', path_prefix: `${repo}/config` });
    assert.ok(
      yaml.results.some((r) => r.path.endsWith('/config/app.yaml')),
      JSON.stringify(yaml),
    );
    const md = await search({ query: 'fixture repository', language: 'markdown' });
    assert.ok(
      md.results.some((r) => r.path.endsWith('/README.md')),
      JSON.stringify(md),
    );
    const docker = await search({ query: 'ENTRYPOINT release', language: 'dockerfile' });
    assert.equal(docker.results.length, 1, JSON.stringify(docker));
    // The language filter keeps other files out.
    const none = await search({ query: 'retention_days', language: 'sql' });
    assert.equal(none.results.length, 0, JSON.stringify(none));
    const symbols = await callTool<{ symbols: Sym[] }>(mcp.client, 'search_symbols', {
      query: 'retention_days',
    });
    assert.equal(symbols.symbols.length, 0);
  });

  test('search results are bounded and paged with a cursor', async () => {
    const first = await callTool<{ symbols: Sym[]; next_cursor?: string }>(mcp.client, 'search_symbols', {
      query: 'get',
      limit: 3,
    });
    assert.equal(first.symbols.length, 3);
    assert.ok(first.next_cursor, 'a cursor for more');
    const second = await callTool<{ symbols: Sym[] }>(mcp.client, 'search_symbols', {
      query: 'get',
      limit: 3,
      cursor: first.next_cursor,
    });
    assert.equal(second.symbols.length, 3);
    const a = new Set(first.symbols.map((s) => `${s.path}:${s.line}:${s.name}`));
    for (const s of second.symbols)
      assert.ok(!a.has(`${s.path}:${s.line}:${s.name}`), 'pages do not overlap');
  });

  test('index_status reports the root with counts', async () => {
    const r = await callTool<{
      roots: {
        root: string;
        files: { indexed: number; skipped: number };
        symbols: number;
        last_indexed_at: string | null;
        languages: Record<string, number>;
        skipped_by_reason: Record<string, number>;
        skipped_by_language: Record<string, Record<string, number>>;
      }[];
    }>(mcp.client, 'index_status', {});
    const root = r.roots.find((x) => x.root === repo);
    assert.ok(root, JSON.stringify(r));
    assert.equal(root.files.indexed, 34);
    assert.equal(root.files.skipped, 1);
    assert.deepEqual(root.skipped_by_reason, { unsupported_language: 1 });
    assert.deepEqual(root.skipped_by_language, { other: { unsupported_language: 1 } });
    assert.equal(root.languages.kotlin, 1);
    assert.equal(root.languages.markdown, 1);
    assert.equal(root.symbols, summary.symbols);
    assert.ok(root.last_indexed_at);
  });

  test('repo_map without a path shows paths relative to the one allowed root', async () => {
    const r = await mcp.client.callTool({ name: 'repo_map', arguments: { max_tokens: 2000 } });
    const map = r.structuredContent as { root: string | null; files: { path: string }[] };
    assert.equal(map.root, repo);
    assert.ok(map.files.length >= 5, JSON.stringify(map.files));
    for (const f of map.files) assert.ok(!f.path.startsWith('/'), f.path);
    const text = (r.content as { text: string }[])[0]!.text;
    assert.ok(!text.includes(repo), text);
    assert.match(text, /^ts\/models\.ts:$/m);
  });

  test('re-indexing an unchanged repository parses nothing', async () => {
    const started = await callTool(mcp.client, 'index_repository', { path: repo });
    const done = await waitForTask(mcp.client, String(started.task_id));
    const s = done.result as Record<string, number>;
    assert.equal(s.files_indexed, 0);
    assert.equal(s.files_unchanged, 35);
  });

  // Last: the file it writes changes the counts the tests above check.
  test('an outline shows a method of a type defined in another file under its type’s name, not under the definition above it', async () => {
    const file = `${repo}/go/store_len.go`;
    writeFileSync(
      file,
      'package server\n\nfunc helper() int {\n\treturn 1\n}\n\nfunc (s *Store) Len() int {\n\treturn len(s.items)\n}\n',
    );
    const t = await callTool(mcp.client, 'index_file', { path: file });
    assert.equal((await waitForTask(mcp.client, String(t.task_id))).state, 'SUCCESS');
    const r = await mcp.client.callTool({ name: 'get_file_outline', arguments: { path: file } });
    assert.deepEqual(
      (r.content as { text: string }[])[0]?.text.split('\n').map((l) => l.replace(/ — .*/, '')),
      ['3-5 function helper', '7-9 method Store.Len'],
    );
    assert.deepEqual(
      (r.structuredContent as { symbols: Sym[] }).symbols.map((s) => [s.container, s.name]),
      [
        [null, 'helper'],
        ['Store', 'Len'],
      ],
    );
  });
});
