import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ListRootsRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import {
  CLI,
  callTool,
  callToolError,
  freePort,
  makeTestEnv,
  startMcpClient,
  type TestEnv,
  waitForTask,
} from '../helpers/env.js';
import { waitFor } from '../helpers/wait.js';

const PROJECTS = ['alpha', 'beta', 'gamma'] as const;

/** A small project: its own function, plus a helper every project defines and calls. */
function writeProject(dir: string, name: string): void {
  mkdirSync(join(dir, 'src'), { recursive: true });
  writeFileSync(
    join(dir, 'src/helper.ts'),
    `export function sharedHelper(x: number): number {\n  return x + 1;\n}\n`,
  );
  writeFileSync(
    join(dir, 'src/main.ts'),
    `import { sharedHelper } from './helper';\n\n/** ${name} only */\nexport function ${name}Only(): number {\n  return sharedHelper(41);\n}\n`,
  );
}

interface Hit {
  path: string;
}

/** Every path of a result list, whatever the list is called. */
function pathsOf(r: Record<string, unknown>, key: string): string[] {
  return ((r[key] as Hit[] | undefined) ?? []).map((h) => h.path);
}

/**
 * Drill: three projects indexed in one data dir; a client allowed two of them must never see the
 * third, whichever tool it calls and however it connects (stdio with CODEINDEX_ROOTS, stdio with
 * the client's MCP roots, MCP over Streamable HTTP, the HTTP API).
 */
describe('drill: a client confined to its roots', () => {
  let env: TestEnv;
  const dirs: Record<string, string> = {};
  let confined: Awaited<ReturnType<typeof startMcpClient>>;
  let viaRoots: Client;
  let remote: Client;
  let url: string;

  before(async () => {
    env = makeTestEnv({ CODEINDEX_WATCH: 'false', CODEINDEX_EMBEDDINGS: 'off' });
    for (const p of PROJECTS) {
      dirs[p] = join(env.tmp, p);
      writeProject(dirs[p], p);
    }
    // One client indexes all three into the shared data dir.
    const indexer = await startMcpClient({
      ...env.env,
      CODEINDEX_ROOTS: PROJECTS.map((p) => dirs[p]).join(delimiter),
    });
    try {
      for (const p of PROJECTS) {
        const t = await callTool(indexer.client, 'index_repository', { path: dirs[p] });
        assert.equal((await waitForTask(indexer.client, String(t.task_id))).state, 'SUCCESS');
      }
    } finally {
      await indexer.close();
    }
    const two = [dirs.alpha!, dirs.beta!];
    // Confined by configuration, with the HTTP API and MCP over HTTP in the same process.
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    confined = await startMcpClient(
      { ...env.env, CODEINDEX_WORKERS: '0', CODEINDEX_ROOTS: two.join(delimiter) },
      ['--http', String(port)],
    );
    await waitFor('the HTTP server', () =>
      fetch(`${url}/healthz`).then(
        () => true,
        () => false,
      ),
    );
    remote = new Client({ name: 'drill-http', version: '0' });
    await remote.connect(new StreamableHTTPClientTransport(new URL(`${url}/mcp`)));
    // Confined by the client's own MCP roots (nothing configured).
    viaRoots = new Client({ name: 'drill-roots', version: '0' }, { capabilities: { roots: {} } });
    viaRoots.setRequestHandler(ListRootsRequestSchema, async () => ({
      roots: two.map((d) => ({ uri: pathToFileURL(d).href, name: d })),
    }));
    await viaRoots.connect(
      new StdioClientTransport({
        command: process.execPath,
        args: [CLI, 'serve'],
        env: { ...env.env, CODEINDEX_WORKERS: '0' },
        cwd: env.tmp,
        stderr: 'ignore',
      }),
    );
  });

  after(async () => {
    await viaRoots?.close().catch(() => {});
    await remote?.close().catch(() => {});
    await confined?.close();
    await env?.cleanup();
  });

  /** The project a path belongs to. */
  const projectOf = (path: string) => PROJECTS.find((p) => path.startsWith(`${dirs[p]}/`)) ?? path;
  const projects = (paths: string[]) => [...new Set(paths.map(projectOf))].sort();

  for (const [how, client] of [
    ['stdio, CODEINDEX_ROOTS', () => confined.client],
    ['stdio, MCP roots', () => viaRoots],
    ['Streamable HTTP', () => remote],
  ] as const) {
    test(`${how}: every query tool answers from the two allowed projects only`, async () => {
      const c = client();
      const symbols = await callTool(c, 'search_symbols', { query: 'sharedHelper', limit: 50 });
      assert.deepEqual(projects(pathsOf(symbols, 'symbols')), ['alpha', 'beta']);
      const only = await callTool(c, 'search_symbols', { query: 'gammaOnly', limit: 50 });
      assert.deepEqual(
        pathsOf(only, 'symbols').filter((p) => projectOf(p) === 'gamma'),
        [],
      );
      const code = await callTool(c, 'search_code', { query: 'sharedHelper', mode: 'text', limit: 50 });
      assert.deepEqual(projects(pathsOf(code, 'results')), ['alpha', 'beta']);
      const refs = await callTool(c, 'find_references', { symbol: 'sharedHelper', limit: 200 });
      assert.deepEqual(projects(pathsOf(refs, 'references')), ['alpha', 'beta']);
      const map = await callTool<{ files: Hit[]; root: string | null }>(c, 'repo_map', { max_tokens: 4000 });
      assert.equal(map.root, null);
      assert.deepEqual(projects(map.files.map((f) => f.path)), ['alpha', 'beta']);
      const status = await callTool<{ roots: { root: string }[] }>(c, 'index_status', {});
      assert.deepEqual(status.roots.map((r) => projectOf(`${r.root}/`)).sort(), ['alpha', 'beta']);
      // Asking for the third project by name is refused, not answered.
      for (const [tool, args] of [
        ['search_symbols', { query: 'gammaOnly', path_prefix: dirs.gamma }],
        ['search_code', { query: 'sharedHelper', path_prefix: dirs.gamma }],
        ['find_references', { symbol: 'sharedHelper', path: dirs.gamma }],
        ['repo_map', { path: dirs.gamma }],
        ['index_status', { path: dirs.gamma }],
        ['get_file_outline', { path: join(dirs.gamma!, 'src/main.ts') }],
      ] as const) {
        assert.match(await callToolError(c, tool, args), /outside the allowed roots/, tool);
      }
      // A prefix inside an allowed project still narrows to it.
      const narrowed = await callTool(c, 'search_symbols', { query: 'sharedHelper', path_prefix: dirs.beta });
      assert.deepEqual(projects(pathsOf(narrowed, 'symbols')), ['beta']);
    });
  }

  test('HTTP API: searches answer from the two allowed projects only', async () => {
    const sym = (await (await fetch(`${url}/search/symbols?q=sharedHelper&limit=50`)).json()) as Record<
      string,
      unknown
    >;
    assert.deepEqual(projects(pathsOf(sym, 'symbols')), ['alpha', 'beta']);
    const code = (await (
      await fetch(`${url}/search/code?q=sharedHelper&mode=text&limit=50`)
    ).json()) as Record<string, unknown>;
    assert.deepEqual(projects(pathsOf(code, 'results')), ['alpha', 'beta']);
    const outside = await fetch(
      `${url}/search/symbols?q=gammaOnly&path_prefix=${encodeURIComponent(dirs.gamma!)}`,
    );
    assert.equal(outside.status, 403);
  });
});
