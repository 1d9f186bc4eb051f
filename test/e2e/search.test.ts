import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { textPaths } from '../../src/mcp/results.js';
import {
  callTool,
  copyFixture,
  FIXTURES,
  makeTestEnv,
  startMcpClient,
  type TestEnv,
  waitForTask,
} from '../helpers/env.js';

type Hit = {
  path: string;
  start_line: number;
  end_line: number;
  symbol: string | null;
  score: number;
  snippet: string;
};
type Ref = {
  name: string;
  kind: string;
  path: string;
  line: number;
  enclosing: string | null;
  text: string | null;
};

/** Mean reciprocal rank of the expected file among the first 10 files. */
async function mrr(
  client: Awaited<ReturnType<typeof startMcpClient>>['client'],
  repo: string,
  mode: 'text' | 'semantic' | 'hybrid',
  queries: { query: string; expect: string }[],
): Promise<number> {
  let sum = 0;
  for (const q of queries) {
    const r = await callTool<{ files: { path: string }[]; mode: string; note?: string }>(
      client,
      'search_code',
      {
        query: q.query,
        mode,
        limit: 10,
        path_prefix: repo,
      },
    );
    // The test server embeds with the hashed bag of words, under which hybrid is text alone.
    const used = mode === 'hybrid' ? 'text' : mode;
    assert.equal(r.mode, used, `mode ${used} was used for "${q.query}"`);
    if (mode === 'hybrid') assert.match(r.note ?? '', /hashed bag of words/);
    const rank = r.files.findIndex((h) => h.path === join(repo, q.expect));
    if (rank >= 0) sum += 1 / (rank + 1);
  }
  return sum / queries.length;
}

