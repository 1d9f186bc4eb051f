import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client as PgClient } from 'pg';
import {
  callTool,
  callToolError,
  freePort,
  makeTestEnv,
  startMcpClient,
  type TestEnv,
  waitForTask,
} from '../helpers/env.js';
import { waitFor } from '../helpers/wait.js';

const PG_BIN = '/usr/lib/postgresql/15/bin';

/** Why this machine cannot run a private PostgreSQL, or null when it can. */
function cannotRun(): string | null {
  if (process.getuid?.() !== 0) return 'needs root: the private PostgreSQL is run as the postgres user';
  if (!existsSync(join(PG_BIN, 'initdb')) || !existsSync(join(PG_BIN, 'pg_ctl')))
    return `no PostgreSQL 15 binaries in ${PG_BIN}`;
  if (spawnSync('id', ['-u', 'postgres']).status !== 0) return 'no postgres user';
  return null;
}

interface PrivatePg {
  port: number;
  /** postgres://postgres@127.0.0.1:<port>/<db> */
  url(db: string): string;
  createDatabase(db: string): Promise<void>;
  stop(): void;
  start(): void;
  /** Stops the server for good and removes its files. */
  destroy(): void;
}

/**
 * A PostgreSQL 15 cluster of its own on a free port (trust auth, its own socket dir), so the test
 * can stop and restart it without touching the shared server. fsync is off: the drill stops the
 * server cleanly, which writes everything out, and the machine is not powered off.
 */
async function startPrivatePg(): Promise<PrivatePg> {
  const dir = mkdtempSync(join(tmpdir(), 'ci-pg-'));
  const uid = Number(spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).stdout.trim());
  const gid = Number(spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).stdout.trim());
  chownSync(dir, uid, gid);
  const data = join(dir, 'data');
  const sock = join(dir, 'sock');
  const asPostgres = (cmd: string, args: string[]) => {
    const r = spawnSync('runuser', ['-u', 'postgres', '--', join(PG_BIN, cmd), ...args], {
      encoding: 'utf8',
      timeout: 120_000,
    });
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr || r.stdout || r.error}`);
  };
  const port = await freePort();
  asPostgres('initdb', ['-D', data, '--auth=trust', '-U', 'postgres', '-E', 'UTF8', '--no-sync']);
  mkdirSync(sock);
  chownSync(sock, uid, gid);
  const options = `-p ${port} -k ${sock} -c listen_addresses=127.0.0.1 -c fsync=off`;
  const start = () =>
    asPostgres('pg_ctl', ['-D', data, '-o', options, '-l', join(dir, 'log'), '-w', 'start']);
  const stop = () => asPostgres('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']);
  let destroyed = false;
  const destroy = () => {
    if (destroyed) return;
    destroyed = true;
    spawnSync('runuser', [
      '-u',
      'postgres',
      '--',
      join(PG_BIN, 'pg_ctl'),
      '-D',
      data,
      '-m',
      'immediate',
      'stop',
    ]);
    rmSync(dir, { recursive: true, force: true });
  };
  // Also when the test process ends some other way: no server is left running.
  process.once('exit', destroy);
  start();
  const url = (db: string) => `postgres://postgres@127.0.0.1:${port}/${db}`;
  return {
    port,
    url,
    async createDatabase(db) {
      const c = new PgClient({ connectionString: url('postgres') });
      await c.connect();
      try {
        await c.query(`CREATE DATABASE ${db}`);
      } finally {
        await c.end();
      }
    },
    stop,
    start,
    destroy,
  };
}

/**
 * A TypeScript repository of `files` modules, each a class whose methods call the previous
 * module's, so every file has symbols, references, imports and several chunks.
 */
