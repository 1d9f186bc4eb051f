/**
 * Scale: the real CLI and server on a tree of 100,000+ files (`bench/scale-corpus.ts`).
 *
 * 1. Cold `codeindex index <root> --workers N --json` as a child process: wall time (spawn to
 *    exit, worker start included), CPU of the CLI and its workers (user and system, from this
 *    process's reaped-children times: exact, nothing sampled), CPU of the Redis server over the
 *    same span (`INFO cpu`; a shared server also counts other clients), peak RSS (VmHWM) of the
 *    CLI and of each worker.
 * 2. The `optimize-index` job the cold run queued, drained by one worker (its time is shown).
 * 3. Index size on disk (every file of the data dir) against the bytes of the indexed files.
 * 4. No-op: the same command again on the unchanged tree.
 * 5. A real MCP client on `codeindex serve --workers 0`: the first call of each tool, then p50/p95
 *    over the sampled questions (`sampleQueries`, fixed seed) of search_symbols, search_code
 *    (text), find_references, get_file_outline, and index_status of the root.
 * 6. `codeindex watch <root> --workers 0`: time from spawn to its "initial scan done" log line,
 *    peak RSS until then, then CPU and RSS over `idleSeconds` of quiet.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { Redis } from 'ioredis';
import { loadConfig } from '../src/config/load.js';
import { indexDbPath } from '../src/config/paths.js';
import { CLI, startMcpServer } from './lib/mcp.js';
import { childPids, cpuMsOf, memoryOf, reapedChildrenCpuMs, startMemorySampler } from './lib/proc.js';
import { type LatencySummary, round, summarize } from './lib/stats.js';
import { deletePrefix, makeSystemEnv, REDIS_URL, startSystem, waitForQueueIdle } from './lib/system.js';
import { sampleQueries } from './query.js';

/** Targets from issue 21, item 4. */
export const SCALE_TARGETS = { rssMb: 500, noopRatio: 0.1, mcpP95Ms: 50 } as const;

export interface ScaleOptions {
  workers: number;
  /** Questions per tool (search_symbols, search_code, find_references, get_file_outline). */
  questions: number;
  /** Seconds of watcher idling measured after its initial scan. */
  idleSeconds: number;
  log: (msg: string) => void;
}

export interface CliRun {
  wallMs: number;
  userMs: number;
  systemMs: number;
  /** Page faults of the CLI and its workers (minor: no disk read; each costs system time). */
  minorFaults: number;
  majorFaults: number;
  /** Redis server CPU over the run (user + system), when `INFO cpu` answered. */
  redisCpuMs: number | null;
  cliPeakRssMb: number;
  workerPeakRssMb: number[];
  /** The CLI's `--json` summary. */
  summary: Record<string, unknown>;
}

export type ScaleTool =
  | 'search_symbols'
  | 'search_code'
  | 'find_references'
  | 'get_file_outline'
  | 'index_status';

export interface ScaleResult {
  root: string;
  files: number;
  bytes: number;
  workers: number;
  cold: CliRun;
  optimizeMs: number | null;
  noop: CliRun;
  noopRatio: number;
  index: { bytes: number; ratio: number; files: Record<string, number>; objects: IndexObject[] | null };
  mcp: Record<ScaleTool, { firstMs: number; latency: LatencySummary; nonEmpty: number }>;
  /** Peak RSS (VmHWM) of the MCP server after every question was answered. */
  serverPeakRssMb: number;
  watch: {
    startupMs: number;
    startupPeakRssMb: number;
    idleSeconds: number;
    idleCpuMs: number;
    idleCpuPercent: number;
    idleRssMb: number;
    idleMaxRssMb: number;
  };
}

async function redisCpuMs(): Promise<number | null> {
  const r = new Redis(REDIS_URL, { maxRetriesPerRequest: 1, lazyConnect: true });
  r.on('error', () => {});
  try {
    await r.connect();
    const info = await r.info('cpu');
    const get = (k: string) => Number(new RegExp(`^${k}:([\\d.]+)`, 'm').exec(info)?.[1] ?? Number.NaN);
    const ms = (get('used_cpu_user') + get('used_cpu_sys')) * 1000;
    return Number.isFinite(ms) ? ms : null;
  } catch {
    return null;
  } finally {
    r.disconnect();
  }
}

