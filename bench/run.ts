#!/usr/bin/env node
/**
 * `npm run bench -- [all|cold|noop|file|query|queue|memory|stages|watch|recall|engines|scale] [--corpus django|go|ts] [--quick]`
 *
 * Prints markdown tables (targets from issue 6 next to each figure, with PASS/FAIL) and writes
 * JSON to `bench/results/<name>.json`. See bench/README.md for what each figure means.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { nativeStatus } from '../src/indexer/native.js';
import { type ColdResult, measureCold, measureParseFloors, medianColdRun, runCtags } from './cold.js';
import { CORPUS_NAMES, type Corpus, type CorpusName, loadCorpus, REPO_ROOT } from './corpora.js';
import { ENGINES, type Engine, enginesTable, measureEngines } from './engines.js';
import { round } from './lib/stats.js';
import { type MemoryResult, measureMemory } from './memory.js';
import { measureQueries, type QueryKind, type QueryResult } from './query.js';
import { measureQueue, type QueueResult } from './queue.js';
import { runRecall } from './recall-report.js';
import { loadSets, relevanceTable, runRelevanceSet, runSharedRelevance, weightTable } from './relevance.js';
import { repoMapTable, runRepoMap } from './repomap.js';
import { measureScale, scaleTables } from './scale.js';
import { ensureScaleCorpus, type ScaleTree } from './scale-corpus.js';
import { measureStages, type StageResult } from './stages.js';
import { runTextLatency, textLatencyTable } from './text-latency.js';

const COMMANDS = [
  'all',
  'cold',
  'noop',
  'file',
  'query',
  'queue',
  'memory',
  'stages',
  'watch',
  'embed',
  'embed-live',
  'recall',
  'relevance',
  'repomap',
  'text-latency',
  'engines',
  'scale',
] as const;
type Command = (typeof COMMANDS)[number];

/** Targets from issue 6 (this 2-core machine). */
export const TARGETS = {
  coldVsFloor2w: 2,
  coldVsCtagsTs2w: 2,
  noopRatio: 0.1,
  mcpP95Ms: 15,
  workerRssMb: 300,
  serverIdleRssMb: 120,
} as const;

interface Args {
  command: Command;
  corpora: CorpusName[];
  quick: boolean;
  rest: string[];
}

function parseArgs(argv: string[]): Args {
  const command = (argv[0] && !argv[0].startsWith('--') ? argv[0] : 'all') as Command;
  if (!COMMANDS.includes(command)) {
    process.stderr.write(`bench: unknown command ${command}; use ${COMMANDS.join('|')}\n`);
    process.exit(2);
  }
  const i = argv.indexOf('--corpus');
  const c = i >= 0 ? argv[i + 1] : undefined;
  if (c !== undefined && !(CORPUS_NAMES as readonly string[]).includes(c)) {
    process.stderr.write(`bench: unknown corpus ${c}; use ${CORPUS_NAMES.join('|')}\n`);
    process.exit(2);
  }
  const quick = argv.includes('--quick');
  const corpora: CorpusName[] = c ? [c as CorpusName] : quick ? ['django'] : [...CORPUS_NAMES];
  return { command, corpora, quick, rest: argv.slice(command === argv[0] ? 1 : 0) };
}

const mark = (ok: boolean) => (ok ? 'PASS' : 'FAIL');
const s = (ms: number) => (ms / 1000).toFixed(2);

function table(head: string[], rows: (string | number)[][]): string {
  const line = (cells: (string | number)[]) => `| ${cells.join(' | ')} |`;
  return [line(head), line(head.map(() => '---')), ...rows.map(line)].join('\n');
}

