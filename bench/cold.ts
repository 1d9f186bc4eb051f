/**
 * Cold index, no-op re-index and single-file re-index, with the baselines measured in the same
 * run on the same files: the parse floor (same number of processes) and universal-ctags.
 *
 * Cold time runs from the `index-repository` enqueue (what the `index_repository` tool does)
 * until the task reports SUCCESS; the end is the worker's own finish stamp, so polling does not
 * inflate it. Worker start-up happens before the clock (the pool is ready first).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Corpus } from './corpora.js';
import { cpuSnapshot, startMemorySampler } from './lib/proc.js';
import { type LatencySummary, median, medianBy, round, summarize } from './lib/stats.js';
import { type BenchSystem, type SystemEnv, startSystem, waitForQueueIdle } from './lib/system.js';
import { type FloorParser, runParseFloor } from './parse-floor.js';

export interface BaselineResult {
  runs: number[];
  medianMs: number;
  /** CPU ms (user + system, all processes) of the run with the median wall time, when measured. */
  cpuMs?: number;
}

export interface ColdResult {
  corpus: string;
  workers: number;
  files: number;
  bytes: number;
  wallMs: number;
  filesIndexed: number;
  symbols: number;
  refs: number;
  chunks: number;
  filesPerSec: number;
  mbPerSec: number;
  symbolsPerSec: number;
  /** The floor: the faster of the two parse floors below. */
  parseFloorMs: number;
  /** CPU time of that floor's processes (user + system). */
  parseFloorCpuMs: number;
  /**
   * CPU time the worker processes used from the enqueue to SUCCESS (user + system, from
   * /proc/<pid>/stat). Unlike wall time it hardly moves when the machine is busy with other work,
   * so `vsParseFloorCpu` is the steadier figure for comparing two versions of the code.
   */
  workerCpuMs: number;
  vsParseFloorCpu: number;
  /** Parse floor with the native parse (absent when the addon is not built). */
  nativeParseFloorMs?: number;
  /** Parse floor with node-tree-sitter's parse. */
  nodeParseFloorMs: number;
  ctagsMs: number;
  vsParseFloor: number;
  vsCtags: number;
  /** Peak RSS per worker process during the cold index (MB); the highest of all cold runs. */
  workerPeakRssMb: number[];
  /** Wall time of every cold run; the figures above are those of the median one. */
  wallRunsMs: number[];
  /**
   * The low-priority `optimize-index` job that a large run queues after its SUCCESS (FTS merge,
   * planner statistics, WAL checkpoint): its own run time, outside the cold wall time.
   */
  optimizeMs?: number;
  noopMs?: number;
  noopRatio?: number;
  singleFile?: LatencySummary & { file: string };
  /** What `opts.observe` reported for the cold index (e.g. PostgreSQL's side of it). */
  observed?: Record<string, unknown>;
  /**
   * Sources the producer shipped through Redis (workers without a shared disk; on by default
   * with PostgreSQL): bytes sent per byte of the corpus, for the cold index and for the no-op and
   * single-file re-indexes after it. Absent when nothing was shipped.
   */
  shipped?: { coldBytesPerSourceByte: number; noopBytes?: number; singleFileBytesPerRun?: number };
}

/** Watches a cold index from just before the enqueue to SUCCESS; `stop` returns its figures. */
export type ColdObserver = () => Promise<{ stop(): Promise<Record<string, unknown>> }>;

/**
 * The cold run with the median wall time, with every run's wall time, the worker RSS peaks of
 * the run that peaked highest, and the no-op and single-file figures of the run that measured
 * them (the no-op ratio taken against the median wall), and that run's shipped bytes.
 */
