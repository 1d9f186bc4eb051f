import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Queue } from 'bullmq';
import { CLI, copyFixture, makeTestEnv, startMcpClient, type TestEnv } from '../helpers/env.js';

function run(args: string[], env: Record<string, string>) {
  const r = spawnSync(process.execPath, [CLI, ...args], { env, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Running (a zombie waiting for a reaper that never comes in some containers counts as gone). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

describe('the command line', () => {
  let env: TestEnv;
  let repo: string;

  before(() => {
    env = makeTestEnv();
    repo = copyFixture('langs', env.tmp);
  });
  after(async () => {
    // Whatever happened, never leave a private redis-server behind.
    run(['stop-redis'], env.env);
    await env.cleanup();
  });

  test('--help prints usage and exits 0; an unknown command exits 2', () => {
    const h = run(['--help'], env.env);
    assert.equal(h.code, 0);
    assert.match(h.stdout, /codeindex serve/);
    assert.match(h.stdout, /codeindex index <path>/);
    const u = run(['frobnicate'], env.env);
    assert.equal(u.code, 2);
    assert.match(u.stderr, /unknown command frobnicate/);
  });

  test('invalid configuration: one clear line naming the setting, exit 2', () => {
    for (const [name, value, pattern] of [
      ['CODEINDEX_WORKERS', 'lots', /invalid setting workers \(CODEINDEX_WORKERS\)/],
      ['CODEINDEX_BATCH_SIZE', '0', /invalid setting batchSize \(CODEINDEX_BATCH_SIZE\)/],
      ['REDIS_URL', 'not a url', /invalid setting redisUrl \(REDIS_URL\)/],
      ['CODEINDEX_RATE_LIMIT_EMBEDDINGS', 'fast', /rateLimits\.embeddings.*N\/s, N\/m or N\/h/],
    ] as const) {
      const r = run(['status'], { ...env.env, [name]: value });
      assert.equal(r.code, 2, `${name}=${value}: ${r.stderr}`);
      assert.match(r.stderr, pattern);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    }
  });

  test('index with the embedded Redis: summary, reuse, idempotent re-run, then stop-redis leaves nothing', () => {
    const local = { ...env.env, CODEINDEX_HOME: join(env.tmp, 'embedded-home') };
    delete (local as Record<string, string | undefined>).REDIS_URL;
    const first = run(['index', repo, '--workers', '1'], local);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /files: 35 scanned, 34 indexed, 0 unchanged/);
    // Languages in the order the batches reported them, which may vary.
    const languages = /languages: (.*)\n/.exec(first.stdout)?.[1]?.split(', ').sort();
    assert.deepEqual(languages, [
      'bash 1',
      'c 1',
      'cpp 1',
      'csharp 1',
      'dart 1',
      'dockerfile 1',
      'dotenv 1',
      'elixir 1',
      'go 2',
      'java 2',
      'javascript 2',
      'kotlin 1',
      'lua 1',
      'markdown 1',
      'objc 1',
      'php 1',
      'python 3',
      'ruby 1',
      'rust 2',
      'scala 1',
      'sql 1',
      'svelte 1',
      'swift 1',
      'tsx 1',
      'typescript 2',
      'vue 1',
      'yaml 1',
    ]);
    assert.match(first.stdout, /symbols: \d+, references: \d+/);
    const pidFile = join(local.CODEINDEX_HOME, 'redis/redis.pid');
    assert.ok(existsSync(join(local.CODEINDEX_HOME, 'redis/redis.sock')), 'private redis socket');
    const pid = Number(readFileSync(pidFile, 'utf8'));
    assert.ok(alive(pid));
    const aof = spawnSync(
      'redis-cli',
      ['-s', join(local.CODEINDEX_HOME, 'redis/redis.sock'), 'CONFIG', 'GET', 'appendonly'],
      {
        encoding: 'utf8',
      },
    );
    if (aof.status === 0) assert.match(aof.stdout, /appendonly\s+yes/);

    const second = run(['index', repo, '--workers', '1', '--json'], local);
    assert.equal(second.code, 0, second.stderr);
    const summary = JSON.parse(second.stdout) as Record<string, number>;
    assert.equal(summary.files_indexed, 0);
    assert.equal(summary.files_unchanged, 35);
    assert.equal(Number(readFileSync(pidFile, 'utf8')), pid, 'the same private redis-server was reused');

    const search = run(['search', 'UserRepository'], local);
    assert.equal(search.code, 0);
    assert.match(search.stdout.split('\n')[0] ?? '', /ts\/sample\.ts:28 class UserRepository/);
    // A question finds no symbol: the hint names the code search, which finds the file.
    const question = run(['search', 'where are users kept in the repository'], local);
    assert.equal(question.code, 0);
    assert.equal(question.stdout, '');
    assert.match(question.stderr, /no symbol matches .* codeindex search --code/);
    const code = run(['search', '--code', '--mode', 'text', '--json', 'UserRepository find by id'], local);
    assert.equal(code.code, 0, code.stderr);
    const found = JSON.parse(code.stdout) as { mode: string; files: { path: string; hits: unknown[] }[] };
    assert.equal(found.mode, 'text');
    assert.ok(found.files.length > 0);
    assert.match(found.files[0]?.path ?? '', /\/ts\/sample\.ts$/);
    assert.ok(found.files[0]!.hits.length >= 1);
    const plain = run(['search', '--code', '--mode', 'text', '--limit', '2', 'UserRepository'], local);
    assert.equal(plain.code, 0, plain.stderr);
    assert.match(plain.stdout.split('\n')[0] ?? '', /ts\/sample\.ts {2}\(\d/);
    assert.match(plain.stdout, /\n {4}\d+: /, 'the best chunk is shown under its file');
    assert.equal(run(['search', '--code', '--mode', 'fuzzy', 'x'], local).code, 2);
    // --path keeps to one folder of the data dir's roots, in both searches.
    const inTs = run(['search', 'UserRepository', '--path', join(repo, 'ts')], local);
    assert.match(inTs.stdout.split('\n')[0] ?? '', /ts\/sample\.ts:28 class UserRepository/);
    const inPython = run(['search', 'UserRepository', '--path', join(repo, 'python'), '--json'], local);
    assert.equal(inPython.code, 0, inPython.stderr);
    assert.deepEqual(JSON.parse(inPython.stdout), []);
    const codeInGo = run(
      ['search', '--code', '--mode', 'text', '--json', '--path', join(repo, 'go'), 'UserRepository find'],
      local,
    );
    assert.equal(codeInGo.code, 0, codeInGo.stderr);
    const goFiles = (JSON.parse(codeInGo.stdout) as { files: { path: string }[] }).files;
    assert.ok(
      goFiles.every((f) => f.path.startsWith(join(repo, 'go'))),
      JSON.stringify(goFiles),
    );
    const nowhere = run(['search', 'x', '--path', join(repo, 'no-such-dir')], local);
    assert.equal(nowhere.code, 2);
    assert.match(nowhere.stderr, /--path .*no-such-dir does not exist/);
    // `show` prints a definition's source, as get_symbol answers it.
    const shown = run(['show', 'UserRepository', '--path', join(repo, 'ts'), '--max-lines', '1'], local);
    assert.equal(shown.code, 0, shown.stderr);
    const sample = join(repo, 'ts/sample.ts');
    // Its doc comment comes along (lines 25-27), on top of --max-lines.
    assert.equal(shown.stdout.split('\n')[0], `${sample}:25-28 class UserRepository`);
    assert.match(shown.stdout, /\n25: \/\*\*\n/);
    assert.match(shown.stdout, /\n28: export class UserRepository implements UserSource \{\n$/);
    assert.match(shown.stderr, /cut at line 28 of \d+ \(--max-lines\)/);
    const asJson = run(['show', 'UserRepository', '--json', '--max-lines', '1'], local);
    assert.equal((JSON.parse(asJson.stdout) as { start_line: number }).start_line, 25);
    const unknown = run(['show', 'NoSuchDefinition'], local);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /^codeindex show: no definition is named "NoSuchDefinition"/);
    // What to do next, in the command line's words (not the MCP tools').
    const close = run(['show', 'UserRepositor'], local);
    assert.match(close.stderr, /closest: UserRepository\b.*\(`codeindex search` lists more\)/);
    assert.doesNotMatch(close.stderr + unknown.stderr, /search_symbols|search_code/);
    const elsewhere = mkdtempSync(join(tmpdir(), 'outside-'));
    const outside = run(['search', 'UserRepository', '--path', elsewhere], local);
    rmSync(elsewhere, { recursive: true });
    assert.match(outside.stderr, /is not inside an indexed root: index it first \(`codeindex index`\)/);
    assert.equal(run(['show', 'x', '--max-lines', '0'], local).code, 2);

    const stop = run(['stop-redis'], local);
    assert.equal(stop.code, 0);
    assert.equal(alive(pid), false, 'no orphaned redis-server');
  });

  test('index_repository with wait sends MCP progress notifications and returns the summary', async () => {
    // A SQLite index of its own: with a shared database the first test's index would leave nothing to do.
    const mcp = await startMcpClient({
      ...env.env,
      CODEINDEX_DATABASE_URL: '',
      CODEINDEX_ROOTS: repo,
      CODEINDEX_BATCH_SIZE: '2',
    });
    try {
      const seen: { progress: number }[] = [];
      const r = await mcp.client.callTool(
        { name: 'index_repository', arguments: { path: repo, wait: true } },
        undefined,
        {
          onprogress: (p) => seen.push(p),
          timeout: 60_000,
        },
      );
      assert.notEqual(r.isError, true, JSON.stringify(r.content));
      const sc = r.structuredContent as { state: string; result: { files_indexed: number } };
      assert.equal(sc.state, 'SUCCESS');
      assert.equal(sc.result.files_indexed, 34);
      assert.ok(seen.length >= 1, `no progress notification (task ended ${sc.state})`);
      assert.ok(seen.every((p) => typeof p.progress === 'number'));
    } finally {
      await mcp.close();
    }
  });

  test('index with shipped sources: each content sent once, and nothing on a re-run of an unchanged tree', async () => {
    const shipEnv = makeTestEnv({ CODEINDEX_SHIP_SOURCES: 'on', CODEINDEX_EMBEDDINGS: 'off' });
    try {
      const tree = copyFixture('langs', shipEnv.tmp);
      // A second copy of one file: the same content is sent once.
      writeFileSync(join(tree, 'ts/sample_copy.ts'), readFileSync(join(tree, 'ts/sample.ts')));
      const first = run(['index', tree, '--workers', '1', '--json'], shipEnv.env);
      assert.equal(first.code, 0, first.stderr);
      const s1 = JSON.parse(first.stdout) as {
        files_indexed: number;
        files_scanned: number;
        shipped: { files_read: number; bytes_read: number; blobs_sent: number; bytes_sent: number };
      };
      assert.ok(s1.files_indexed > 20, first.stdout);
      // Every file the scan found was read once.
      assert.equal(s1.shipped.files_read, s1.files_scanned);
      // Each file holds text (no binary or empty one in the fixture); the copy's content is sent once.
      assert.equal(s1.shipped.blobs_sent, s1.shipped.files_read - 1);
      const copyBytes = statSync(join(tree, 'ts/sample.ts')).size;
      assert.equal(s1.shipped.bytes_sent, s1.shipped.bytes_read - copyBytes);
      const second = run(['index', tree, '--workers', '1', '--json'], shipEnv.env);
      assert.equal(second.code, 0, second.stderr);
      const s2 = JSON.parse(second.stdout) as typeof s1 & { files_unchanged: number };
      assert.equal(s2.files_indexed, 0);
      assert.equal(s2.files_unchanged, s1.files_scanned);
      assert.deepEqual(s2.shipped, { files_read: 0, bytes_read: 0, blobs_sent: 0, bytes_sent: 0 });
    } finally {
      await shipEnv.cleanup();
    }
  });

  test('index finishes the upkeep job its run queued before its workers stop', async () => {
    // Test jobs on: the upkeep job takes 3 s, and a stopped worker gives its jobs 1 s: as on a
    // large index, where stopping the workers right after SUCCESS cuts the upkeep off.
    const upEnv = makeTestEnv({
      CODEINDEX_BATCH_SIZE: '5',
      CODEINDEX_EMBEDDINGS: 'off',
      CODEINDEX_TEST_JOBS: '1',
      CODEINDEX_TEST_UPKEEP_MS: '3000',
      CODEINDEX_SHUTDOWN_DEADLINE_MS: '1000',
    });
    try {
      const tree = copyFixture('langs', upEnv.tmp);
      const r = run(['index', tree, '--workers', '1'], upEnv.env);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, /optimizing the index/);
      assert.match(r.stderr, /optimized in \d+\.\d s/);
      // The job ended before the command did: completed, not cut off (active, waiting) or failed.
      const u = new URL(upEnv.env.REDIS_URL!);
      const queue = new Queue('maintenance', {
        connection: { host: u.hostname, port: Number(u.port || 6379) },
        prefix: upEnv.env.CODEINDEX_QUEUE_PREFIX!,
      });
      try {
        const jobs = await queue.getJobs([
          'completed',
          'failed',
          'active',
          'waiting',
          'prioritized',
          'delayed',
        ]);
        const upkeep = jobs.filter((j) => j.name === 'optimize-index');
        assert.equal(upkeep.length, 1, upkeep.map((j) => j.id).join(', '));
        assert.equal(await upkeep[0]!.getState(), 'completed');
      } finally {
        await queue.close();
      }
      // --no-upkeep: the summary, and no wait.
      const skip = run(['index', tree, '--workers', '1', '--force', '--no-upkeep'], upEnv.env);
      assert.equal(skip.code, 0, skip.stderr);
      assert.match(skip.stdout, /indexed/);
      assert.doesNotMatch(skip.stderr, /optimiz/);
    } finally {
      await upEnv.cleanup();
    }
  });
});
