/**
 * `npm run bench -- text-latency [--runs 4]`: full-text search latency in-process, SQLite against
 * PostgreSQL, on natural-language questions. Four question sets' libraries (Go, JavaScript,
 * Rust, Python) are indexed into both engines as four roots; every question of those sets is asked
 * of its own root (`rankText` with a server's candidate pool, then the chunk rows, as
 * `search_code` does) `--runs` times, the first run left out (warm-up). PostgreSQL's store is
 * opened as a server opens it (`cacheRoots`). Reports p50 / p95 per engine and their ratio.
 * `--beside-go`: Go's standard library is indexed first as a fifth root, so each question's root
 * is a small part of a data dir that holds a large repository too (the words it shares with Go
 * match tens of thousands of chunks outside the scope).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createExtractor } from '../src/indexer/extractor.js';
import { openIndexStore } from '../src/store/index.js';
import { openPgStore } from '../src/store/pg/store.js';
import type { IndexStore } from '../src/store/types.js';
import { loadCorpus } from './corpora.js';
import { createBenchDatabase } from './lib/pg.js';
import { indexInProcess, loadSets } from './relevance.js';

const SETS = ['go-net-http', 'js-bullmq', 'rust-serde-json', 'python-jinja2'];
/** The candidate pool `search_code` asks the text half for on a first page of 10 files. */
const POOL = 60;

export interface TextLatency {
  questions: number;
  runs: number;
  /** Go's standard library was indexed beside the four roots. */
  besideGo: boolean;
  sqlite: { p50: number; p95: number };
  postgres: { p50: number; p95: number };
}

function quantile(sorted: readonly number[], q: number): number {
  return Number((sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))] ?? 0).toFixed(2));
}

export async function runTextLatency(runs: number, besideGo = false): Promise<TextLatency> {
  const home = mkdtempSync(join(tmpdir(), 'codeindex-textlat-'));
  const database = await createBenchDatabase();
  const stores: Record<'sqlite' | 'postgres', IndexStore> = {
    sqlite: openIndexStore(join(home, 'index.db')),
    postgres: openPgStore(database.url, { cacheRoots: true }),
  };
  try {
    const sets = loadSets().filter((s) => SETS.includes(s.name));
    const extractor = createExtractor();
    if (besideGo) {
      const go = await loadCorpus('go');
      for (const store of Object.values(stores)) await indexInProcess(go.root, store, extractor, 1_000_000);
    }
    for (const set of sets)
      for (const store of Object.values(stores)) await indexInProcess(set.root, store, extractor, 1_000_000);
    // As after an index run: statistics and a clean GIN pending list.
    await stores.postgres.optimize();
    const questions = sets.flatMap((s) => s.questions.map((q) => ({ query: q.q, root: s.root })));
    const out: Partial<TextLatency> = { questions: questions.length, runs, besideGo };
    for (const engine of ['sqlite', 'postgres'] as const) {
      const store = stores[engine];
      const times: number[] = [];
      for (let run = 0; run < runs; run++)
        for (const q of questions) {
          const t = performance.now();
          const r = await store.rankText({
            query: q.query,
            limit: POOL,
            offset: 0,
            looseBelow: POOL,
            pathPrefix: q.root,
          });
          if (r.chunks === undefined) await store.chunksByIds(r.ids);
          if (run > 0) times.push(performance.now() - t);
        }
      times.sort((a, b) => a - b);
      out[engine] = { p50: quantile(times, 0.5), p95: quantile(times, 0.95) };
    }
    return out as TextLatency;
  } finally {
    for (const store of Object.values(stores)) await store.close();
    await database.drop();
    rmSync(home, { recursive: true, force: true });
  }
}

export function textLatencyTable(r: TextLatency): string {
  const ratio = (a: number, b: number) => (b > 0 ? (a / b).toFixed(2) : '-');
  return [
    `${r.questions} questions x ${r.runs - 1} measured runs, rankText (pool ${POOL}) + chunk rows, in-process${r.besideGo ? ", beside Go's standard library" : ''}`,
    '',
    '| engine | p50 ms | p95 ms |',
    '| --- | --- | --- |',
    `| SQLite | ${r.sqlite.p50} | ${r.sqlite.p95} |`,
    `| PostgreSQL | ${r.postgres.p50} | ${r.postgres.p95} |`,
    `| PostgreSQL / SQLite | ${ratio(r.postgres.p50, r.sqlite.p50)} | ${ratio(r.postgres.p95, r.sqlite.p95)} |`,
  ].join('\n');
}