export function medianColdRun(runs: readonly ColdResult[]): ColdResult {
  const mid = medianBy(runs, (r) => r.wallMs);
  if (mid === undefined) throw new Error('no cold runs');
  const highest = runs.reduce((a, b) =>
    Math.max(...b.workerPeakRssMb) > Math.max(...a.workerPeakRssMb) ? b : a,
  );
  const withNoop = runs.find((r) => r.noopMs !== undefined);
  const withFile = runs.find((r) => r.singleFile !== undefined);
  const out: ColdResult = {
    ...mid,
    workerPeakRssMb: highest.workerPeakRssMb,
    wallRunsMs: runs.map((r) => r.wallMs),
  };
  delete out.noopMs;
  delete out.noopRatio;
  delete out.singleFile;
  if (withNoop?.noopMs !== undefined) {
    out.noopMs = withNoop.noopMs;
    out.noopRatio = round(withNoop.noopMs / mid.wallMs, 3);
  }
  if (withFile?.singleFile !== undefined) out.singleFile = withFile.singleFile;
  // The shipped bytes of the run that also re-indexed (its cold figure is as good as any run's).
  const shipped = (withNoop ?? withFile)?.shipped;
  if (shipped !== undefined) out.shipped = shipped;
  else delete out.shipped;
  return out;
}

/** universal-ctags over exactly the corpus's file list, tags to /dev/null. */
export function runCtags(corpus: Corpus, runs: number): BaselineResult {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const r = spawnSync('ctags', ['-f', '/dev/null', '-L', corpus.listFile], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const ms = performance.now() - t0;
    if (r.status !== 0) throw new Error(`ctags failed: ${r.stderr?.toString().slice(0, 300)}`);
    times.push(ms);
  }
  return { runs: times.map((t) => round(t, 1)), medianMs: median(times) };
}

export async function measureParseFloor(
  corpus: Corpus,
  processes: number,
  runs: number,
  parser: FloorParser,
): Promise<BaselineResult> {
  const abs = corpus.files.map((f) => join(corpus.root, f));
  const results: { wallMs: number; cpuMs: number }[] = [];
  for (let i = 0; i < runs; i++) results.push(await runParseFloor(abs, processes, parser));
  const mid = medianBy(results, (r) => r.wallMs);
  return {
    runs: results.map((r) => round(r.wallMs, 1)),
    medianMs: mid?.wallMs ?? Number.NaN,
    cpuMs: round(mid?.cpuMs ?? 0, 1),
  };
}

/** What {@link measureCold} compares against: the parse floors (and ctags) of the same run. */
export interface ColdBaselines {
  nativeParseFloorMs?: number;
  nativeParseFloorCpuMs?: number;
  nodeParseFloorMs: number;
  nodeParseFloorCpuMs: number;
  ctagsMs: number;
}

/**
 * Both parse floors with `processes` processes (the native one only when the addon is loaded),
 * `runs` times each, as the baselines of a cold index with as many workers.
 */
export async function measureParseFloors(
  corpus: Corpus,
  processes: number,
  runs: number,
  ctagsMs: number,
  nativeLoaded: boolean,
): Promise<{ node: BaselineResult; native?: BaselineResult; baselines: ColdBaselines }> {
  const node = await measureParseFloor(corpus, processes, runs, 'node');
  const native = nativeLoaded ? await measureParseFloor(corpus, processes, runs, 'native') : undefined;
  return {
    node,
    ...(native === undefined ? {} : { native }),
    baselines: {
      nodeParseFloorMs: node.medianMs,
      nodeParseFloorCpuMs: node.cpuMs ?? 0,
      ...(native === undefined
        ? {}
        : { nativeParseFloorMs: native.medianMs, nativeParseFloorCpuMs: native.cpuMs ?? 0 }),
      ctagsMs,
    },
  };
}

interface RepoSummary {
  files_indexed: number;
  files_unchanged: number;
  files_failed: number;
  symbols: number;
  refs: number;
  chunks: number;
}

