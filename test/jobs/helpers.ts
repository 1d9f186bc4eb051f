import { type ChildProcess, fork } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import pg from 'pg';
import { loadConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';
import { createLogger } from '../../src/log.js';
import type { QueueName } from '../../src/queue/names.js';
import { TaskClient, type TaskInfo } from '../../src/queue/task-client.js';
import { createRedis } from '../../src/redis/connection.js';
import { WorkerPool } from '../../workers/supervisor.js';
import { makeTestEnv, REPO_ROOT, type TestEnv } from '../helpers/env.js';
import { waitFor } from '../helpers/wait.js';

export { waitFor };

export const WORKER_ENTRY = join(REPO_ROOT, 'dist/workers/worker.js');

/**
 * Short locks and stalled checks so killed workers are noticed in about two seconds, and small
 * backoffs so retries happen within a test. Policies apply per job kind.
 */
export const FAST = {
  lockDurationMs: 2000,
  stalledIntervalMs: 1000,
  maxStalledCount: 1,
} as const;

export const FAST_POLICY = {
  attempts: 3,
  backoffMs: 200,
  backoffMaxMs: 1000,
  softTimeLimitMs: 60_000,
  hardTimeLimitMs: 120_000,
};

/** A private env (home, queue prefix) plus a JSON config file with `config` merged over FAST. */
export interface JobsEnv extends TestEnv {
  cfg: Config;
  redisUrl: string;
}

export function makeJobsEnv(
  config: Record<string, unknown> = {},
  extraEnv: Record<string, string> = {},
): JobsEnv {
  const base = makeTestEnv({ CODEINDEX_TEST_JOBS: '1', CODEINDEX_EMBEDDINGS: 'off', ...extraEnv });
  mkdirSync(base.tmp, { recursive: true });
  const file = join(base.tmp, 'config.json');
  writeFileSync(file, JSON.stringify({ ...FAST, ...config }));
  base.env.CODEINDEX_CONFIG = file;
  const cfg = loadConfig({}, base.env);
  return { ...base, cfg, redisUrl: base.env.REDIS_URL ?? 'redis://127.0.0.1:6379' };
}

/** A producer for the env's queues (the same class the MCP server uses). */
export function makeClient(
  env: JobsEnv,
  redisUrl = env.redisUrl,
): { tasks: TaskClient; conn: Redis; close(): Promise<void> } {
  const conn = createRedis(redisUrl, 'client', { maxRetriesPerRequest: null });
  conn.on('error', () => {});
  const tasks = new TaskClient(env.cfg, conn, redisUrl);
  return {
    tasks,
    conn,
    async close() {
      await tasks.close();
      conn.disconnect();
    },
  };
}

/**
 * A raw BullMQ queue under the env's prefix (to add jobs the way an attacker or old code would).
 * BullMQ owns the connection, so `close()` ends it too.
 */
export function rawQueue(env: JobsEnv, name: string, redisUrl = env.redisUrl): Queue {
  const u = new URL(redisUrl);
  return new Queue(name, {
    connection: { host: u.hostname, port: Number(u.port || 6379) },
    prefix: env.cfg.queuePrefix,
  });
}

export interface SpawnedWorker {
  proc: ChildProcess;
  pid: number;
  stderr(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(sig?: NodeJS.Signals): void;
}

/**
 * Starts `node dist/workers/worker.js --queues ...` as a real process, exactly as an operator
 * would (config from env + CODEINDEX_CONFIG), and resolves once it reports ready over IPC.
 */
export async function spawnWorker(
  env: JobsEnv,
  queues: QueueName[],
  extraEnv: Record<string, string> = {},
): Promise<SpawnedWorker> {
  const proc = fork(WORKER_ENTRY, ['--queues', queues.join(',')], {
    env: { ...env.env, ...extraEnv },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    execArgv: [],
  });
  let err = '';
  proc.stderr?.on('data', (d: Buffer) => {
    err += d.toString();
    if (process.env.CODEINDEX_TEST_SHOW_STDERR) process.stderr.write(d);
  });
  proc.stdout?.on('data', () => {});
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.once('exit', (code, signal) => resolve({ code, signal })),
  );
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`worker not ready in 60 s: ${err}`)), 60_000);
    proc.on('message', (m: { type?: string }) => {
      if (m?.type === 'ready') {
        clearTimeout(timer);
        resolve();
      }
    });
    void exited.then(({ code }) => {
      clearTimeout(timer);
      reject(new Error(`worker exited with ${code} before ready: ${err}`));
    });
  });
  return {
    proc,
    pid: proc.pid ?? -1,
    stderr: () => err,
    exited,
    kill: (sig = 'SIGTERM') => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(sig);
    },
  };
}

