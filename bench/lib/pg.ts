/**
 * PostgreSQL for the engines bench: a database of its own per index (created and dropped here,
 * on the server of `CODEINDEX_BENCH_PG_URL`), and an observer of the server's side of a cold index:
 * the CPU time of the database's backends (/proc, so the server must run on this machine to
 * count it) and what those backends were doing, sampled from `pg_stat_activity`.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from 'pg';
import type { ColdObserver } from '../cold.js';
import { cpuMsOf } from './proc.js';
import { round } from './stats.js';

/** The server the bench creates its databases on (trust auth, as the tests'). */
export const PG_BENCH_ADMIN_URL =
  process.env.CODEINDEX_BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface BenchDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

async function admin<T>(fn: (c: Client) => Promise<T>): Promise<T> {
  const c = new Client({ connectionString: PG_BENCH_ADMIN_URL, connectionTimeoutMillis: 5000 });
  try {
    await c.connect();
  } catch (err) {
    await c.end().catch(() => {});
    throw new Error(
      `bench: no PostgreSQL at ${PG_BENCH_ADMIN_URL} (${(err as Error).message}): start one or set CODEINDEX_BENCH_PG_URL`,
    );
  }
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/** An empty database with a unique name, and how to drop it. */
export async function createBenchDatabase(): Promise<BenchDatabase> {
  const name = `codeindex_bench_${randomUUID().replaceAll('-', '').slice(0, 16)}`;
  await admin((c) => c.query(`CREATE DATABASE ${name}`));
  const url = new URL(PG_BENCH_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    drop: () =>
      admin(async (c) => {
        // Workers that were just stopped may still be closing their connections.
        for (let i = 0; i < 50; i++) {
          const open = await c.query('SELECT 1 FROM pg_stat_activity WHERE datname = $1', [name]);
          if (open.rowCount === 0) break;
          await sleep(100);
        }
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      }),
  };
}

/** What the database's backends did during a cold index (seconds summed over backends). */
export interface PgObserved {
  /** CPU time (user + system) of the database's backends, from /proc; null when not readable. */
  backendCpuMs: number | null;
  /** Backends seen. */
  backends: number;
  /** Time in each state: `active`, `active: <wait type>/<wait event>`, `idle in transaction`, `idle`. */
  stateSeconds: Record<string, number>;
  samples: number;
}

interface ActivityRow {
  pid: number;
  state: string | null;
  wait_event_type: string | null;
  wait_event: string | null;
}

/**
 * Samples `pg_stat_activity` for one database every `intervalMs` (each sample weighted by the time
 * since the one before) and the CPU of its backends. A backend that starts during the run counts
 * from zero; one that ends keeps the last CPU time seen.
 */
export function pgObserver(dbName: string, intervalMs = 20): ColdObserver {
  return async () => {
    const c = new Client({ connectionString: PG_BENCH_ADMIN_URL, connectionTimeoutMillis: 5000 });
    await c.connect();
    const sample = async (): Promise<ActivityRow[]> =>
      (
        await c.query<ActivityRow>(
          `SELECT pid, state, wait_event_type, wait_event FROM pg_stat_activity
           WHERE datname = $1 AND pid <> pg_backend_pid() AND backend_type = 'client backend'`,
          [dbName],
        )
      ).rows;
    const cpuStart = new Map<number, number>();
    const cpuLast = new Map<number, number>();
    for (const r of await sample()) cpuStart.set(r.pid, cpuMsOf(r.pid) ?? 0);
    const state = new Map<string, number>();
    let samples = 0;
    let readable = true;
    let running = true;
    let last = performance.now();
    const loop = (async () => {
      while (running) {
        await sleep(intervalMs);
        const rows = await sample();
        const now = performance.now();
        const dt = (now - last) / 1000;
        last = now;
        samples++;
        for (const r of rows) {
          const key =
            r.state === 'active' && r.wait_event_type !== null
              ? `active: ${r.wait_event_type}/${r.wait_event}`
              : (r.state ?? 'unknown');
          state.set(key, (state.get(key) ?? 0) + dt);
          const ms = cpuMsOf(r.pid);
          if (ms === null) readable = readable && cpuLast.has(r.pid);
          else cpuLast.set(r.pid, ms);
        }
      }
    })();
    return {
      async stop() {
        running = false;
        await loop;
        for (const pid of cpuLast.keys()) {
          const ms = cpuMsOf(pid);
          if (ms !== null) cpuLast.set(pid, ms);
        }
        await c.end();
        let cpu = 0;
        for (const [pid, ms] of cpuLast) cpu += ms - (cpuStart.get(pid) ?? 0);
        const observed: PgObserved = {
          backendCpuMs: readable && cpuLast.size > 0 ? round(cpu, 1) : null,
          backends: cpuLast.size,
          stateSeconds: Object.fromEntries(
            [...state].sort((a, b) => b[1] - a[1]).map(([k, v]) => [k, round(v, 2)]),
          ),
          samples,
        };
        return observed as unknown as Record<string, unknown>;
      },
    };
  };
}