function coldTable(results: ColdResult[]): string {
  return table(
    [
      'corpus',
      'workers',
      'files',
      'MB',
      'cold s',
      'files/s',
      'MB/s',
      'symbols/s',
      'parse floor s (native / node-tree-sitter)',
      'x floor (2w <= 2)',
      'CPU s: workers / floor (x)',
      'ctags s',
      'x ctags (ts 2w <= 2)',
      'optimize after SUCCESS s',
      'no-op s',
      'no-op / cold (<= 10 %)',
      'worker peak RSS MB (<= 300)',
    ],
    results.map((r) => {
      const floorOk = r.workers === 2 ? ` ${mark(r.vsParseFloor <= TARGETS.coldVsFloor2w)}` : '';
      const ctagsOk =
        r.workers === 2 && r.corpus === 'ts' ? ` ${mark(r.vsCtags <= TARGETS.coldVsCtagsTs2w)}` : '';
      const noop =
        r.noopRatio === undefined
          ? '-'
          : `${(r.noopRatio * 100).toFixed(1)} % ${mark(r.noopRatio <= TARGETS.noopRatio)}`;
      const peak = Math.max(...r.workerPeakRssMb);
      return [
        r.corpus,
        r.workers,
        r.files,
        (r.bytes / 1e6).toFixed(1),
        s(r.wallMs),
        r.filesPerSec,
        r.mbPerSec,
        r.symbolsPerSec,
        `${r.nativeParseFloorMs === undefined ? '-' : s(r.nativeParseFloorMs)} / ${s(r.nodeParseFloorMs)}`,
        `${r.vsParseFloor}${floorOk}`,
        `${s(r.workerCpuMs)} / ${s(r.parseFloorCpuMs)} (${r.vsParseFloorCpu})`,
        s(r.ctagsMs),
        `${r.vsCtags}${ctagsOk}`,
        r.optimizeMs === undefined ? '-' : s(r.optimizeMs),
        r.noopMs === undefined ? '-' : s(r.noopMs),
        noop,
        `${r.workerPeakRssMb.join(', ')} ${mark(peak <= TARGETS.workerRssMb)}`,
      ];
    }),
  );
}

function singleFileTable(results: ColdResult[]): string {
  const rows = results.filter((r) => r.singleFile);
  return table(
    ['corpus', 'workers', 'file', 'runs', 'index_file -> SUCCESS p50 ms', 'p95 ms', 'max ms'],
    rows.map((r) => [
      r.corpus,
      r.workers,
      r.singleFile!.file,
      r.singleFile!.n,
      r.singleFile!.p50,
      r.singleFile!.p95,
      r.singleFile!.max,
    ]),
  );
}

function queryTable(q: QueryResult): string {
  const kinds = Object.keys(q.inProcess) as QueryKind[];
  return table(
    [
      'tool',
      'non-empty',
      'in-process p50 / p95 / p99 ms',
      'MCP stdio p50 / p95 / p99 ms',
      'MCP p95 <= 15 ms',
    ],
    kinds.map((k) => {
      const a = q.inProcess[k];
      const b = q.mcp[k];
      return [
        k,
        `${q.nonEmpty[k]}/${q.queriesPerKind}`,
        `${a.p50} / ${a.p95} / ${a.p99}`,
        `${b.p50} / ${b.p95} / ${b.p99}`,
        mark(b.p95 <= TARGETS.mcpP95Ms),
      ];
    }),
  );
}

function queueTable(q: QueueResult): string {
  return table(
    ['jobs', 'ours (TaskClient + codeindex worker) jobs/s', 'bare BullMQ jobs/s', 'ours / bare'],
    [[q.jobs, q.ours.jobsPerSec, q.bare.jobsPerSec, q.ratio]],
  );
}

function memoryTable(m: MemoryResult): string {
  const peak = Math.max(...m.workerPeakRssMb);
  return table(
    [
      'corpus',
      'server idle RSS MB (<= 120)',
      'server peak RSS MB',
      'worker peak RSS MB (<= 300)',
      'cold via MCP s (2 workers, 50 ms polling)',
    ],
    [
      [
        m.corpus,
        `${m.serverIdleRssMb} ${mark(m.serverIdleRssMb <= TARGETS.serverIdleRssMb)}`,
        m.serverPeakRssMb,
        `${m.workerPeakRssMb.join(', ')} ${mark(peak <= TARGETS.workerRssMb)}`,
        s(m.mcpColdWallMs),
      ],
    ],
  );
}