function generateRepository(into: string, files: number): string {
  const root = join(into, 'repo');
  for (let i = 0; i < files; i++) {
    const dir = join(root, `pkg${i % 10}`);
    mkdirSync(dir, { recursive: true });
    const prev = i > 0 ? `../pkg${(i - 1) % 10}/module${i - 1}.js` : null;
    const lines: string[] = [];
    if (prev) lines.push(`import { Service${i - 1} } from '${prev}';`, '');
    lines.push(`/** Service number ${i}: keeps records and forwards work. */`);
    lines.push(`export class Service${i} {`);
    lines.push('  private readonly records = new Map<string, number>();');
    for (let m = 0; m < 12; m++) {
      lines.push(
        '',
        `  /** Step ${m} of service ${i}. */`,
        `  step${m}Of${i}(input: string, count: number): number {`,
      );
      lines.push(`    const key = \`\${input}-${m}\`;`);
      lines.push('    const seen = this.records.get(key) ?? 0;');
      lines.push('    this.records.set(key, seen + count);');
      if (prev) lines.push(`    return new Service${i - 1}().step${m}Of${i - 1}(key, seen + ${m});`);
      else lines.push(`    return seen + ${m};`);
      lines.push('  }');
    }
    lines.push('}', '');
    lines.push(`export function makeService${i}(): Service${i} {`, `  return new Service${i}();`, '}', '');
    lines.push(`export const SERVICE_${i}_NAME = 'service-${i}';`, '');
    writeFileSync(join(dir, `module${i}.ts`), lines.join('\n'));
  }
  return root;
}

/** Per file of `root` in the database at `url`: status, error, and how many rows of each kind. */
async function perFileCounts(url: string, root: string): Promise<Record<string, unknown>[]> {
  const c = new PgClient({ connectionString: url });
  await c.connect();
  try {
    const r = await c.query(
      `SELECT f.path, f.status, f.error, f.sha256,
              (SELECT count(*) FROM symbols s WHERE s.file_id = f.id)::int AS symbols,
              (SELECT count(*) FROM refs x WHERE x.file_id = f.id)::int AS refs,
              (SELECT count(*) FROM chunks k WHERE k.file_id = f.id)::int AS chunks,
              (SELECT count(*) FROM imports m WHERE m.file_id = f.id)::int AS imports
         FROM files f JOIN roots o ON o.id = f.root_id
        WHERE o.path = $1
        ORDER BY f.path COLLATE "C"`,
      [root],
    );
    return r.rows;
  } finally {
    await c.end();
  }
}

/** Totals of the whole database (a duplicate under another root or file would show here). */
async function totals(url: string): Promise<Record<string, number>> {
  const c = new PgClient({ connectionString: url });
  await c.connect();
  try {
    const r = await c.query(
      `SELECT (SELECT count(*) FROM files)::int AS files, (SELECT count(*) FROM symbols)::int AS symbols,
              (SELECT count(*) FROM refs)::int AS refs, (SELECT count(*) FROM chunks)::int AS chunks,
              (SELECT count(*) FROM imports)::int AS imports, (SELECT count(*) FROM roots)::int AS roots`,
    );
    return r.rows[0];
  } finally {
    await c.end();
  }
}

type Mcp = Awaited<ReturnType<typeof startMcpClient>>;

const why = cannotRun();

