import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { Redis } from 'ioredis';

/** The checkout (compiled tests live in dist/test/...). */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const CLI = join(REPO_ROOT, 'dist/src/cli.js');
export const FIXTURES = join(REPO_ROOT, 'test/fixtures');

/** The shared Redis the tests use (never stopped by tests). */
export function testRedisUrl(): string {
  return process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
}

export interface TestEnv {
  home: string;
  prefix: string;
  env: Record<string, string>;
  tmp: string;
  cleanup(): Promise<void>;
}

/**
 * With `CODEINDEX_TEST_ENGINE=postgres`, every test environment gets a PostgreSQL database of its
 * own (created here, dropped by `cleanup`), so the same end-to-end tests run on both engines.
 */
function testDatabase(): { url: string; drop(): void } | null {
  if (process.env.CODEINDEX_TEST_ENGINE !== 'postgres') return null;
  const admin = process.env.CODEINDEX_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const name = `codeindex_e2e_${randomUUID().replaceAll('-', '')}`;
  const psql = (sql: string) => {
    const r = spawnSync('psql', [admin, '-v', 'ON_ERROR_STOP=1', '-qc', sql], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`psql ${sql}: ${r.stderr || r.error}`);
  };
  psql(`CREATE DATABASE ${name}`);
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => psql(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

/** A private data dir and queue prefix, so tests never see each other's jobs or indexes. */
export function makeTestEnv(extra: Record<string, string> = {}): TestEnv {
  const db = extra.CODEINDEX_DATABASE_URL === undefined ? testDatabase() : null;
  const tmp = mkdtempSync(join(tmpdir(), 'ci-test-'));
  const home = join(tmp, 'home');
  const prefix = `test-${randomUUID().slice(0, 8)}`;
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? tmp,
    CODEINDEX_HOME: home,
    REDIS_URL: testRedisUrl(),
    CODEINDEX_QUEUE_PREFIX: prefix,
    CODEINDEX_WORKERS: '1',
    CODEINDEX_LOG_LEVEL: process.env.CODEINDEX_TEST_LOG_LEVEL ?? 'warn',
    CODEINDEX_EMBEDDINGS: 'local',
    // The hashed model: instant and deterministic; tests of the neural models set their own.
    ...(extra.CODEINDEX_EMBEDDINGS === undefined || extra.CODEINDEX_EMBEDDINGS === 'local'
      ? { CODEINDEX_EMBEDDINGS_MODEL: 'local-hash' }
      : {}),
    CODEINDEX_CLEANUP_CRON: '',
    ...(db ? { CODEINDEX_DATABASE_URL: db.url } : {}),
    ...extra,
  };
  return {
    home,
    prefix,
    env,
    tmp,
    async cleanup() {
      await deletePrefix(env.REDIS_URL ?? testRedisUrl(), prefix).catch(() => {});
      rmSync(tmp, { recursive: true, force: true });
      db?.drop();
    },
  };
}

/** Copies a fixture repository into a fresh temporary directory and returns its path. */
export function copyFixture(name: string, into: string): string {
  const dest = join(into, name.replaceAll('/', '_'));
  cpSync(join(FIXTURES, name), dest, { recursive: true });
  return dest;
}

/** Removes every Redis key of a queue prefix. */
export async function deletePrefix(url: string, prefix: string): Promise<void> {
  const r = new Redis(url, { maxRetriesPerRequest: 1, lazyConnect: true });
  r.on('error', () => {});
  try {
    await r.connect();
    let cursor = '0';
    do {
      const [next, keys] = await r.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length) await r.del(...keys);
    } while (cursor !== '0');
  } finally {
    r.disconnect();
  }
}

