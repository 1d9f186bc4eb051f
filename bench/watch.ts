/**
 * Save-to-searchable latency and idle watcher CPU.
 *
 *   npx tsc -p tsconfig.json && node dist/bench/watch.js [--saves 200] [--idle-seconds 60] [--idle-files 10000]
 *     [--idle-dir <tree> [--idle-home <CODEINDEX_HOME that indexed it>]] [--skip-latency]
 *
 * 1. `codeindex serve` over MCP stdio with 1 worker on a temporary repository: each save writes a
 *    file with a new unique function name, then polls `search_symbols` until it appears.
 * 2. `codeindex watch <repo> --workers 0` on a repository of 10,000 files (or on a real tree with
 *    `--idle-dir`, indexed beforehand in `--idle-home` so the catch-up finds nothing to do): time
 *    to the "watching" line and to the end of the initial scan (the first quiet second), then
 *    CPU time (utime+stime from /proc/<pid>/stat) over 60 idle seconds, and its RSS (now and peak).
 * Prints a table and writes bench/results/watch.json. Needs Redis (REDIS_URL, default 127.0.0.1:6379).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { CLI, startMcpServer } from './lib/mcp.js';
import { percentile, round } from './lib/stats.js';
import { deletePrefix } from './lib/system.js';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const CLK_TCK = 100;

const { values } = parseArgs({
  options: {
    saves: { type: 'string', default: '200' },
    'idle-seconds': { type: 'string', default: '60' },
    'idle-files': { type: 'string', default: '10000' },
    'idle-dir': { type: 'string' },
    'idle-home': { type: 'string' },
    'skip-latency': { type: 'boolean', default: false },
  },
});
const SAVES = Number(values.saves);
const IDLE_SECONDS = Number(values['idle-seconds']);
const IDLE_FILES = Number(values['idle-files']);

function put(root: string, rel: string, text: string): void {
  const abs = join(root, rel);
  mkdirSync(dirname(abs), { recursive: true });
  writeFileSync(abs, text);
}

function envFor(tmp: string, prefix: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? tmp,
    CODEINDEX_HOME: join(tmp, 'home'),
    REDIS_URL,
    CODEINDEX_QUEUE_PREFIX: prefix,
    CODEINDEX_WORKERS: '1',
    CODEINDEX_LOG_LEVEL: 'warn',
    CODEINDEX_CLEANUP_CRON: '',
    ...extra,
  };
}

async function until<T>(
  what: string,
  f: () => Promise<T | false | null | undefined>,
  timeoutMs: number,
  everyMs = 50,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await f();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(everyMs);
  }
}

interface LatencyResult {
  saves: number;
  p50_ms: number;
  p95_ms: number;
  max_ms: number;
  mean_ms: number;
  timeouts: number;
}

async function measureLatency(): Promise<LatencyResult> {
  const tmp = mkdtempSync(join(tmpdir(), 'ci-bench-watch-'));
  const prefix = `bench-${randomUUID().slice(0, 8)}`;
  const repo = join(tmp, 'repo');
  for (let i = 0; i < 50; i++)
    put(repo, `src/m${i}.ts`, `export function seed${i}(x: number) {\n  return x + ${i};\n}\n`);
  const server = await startMcpServer(envFor(tmp, prefix, { CODEINDEX_ROOTS: repo }));
  try {
    const started = (await server.call('index_repository', { path: repo })) as { task_id: string };
    await until(
      'the index',
      async () => (await server.call('task_status', { task_id: started.task_id })).state === 'SUCCESS',
      120_000,
    );
    await until(
      'the watcher',
      async () => {
        const r = (await server.call('index_status', {})) as {
          roots: { root: string; notes?: { watch?: { watching?: boolean } } }[];
        };
        return r.roots.find((x) => x.root === repo)?.notes?.watch?.watching === true;
      },
      30_000,
    );
    await sleep(1000); // chokidar's initial scan
    const latencies: number[] = [];
    let timeouts = 0;
    for (let i = 0; i < SAVES; i++) {
      const name = `benchSaved${i}_${randomUUID().slice(0, 6)}`;
      const rel = `src/m${i % 50}.ts`;
      const t0 = performance.now();
      put(repo, rel, `export function ${name}(x: number): number {\n  return x * ${i};\n}\n`);
      try {
        await until(
          name,
          async () => {
            const r = (await server.call('search_symbols', { query: name, limit: 5 })) as {
              symbols: { name: string }[];
            };
            return r.symbols.some((s) => s.name === name);
          },
          5000,
          2,
        );
        latencies.push(performance.now() - t0);
      } catch {
        timeouts++;
      }
      await sleep(20 + Math.random() * 30); // a human does not save twice in the same millisecond
    }
    return {
      saves: SAVES,
      p50_ms: round(percentile(latencies, 50), 1),
      p95_ms: round(percentile(latencies, 95), 1),
      max_ms: round(Math.max(...latencies), 1),
      mean_ms: round(latencies.reduce((a, b) => a + b, 0) / Math.max(1, latencies.length), 1),
      timeouts,
    };
  } finally {
    await server.close();
    await deletePrefix(prefix);
    rmSync(tmp, { recursive: true, force: true });
  }
}

function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // After "(comm)": field 3 is state, so utime (14) and stime (15) are at 11 and 12.
  return Number(fields[11]) + Number(fields[12]);
}

interface IdleResult {
  /** Files written (synthetic) or the tree watched (`--idle-dir`). */
  files: number | string;
  seconds: number;
  /** Spawn to the "watching" line, and to the end of the initial scan (first quiet second). */
  started_ms: number;
  scanned_ms: number;
  cpu_seconds: number;
  cpu_percent: number;
  rss_mb: number;
  peak_rss_mb: number;
  command: string;
}