describe('drill: PostgreSQL restarted or stopped under a running index', { skip: why ?? false }, () => {
  const FILES = 400;
  let pg: PrivatePg;
  let tmp = '';
  let repo = '';
  const envs: TestEnv[] = [];
  const servers: Mcp[] = [];

  /** An MCP server with two workers and its own data dir, its index in database `db`. */
  async function serverOn(db: string, extra: Record<string, string> = {}): Promise<Mcp> {
    const env = makeTestEnv({
      CODEINDEX_DATABASE_URL: pg.url(db),
      CODEINDEX_ROOTS: repo,
      CODEINDEX_WORKERS: '2',
      CODEINDEX_BATCH_SIZE: '4',
      CODEINDEX_EMBEDDINGS: 'off',
      ...extra,
    });
    envs.push(env);
    const s = await startMcpClient(env.env);
    servers.push(s);
    return s;
  }

  before(async () => {
    pg = await startPrivatePg();
    tmp = mkdtempSync(join(tmpdir(), 'ci-pg-drill-'));
    repo = generateRepository(tmp, FILES);
    // The reference: the same tree indexed with nothing going wrong.
    await pg.createDatabase('reference');
    const ref = await serverOn('reference');
    const t = await callTool(ref.client, 'index_repository', { path: repo });
    const end = await waitForTask(ref.client, String(t.task_id), 300_000);
    assert.equal(end.state, 'SUCCESS', JSON.stringify(end));
    await ref.close();
  });

  after(async () => {
    for (const s of servers) await s.close().catch(() => {});
    for (const e of envs) await e.cleanup();
    pg?.destroy();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  test('restarted in the middle of an index: the task completes (or retry_task does) and the index equals a clean one', async () => {
    await pg.createDatabase('restarted');
    const s = await serverOn('restarted');
    const t = await callTool<{ task_id: string }>(s.client, 'index_repository', { path: repo });
    const at = await waitFor(
      'a few batches to finish',
      async () => {
        const st = await callTool<{ state: string; progress?: { status?: string } }>(
          s.client,
          'task_status',
          {
            task_id: t.task_id,
          },
        );
        const m = /(\d+)\/(\d+) batches done/.exec(st.progress?.status ?? '');
        if (!m && ['SUCCESS', 'FAILURE'].includes(st.state))
          throw new Error(`ended ${st.state} before a batch`);
        return m && Number(m[1]) >= 5 ? { done: Number(m[1]), of: Number(m[2]) } : null;
      },
      120_000,
      20,
    );
    assert.ok(at.done < at.of, `PostgreSQL restarted after ${at.done}/${at.of} batches`);
    const search = () =>
      callTool<{ symbols: { name: string }[] }>(s.client, 'search_symbols', { query: 'Service1' });
    // The server's pool holds a connection from before the restart.
    await search();
    pg.stop();
    // Down long enough for batches to meet the outage (connection refused), not just the shutdown.
    await sleep(1500);
    pg.start();
    const startedAt = Date.now();
    // The first query after the restart answers: no dead pooled connection is used.
    assert.ok((await search()).symbols.length > 0);

    let end = await waitForTask(s.client, t.task_id, 300_000);
    const recoveredMs = Date.now() - startedAt;
    let retried = false;
    if (end.state === 'FAILURE') {
      const error = String(end.error ?? '');
      assert.equal(error.includes('\n'), false, error);
      assert.ok(error.length > 0);
      const r = await callTool<{ task_id: string }>(s.client, 'retry_task', { task_id: t.task_id });
      end = await waitForTask(s.client, r.task_id, 300_000);
      retried = true;
    }
    assert.equal(end.state, 'SUCCESS', JSON.stringify(end));
    // Counted once each: a batch run again after the outage adds nothing to the summary.
    const summary = end.result as { files_indexed: number; files_unchanged: number; files_failed: number };
    assert.equal(summary.files_failed, 0, JSON.stringify(summary));
    assert.equal(summary.files_indexed + summary.files_unchanged, FILES, JSON.stringify(summary));
    if (!retried) assert.equal(summary.files_indexed, FILES, JSON.stringify(summary));
    // Batches did meet the outage, and waited for the store; no worker process died of it.
    assert.match(s.stderr(), /index store unreachable: jobs wait for it/);
    assert.doesNotMatch(s.stderr(), /worker exited; restarting/);

    const want = await perFileCounts(pg.url('reference'), repo);
    const got = await perFileCounts(pg.url('restarted'), repo);
    assert.equal(want.length, FILES);
    assert.equal(got.length, FILES, `${got.length} file rows for ${FILES} files`);
    assert.deepEqual(
      got.filter((f) => f.status !== 'indexed'),
      [],
      'every file indexed, none recorded as failed',
    );
    assert.deepEqual(
      got,
      want,
      'per-file symbol, reference, chunk and import counts differ from a clean index',
    );
    assert.deepEqual(await totals(pg.url('restarted')), await totals(pg.url('reference')));
    const symbols = want.reduce((n, f) => n + Number(f.symbols), 0);
    assert.ok(symbols >= FILES * 10, `${symbols} symbols`);
    // Queries answer from the restarted server through the MCP server's own pool.
    const found = await callTool<{ symbols: { name: string }[] }>(s.client, 'search_symbols', {
      query: 'Service7',
    });
    assert.ok(
      found.symbols.some((x) => x.name === 'Service7'),
      JSON.stringify(found),
    );
    process.stderr.write(
      `pg-restart drill: stopped after ${at.done}/${at.of} batches; ended ${retried ? 'FAILURE, then SUCCESS on retry_task' : 'SUCCESS'} ${recoveredMs} ms after the start\n`,
    );
  });

  test('stopped: queries answer STORE_UNAVAILABLE, index_repository queues, and all resumes once it is back', async () => {
    await pg.createDatabase('stopped');
    const s = await serverOn('stopped');
    // The server's pool holds a connection from before the outage.
    assert.match(await callToolError(s.client, 'search_symbols', { query: 'Service7' }), /^NOT_INDEXED: /);
    pg.stop();

    const text = await callToolError(s.client, 'search_symbols', { query: 'Service7' });
    assert.match(
      text,
      new RegExp(
        `^STORE_UNAVAILABLE: PostgreSQL at postgres://postgres@127\\.0\\.0\\.1:${pg.port}/stopped is not usable`,
      ),
    );
    assert.equal(text.includes('\n'), false, text);
    const t = await callTool<{ task_id: string; state: string }>(s.client, 'index_repository', {
      path: repo,
    });
    assert.match(t.task_id, /\S+/);
    // A worker takes the task and meets the outage: the task waits for the database, it does not fail.
    type Status = { state: string; attempts: number; progress?: { status?: string } };
    const status = () => callTool<Status>(s.client, 'task_status', { task_id: t.task_id });
    const waiting = await waitFor(
      'the task to meet the outage',
      async () => {
        const st = await status();
        if (['SUCCESS', 'FAILURE', 'REVOKED'].includes(st.state)) return st;
        return st.progress?.status?.startsWith('waiting for the index store') ? st : null;
      },
      60_000,
      100,
    );
    // PENDING while delayed; PROGRESS for the moment a worker tries again.
    assert.ok(['PENDING', 'PROGRESS'].includes(waiting.state), JSON.stringify(waiting));
    assert.match(waiting.progress?.status ?? '', /STORE_UNAVAILABLE|is not usable/);
    // Longer than the task's own attempts with backoff (2 attempts, 1 s base) would last.
    await sleep(6000);
    const still = await status();
    assert.ok(['PENDING', 'PROGRESS'].includes(still.state), JSON.stringify(still));
    assert.equal(still.attempts, 0, JSON.stringify(still));
    pg.start();
    // The first query after the restart answers: no dead pooled connection is used.
    assert.doesNotMatch(
      await callToolError(s.client, 'search_symbols', { query: 'Service7' }).catch((e: Error) => e.message),
      /STORE_UNAVAILABLE/,
    );

    const end = await waitForTask(s.client, t.task_id, 300_000);
    assert.equal(end.state, 'SUCCESS', JSON.stringify(end));
    assert.equal((end.result as { files_indexed: number }).files_indexed, FILES, JSON.stringify(end.result));
    assert.doesNotMatch(s.stderr(), /worker exited; restarting/);
    const got = await perFileCounts(pg.url('stopped'), repo);
    assert.deepEqual(got, await perFileCounts(pg.url('reference'), repo));
    const found = await callTool<{ symbols: { name: string }[] }>(s.client, 'search_symbols', {
      query: 'Service7',
    });
    assert.ok(
      found.symbols.some((x) => x.name === 'Service7'),
      JSON.stringify(found),
    );
  });
});
