/**
 * `engines`: the same figures on SQLite and on PostgreSQL in one run, side by side. Cold index
 * with 1 and 2 workers (wall and CPU against the parse floor measured once for both engines),
 * no-op and single-file re-index, and query latency over MCP on the same questions and the same
 * vectors. PostgreSQL gets a database of its own per index, dropped afterwards; for its cold
 * indexes the bench also records the database backends' CPU and what they waited on.
 */
import { rmSync } from 'node:fs';
import { loadConfig } from '../src/config/load.js';
import { indexDbPath } from '../src/config/paths.js';
import { nativeStatus } from '../src/indexer/native.js';
import { indexLocation, openIndexAt } from '../src/store/index.js';
import {
  type BaselineResult,
  type ColdBaselines,
  type ColdResult,
  measureCold,
  measureParseFloors,
  medianColdRun,
  runCtags,
} from './cold.js';
import type { Corpus } from './corpora.js';
import { type BenchDatabase, createBenchDatabase, type PgObserved, pgObserver } from './lib/pg.js';
import { round } from './lib/stats.js';
import { deletePrefix, makeSystemEnv, type SystemEnv } from './lib/system.js';
import { type BenchVectors, benchVectors, loadVectorsInto } from './lib/vectors.js';
import { type QueryKind, type QueryTimings, sampleQueries, timeQueries } from './query.js';

export const ENGINES = ['sqlite', 'postgres'] as const;
export type Engine = (typeof ENGINES)[number];

/** Targets of the engines comparison (issue "Scale out past one machine"). */
export const ENGINE_TARGETS = {
  /** PostgreSQL: 2 workers index at least this much faster than 1. */
  pgSpeedup2w: 1.7,
  /** PostgreSQL's MCP p95 at most this many times SQLite's, per tool. */
  pgMcpP95VsSqlite: 2,
} as const;

export interface EngineResult {
  engine: Engine;
  /** Median cold run with 1 and with 2 workers (no-op and single-file on the 2-worker one). */
  cold1: ColdResult;
  cold2: ColdResult;
  /** wall(1 worker) / wall(2 workers). */
  speedup: number;
  /** Absent with `--cold-only`. */
  queries?: QueryTimings;
}

export interface EnginesResult {
  corpus: string;
  files: number;
  bytes: number;
  queriesPerKind: number;
  vectors?: { model: string; dims: number; rows: number };
  floors: Record<string, BaselineResult>;
  engines: EngineResult[];
}

interface Reps {
  baseline: number;
  singleFile: number;
  queries: number;
}

/** A fresh environment for one index of `engine` (and its database for PostgreSQL). */
async function freshSystem(engine: Engine): Promise<{ sys: SystemEnv; db?: BenchDatabase }> {
  if (engine === 'sqlite') return { sys: makeSystemEnv() };
  const db = await createBenchDatabase();
  // The schema is created before the clock, as a deployment's server is set up once: the first
  // write of a fresh database otherwise migrates it inside the cold time (0.3-1.5 s here).
  const store = openIndexAt(db.url);
  try {
    await store.listRoots();
  } finally {
    await store.close();
  }
  return { sys: makeSystemEnv({ CODEINDEX_DATABASE_URL: db.url }), db };
}