/** An MCP client connected over stdio to `codeindex serve` (the built server, a real process). */
export async function startMcpClient(
  env: Record<string, string>,
  args: string[] = [],
): Promise<{ client: Client; close(): Promise<void>; stderr: () => string; pid: () => number | null }> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [CLI, 'serve', ...args],
    env,
    cwd: env.CODEINDEX_CWD ?? REPO_ROOT,
    stderr: 'pipe',
  });
  let err = '';
  transport.stderr?.on('data', (d: Buffer) => {
    err += d.toString();
    if (process.env.CODEINDEX_TEST_SHOW_STDERR) process.stderr.write(d);
  });
  const client = new Client({ name: 'codeindex-test', version: '0.0.0' });
  await client.connect(transport);
  return {
    client,
    stderr: () => err,
    pid: () => transport.pid,
    async close() {
      await client.close().catch(() => {});
    },
  };
}

/** Calls a tool and returns its structured content; fails the test on isError. */
export async function callTool<T = Record<string, unknown>>(
  client: Client,
  name: string,
  args: Record<string, unknown>,
): Promise<T> {
  const r = await client.callTool({ name, arguments: args });
  if (r.isError) throw new Error(`${name} failed: ${JSON.stringify(r.content)}`);
  return r.structuredContent as T;
}

/** Calls a tool that must fail; returns its one-line error text. */
export async function callToolError(
  client: Client,
  name: string,
  args: Record<string, unknown>,
): Promise<string> {
  const r = await client.callTool({ name, arguments: args });
  if (!r.isError) throw new Error(`${name} unexpectedly succeeded: ${JSON.stringify(r.structuredContent)}`);
  const c = (r.content as { type: string; text: string }[])[0];
  return c?.text ?? '';
}

/** Polls task_status until the task ends. */
export async function waitForTask(
  client: Client,
  taskId: string,
  timeoutMs = 60_000,
): Promise<Record<string, unknown>> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const s = await callTool(client, 'task_status', { task_id: taskId });
    if (['SUCCESS', 'FAILURE', 'REVOKED'].includes(String(s.state))) return s;
    if (Date.now() > end) throw new Error(`task ${taskId} still ${s.state} after ${timeoutMs} ms`);
    await sleep(100);
  }
}

/** A free TCP port on loopback. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

/** A private redis-server on a free port (for tests that stop or restart Redis). */
export async function startPrivateRedis(opts: { appendonly?: boolean } = {}): Promise<{
  url: string;
  port: number;
  dir: string;
  stop(): Promise<void>;
  /** SIGKILL: no shutdown, no final AOF write (what an OOM kill or a power cut does). */
  kill(): Promise<void>;
  start(): Promise<void>;
}> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'ci-redis-'));
  // Kept across stop/start (restart tests read the AOF back); removed when the test file ends.
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  let proc: ChildProcess | null = null;
  const start = async () => {
    proc = spawn(
      'redis-server',
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--dir',
        dir,
        '--appendonly',
        opts.appendonly ? 'yes' : 'no',
        '--save',
        '',
        '--maxmemory-policy',
        'noeviction',
      ],
      { stdio: 'ignore' },
    );
    for (let i = 0; i < 100; i++) {
      const r = new Redis({
        port,
        host: '127.0.0.1',
        lazyConnect: true,
        maxRetriesPerRequest: 0,
        retryStrategy: () => null,
      });
      r.on('error', () => {});
      try {
        await r.connect();
        await r.ping();
        r.disconnect();
        return;
      } catch {
        r.disconnect();
        await sleep(50);
      }
    }
    throw new Error('private redis-server did not start');
  };
  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    dir,
    async stop() {
      const p = proc;
      if (!p || p.exitCode !== null) return;
      await new Promise<void>((resolve) => {
        p.once('exit', () => resolve());
        p.kill('SIGTERM');
      });
    },
    async kill() {
      const p = proc;
      if (!p || p.exitCode !== null) return;
      await new Promise<void>((resolve) => {
        p.once('exit', () => resolve());
        p.kill('SIGKILL');
      });
    },
    start,
  };
}