/** Runs `codeindex <args>` to its exit, measuring wall, CPU (with its workers') and peak RSS. */
export async function runCli(args: string[], env: Record<string, string>): Promise<CliRun> {
  const redis0 = await redisCpuMs();
  const cpu0 = reapedChildrenCpuMs();
  const t0 = performance.now();
  const child = spawn(process.execPath, [CLI, ...args], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const pid = child.pid;
  if (!pid) throw new Error(`codeindex ${args[0]} did not start`);
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr.on('data', (d: Buffer) => {
    err = (err + d.toString()).slice(-20_000);
  });
  const sampler = startMemorySampler(() => [pid, ...childPids(pid)], 100);
  const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
  const wallMs = performance.now() - t0;
  const peaks = sampler.stop();
  const cpu1 = reapedChildrenCpuMs();
  const redis1 = await redisCpuMs();
  if (code !== 0) throw new Error(`codeindex ${args.join(' ')} exited ${code}: ${err.slice(-2000)}`);
  const cliPeak = peaks.get(pid) ?? Number.NaN;
  peaks.delete(pid);
  const line = out.trim().split('\n').at(-1) ?? '{}';
  return {
    wallMs: round(wallMs, 1),
    userMs: round(cpu1.userMs - cpu0.userMs, 0),
    systemMs: round(cpu1.systemMs - cpu0.systemMs, 0),
    minorFaults: cpu1.minorFaults - cpu0.minorFaults,
    majorFaults: cpu1.majorFaults - cpu0.majorFaults,
    redisCpuMs: redis0 === null || redis1 === null ? null : round(redis1 - redis0, 0),
    cliPeakRssMb: round(cliPeak, 1),
    workerPeakRssMb: [...peaks.values()].map((m) => round(m, 1)),
    summary: JSON.parse(line) as Record<string, unknown>,
  };
}

/** Sizes of the files under a directory (recursive), keyed by path relative to it. */
export function filesUnder(dir: string): Record<string, number> {
  const out: Record<string, number> = {};
  const walk = (d: string, rel: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(p, r);
      else if (e.isFile()) out[r] = statSync(p).size;
    }
  };
  walk(dir, '');
  return out;
}

/** One table or index of the SQLite file and the space its pages take (`dbstat`). */
export interface IndexObject {
  name: string;
  /** The table an index belongs to (itself for a table). */
  table: string;
  bytes: number;
  /** Bytes of cell content; the rest of `bytes` is page headers, pointers and free space. */
  payload: number;
  unused: number;
}

/**
 * Space per table and index of a SQLite index file, largest first, with the free pages (left by
 * deletes and FTS merges until a VACUUM) as `(free pages)`; null without `dbstat`.
 */
export function indexObjects(dbPath: string): IndexObject[] | null {
  const db = new Database(dbPath, { readonly: true, fileMustExist: true });
  try {
    const owner = new Map(
      (
        db.prepare('SELECT name, tbl_name FROM sqlite_schema').all() as { name: string; tbl_name: string }[]
      ).map((r) => [r.name, r.tbl_name]),
    );
    const rows = db
      .prepare('SELECT name, pgsize, payload, unused FROM dbstat WHERE aggregate = 1 ORDER BY pgsize DESC')
      .all() as { name: string; pgsize: number; payload: number; unused: number }[];
    const pageSize = Number(db.pragma('page_size', { simple: true }));
    const free = Number(db.pragma('freelist_count', { simple: true })) * pageSize;
    rows.push({ name: '(free pages)', pgsize: free, payload: 0, unused: free });
    rows.sort((a, b) => b.pgsize - a.pgsize);
    return rows.map((r) => ({
      name: r.name,
      table: owner.get(r.name) ?? r.name,
      bytes: r.pgsize,
      payload: r.payload,
      unused: r.unused,
    }));
  } catch {
    return null;
  } finally {
    db.close();
  }
}