function stagesTable(results: StageResult[]): string {
  const stages = ['read', 'parse', 'query', 'extractRest', 'write'] as const;
  const label = {
    read: 'read',
    parse: 'parse',
    query: 'tags queries',
    extractRest: 'extraction (rest)',
    write: 'SQLite writes',
  };
  return table(
    ['corpus', 'files', ...stages.map((k) => `${label[k]} ms (x parse)`), 'sum / parse'],
    results.map((r) => [
      r.corpus,
      r.files,
      ...stages.map((k) => `${r.ms[k]} (${r.vsParse[k]})`),
      round(
        stages.reduce((a, k) => a + r.vsParse[k], 0),
        2,
      ),
    ]),
  );
}

function writeSplitTable(results: StageResult[]): string {
  const split = results.filter((r) => r.writeSplit !== undefined);
  if (split.length === 0) return '';
  const tables = [...new Set(split.flatMap((r) => Object.keys(r.writeSplit!.byTableMs)))];
  return table(
    ['table (statements)', ...split.map((r) => `${r.corpus}: ms of ${r.writeSplit!.allMs}`)],
    tables.map((t) => [t, ...split.map((r) => r.writeSplit!.byTableMs[t] ?? '')]),
  );
}

function log(msg: string): void {
  process.stderr.write(`bench: ${msg}\n`);
}

async function runWatch(rest: string[]): Promise<number> {
  const entry = fileURLToPath(new URL('./watch.js', import.meta.url));
  if (!existsSync(entry)) {
    log('dist/bench/watch.js is missing: bench/watch.ts (the live re-index bench) is not written yet');
    return 1;
  }
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [entry, ...rest], { stdio: 'inherit' });
    child.on('exit', (code) => resolve(code ?? 1));
  });
}

/** Runs another bench entry point (`dist/bench/<file>`) as a child process. */
function runScript(file: string, rest: string[]): Promise<number> {
  const entry = fileURLToPath(new URL(`./${file}`, import.meta.url));
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [entry, ...rest], { stdio: 'inherit' });
    child.on('exit', (code) => resolve(code ?? 1));
  });
}

/** `repomap [--tokens 1024,4096] [--set NAME]`: what repo_map shows on the question sets' libraries (bench/repomap.ts). */
async function runRepoMapBench(rest: readonly string[]): Promise<number> {
  const t = rest.indexOf('--tokens');
  const budgets =
    t >= 0
      ? (rest[t + 1] ?? '')
          .split(',')
          .map(Number)
          .filter((x) => x >= 64)
      : [1024, 4096];
  const s = rest.indexOf('--set');
  const results = await runRepoMap(budgets, s >= 0 ? rest[s + 1] : undefined);
  process.stdout.write(`${repoMapTable(results)}\n`);
  mkdirSync(join(REPO_ROOT, 'bench', 'results'), { recursive: true });
  writeFileSync(join(REPO_ROOT, 'bench', 'results', 'repomap.json'), `${JSON.stringify(results, null, 2)}\n`);
  return 0;
}

/** `text-latency [--runs 4] [--beside-go]`: full-text search p50/p95 in-process, SQLite and PostgreSQL (bench/text-latency.ts). */
async function runTextLatencyBench(rest: readonly string[]): Promise<number> {
  const r = rest.indexOf('--runs');
  const runs = Math.max(2, r >= 0 ? Number(rest[r + 1]) || 4 : 4);
  const result = await runTextLatency(runs, rest.includes('--beside-go'));
  process.stdout.write(`${textLatencyTable(result)}\n`);
  mkdirSync(join(REPO_ROOT, 'bench', 'results'), { recursive: true });
  writeFileSync(
    join(REPO_ROOT, 'bench', 'results', 'text-latency.json'),
    `${JSON.stringify(result, null, 2)}\n`,
  );
  return 0;
}