/** A supervised pool of real worker processes (the one `codeindex serve` runs). */
export async function startPool(
  env: JobsEnv,
  count: number,
  queues: QueueName[],
  redisUrl = env.redisUrl,
): Promise<WorkerPool> {
  const pool = new WorkerPool({
    cfg: env.cfg,
    redisUrl,
    count,
    queues,
    log: createLogger('test-pool', (process.env.CODEINDEX_TEST_LOG_LEVEL as 'warn') ?? 'error'),
    env: env.env,
  });
  if (!(await pool.ready(60_000))) throw new Error('worker pool not ready in 60 s');
  return pool;
}

const FINAL = new Set(['SUCCESS', 'FAILURE', 'REVOKED']);

/** Polls a task until it ends; returns every state seen on the way and the final info. */
export async function waitForEnd(
  tasks: TaskClient,
  taskId: string,
  timeoutMs = 30_000,
): Promise<{ info: TaskInfo; seen: string[] }> {
  const seen: string[] = [];
  const info = await waitFor(
    `task ${taskId} to finish`,
    async () => {
      const t = await tasks.getTask(taskId);
      if (seen.at(-1) !== t.state) seen.push(t.state);
      return FINAL.has(t.state) ? t : null;
    },
    timeoutMs,
    25,
  );
  return { info, seen };
}

const LANGS: { ext: string; make(i: number): string }[] = [
  {
    ext: 'ts',
    make: (i) =>
      `import { helper${(i + 1) % 50} } from './h';\nexport interface Shape${i} { area(): number }\nexport class Box${i} implements Shape${i} {\n  constructor(private readonly side: number) {}\n  area(): number { return helper${(i + 1) % 50}(this.side) * this.side; }\n}\nexport function makeBox${i}(n: number): Box${i} { return new Box${i}(n); }\nexport const LIMIT_${i} = ${i};\n`,
  },
  {
    ext: 'js',
    make: (i) =>
      `const util = require('./util');\nclass Greeter${i} {\n  greet(name) { return util.format${i % 7}('hi ' + name); }\n}\nfunction run${i}() { return new Greeter${i}().greet('x${i}'); }\nmodule.exports = { Greeter${i}, run${i} };\n`,
  },
  {
    ext: 'py',
    make: (i) =>
      `import os\n\nCONST_${i} = ${i}\n\n\nclass Account${i}:\n    def __init__(self, name):\n        self.name = name\n\n    def label(self):\n        return os.path.join(self.name, str(CONST_${i}))\n\n\ndef make_account_${i}(n):\n    return Account${i}(n).label()\n`,
  },
  {
    ext: 'go',
    make: (i) =>
      `package gen\n\nimport "fmt"\n\ntype Store${i} struct {\n\titems map[string]int\n}\n\nfunc NewStore${i}() *Store${i} { return &Store${i}{items: map[string]int{}} }\n\nfunc (s *Store${i}) Get(k string) int {\n\tfmt.Println(k)\n\treturn s.items[k]\n}\n`,
  },
  {
    ext: 'rs',
    make: (i) =>
      `pub trait Lookup${i} {\n    fn find(&self, key: &str) -> Option<u32>;\n}\n\npub struct Table${i} {\n    size: u32,\n}\n\nimpl Lookup${i} for Table${i} {\n    fn find(&self, key: &str) -> Option<u32> {\n        if key.is_empty() { None } else { Some(self.size + ${i}) }\n    }\n}\n\npub fn build_${i}() -> Table${i} { Table${i} { size: ${i} } }\n`,
  },
  {
    ext: 'java',
    make: (i) =>
      `package gen;\n\nimport java.util.List;\n\npublic class Service${i} {\n    private final List<String> names;\n\n    public Service${i}(List<String> names) { this.names = names; }\n\n    public int count() { return names.size() + ${i}; }\n}\n`,
  },
];

