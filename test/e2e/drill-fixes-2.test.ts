import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { ListRootsRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { loadConfig } from '../../src/config/load.js';
import {
  CLI,
  callTool,
  callToolError,
  deletePrefix,
  freePort,
  makeTestEnv,
  REPO_ROOT,
  startMcpClient,
  type TestEnv,
  waitForTask,
} from '../helpers/env.js';

function run(args: string[], env: Record<string, string>, timeout = 120_000) {
  const r = spawnSync(process.execPath, [CLI, ...args], { env, encoding: 'utf8', timeout, input: '' });
  return { code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

/** One line on stderr, nothing on stdout, exit 2. */
function assertUsageError(r: ReturnType<typeof run>, pattern: RegExp, what: string): void {
  assert.equal(r.signal, null, `${what}: killed by ${r.signal} (it hung)`);
  assert.equal(r.code, 2, `${what}: exit ${r.code}: ${r.stderr}`);
  assert.match(r.stderr, pattern, what);
  assert.equal(r.stderr.trim().split('\n').length, 1, `${what}: ${r.stderr}`);
  assert.equal(r.stdout, '', what);
}

/** Defects a failure drill found in the config file and the command line. */
describe('drill fixes: config file and command line', () => {
  let env: TestEnv;
  let repo: string;
  const configFile = (name: string, body: unknown) => {
    const p = join(env.tmp, name);
    writeFileSync(p, typeof body === 'string' ? body : JSON.stringify(body));
    return p;
  };

  before(() => {
    env = makeTestEnv({ CODEINDEX_EMBEDDINGS: 'off', CODEINDEX_WATCH: 'false' });
    repo = join(env.tmp, 'repo');
    mkdirSync(repo, { recursive: true });
    writeFileSync(join(repo, 'shapes.py'), 'def area_of_circle(r):\n    return 3.14 * r * r\n');
  });
  after(async () => {
    await env?.cleanup();
  });

  test('a config file key no setting reads stops with exit 2, naming the closest setting', () => {
    // The schema dropped unknown keys: `batch_size` left the default in force without a word.
    for (const [body, pattern] of [
      [{ batch_size: 5 }, /unknown setting batch_size; did you mean batchSize\?/],
      [
        { embeddings: { provder: 'off' } },
        /unknown setting embeddings\.provder; did you mean embeddings\.provider\?/,
      ],
      [
        { policies: { batch: { atempts: 2 } } },
        /unknown setting policies\.batch\.atempts; did you mean policies\.batch\.attempts\?/,
      ],
    ] as const) {
      const file = configFile('unknown.json', body);
      assertUsageError(run(['status', '--config', file], env.env), pattern, JSON.stringify(body));
    }
    // `$schema` and other `$` keys are for editors, not settings.
    const ok = run(
      ['status', '--config', configFile('schema.json', { $schema: 'x', batchSize: 5 })],
      env.env,
    );
    assert.equal(ok.code, 0, ok.stderr);
  });

  test('a policy in the config file may give some fields: the others keep that kind’s defaults', () => {
    // Every field was required: `{"attempts": 5}` alone stopped the CLI with "received NaN".
    const file = configFile('policy.json', { policies: { batch: { attempts: 5 } } });
    const r = run(['status', '--config', file], env.env);
    assert.equal(r.code, 0, r.stderr);
    const cfg = loadConfig({ config: file }, { CODEINDEX_HOME: env.home });
    assert.equal(cfg.policies.batch.attempts, 5);
    assert.equal(cfg.policies.batch.backoffMs, 1000);
    assert.equal(cfg.policies.batch.hardTimeLimitMs, 30 * 60_000);
    assert.equal(cfg.policies.embed.attempts, 8);
  });

  test('a number setting that is not one says what it got', () => {
    const r = run(['status', '--config', configFile('nan.json', { batchSize: 'lots' })], env.env);
    assertUsageError(
      r,
      /^codeindex: invalid setting batchSize \(CODEINDEX_BATCH_SIZE\): expected a number, got "lots"$/m,
      'nan',
    );
  });

  test('a value the schema would take for another stops with exit 2, saying what it takes', () => {
    for (const [body, pattern] of [
      // Coerced to 0 workers: indexing waited for workers that never came.
      [
        { workers: null },
        /config file .*: invalid setting workers: null is no value; leave the key out for the default$/m,
      ],
      [{ workers: '' }, /invalid setting workers: expected a number, got ""$/m],
      [
        { policies: { batch: { attempts: true } } },
        /invalid setting policies\.batch\.attempts: expected a number, got true$/m,
      ],
    ] as const) {
      const file = configFile('value.json', body);
      assertUsageError(run(['status', '--config', file], env.env, 30_000), pattern, JSON.stringify(body));
    }
    for (const [name, value, pattern] of [
      // "Invalid input".
      [
        'CODEINDEX_WATCH',
        'maybe',
        /invalid setting watch \(CODEINDEX_WATCH\): use true or false \(or 1\/0, yes\/no, on\/off\)$/m,
      ],
      // ioredis took it for a socket path: "no socket at that path".
      [
        'REDIS_URL',
        'http://127.0.0.1:6379',
        /invalid setting redisUrl \(REDIS_URL\): use redis:\/\/host:port, rediss:\/\/host:port for TLS, or unix:\/\/\/path\/to\.sock$/m,
      ],
    ] as const) {
      assertUsageError(run(['status'], { ...env.env, [name]: value }, 30_000), pattern, `${name}=${value}`);
    }
  });

  test('a cleanup cron BullMQ cannot schedule stops every command at start with exit 2', () => {
    // It was a warning in serve's log; the server ran on without its periodic cleanup.
    for (const cron of ['every day', '61 * * * *']) {
      for (const args of [['status'], ['serve', '--workers', '0']]) {
        const r = run(args, { ...env.env, CODEINDEX_CLEANUP_CRON: cron }, 30_000);
        assertUsageError(
          r,
          /invalid setting cleanupCron \(CODEINDEX_CLEANUP_CRON\): ".*" is not a cron pattern .*; use five fields/,
          `${args[0]} ${cron}`,
        );
      }
    }
  });

  test('search and show check --limit and --kind as the MCP tools do; search no longer hangs on --limit abc', () => {
    const indexed = run(['index', repo, '--json'], env.env);
    assert.equal(indexed.code, 0, indexed.stderr);
    const found = run(['search', 'area_of_circle', '--limit', '1', '--kind', 'function'], env.env);
    assert.equal(found.code, 0, found.stderr);
    assert.match(found.stdout, /shapes\.py:1 function area_of_circle/);
    for (const [args, pattern] of [
      // `Number('abc')` is NaN: the search never filled its page and ran until killed.
      [['search', 'area_of_circle', '--limit', 'abc'], /--limit is a whole number from 1 to 100, not abc/],
      // A limit of 0 said "no symbol matches".
      [['search', 'area_of_circle', '--limit', '0'], /--limit is a whole number from 1 to 100, not 0/],
      [['search', 'area_of_circle', '--limit', '5000'], /--limit is a whole number from 1 to 100, not 5000/],
      // An unknown kind matched nothing and said "no symbol matches".
      [['search', 'area_of_circle', '--kind', 'fn'], /--kind is one of function, method, .*, not fn/],
      [['show', 'area_of_circle', '--kind', 'fn'], /codeindex show: --kind is one of function, .*, not fn/],
      [
        ['cleanup', '--days', 'soon', '--dry-run'],
        /codeindex cleanup: --days is a whole number 0 or more, not soon/,
      ],
    ] as const) {
      assertUsageError(run([...args], env.env, 30_000), pattern, args.join(' '));
    }
  });

  test('an argument a command does not take, or a queue that does not exist, is refused', () => {
    for (const [args, pattern] of [
      [['status', 'json'], /codeindex status: unexpected argument json: status takes no arguments/],
      [
        ['index', repo, join(env.tmp, 'other')],
        /codeindex index: unexpected argument .*other: index takes one path/,
      ],
      [['stop-redis', 'now'], /unexpected argument now/],
      // node's own words were cut at their first line: "Option '--workers' argument is ambiguous.".
      [
        ['index', repo, '--workers', '-1'],
        /^codeindex: --workers got a value that starts with a dash: write it as --workers=VALUE; see codeindex --help$/m,
      ],
      [['status', '--jsno'], /^codeindex: unknown option --jsno; see codeindex --help$/m],
      // A stack trace and exit 1 before.
      [
        ['worker', '--queues', 'indexing,indexin'],
        /^codeindex worker: unknown queue indexin: use --queues with one or more of indexing, embeddings, maintenance$/m,
      ],
      [['worker', '--queues', ','], /codeindex worker: no queue named in --queues ,/],
    ] as const) {
      assertUsageError(run([...args], env.env, 30_000), pattern, args.join(' '));
    }
  });

  test('index of a folder that does not exist says so (it said "outside the allowed roots (itself)")', () => {
    const missing = join(env.tmp, 'no-such-folder');
    const r = run(['index', missing], env.env, 30_000);
    assert.equal(r.code, 1, r.stderr);
    assert.equal(
      r.stderr.trim(),
      `codeindex index: ${missing} does not exist: check the spelling, or pass an absolute path (relative paths resolve against ${process.cwd()})`,
    );
    assert.doesNotMatch(r.stderr, /outside the allowed roots/);
  });
});

describe('drill fixes: a worker started while Redis is away', () => {
  test('says once what it waits for, then that Redis answers; SIGTERM stops it', async (t) => {
    const env = makeTestEnv({ CODEINDEX_EMBEDDINGS: 'off' });
    const port = await freePort();
    const url = `redis://127.0.0.1:${port}`;
    const worker = spawn(process.execPath, [CLI, 'worker', '--queues', 'indexing'], {
      env: { ...env.env, REDIS_URL: url, CODEINDEX_LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    let stdout = '';
    worker.stderr.on('data', (d) => {
      stderr += d;
    });
    worker.stdout.on('data', (d) => {
      stdout += d;
    });
    let redis: ReturnType<typeof spawn> | null = null;
    t.after(async () => {
      if (worker.exitCode === null) worker.kill('SIGKILL');
      if (redis && redis.exitCode === null) {
        const r = redis;
        await new Promise((resolve) => {
          r.once('exit', resolve);
          r.kill('SIGTERM');
        });
      }
      await deletePrefix(url, env.prefix).catch(() => {});
      await env.cleanup();
    });
    const waitFor = async (pattern: RegExp, what: string) => {
      for (let i = 0; i < 300 && !pattern.test(stderr); i++) await sleep(100);
      assert.match(stderr, pattern, what);
    };
    // It waited without a word: a wrong REDIS_URL looked like an idle worker.
    await waitFor(
      new RegExp(
        `WARN .*waiting for Redis: cannot connect to Redis at redis://127\\.0\\.0\\.1:${port}/? \\(connection refused\\): start redis-server or set REDIS_URL$`,
        'm',
      ),
      'the waiting line',
    );
    assert.equal(stderr.match(/waiting for Redis/g)?.length, 1, stderr);
    redis = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      {
        stdio: 'ignore',
      },
    );
    await waitFor(/Redis answers: the worker takes jobs/, 'the line when Redis answers');
    worker.kill('SIGTERM');
    const code = await new Promise((resolve) => worker.once('exit', (c) => resolve(c)));
    assert.equal(code, 0, stderr);
    assert.equal(stdout, '');
  });
});

describe('drill fixes: client roots that are not all local folders', () => {
  test('a root that is not a file:// URI is left out; the others stay allowed', async (t) => {
    const env = makeTestEnv({ CODEINDEX_EMBEDDINGS: 'off', CODEINDEX_WATCH: 'false' });
    const repo = join(env.tmp, 'repo');
    mkdirSync(repo, { recursive: true });
    writeFileSync(join(repo, 'shapes.py'), 'def area_of_square(s):\n    return s * s\n');
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [CLI, 'serve'],
      env: env.env,
      cwd: REPO_ROOT,
      stderr: 'pipe',
    });
    let stderr = '';
    transport.stderr?.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const client = new Client({ name: 'remote-editor', version: '0.0.0' }, { capabilities: { roots: {} } });
    // A remote editor's workspace beside a local folder, and a file URL of another host.
    client.setRequestHandler(ListRootsRequestSchema, async () => ({
      roots: [
        { uri: 'vscode-remote://ssh-remote+box/home/me/project', name: 'remote' },
        { uri: 'file://otherhost/srv/project' },
        { uri: pathToFileURL(repo).href, name: 'repo' },
      ],
    }));
    t.after(async () => {
      await client.close().catch(() => {});
      await env.cleanup();
    });
    await client.connect(transport);
    // The whole list was refused by the SDK's schema: every root was lost, the working directory
    // taken instead, and the local folder was "outside the allowed roots".
    const started = await callTool(client, 'index_repository', { path: repo });
    assert.equal((await waitForTask(client, String(started.task_id))).state, 'SUCCESS');
    const found = await callTool<{ symbols: { name: string }[] }>(client, 'search_symbols', {
      query: 'area_of_square',
    });
    assert.equal(found.symbols[0]?.name, 'area_of_square');
    const outside = await callToolError(client, 'index_repository', { path: REPO_ROOT });
    assert.match(outside, /^PATH_OUTSIDE_ROOT: /);
    assert.match(stderr, /client roots that are not local file:\/\/ URIs are left out/);
    assert.doesNotMatch(stderr, /roots\/list failed/);
  });
});

describe('drill fixes: codeindex index interrupted', () => {
  test('Ctrl-C cancels the task and says so, instead of leaving it queued for the next worker', async (t) => {
    const env = makeTestEnv({ CODEINDEX_EMBEDDINGS: 'off', CODEINDEX_BATCH_SIZE: '50' });
    const repo = join(env.tmp, 'many');
    for (let i = 0; i < 2000; i++) {
      const dir = join(repo, `p${i % 20}`);
      if (i < 20) mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, `m${i}.py`), `def fn_${i}(x):\n    return x + ${i}\n`);
    }
    const cli = spawn(process.execPath, [CLI, 'index', repo], {
      env: env.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    cli.stderr.on('data', (d) => {
      stderr += d;
    });
    let mcp: Awaited<ReturnType<typeof startMcpClient>> | null = null;
    t.after(async () => {
      if (cli.exitCode === null) cli.kill('SIGKILL');
      await mcp?.close();
      await env.cleanup();
    });
    for (let i = 0; i < 300 && !/task (idx_\w+): indexing/.test(stderr); i++) await sleep(50);
    const taskId = /task (idx_\w+): indexing/.exec(stderr)?.[1];
    assert.ok(taskId, stderr);
    cli.kill('SIGINT');
    const code = await new Promise((resolve) => cli.once('exit', (c, sig) => resolve(c ?? sig)));
    assert.equal(code, 130, stderr);
    assert.match(
      stderr,
      new RegExp(
        `codeindex index: interrupted: task ${taskId} cancelled; what it indexed stays \\(run codeindex index again to finish\\)`,
      ),
    );
    // It stayed PENDING, to run in full whenever a worker next started (a later serve).
    mcp = await startMcpClient({ ...env.env, CODEINDEX_WORKERS: '0' });
    const status = await callTool<{ state: string }>(mcp.client, 'task_status', { task_id: taskId });
    assert.equal(status.state, 'REVOKED');
  });
});