/** `relevance [--semantic] [--set name[,name...]] [--tuning (held-out sets left out)] [--shared (all sets in one data dir, text only, each asked in its own root)] [--verbose (per question, on stderr)] [--weights 0.1,0.3 (hybrid with each semantic share)] [--dump DIR (each question's raw candidates, for offline fusion experiments)]`: MRR by file per question set (bench/relevance.ts). */
async function runRelevance(rest: readonly string[]): Promise<number> {
  const i = rest.indexOf('--set');
  const only = i >= 0 ? new Set((rest[i + 1] ?? '').split(',')) : undefined;
  const w = rest.indexOf('--weights');
  const weights =
    w >= 0
      ? (rest[w + 1] ?? '')
          .split(',')
          .map(Number)
          .filter((x) => x >= 0 && x <= 1)
      : [];
  const sets = loadSets().filter(
    (set) => (only === undefined || only.has(set.name)) && !(rest.includes('--tuning') && set.heldOut),
  );
  const results = rest.includes('--shared') ? await runSharedRelevance(sets, rest.includes('--verbose')) : [];
  for (const set of rest.includes('--shared') ? [] : sets) {
    results.push(
      await runRelevanceSet(
        set,
        rest.includes('--semantic'),
        rest.includes('--verbose'),
        weights,
        rest.includes('--dump') ? rest[rest.indexOf('--dump') + 1] : undefined,
      ),
    );
  }
  process.stdout.write(`${relevanceTable(results)}\n`);
  const byWeight = weightTable(results);
  if (byWeight !== '') process.stdout.write(`\n${byWeight}\n`);
  mkdirSync(join(REPO_ROOT, 'bench', 'results'), { recursive: true });
  writeFileSync(
    join(REPO_ROOT, 'bench', 'results', 'relevance.json'),
    `${JSON.stringify(results, null, 2)}\n`,
  );
  return 0;
}

/**
 * `scale [--quick]`: the real CLI, server and watcher on the 100,000-file corpus (bench/scale.ts);
 * `--quick` runs the same measurements on Django with fewer questions and 10 s of watcher idling.
 */