/** Writes `n` small source files across six languages under `dir/src/<lang>/`, deterministically. */
export function generateRepo(dir: string, n: number, padLines = 0): string {
  for (let i = 0; i < n; i++) {
    const lang = LANGS[i % LANGS.length]!;
    const sub = join(dir, 'src', lang.ext, `d${i % 10}`);
    mkdirSync(sub, { recursive: true });
    let text = lang.make(i);
    if (padLines > 0 && lang.ext === 'ts') {
      for (let k = 0; k < padLines; k++)
        text += `export function pad${i}_${k}(a: number, b: string): string { return b.repeat(a) + helper${k % 50}(a); }\n`;
    }
    const name = lang.ext === 'java' ? `Service${i}.java` : `file${i}.${lang.ext}`;
    writeFileSync(join(sub, name), text);
  }
  return dir;
}

export interface IndexDump {
  files: string[];
  symbols: string[];
  refs: string[];
  chunks: string[];
  imports: string[];
}

/**
 * Every indexed row, as sorted strings keyed by the file's relative path (ids and timestamps
 * left out), read through a read-only SQLite connection.
 */
/** The rows compared between two indexes, one query per table (the same on both engines). */
const DUMP_SQL = {
  files: `SELECT path, language, size, sha256, status, reason, error, symbol_count, ref_count, chunk_count FROM files`,
  symbols: `SELECT f.path, s.name, s.kind, s.start_line, s.start_col, s.end_line, s.end_col, s.container, s.signature, s.doc, s.exported
     FROM symbols s JOIN files f ON f.id = s.file_id`,
  refs: `SELECT f.path, r.name, r.kinds, r.sites FROM refs r JOIN files f ON f.id = r.file_id`,
  chunks: `SELECT f.path, c.start_line, c.end_line, c.symbol, c.kind, c.hash FROM chunks c JOIN files f ON f.id = c.file_id`,
  imports: `SELECT f.path, i.source, i.names, i.line FROM imports i JOIN files f ON f.id = i.file_id`,
} as const;

export function dumpIndex(dbPath: string): IndexDump {
  const db = new Database(dbPath, { readonly: true, fileMustExist: true });
  try {
    const rows = (sql: string) =>
      (db.prepare(sql).raw().all() as unknown[][]).map((r) => JSON.stringify(r)).sort();
    return Object.fromEntries(
      Object.entries(DUMP_SQL).map(([k, sql]) => [k, rows(sql)]),
    ) as unknown as IndexDump;
  } finally {
    db.close();
  }
}

/** `dumpIndex` of a test environment's index, on whichever engine it uses (SQLite or PostgreSQL). */
export async function dumpIndexOf(env: {
  home: string;
  cfg: Pick<Config, 'databaseUrl'>;
}): Promise<IndexDump> {
  if (!env.cfg.databaseUrl) return dumpIndex(join(env.home, 'index.db'));
  const client = new pg.Client({ connectionString: env.cfg.databaseUrl });
  await client.connect();
  try {
    const out: Record<string, string[]> = {};
    for (const [k, sql] of Object.entries(DUMP_SQL)) {
      const r = await client.query({ text: sql, rowMode: 'array' });
      out[k] = (r.rows as unknown[][]).map((row) => JSON.stringify(row)).sort();
    }
    return out as unknown as IndexDump;
  } finally {
    await client.end();
  }
}

/** Rows that occur more than once (there must be none: writes are idempotent). */
export function duplicates(rows: string[]): string[] {
  const out: string[] = [];
  for (let i = 1; i < rows.length; i++) if (rows[i] === rows[i - 1]) out.push(rows[i]!);
  return out;
}