/** Enqueues an index-repository task and waits for SUCCESS; returns wall ms and the summary. */
export async function indexRepository(
  system: BenchSystem,
  root: string,
): Promise<{ ms: number; summary: RepoSummary }> {
  const t0 = Date.now();
  const id = await system.tasks.enqueue('index-repository', { root, force: false, priority: 'normal' });
  const { info, endMs } = await system.waitForTask(id, 25);
  if (info.state !== 'SUCCESS') throw new Error(`index task ended ${info.state}: ${info.error ?? ''}`);
  return { ms: endMs - t0, summary: info.result as RepoSummary };
}

const COMMENT: Record<string, string> = { '.py': '#', '.go': '//', '.ts': '//', '.tsx': '//' };

/** A mid-sized file of the corpus (the median by size among those of 2-20 KB). */
export function pickEditableFile(corpus: Corpus): string {
  const sized = corpus.files
    .filter((f) => COMMENT[f.slice(f.lastIndexOf('.'))] !== undefined)
    .map((f) => ({ f, size: Buffer.byteLength(readFileSync(join(corpus.root, f))) }))
    .filter((x) => x.size > 2_000 && x.size < 20_000)
    .sort((a, b) => a.size - b.size);
  const pick = sized[Math.floor(sized.length / 2)];
  if (!pick) throw new Error(`no editable file in ${corpus.name}`);
  return pick.f;
}

/**
 * `index-file` → SUCCESS latency after changing the file's content each time (the indexer
 * skips unchanged content, so each run does the real work). The file is restored afterwards.
 */
export async function measureSingleFile(
  system: BenchSystem,
  corpus: Corpus,
  runs: number,
): Promise<LatencySummary & { file: string }> {
  const rel = pickEditableFile(corpus);
  const abs = join(corpus.root, rel);
  const original = readFileSync(abs);
  const mark = COMMENT[rel.slice(rel.lastIndexOf('.'))]!;
  const samples: number[] = [];
  try {
    for (let i = 0; i < runs + 2; i++) {
      writeFileSync(abs, Buffer.concat([original, Buffer.from(`\n${mark} bench edit ${i} ${Date.now()}\n`)]));
      const t0 = Date.now();
      const id = await system.tasks.enqueue(
        'index-file',
        { root: corpus.root, path: rel },
        { priority: 'high' },
      );
      const { info, endMs } = await system.waitForTask(id, 2);
      if (info.state !== 'SUCCESS') throw new Error(`index-file ended ${info.state}: ${info.error ?? ''}`);
      if (i >= 2) samples.push(endMs - t0); // the first two warm the worker's grammar and statements
    }
  } finally {
    writeFileSync(abs, original);
  }
  // The index holds the file as it is on disk again (later figures may read it), untimed.
  const id = await system.tasks.enqueue('index-file', { root: corpus.root, path: rel }, { priority: 'high' });
  await system.waitForTask(id, 2);
  return { ...summarize(samples), file: rel };
}