export async function measureEngines(
  corpus: Corpus,
  reps: Reps,
  log: (msg: string) => void,
  engines: readonly Engine[] = ENGINES,
  opts: { queries?: boolean } = {},
): Promise<EnginesResult> {
  const withQueries = opts.queries ?? true;
  let vectors: BenchVectors | undefined;
  const ctags = runCtags(corpus, 1);
  const floors: Record<string, BaselineResult> = {};
  const baselines = new Map<number, ColdBaselines>();
  for (const w of [1, 2]) {
    log(`${corpus.name}: parse floor, ${w} processes x${reps.baseline}`);
    const f = await measureParseFloors(corpus, w, reps.baseline, ctags.medianMs, nativeStatus().loaded);
    floors[`node:${w}`] = f.node;
    if (f.native !== undefined) floors[`native:${w}`] = f.native;
    baselines.set(w, f.baselines);
  }
  const results: EngineResult[] = [];
  let questions: ReturnType<typeof sampleQueries> | undefined;
  for (const engine of engines) {
    const cold = new Map<number, ColdResult>();
    let kept: { sys: SystemEnv; db?: BenchDatabase } | undefined;
    try {
      for (const w of [1, 2]) {
        log(`${engine}: cold index, ${w} workers x${reps.baseline}`);
        const runs: ColdResult[] = [];
        for (let i = 0; i < reps.baseline; i++) {
          const last = w === 2 && i === reps.baseline - 1;
          const keep = last && withQueries;
          const env = await freshSystem(engine);
          try {
            runs.push(
              await measureCold(corpus, w, baselines.get(w)!, {
                noop: last,
                singleFileRuns: last ? reps.singleFile : 0,
                sys: env.sys,
                keepHome: keep,
                ...(env.db === undefined ? {} : { observe: pgObserver(env.db.name) }),
              }),
            );
          } finally {
            if (keep) kept = env;
            else await env.db?.drop();
          }
          const r = runs[runs.length - 1]!;
          log(
            `${engine}: ${w} workers cold ${(r.wallMs / 1000).toFixed(2)} s, CPU ${(r.workerCpuMs / 1000).toFixed(2)} s`,
          );
        }
        cold.set(w, medianColdRun(runs));
      }
      const c1 = cold.get(1)!;
      const c2 = cold.get(2)!;
      const speedup = round(c1.wallMs / c2.wallMs, 2);
      if (kept === undefined) {
        results.push({ engine, cold1: c1, cold2: c2, speedup });
        continue;
      }
      // Queries on the last 2-worker index, with the same vectors and questions for every engine.
      vectors ??= await benchVectors(corpus, log);
      const sys = kept.sys;
      const env = { ...sys.env, CODEINDEX_EMBEDDINGS: 'local' };
      const cfg = loadConfig({}, { ...process.env, ...env });
      const store = openIndexAt(indexLocation(cfg));
      try {
        await loadVectorsInto(store, vectors);
        const coverage = await store.vectorCoverage(corpus.root, vectors.model);
        if (coverage.pending > 0)
          log(
            `${engine}: ${coverage.pending} chunk contents have no cached vector (hybrid is partly text only)`,
          );
      } finally {
        await store.close();
      }
      questions ??= sampleQueries(indexDbPath(cfg), corpus.root, reps.queries);
      log(`${engine}: ${reps.queries} queries per tool, in-process and over MCP`);
      const queries = await timeQueries(env, corpus.root, questions);
      results.push({ engine, cold1: c1, cold2: c2, speedup, queries });
    } finally {
      if (kept !== undefined) {
        // The server's queues write their `<prefix>:<queue>:meta` keys again after the system closed.
        await deletePrefix(kept.sys.prefix);
        rmSync(kept.sys.tmp, { recursive: true, force: true });
        await kept.db?.drop();
      }
    }
  }
  return {
    corpus: corpus.name,
    files: corpus.files.length,
    bytes: corpus.bytes,
    queriesPerKind: reps.queries,
    ...(vectors === undefined
      ? {}
      : { vectors: { model: vectors.model, dims: vectors.dims, rows: vectors.rows.length } }),
    floors,
    engines: results,
  };
}

const mark = (ok: boolean) => (ok ? 'PASS' : 'FAIL');
const sec = (ms: number) => (ms / 1000).toFixed(2);

function table(head: string[], rows: (string | number)[][]): string {
  const line = (cells: (string | number)[]) => `| ${cells.join(' | ')} |`;
  return [line(head), line(head.map(() => '---')), ...rows.map(line)].join('\n');
}

const KINDS: QueryKind[] = [
  'search_symbols',
  'find_references',
  'get_file_outline',
  'search_code:text',
  'search_code:hybrid',
];

/** What PostgreSQL's backends did during the 2-worker cold index, for the notes under the table. */
function pgActivity(r: ColdResult): string {
  const o = r.observed as PgObserved | undefined;
  if (o === undefined) return '';
  const states = Object.entries(o.stateSeconds)
    .map(([k, v]) => `${k} ${v.toFixed(2)} s`)
    .join(', ');
  return `${r.workers} worker${r.workers === 1 ? '' : 's'}: ${o.backends} backends, ${states || 'no samples'} (wall ${sec(r.wallMs)} s)`;
}