/** Drains the maintenance queue (the optimize job a large run queues) with one worker; its ms. */
async function drainMaintenance(sys: ReturnType<typeof makeSystemEnv>): Promise<number | null> {
  const system = await startSystem(1, sys);
  try {
    const q = system.tasks.queues.maintenance;
    const c = await q.getJobCounts('active', 'waiting', 'prioritized', 'delayed');
    if ((c.active ?? 0) + (c.waiting ?? 0) + (c.prioritized ?? 0) + (c.delayed ?? 0) === 0) return null;
    const t0 = performance.now();
    if (!(await waitForQueueIdle(q, 30 * 60_000, 200)))
      throw new Error('optimize-index did not finish in 30 min');
    return round(performance.now() - t0, 0);
  } finally {
    await system.close({ keepHome: true });
  }
}

type Caller = (name: string, args: Record<string, unknown>) => Promise<Record<string, unknown>>;

async function timeTool(
  call: Caller,
  tool: string,
  argsOf: (q: string) => Record<string, unknown>,
  count: (r: Record<string, unknown>) => number,
  questions: readonly string[],
): Promise<{ firstMs: number; latency: LatencySummary; nonEmpty: number }> {
  const first = questions[0] ?? '';
  const t0 = performance.now();
  await call(tool, argsOf(first));
  const firstMs = round(performance.now() - t0, 1);
  const samples: number[] = [];
  let nonEmpty = 0;
  for (const q of questions) {
    const t = performance.now();
    const r = await call(tool, argsOf(q));
    samples.push(performance.now() - t);
    if (count(r) > 0) nonEmpty++;
  }
  return { firstMs, latency: summarize(samples), nonEmpty };
}

const len = (v: unknown) => (Array.isArray(v) ? v.length : 0);

async function measureMcp(
  env: Record<string, string>,
  root: string,
  questions: number,
): Promise<{ mcp: ScaleResult['mcp']; serverPeakRssMb: number }> {
  const cfg = loadConfig({}, { ...process.env, ...env });
  const qs = sampleQueries(indexDbPath(cfg), root, questions);
  const server = await startMcpServer({ ...env, CODEINDEX_ROOTS: root }, ['--workers', '0']);
  try {
    const call: Caller = (n, a) => server.call(n, a);
    const mcp: ScaleResult['mcp'] = {
      search_symbols: await timeTool(
        call,
        'search_symbols',
        (q) => ({ query: q }),
        (r) => len(r.symbols),
        qs.symbols,
      ),
      search_code: await timeTool(
        call,
        'search_code',
        (q) => ({ query: q, mode: 'text' }),
        (r) => len(r.results),
        qs.text,
      ),
      find_references: await timeTool(
        call,
        'find_references',
        (q) => ({ symbol: q }),
        (r) => len(r.references),
        qs.references,
      ),
      get_file_outline: await timeTool(
        call,
        'get_file_outline',
        (q) => ({ path: q }),
        (r) => len(r.symbols),
        qs.outlines,
      ),
      index_status: await timeTool(
        call,
        'index_status',
        () => ({ path: root }),
        (r) => len(r.roots),
        Array.from({ length: Math.max(5, Math.ceil(questions / 2)) }, () => root),
      ),
    };
    return { mcp, serverPeakRssMb: round(memoryOf(server.pid)?.hwmMb ?? Number.NaN, 1) };
  } finally {
    await server.close();
  }
}