/** One cold index (fresh data dir, fresh queues) with `workers` processes, then no-op and single-file. */
export async function measureCold(
  corpus: Corpus,
  workers: number,
  baselines: ColdBaselines,
  opts: {
    noop: boolean;
    singleFileRuns: number;
    /** The system's environment (engine, data dir); a fresh default one when absent. */
    sys?: SystemEnv;
    /** Leaves the data dir (and so a SQLite index) in place for later figures. */
    keepHome?: boolean;
    observe?: ColdObserver;
  },
): Promise<ColdResult> {
  const system = await startSystem(workers, opts.sys);
  try {
    const pids = () => (system.pool?.status() ?? []).map((s) => s.pid).filter((p): p is number => p !== null);
    const sampler = startMemorySampler(pids, 100);
    const observer = opts.observe === undefined ? undefined : await opts.observe();
    const cpuBefore = cpuSnapshot(pids());
    const shippedBytes = () => system.tasks.shipped.bytesShipped;
    const cold = await indexRepository(system, corpus.root);
    const coldShipped = shippedBytes();
    const cpuAfter = cpuSnapshot(pids());
    const observed = await observer?.stop();
    const peaks = sampler.stop();
    let workerCpuMs = 0;
    for (const [pid, ms] of cpuAfter) workerCpuMs += ms - (cpuBefore.get(pid) ?? 0);
    const s = cold.summary;
    if (s.files_failed > 0) process.stderr.write(`bench: ${s.files_failed} files failed in ${corpus.name}\n`);
    const secs = cold.ms / 1000;
    const nativeFaster =
      baselines.nativeParseFloorMs !== undefined && baselines.nativeParseFloorMs < baselines.nodeParseFloorMs;
    const floorMs = nativeFaster ? baselines.nativeParseFloorMs! : baselines.nodeParseFloorMs;
    const floorCpuMs = nativeFaster ? baselines.nativeParseFloorCpuMs! : baselines.nodeParseFloorCpuMs;
    const result: ColdResult = {
      corpus: corpus.name,
      workers,
      files: corpus.files.length,
      bytes: corpus.bytes,
      wallMs: cold.ms,
      filesIndexed: s.files_indexed,
      symbols: s.symbols,
      refs: s.refs,
      chunks: s.chunks,
      filesPerSec: round(s.files_indexed / secs, 0),
      mbPerSec: round(corpus.bytes / 1e6 / secs, 2),
      symbolsPerSec: round(s.symbols / secs, 0),
      parseFloorMs: round(floorMs, 1),
      parseFloorCpuMs: round(floorCpuMs, 1),
      workerCpuMs: round(workerCpuMs, 1),
      vsParseFloorCpu: round(workerCpuMs / floorCpuMs, 2),
      ...(baselines.nativeParseFloorMs === undefined
        ? {}
        : { nativeParseFloorMs: round(baselines.nativeParseFloorMs, 1) }),
      nodeParseFloorMs: round(baselines.nodeParseFloorMs, 1),
      ctagsMs: round(baselines.ctagsMs, 1),
      vsParseFloor: round(cold.ms / floorMs, 2),
      vsCtags: round(cold.ms / baselines.ctagsMs, 2),
      workerPeakRssMb: [...peaks.values()].map((m) => round(m, 1)),
      wallRunsMs: [cold.ms],
      ...(observed === undefined ? {} : { observed }),
    };
    // The optimize job a large run queues runs after SUCCESS; the next figures start after it, as
    // a user's next re-index would.
    await waitForQueueIdle(system.tasks.queues.maintenance, 120_000, 50);
    const optimized = (await system.tasks.queues.maintenance.getJobs(['completed'], 0, 20)).find(
      (j) => j.name === 'optimize-index',
    );
    if (optimized?.processedOn && optimized.finishedOn)
      result.optimizeMs = optimized.finishedOn - optimized.processedOn;
    const shipped: NonNullable<ColdResult['shipped']> = {
      coldBytesPerSourceByte: round(coldShipped / corpus.bytes, 3),
    };
    if (opts.noop) {
      const before = shippedBytes();
      const noop = await indexRepository(system, corpus.root);
      shipped.noopBytes = shippedBytes() - before;
      if (noop.summary.files_indexed !== 0)
        process.stderr.write(`bench: no-op re-index re-indexed ${noop.summary.files_indexed} files\n`);
      result.noopMs = noop.ms;
      result.noopRatio = round(noop.ms / cold.ms, 3);
    }
    if (opts.singleFileRuns > 0) {
      const before = shippedBytes();
      result.singleFile = await measureSingleFile(system, corpus, opts.singleFileRuns);
      shipped.singleFileBytesPerRun = round((shippedBytes() - before) / opts.singleFileRuns, 0);
    }
    if (coldShipped > 0) result.shipped = shipped;
    return result;
  } finally {
    await system.close({ keepHome: opts.keepHome ?? false });
  }
}