/** The side-by-side table: one row per figure, a column per engine, then PostgreSQL / SQLite. */
export function enginesTable(res: EnginesResult): string {
  const lite = res.engines.find((e) => e.engine === 'sqlite');
  const pg = res.engines.find((e) => e.engine === 'postgres');
  const cols = [lite, pg];
  const cell = (e: EngineResult | undefined, f: (e: EngineResult) => string) =>
    e === undefined ? '-' : f(e);
  const ratio = (f: (e: EngineResult) => number) =>
    lite !== undefined && pg !== undefined && f(lite) > 0 ? round(f(pg) / f(lite), 2) : undefined;
  const rows: (string | number)[][] = [];
  const add = (label: string, f: (e: EngineResult) => string, r?: number | undefined, target?: string) =>
    rows.push([label, ...cols.map((e) => cell(e, f)), r === undefined ? '-' : `${r}${target ?? ''}`]);
  for (const w of [1, 2] as const) {
    const c = (e: EngineResult) => (w === 1 ? e.cold1 : e.cold2);
    add(
      `cold ${w}w wall s (x parse floor ${sec(c(cols.find((e) => e)!).parseFloorMs)} s)`,
      (e) => `${sec(c(e).wallMs)} (x${c(e).vsParseFloor})`,
      ratio((e) => c(e).wallMs),
    );
    add(
      `cold ${w}w worker CPU s (x floor CPU ${sec(c(cols.find((e) => e)!).parseFloorCpuMs)} s)`,
      (e) => `${sec(c(e).workerCpuMs)} (x${c(e).vsParseFloorCpu})`,
      ratio((e) => c(e).workerCpuMs),
    );
    add(`cold ${w}w database server CPU s`, (e) => {
      const o = c(e).observed as PgObserved | undefined;
      return o?.backendCpuMs == null ? '-' : sec(o.backendCpuMs);
    });
  }
  add(
    `2w / 1w speed-up (PostgreSQL >= ${ENGINE_TARGETS.pgSpeedup2w})`,
    (e) =>
      e.engine === 'postgres'
        ? `${e.speedup} ${mark(e.speedup >= ENGINE_TARGETS.pgSpeedup2w)}`
        : `${e.speedup}`,
    ratio((e) => e.speedup),
  );
  add(
    'cold runs 1w / 2w s',
    (e) => `${e.cold1.wallRunsMs.map(sec).join(', ')} / ${e.cold2.wallRunsMs.map(sec).join(', ')}`,
  );
  add(
    'no-op re-index s (% of cold 2w)',
    (e) =>
      e.cold2.noopMs === undefined
        ? '-'
        : `${sec(e.cold2.noopMs)} (${((e.cold2.noopRatio ?? 0) * 100).toFixed(1)} %)`,
    ratio((e) => e.cold2.noopMs ?? 0),
  );
  add(
    'single-file re-index p50 / p95 ms',
    (e) => (e.cold2.singleFile === undefined ? '-' : `${e.cold2.singleFile.p50} / ${e.cold2.singleFile.p95}`),
    ratio((e) => e.cold2.singleFile?.p95 ?? 0),
  );
  add('bytes shipped per source byte: cold 2w (no-op bytes; per single-file run)', (e) => {
    const sh = e.cold2.shipped;
    if (sh === undefined) return 'not shipped';
    return `${sh.coldBytesPerSourceByte} (${sh.noopBytes ?? '-'}; ${sh.singleFileBytesPerRun ?? '-'})`;
  });
  for (const k of res.engines.some((e) => e.queries === undefined) ? [] : KINDS) {
    const r = ratio((e) => e.queries!.mcp[k].p95);
    add(
      `MCP ${k} p50 / p95 ms (in-process p50 / p95)`,
      (e) =>
        `${e.queries!.mcp[k].p50} / ${e.queries!.mcp[k].p95} (${e.queries!.inProcess[k].p50} / ${e.queries!.inProcess[k].p95})`,
      r,
      r === undefined ? '' : ` ${mark(r <= ENGINE_TARGETS.pgMcpP95VsSqlite)}`,
    );
  }
  const head = ['figure', 'SQLite', 'PostgreSQL', 'PostgreSQL / SQLite (p95 for queries)'];
  const notes = pg === undefined ? [] : [pgActivity(pg.cold1), pgActivity(pg.cold2)].filter((x) => x !== '');
  return [
    table(head, rows),
    ...(notes.length === 0
      ? []
      : [
          `\nPostgreSQL backends during the cold index (seconds summed over backends; "idle in transaction" = the worker's turn inside a write transaction):\n\n${notes.map((n) => `- ${n}`).join('\n')}`,
        ]),
  ].join('\n');
}