describe('search_code, find_references and relevance', () => {
  let env: TestEnv;
  let langs: string;
  let rel: string;
  let windows: string;
  let mcp: Awaited<ReturnType<typeof startMcpClient>>;

  before(async () => {
    env = makeTestEnv();
    langs = copyFixture('langs', env.tmp);
    rel = copyFixture('relevance', env.tmp);
    // One 131-line function: split into windows of 60 lines that overlap by 10, and the query's
    // words are on lines 53-57, inside the overlap of the first two.
    windows = join(env.tmp, 'windows');
    mkdirSync(windows);
    const body = Array.from({ length: 127 }, (_, i) =>
      i + 4 >= 53 && i + 4 <= 57
        ? `    total += settle_tapir_ocelot(entries, ${i + 4})`
        : `    total += step_${i + 4}(entries)`,
    );
    writeFileSync(
      join(windows, 'ledger.py'),
      [
        'def reconcile_ledger(entries):',
        '    """Walk the entries and settle them."""',
        '    total = 0',
        ...body,
        '    return total',
        '',
      ].join('\n'),
    );
    // A method called only on receivers of unknown type (for find_references' note).
    writeFileSync(
      join(windows, 'books.py'),
      'class Book:\n    def settle(self):\n        return 1\n\n\ndef close(entry):\n    return entry.settle()\n',
    );
    env.env.CODEINDEX_ROOTS = `${langs}:${rel}:${windows}`;
    mcp = await startMcpClient(env.env);
    for (const root of [langs, rel, windows]) {
      const t = await callTool(mcp.client, 'index_repository', { path: root });
      assert.equal((await waitForTask(mcp.client, String(t.task_id))).state, 'SUCCESS');
    }
    // Embedding jobs run after indexing; wait until every chunk has a vector.
    const deadline = Date.now() + 60_000;
    for (;;) {
      const s = await callTool<{
        roots: { root: string; embeddings?: { embedded: number; pending: number } }[];
      }>(mcp.client, 'index_status', {});
      const e = s.roots.find((r) => r.root === rel)?.embeddings;
      if (e && e.pending === 0 && e.embedded > 0) break;
      if (Date.now() > deadline) throw new Error(`embeddings not done: ${JSON.stringify(s)}`);
      await sleep(200);
    }
  });

  after(async () => {
    await mcp?.close();
    await env?.cleanup();
  });

  test('text search matches identifiers by their parts, with numbered snippets', async () => {
    const r = await callTool<{ results: Hit[] }>(mcp.client, 'search_code', {
      query: 'normalize name',
      mode: 'text',
      path_prefix: langs,
    });
    const paths = r.results.map((h) => h.path);
    assert.ok(paths.includes(join(langs, 'ts/models.ts')), JSON.stringify(paths));
    const hit = r.results.find((h) => h.path === join(langs, 'ts/models.ts'))!;
    assert.equal(hit.symbol, 'normalizeName');
    assert.match(hit.snippet, /^\d+: /m);
    assert.ok(hit.start_line <= 24 && hit.end_line >= 24);
  });

  test('exclude takes one glob as a plain string as well as a list', async () => {
    const args = { query: 'normalize name', mode: 'text', path_prefix: langs };
    const paths = async (extra: object) =>
      (await callTool<{ results: Hit[] }>(mcp.client, 'search_code', { ...args, ...extra })).results.map(
        (h) => h.path,
      );
    assert.ok((await paths({})).includes(join(langs, 'ts/models.ts')));
    const one = await paths({ exclude: 'ts/**' });
    assert.ok(one.length > 0 && !one.some((p) => p.startsWith(join(langs, 'ts/'))), one.join(' '));
    assert.deepEqual(await paths({ exclude: ['ts/**'] }), one);
  });

  test('group_by file (the default) gives one entry per file with its chunks inside; chunk mode ranks chunks', async () => {
    type Grouped = { files: { path: string; results: Hit[] }[]; results: Hit[] };
    const byFile = await callTool<Grouped>(mcp.client, 'search_code', {
      query: 'normalize name',
      mode: 'text',
      path_prefix: langs,
    });
    const paths = byFile.files.map((f) => f.path);
    assert.equal(new Set(paths).size, paths.length, `a file listed twice: ${paths.join(' ')}`);
    assert.ok(paths.includes(join(langs, 'ts/models.ts')), paths.join(' '));
    for (const f of byFile.files) {
      assert.ok(f.results.length >= 1 && f.results.length <= 3);
      for (const h of f.results) assert.equal(h.path, f.path);
    }
    const byChunk = await mcp.client.callTool({
      name: 'search_code',
      arguments: { query: 'normalize name', mode: 'text', path_prefix: langs, group_by: 'chunk' },
    });
    const sc = byChunk.structuredContent as { files?: unknown; results: Hit[] };
    assert.equal(sc.files, undefined);
    assert.ok(sc.results.length >= 1);
    const text = (byChunk.content as { type: string; text: string }[])[0]!.text;
    assert.match(text, /models\.ts:\d+-\d+ normalizeName/);
  });

  test('a file entry does not show the same lines twice: two overlapping windows of one definition give one hit', async () => {
    const args = { query: 'tapir ocelot', mode: 'text', path_prefix: windows };
    const lines = (h: Hit) => h.snippet.split('\n').map((l) => Number(l.split(':')[0]));
    // The premise: in chunk mode both windows match, and their snippets show the same lines.
    const chunks = await callTool<{ results: Hit[] }>(mcp.client, 'search_code', {
      ...args,
      group_by: 'chunk',
    });
    assert.deepEqual(
      chunks.results.map((h) => [h.start_line, h.end_line]),
      [
        [1, 60],
        [51, 110],
      ],
    );
    assert.deepEqual(lines(chunks.results[0]!), lines(chunks.results[1]!));
    assert.ok(lines(chunks.results[0]!).includes(53));
    const byFile = await callTool<{ files: { path: string; results: Hit[] }[] }>(
      mcp.client,
      'search_code',
      args,
    );
    assert.equal(byFile.files.length, 1);
    assert.deepEqual(
      byFile.files[0]!.results.map((h) => [h.start_line, h.end_line]),
      [[1, 60]],
    );
  });

  test('find_references Class.method says when no use resolves to the class', async () => {
    const r = await mcp.client.callTool({
      name: 'find_references',
      arguments: { symbol: 'Book.settle', path: windows },
    });
    const sc = r.structuredContent as { references: { line: number; receiver_unknown?: boolean }[] };
    assert.deepEqual(
      sc.references.map((x) => [x.line, x.receiver_unknown]),
      [[7, true]],
    );
    const text = (r.content as { type: string; text: string }[])[0]!.text;
    assert.match(
      text,
      /\(none of these resolves to Book\.settle: each calls settle on a receiver of unknown type\)/,
    );
  });

  test('text answers print paths relative to their root, said once; the structured answer keeps them absolute', async () => {
    const texts: string[] = [];
    for (const [name, args] of [
      ['search_symbols', { query: 'normalize', path: langs }],
      ['find_references', { symbol: 'normalizeName', path: langs }],
      ['search_code', { query: 'normalize name', mode: 'text', path: langs }],
    ] as const) {
      const r = await mcp.client.callTool({ name, arguments: args });
      const text = (r.content as { type: string; text: string }[])[0]!.text;
      assert.ok(text.startsWith(`(paths relative to ${langs})\n`), `${name}: ${text}`);
      assert.ok(!text.includes(`${langs}/`), `${name}: ${text}`);
      assert.ok(JSON.stringify(r.structuredContent).includes(`${langs}/`), name);
      texts.push(text);
    }
    assert.match(texts[0]!, /^ts\/models\.ts:24 function normalizeName/m);
    assert.match(texts[1]!, /^ts\/sample\.ts:42 call in /m);
    assert.match(texts[2]!, /^ts\/models\.ts\n/m);
  });

  test('paths in text answers: absolute across roots, quoted when they hold a control character', () => {
    const one = textPaths(['/r/a', '/r/b'], ['/r/a/x.py', '/r/a/y/z.py']);
    assert.equal(one.header, '(paths relative to /r/a)');
    assert.equal(one.show('/r/a/y/z.py'), 'y/z.py');
    const two = textPaths(['/r/a', '/r/b'], ['/r/a/x.py', '/r/b/x.py']);
    assert.equal(two.header, null);
    assert.equal(two.show('/r/b/x.py'), '/r/b/x.py');
    // The innermost root of nested ones.
    assert.equal(textPaths(['/r', '/r/a'], ['/r/a/x.py', '/r/a/q.py']).header, '(paths relative to /r/a)');
    // One line gains nothing from a header; several lines of one file do.
    assert.equal(textPaths(['/r/a'], ['/r/a/x.py']).header, null);
    assert.equal(textPaths(['/r/a'], ['/r/a/x.py', '/r/a/x.py']).header, '(paths relative to /r/a)');
    assert.equal(one.show('/r/a/bad\nname.py'), '"bad\\nname.py"');
  });

  test('hostile queries do not fail', async () => {
    for (const q of ['"unbalanced', 'a AND OR NOT', '(*)', 'NEAR(', '-', "'; DROP TABLE chunks; --"]) {
      const r = await mcp.client.callTool({ name: 'search_code', arguments: { query: q, mode: 'text' } });
      assert.notEqual(r.isError, true, `query ${q}: ${JSON.stringify(r.content)}`);
    }
  });

  const refCases: [string, string | undefined, string, string][] = [
    ['normalizeName', undefined, 'ts/sample.ts', 'UserRepository.save'],
    ['normalizeName', undefined, 'ts/component.tsx', 'UserCard'],
    ['joinWords', undefined, 'js/util.js', 'Greeter.greet'],
    ['make_account', undefined, 'python/service.py', 'AccountService.register'],
    ['NewStore', undefined, 'go/server.go', 'New'],
    ['Store', 'rust', 'rust/src/lib.rs', 'Cache.new'],
    ['Store.get', 'java', 'java/com/example/store/StoreService.java', 'StoreService.copy'],
    // Objective-C's own notation for a method.
    ['-[EXGreeter greet:]', 'objc', 'objc/EXGreeter.m', 'EXGreeter.greetAll'],
  ];
  for (const [symbol, dir, file, enclosing] of refCases) {
    test(`find_references ${symbol} -> ${file} in ${enclosing}`, async () => {
      const r = await callTool<{ references: Ref[] }>(mcp.client, 'find_references', {
        symbol,
        ...(dir ? { path: join(langs, dir) } : { path: langs }),
      });
      const hit = r.references.find(
        (x) => x.path === join(langs, file) && x.enclosing === enclosing && x.kind !== 'import',
      );
      assert.ok(hit, `no reference in ${file} within ${enclosing}: ${JSON.stringify(r.references)}`);
      assert.ok(hit.text && hit.text.length > 0);
    });
  }

  test('find_references: a language filter keeps only that language', async () => {
    const all = await callTool<{ references: Ref[] }>(mcp.client, 'find_references', {
      symbol: 'Store',
      path: langs,
      limit: 200,
    });
    const rust = await callTool<{ references: Ref[] }>(mcp.client, 'find_references', {
      symbol: 'Store',
      path: langs,
      language: 'rust',
      limit: 200,
    });
    assert.ok(rust.references.length > 0);
    assert.ok(all.references.length > rust.references.length, `${all.references.length} refs in all`);
    assert.ok(
      rust.references.every((x) => x.path.endsWith('.rs')),
      JSON.stringify(rust.references),
    );
  });

  test('relevance: MRR of text, semantic (local) and hybrid; hybrid is not worse than text', async () => {
    const queries = JSON.parse(readFileSync(join(FIXTURES, 'relevance/queries.json'), 'utf8')) as {
      query: string;
      expect: string;
    }[];
    const scores = {
      text: await mrr(mcp.client, rel, 'text', queries),
      semantic: await mrr(mcp.client, rel, 'semantic', queries),
      hybrid: await mrr(mcp.client, rel, 'hybrid', queries),
    };
    process.stderr.write(`relevance MRR over ${queries.length} queries: ${JSON.stringify(scores)}\n`);
    assert.ok(scores.semantic >= 0.5, `semantic MRR ${scores.semantic}`);
    assert.ok(scores.hybrid >= scores.text, `hybrid ${scores.hybrid} < text ${scores.text}`);
  });

  test('repo_map ranks referenced files first and stays within its token budget', async () => {
    type Map = {
      root: string;
      files: { path: string; symbols: { name: string }[] }[];
      tokens: number;
      truncated: boolean;
    };
    const full = await callTool<Map>(mcp.client, 'repo_map', { path: langs, max_tokens: 4000 });
    assert.equal(full.root, langs);
    assert.ok(full.files.length >= 10, `files ${full.files.length}`);
    assert.ok(full.tokens <= 4000);
    // models.ts defines what sample.ts and component.tsx use; store.go is used by server.go.
    const order = full.files.map((f) => f.path);
    assert.ok(order.indexOf('ts/models.ts') < order.indexOf('ts/sample.ts'), order.join(' '));
    assert.ok(order.indexOf('go/store.go') < order.indexOf('go/server.go'), order.join(' '));
    for (const budget of [64, 200, 500]) {
      const small = await mcp.client.callTool({
        name: 'repo_map',
        arguments: { path: langs, max_tokens: budget },
      });
      const sc = small.structuredContent as Map;
      assert.ok(sc.tokens <= budget, `tokens ${sc.tokens} > ${budget}`);
      // A small budget cannot list the whole fixture; a larger one may.
      if (budget === 64) assert.equal(sc.truncated, true);
      if (!sc.truncated) assert.equal(sc.files.length, full.files.length);
      const text = (small.content as { text: string }[])[0]!.text.replace(
        /\n\(truncated at \d+ tokens\)$/,
        '',
      );
      assert.ok(Math.ceil(text.length / 4) <= budget + 2, `text ${text.length} chars for ${budget} tokens`);
    }
    const focused = await callTool<Map>(mcp.client, 'repo_map', {
      path: langs,
      max_tokens: 300,
      focus: ['python/models.py'],
    });
    assert.equal(focused.files[0]?.path, 'python/models.py');
    // One path or name may come as a plain string.
    const one = await callTool<Map>(mcp.client, 'repo_map', {
      path: langs,
      max_tokens: 300,
      focus: 'python/models.py',
    });
    assert.deepEqual(one, focused);
  });

  test('repo_map answers a repeated call from its cache, and a write shows in the next map', async () => {
    type Map = { files: { path: string; symbols: { name: string }[] }[] };
    const names = (m: Map) => m.files.flatMap((f) => f.symbols.map((x) => `${f.path}#${x.name}`));
    const first = await callTool<Map>(mcp.client, 'repo_map', { path: rel, max_tokens: 16000 });
    assert.deepEqual(await callTool<Map>(mcp.client, 'repo_map', { path: rel, max_tokens: 16000 }), first);
    assert.ok(!names(first).some((n) => n.endsWith('#fresh_helper')));
    writeFileSync(join(rel, 'fresh.py'), 'def fresh_helper(x):\n    return x\n');
    writeFileSync(
      join(rel, 'fresh_user.py'),
      'from fresh import fresh_helper\n\nfresh_helper(1)\nfresh_helper(2)\n',
    );
    for (const f of ['fresh.py', 'fresh_user.py']) {
      const t = await callTool(mcp.client, 'index_file', { path: join(rel, f) });
      assert.equal((await waitForTask(mcp.client, String(t.task_id))).state, 'SUCCESS');
    }
    const after = await callTool<Map>(mcp.client, 'repo_map', { path: rel, max_tokens: 16000 });
    assert.ok(names(after).includes('fresh.py#fresh_helper'), names(after).join(' '));
  });

  test('a single-file re-index queues embeddings for its new chunks', async () => {
    const file = join(rel, 'util/geo.py');
    writeFileSync(
      file,
      'def haversine_distance(lat1, lon1, lat2, lon2):\n    """Great-circle distance between two coordinates in kilometres."""\n    return 0.0\n',
    );
    const t = await callTool(mcp.client, 'index_file', { path: file });
    assert.equal((await waitForTask(mcp.client, String(t.task_id))).state, 'SUCCESS');
    const deadline = Date.now() + 30_000;
    for (;;) {
      const r = await callTool<{ results: Hit[]; mode: string }>(mcp.client, 'search_code', {
        query: 'distance between coordinates',
        mode: 'semantic',
        limit: 3,
      });
      if (r.mode === 'semantic' && r.results[0]?.path === file) break;
      if (Date.now() > deadline)
        throw new Error(`new chunk never embedded: ${JSON.stringify(r.results.map((h) => h.path))}`);
      await sleep(200);
    }
  });
});
