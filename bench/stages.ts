/**
 * Where the time of a cold index goes, stage by stage, in one process and one thread, on the same
 * files as the other figures: read, tree-sitter parse, the tags queries, the rest of the
 * extraction (definitions, references, imports, chunks), and the SQLite writes (batches of
 * `CODEINDEX_BATCH_SIZE`, default 200, into a fresh database). Each stage is shown as a multiple of
 * the parse time, which is what the parse floor measures: an indexer can only be as close to the
 * floor as everything after the parse is cheap.
 *
 * The extraction stages come from the extractor's own timings (`extractFile(..., timings)`); the
 * writes run afterwards, over all files, in batches.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { readSourceFileSync } from '../src/discovery/index.js';
import { createExtractor, detectLanguage } from '../src/indexer/index.js';
import type { LanguageId } from '../src/indexer/types.js';
import { openIndexStore } from '../src/store/index.js';
import type { FileWrite } from '../src/store/types.js';
import type { Corpus } from './corpora.js';
import { median, round } from './lib/stats.js';

export interface StageResult {
  corpus: string;
  files: number;
  ms: { read: number; parse: number; query: number; extractRest: number; write: number };
  /** Each stage divided by the parse time. */
  vsParse: Record<keyof StageResult['ms'], number>;
  /** With `splitReps` > 0: the write time by table. */
  writeSplit?: WriteSplit;
}

/** Median write time, split by the table each statement writes (see {@link timeStatements}). */
export interface WriteSplit {
  reps: number;
  allMs: number;
  /** Table (or COMMIT, BEGIN) -> median ms in its statements; `(outside statements)` is the rest. */
  byTableMs: Record<string, number>;
}

/** Writes every file in batches into a fresh database; returns the wall ms. */
async function timeWrites(root: string, writes: readonly FileWrite[], batchSize: number): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'codeindex-stages-'));
  const store = openIndexStore(join(dir, 'index.db'));
  const t = performance.now();
  for (let i = 0; i < writes.length; i += batchSize)
    await store.writeBatch(root, writes.slice(i, i + batchSize));
  const ms = performance.now() - t;
  await store.close();
  rmSync(dir, { recursive: true, force: true });
  return ms;
}

/** What a statement's time is booked to: the table it writes or reads, or its verb. */
function tableOf(sql: string): string {
  const m = /^\s*(?:INSERT(?: OR \w+)? INTO|DELETE FROM|UPDATE|SELECT .*? FROM)\s+(\w+)/is.exec(sql);
  return m?.[1] ?? sql.trim().split(/\s+/).slice(0, 2).join(' ');
}

/**
 * The writes with every better-sqlite3 statement call timed and booked to its table. Statement
 * time includes binding the parameters; transactions commit through statements too (COMMIT).
 * What is left (building rows, name keys and FTS parts before the transaction) is `(outside
 * statements)`. One run, so the parts add up to its total.
 */
async function timeStatements(
  root: string,
  writes: readonly FileWrite[],
  batchSize: number,
): Promise<{ total: number; byTable: Map<string, number> }> {
  const probe = new Database(':memory:');
  const proto = Object.getPrototypeOf(probe.prepare('SELECT 1')) as Record<string, unknown>;
  probe.close();
  const byTable = new Map<string, number>();
  const originals = (['run', 'all', 'get'] as const).map((m) => [m, proto[m]] as const);
  for (const [m, orig] of originals) {
    proto[m] = function (this: { source: string }, ...args: unknown[]) {
      const t = performance.now();
      try {
        return (orig as (...a: unknown[]) => unknown).apply(this, args);
      } finally {
        // PRAGMAs run when the store opens and closes, outside the timed writes.
        const k = tableOf(this.source);
        if (!k.startsWith('PRAGMA')) byTable.set(k, (byTable.get(k) ?? 0) + performance.now() - t);
      }
    };
  }
  try {
    const total = await timeWrites(root, writes, batchSize);
    const inStatements = [...byTable.values()].reduce((x, y) => x + y, 0);
    byTable.set('(outside statements)', total - inStatements);
    return { total, byTable };
  } finally {
    for (const [m, orig] of originals) proto[m] = orig;
  }
}

/** The split by table, median of `reps` runs each. */
async function measureWriteSplit(
  root: string,
  writes: readonly FileWrite[],
  batchSize: number,
  reps: number,
): Promise<WriteSplit> {
  const totals: number[] = [];
  const byTable = new Map<string, number[]>();
  for (let r = 0; r < reps; r++) {
    const run = await timeStatements(root, writes, batchSize);
    totals.push(run.total);
    for (const [k, v] of run.byTable) byTable.set(k, [...(byTable.get(k) ?? []), v]);
  }
  const rows = [...byTable]
    .map(([k, v]) => [k, Math.round(median(v))] as const)
    .filter(([, ms]) => ms > 0)
    .sort((x, y) => y[1] - x[1]);
  return { reps, allMs: Math.round(median(totals)), byTableMs: Object.fromEntries(rows) };
}

/**
 * `splitReps` > 0 also measures the write split (CODEINDEX_BENCH_WRITE_SPLIT=<reps> from the command
 * line): the write time by table, median of `splitReps` runs.
 */
export async function measureStages(
  corpus: Corpus,
  batchSize = 200,
  splitReps = Number(process.env.CODEINDEX_BENCH_WRITE_SPLIT ?? 0),
): Promise<StageResult> {
  const texts: { rel: string; lang: LanguageId; text: string; size: number; mtimeMs: number; sha: string }[] =
    [];
  const t = performance.now();
  for (const rel of corpus.files) {
    const lang = detectLanguage(rel);
    if (lang === null) continue;
    const r = readSourceFileSync(join(corpus.root, rel), { maxBytes: Number.MAX_SAFE_INTEGER });
    if (r.ok) texts.push({ rel, lang, text: r.text, size: r.size, mtimeMs: r.mtimeMs, sha: r.sha256 });
  }
  const read = performance.now() - t;

  // Grammars and queries compiled and the JIT warm before the clock, as in a worker.
  const extractor = createExtractor();
  extractor.warmUp();

  // The extractor's own stage timings: the real code path, nothing run twice.
  const timings = { parse: 0, query: 0, rest: 0 };
  let n = 0;
  const writes: FileWrite[] = [];
  for (const f of texts) {
    writes.push({
      path: f.rel,
      language: f.lang,
      size: f.size,
      mtimeMs: f.mtimeMs,
      sha256: f.sha,
      status: 'indexed',
      extraction: extractor.extractFile(f.text, f.lang, timings),
    });
    // Trees are freed by finalizers, which run between event-loop turns.
    if (++n % 50 === 0) await new Promise((r) => setImmediate(r));
  }
  const { parse, query, rest } = timings;

  const write = await timeWrites(corpus.root, writes, batchSize);
  const writeSplit =
    splitReps > 0 ? await measureWriteSplit(corpus.root, writes, batchSize, splitReps) : undefined;

  const ms = { read, parse, query, extractRest: Math.max(0, rest), write };
  const vsParse = Object.fromEntries(Object.entries(ms).map(([k, v]) => [k, round(v / parse, 2)])) as Record<
    keyof typeof ms,
    number
  >;
  return {
    corpus: corpus.name,
    files: texts.length,
    ms: Object.fromEntries(Object.entries(ms).map(([k, v]) => [k, Math.round(v)])) as typeof ms,
    vsParse,
    ...(writeSplit === undefined ? {} : { writeSplit }),
  };
}