async function runScale(quick: boolean): Promise<number> {
  const tree: ScaleTree = quick
    ? await loadCorpus('django').then((c) => ({
        root: c.root,
        files: c.files.length,
        bytes: c.bytes,
        parts: {},
      }))
    : await ensureScaleCorpus(log);
  log(`scale: ${tree.files} files, ${(tree.bytes / 1e6).toFixed(1)} MB under ${tree.root}`);
  const r = await measureScale(tree, {
    workers: 2,
    questions: quick ? 20 : 40,
    idleSeconds: quick ? 10 : 60,
    log: (m) => log(`scale: ${m}`),
  });
  const parts = Object.entries(tree.parts);
  const manifest =
    parts.length === 0
      ? ''
      : `\n\n### Corpus (files and MB the scan accepts, per part)\n\n${table(
          ['part', 'files', 'MB', 'source'],
          parts.map(([name, p]) => [name, p.files, (p.bytes / 1e6).toFixed(1), p.source]),
        )}`;
  const dir = join(REPO_ROOT, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `scale${quick ? '-quick' : ''}.json`);
  writeFileSync(
    file,
    `${JSON.stringify({ command: 'scale', quick, machine: { cpus: cpus().length, memGb: round(totalmem() / 2 ** 30, 1) }, corpus: tree, result: r }, null, 2)}\n`,
  );
  process.stdout.write(
    `\n## codeindex bench: scale${quick ? ' (quick)' : ''}\n\n${scaleTables(r)}${manifest}\n\nJSON: ${file}\n`,
  );
  return 0;
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  if (args.command === 'watch') return runWatch(args.rest);
  if (args.command === 'embed') return runScript('embed.js', args.rest);
  if (args.command === 'embed-live') return runScript('embed-live.js', args.rest);
  if (args.command === 'recall') return runRecall(args.rest);
  if (args.command === 'relevance') return runRelevance(args.rest);
  if (args.command === 'repomap') return runRepoMapBench(args.rest);
  if (args.command === 'text-latency') return runTextLatencyBench(args.rest);
  if (args.command === 'scale') return runScale(args.quick);
  const { command, quick } = args;
  const reps = quick
    ? { baseline: 1, singleFile: 5, queries: 60, queueJobs: 300 }
    : { baseline: 3, singleFile: 20, queries: 300, queueJobs: 2000 };
  const out: Record<string, unknown> = {
    command,
    quick,
    startedAt: new Date().toISOString(),
    machine: {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model,
      memGb: round(totalmem() / 2 ** 30, 1),
      node: process.version,
    },
    nativeExtractor: nativeStatus(),
  };
  const sections: string[] = [];
  const native = nativeStatus();
  log(native.loaded ? 'native extractor: loaded' : `native extractor: not in use (${native.reason})`);
  const corpora: Corpus[] = [];
  // `engines` compares the stores on one corpus: Django unless --corpus names another.
  if (command === 'engines' && !process.argv.includes('--corpus')) args.corpora = ['django'];
  for (const name of args.corpora) {
    log(`loading corpus ${name}`);
    corpora.push(await loadCorpus(name));
  }
  out.corpora = corpora.map((c) => ({
    name: c.name,
    root: c.root,
    files: c.files.length,
    bytes: c.bytes,
    source: c.source,
  }));

  if (command === 'all' || command === 'cold' || command === 'noop' || command === 'file') {
    const workerCounts = command === 'all' || command === 'cold' ? [1, 2] : [2];
    const cold: ColdResult[] = [];
    const baselines: Record<string, unknown> = {};
    for (const corpus of corpora) {
      log(
        `${corpus.name}: ${corpus.files.length} files, ${(corpus.bytes / 1e6).toFixed(1)} MB; ctags x${reps.baseline}`,
      );
      const ctags = runCtags(corpus, reps.baseline);
      baselines[`${corpus.name}:ctags`] = ctags;
      for (const w of workerCounts) {
        log(`${corpus.name}: parse floor, ${w} processes x${reps.baseline}`);
        const floors = await measureParseFloors(
          corpus,
          w,
          reps.baseline,
          ctags.medianMs,
          nativeStatus().loaded,
        );
        baselines[`${corpus.name}:parse-floor:${w}`] = floors.node;
        if (floors.native !== undefined) baselines[`${corpus.name}:parse-floor-native:${w}`] = floors.native;
        // Cold runs are as noisy as the floor's, so `all` and `cold` take the median of as many.
        const coldRuns = command === 'all' || command === 'cold' ? reps.baseline : 1;
        log(`${corpus.name}: cold index, ${w} workers x${coldRuns}`);
        const runs: ColdResult[] = [];
        for (let i = 0; i < coldRuns; i++) {
          // No-op and single-file re-index need the indexed state: measured after the last cold run.
          const last = i === coldRuns - 1;
          runs.push(
            await measureCold(corpus, w, floors.baselines, {
              noop: last && command !== 'file',
              singleFileRuns:
                last && (command === 'all' || command === 'file') && w === 2 ? reps.singleFile : 0,
            }),
          );
        }
        const r = medianColdRun(runs);
        log(
          `${corpus.name}: ${w} workers cold ${s(r.wallMs)} s, runs ${r.wallRunsMs.map(s).join(', ')} (x${r.vsParseFloor} floor, x${r.vsCtags} ctags; CPU x${r.vsParseFloorCpu} floor)`,
        );
        cold.push(r);
      }
    }
    out.baselines = baselines;
    out.cold = cold;
    sections.push(
      `### Cold index (wall: index_repository enqueue -> SUCCESS; cold runs and baselines: median of ${reps.baseline})\n\n${coldTable(cold)}`,
    );
    if (cold.some((r) => r.singleFile)) sections.push(`### Single-file re-index\n\n${singleFileTable(cold)}`);
  }

  if (command === 'engines') {
    const i = args.rest.indexOf('--engine');
    const only = i >= 0 ? (args.rest[i + 1] as Engine) : undefined;
    if (only !== undefined && !(ENGINES as readonly string[]).includes(only)) {
      log(`unknown engine ${only}; use ${ENGINES.join('|')}`);
      return 2;
    }
    const corpus = corpora[0]!;
    const e = await measureEngines(
      corpus,
      { baseline: reps.baseline, singleFile: reps.singleFile, queries: reps.queries },
      log,
      only === undefined ? ENGINES : [only],
      { queries: !args.rest.includes('--cold-only') },
    );
    out.engines = e;
    sections.push(
      `### SQLite and PostgreSQL side by side on ${corpus.name} (${e.files} files; cold runs and parse floors: median of ${reps.baseline}${e.vectors === undefined ? '' : `; ${reps.queries} queries per tool, embeddings ${e.vectors.model} on every chunk`})\n\n${enginesTable(e)}`,
    );
  }

  if (command === 'all' || command === 'stages') {
    const stages: StageResult[] = [];
    for (const corpus of corpora) {
      log(`${corpus.name}: stages, one process`);
      stages.push(await measureStages(corpus));
    }
    out.stages = stages;
    sections.push(
      `### Where the time goes (one process, one thread; each stage x parse time)\n\n${stagesTable(stages)}`,
    );
    const split = writeSplitTable(stages);
    if (split !== '')
      sections.push(
        `### SQLite writes by table (statement time incl. binding; median of ${stages[0]?.writeSplit?.reps} runs)\n\n${split}`,
      );
  }

  if (command === 'all' || command === 'query') {
    const largest = corpora.reduce((a, b) => (b.files.length > a.files.length ? b : a));
    log(
      `query latency on ${largest.name} (${reps.queries} queries per tool; indexing with embeddings first)`,
    );
    const q = await measureQueries(largest, reps.queries);
    out.query = q;
    sections.push(
      `### Query latency on ${largest.name} (${reps.queries} queries per tool${q.embeddingsReady ? '' : '; embeddings NOT finished, hybrid degraded'})\n\n${queryTable(q)}`,
    );
  }

  if (command === 'all' || command === 'queue') {
    log(`queue overhead, ${reps.queueJobs} no-op jobs each`);
    const q = await measureQueue(reps.queueJobs);
    out.queue = q;
    sections.push(
      `### Queue overhead (no-op jobs, 1 worker process, 32 enqueues in flight)\n\n${queueTable(q)}`,
    );
  }

  if (command === 'all' || command === 'memory') {
    const corpus = corpora.find((c) => c.name === 'ts') ?? corpora[corpora.length - 1]!;
    log(`memory: codeindex serve idle, then a cold index of ${corpus.name} through MCP`);
    const m = await measureMemory(corpus, 2);
    out.memory = m;
    sections.push(
      `### Memory (codeindex serve + 2 workers, cold index of ${corpus.name})\n\n${memoryTable(m)}`,
    );
  }

  out.finishedAt = new Date().toISOString();
  const dir = join(REPO_ROOT, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const name = [command, args.corpora.length === 1 ? args.corpora[0] : null, quick ? 'quick' : null]
    .filter(Boolean)
    .join('-');
  const file = join(dir, `${name}.json`);
  writeFileSync(file, `${JSON.stringify(out, null, 2)}\n`);
  process.stdout.write(
    `\n## codeindex bench: ${command}${quick ? ' (quick)' : ''}\n\n${sections.join('\n\n')}\n\nJSON: ${file}\n`,
  );
  return 0;
}

main()
  .then((code) => process.exit(code))
  .catch((err) => {
    process.stderr.write(`bench: ${(err as Error)?.stack ?? String(err)}\n`);
    process.exit(1);
  });