/** VmRSS and VmHWM of a process, in MB. */
function memoryOf(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? 0);
  return { rss: round(kb('VmRSS') / 1024, 1), peak: round(kb('VmHWM') / 1024, 1) };
}

async function measureIdle(): Promise<IdleResult> {
  const tmp = mkdtempSync(join(tmpdir(), 'ci-bench-idle-'));
  const prefix = `bench-${randomUUID().slice(0, 8)}`;
  const repo = values['idle-dir'] ?? join(tmp, 'repo');
  if (values['idle-dir'] === undefined)
    for (let i = 0; i < IDLE_FILES; i++)
      put(repo, `pkg${i % 100}/sub${i % 7}/f${i}.ts`, `export const v${i} = ${i};\n`);
  const args = [CLI, 'watch', repo, '--workers', '0'];
  const t0 = performance.now();
  const child: ChildProcess = spawn(process.execPath, args, {
    env: envFor(tmp, prefix, values['idle-home'] ? { CODEINDEX_HOME: values['idle-home'] } : {}),
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  child.stderr?.on('data', (d: Buffer) => {
    err += d.toString();
  });
  try {
    const pid = child.pid;
    if (!pid) throw new Error('could not start codeindex watch');
    await until(
      'codeindex watch to start',
      async () => /watching /.test(err) || child.exitCode !== null,
      30_000,
    );
    if (child.exitCode !== null) throw new Error(`codeindex watch exited: ${err}`);
    const startedMs = performance.now() - t0;
    // Let the initial scan finish: wait for a quiet second (or 30 s; 10 min for a real tree).
    const settleEnd = Date.now() + (values['idle-dir'] ? 600_000 : 30_000);
    for (let prev = cpuTicks(pid); Date.now() < settleEnd; ) {
      await sleep(1000);
      const now = cpuTicks(pid);
      if (now - prev <= 2) break;
      prev = now;
    }
    // The quiet second that ended the scan is not part of it.
    const scannedMs = performance.now() - t0 - 1000;
    const before = cpuTicks(pid);
    await sleep(IDLE_SECONDS * 1000);
    const cpuSeconds = (cpuTicks(pid) - before) / CLK_TCK;
    const mem = memoryOf(pid);
    return {
      files: values['idle-dir'] ?? IDLE_FILES,
      seconds: IDLE_SECONDS,
      started_ms: Math.round(startedMs),
      scanned_ms: Math.round(scannedMs),
      cpu_seconds: cpuSeconds,
      cpu_percent: Math.round((cpuSeconds / IDLE_SECONDS) * 100 * 1000) / 1000,
      rss_mb: mem.rss,
      peak_rss_mb: mem.peak,
      command: `node dist/src/cli.js watch ${values['idle-dir'] ?? `<repo of ${IDLE_FILES} files>`} --workers 0`,
    };
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => (child.exitCode !== null ? r(null) : child.once('exit', r)));
    await deletePrefix(prefix);
    rmSync(tmp, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const latency = values['skip-latency']
    ? { saves: 0, p50_ms: 0, p95_ms: 0, max_ms: 0, timeouts: 0 }
    : await measureLatency();
  const idle = await measureIdle();
  const targets = { p50_ms: 150, p95_ms: 400 };
  const out = {
    when: new Date().toISOString(),
    machine: { cpus: cpus().length, model: cpus()[0]?.model ?? '' },
    latency,
    idle,
    targets,
    pass: latency.p50_ms <= targets.p50_ms && latency.p95_ms <= targets.p95_ms && latency.timeouts === 0,
  };
  const rows: [string, string][] = [
    ...((values['skip-latency']
      ? [['saves', 'skipped (--skip-latency)']]
      : [
          ['saves', String(latency.saves)],
          ['save→searchable p50', `${latency.p50_ms} ms (target ≤ ${targets.p50_ms})`],
          ['save→searchable p95', `${latency.p95_ms} ms (target ≤ ${targets.p95_ms})`],
          ['save→searchable max', `${latency.max_ms} ms`],
          ['timeouts (> 5 s)', String(latency.timeouts)],
        ]) as [string, string][]),
    [
      `watcher on ${idle.files}`,
      `"watching" after ${idle.started_ms} ms, initial scan done after ${idle.scanned_ms} ms`,
    ],
    [
      `idle CPU over ${idle.seconds} s`,
      `${idle.cpu_seconds.toFixed(2)} s CPU (${idle.cpu_percent}%), RSS ${idle.rss_mb} MB (peak ${idle.peak_rss_mb} MB)`,
    ],
  ];
  const w = Math.max(...rows.map(([k]) => k.length));
  process.stdout.write(`watch benchmark\n${rows.map(([k, v]) => `  ${k.padEnd(w)}  ${v}`).join('\n')}\n`);
  const dir = join(REPO_ROOT, 'bench/results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'watch.json'), `${JSON.stringify(out, null, 2)}\n`);
  process.stdout.write(`wrote bench/results/watch.json\n`);
  process.exitCode = out.pass ? 0 : 1;
}

main().catch((err) => {
  process.stderr.write(`bench watch: ${(err as Error)?.stack ?? String(err)}\n`);
  process.exit(1);
});