async function measureWatch(
  env: Record<string, string>,
  root: string,
  idleSeconds: number,
): Promise<ScaleResult['watch']> {
  const t0 = performance.now();
  const child: ChildProcess = spawn(process.execPath, [CLI, 'watch', root, '--workers', '0'], {
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/tmp',
      ...env,
      CODEINDEX_LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const pid = child.pid;
  if (!pid) throw new Error('codeindex watch did not start');
  let err = '';
  const scanned = new Promise<void>((resolve, reject) => {
    child.stderr?.on('data', (d: Buffer) => {
      err = (err + d.toString()).slice(-20_000);
      if (/initial scan done/.test(err)) resolve();
    });
    child.once('exit', (c) => reject(new Error(`codeindex watch exited ${c}: ${err.slice(-2000)}`)));
  });
  scanned.catch(() => {});
  try {
    const timeout = sleep(30 * 60_000).then(() => {
      throw new Error('codeindex watch: no initial scan in 30 min');
    });
    await Promise.race([scanned, timeout]);
    const startupMs = round(performance.now() - t0, 0);
    const startupPeakRssMb = round(memoryOf(pid)?.hwmMb ?? Number.NaN, 1);
    const cpu0 = cpuMsOf(pid) ?? 0;
    let maxRss = 0;
    let lastRss = 0;
    const end = Date.now() + idleSeconds * 1000;
    while (Date.now() < end) {
      await sleep(Math.min(1000, Math.max(0, end - Date.now())));
      lastRss = memoryOf(pid)?.rssMb ?? lastRss;
      maxRss = Math.max(maxRss, lastRss);
    }
    const idleCpuMs = (cpuMsOf(pid) ?? Number.NaN) - cpu0;
    return {
      startupMs,
      startupPeakRssMb,
      idleSeconds,
      idleCpuMs: round(idleCpuMs, 0),
      idleCpuPercent: round((idleCpuMs / (idleSeconds * 1000)) * 100, 2),
      idleRssMb: round(lastRss, 1),
      idleMaxRssMb: round(maxRss, 1),
    };
  } finally {
    if (child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
  }
}

/** Every figure of the scale bench on one tree, in a fresh data dir and queue prefix. */
export async function measureScale(
  tree: { root: string; files: number; bytes: number },
  opts: ScaleOptions,
): Promise<ScaleResult> {
  const sys = makeSystemEnv({ CODEINDEX_ROOTS: tree.root });
  try {
    // The upkeep job is drained and timed on its own below, outside the cold figures.
    const indexArgs = ['index', tree.root, '--workers', String(opts.workers), '--json', '--no-upkeep'];
    opts.log(`cold: codeindex ${indexArgs.join(' ')}`);
    const cold = await runCli(indexArgs, sys.env);
    opts.log(`cold: ${(cold.wallMs / 1000).toFixed(1)} s; optimize-index`);
    const optimizeMs = await drainMaintenance(sys);
    const files = filesUnder(sys.home);
    const indexBytes = Object.values(files).reduce((a, b) => a + b, 0);
    opts.log('index size per table (dbstat)');
    const objects = indexObjects(join(sys.home, 'index.db'));
    opts.log('no-op re-index');
    const noop = await runCli(indexArgs, sys.env);
    opts.log(`MCP: ${opts.questions} questions per tool`);
    const { mcp, serverPeakRssMb } = await measureMcp(sys.env, tree.root, opts.questions);
    opts.log(`watcher: start-up, then ${opts.idleSeconds} s idle`);
    const watch = await measureWatch(sys.env, tree.root, opts.idleSeconds);
    return {
      root: tree.root,
      files: tree.files,
      bytes: tree.bytes,
      workers: opts.workers,
      cold,
      optimizeMs,
      noop,
      noopRatio: round(noop.wallMs / cold.wallMs, 3),
      index: { bytes: indexBytes, ratio: round(indexBytes / tree.bytes, 2), files, objects },
      mcp,
      serverPeakRssMb,
      watch,
    };
  } finally {
    await deletePrefix(sys.prefix);
    rmSync(sys.tmp, { recursive: true, force: true });
  }
}

const mark = (ok: boolean) => (ok ? 'PASS' : 'FAIL');
const sec = (ms: number) => (ms / 1000).toFixed(2);
const mb = (b: number) => (b / 1e6).toFixed(1);

function table(head: string[], rows: (string | number)[][]): string {
  const line = (cells: (string | number)[]) => `| ${cells.join(' | ')} |`;
  return [line(head), line(head.map(() => '---')), ...rows.map(line)].join('\n');
}

/** The markdown tables of a scale run. */
export function scaleTables(r: ScaleResult): string {
  const { cold, noop } = r;
  const peaks = [cold.cliPeakRssMb, ...cold.workerPeakRssMb];
  const rssOk = Math.max(...peaks, ...noop.workerPeakRssMb, noop.cliPeakRssMb) <= SCALE_TARGETS.rssMb;
  const redis = (c: CliRun) => (c.redisCpuMs === null ? '-' : sec(c.redisCpuMs));
  const indexing = table(
    ['figure', 'value', 'target'],
    [
      ['files / MB (scan accepts)', `${r.files} / ${mb(r.bytes)}`, '>= 100,000 files'],
      [`cold \`index --workers ${r.workers}\` wall s`, sec(cold.wallMs), ''],
      ['cold CPU s: user + system (CLI and workers)', `${sec(cold.userMs)} + ${sec(cold.systemMs)}`, ''],
      ['cold CPU s: Redis server (shared)', redis(cold), ''],
      ['cold page faults: minor / major (CLI and workers)', `${cold.minorFaults} / ${cold.majorFaults}`, ''],
      [
        'cold files/s, MB/s',
        `${round(r.files / (cold.wallMs / 1000), 0)}, ${round(r.bytes / 1e6 / (cold.wallMs / 1000), 2)}`,
        '',
      ],
      [
        'peak RSS MB: CLI, workers',
        `${cold.cliPeakRssMb}, ${cold.workerPeakRssMb.join(', ')}`,
        `each <= ${SCALE_TARGETS.rssMb} ${mark(rssOk)}`,
      ],
      ['optimize-index after SUCCESS s', r.optimizeMs === null ? '-' : sec(r.optimizeMs), ''],
      ['index on disk MB (x source)', `${mb(r.index.bytes)} (${r.index.ratio}x)`, ''],
      [
        'no-op re-index wall s (x cold)',
        `${sec(noop.wallMs)} (${(r.noopRatio * 100).toFixed(1)} %)`,
        `<= 10 % ${mark(r.noopRatio <= SCALE_TARGETS.noopRatio)}`,
      ],
      [
        'no-op CPU s: user + system; Redis',
        `${sec(noop.userMs)} + ${sec(noop.systemMs)}; ${redis(noop)}`,
        '',
      ],
      ['watcher start-up s (until its initial scan is done)', sec(r.watch.startupMs), ''],
      [
        'watcher peak RSS MB during start-up',
        r.watch.startupPeakRssMb,
        `<= ${SCALE_TARGETS.rssMb} ${mark(r.watch.startupPeakRssMb <= SCALE_TARGETS.rssMb)}`,
      ],
      [
        `watcher idle CPU over ${r.watch.idleSeconds} s`,
        `${sec(r.watch.idleCpuMs)} s (${r.watch.idleCpuPercent} %)`,
        '',
      ],
      [
        'watcher idle RSS MB (end / max)',
        `${r.watch.idleRssMb} / ${r.watch.idleMaxRssMb}`,
        `<= ${SCALE_TARGETS.rssMb} ${mark(r.watch.idleMaxRssMb <= SCALE_TARGETS.rssMb)}`,
      ],
      [
        'MCP server (serve --workers 0) peak RSS MB after the questions',
        r.serverPeakRssMb,
        `<= ${SCALE_TARGETS.rssMb} ${mark(r.serverPeakRssMb <= SCALE_TARGETS.rssMb)}`,
      ],
    ],
  );
  const tools = Object.entries(r.mcp) as [ScaleTool, ScaleResult['mcp'][ScaleTool]][];
  const mcp = table(
    [
      'tool (MCP stdio, serve --workers 0)',
      'non-empty',
      'first call ms',
      'p50 ms',
      'p95 ms',
      'max ms',
      'p95 <= 50 ms',
    ],
    tools.map(([tool, m]) => [
      tool,
      `${m.nonEmpty}/${m.latency.n}`,
      m.firstMs,
      m.latency.p50,
      m.latency.p95,
      m.latency.max,
      tool === 'index_status' || tool === 'get_file_outline'
        ? ''
        : mark(m.latency.p95 <= SCALE_TARGETS.mcpP95Ms),
    ]),
  );
  const objects = r.index.objects ?? [];
  const space =
    objects.length === 0
      ? ''
      : `\n\n${table(
          ['table or index (dbstat)', 'of table', 'MB', 'share', 'payload MB', 'unused MB'],
          objects
            .filter((o) => o.bytes >= r.index.bytes * 0.005)
            .map((o) => [
              o.name,
              o.table,
              mb(o.bytes),
              `${((o.bytes / r.index.bytes) * 100).toFixed(1)} %`,
              mb(o.payload),
              mb(o.unused),
            ]),
        )}`;
  return `${indexing}\n\n${mcp}${space}`;
}
