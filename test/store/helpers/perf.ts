/**
 * Store benchmark (not a test): node dist/test/store/helpers/perf.js [totalSymbols]
 * 1. Write throughput: one writeBatch of 100k symbols (5k files, 300k refs, ~35k chunks).
 * 2. searchSymbols latency over `totalSymbols` (default 500k): p50/p95/max of varied queries.
 */
import { join } from 'node:path';
import { openIndexStore } from '../../../src/store/index.js';
import { tempDir } from './fixtures.js';
import { syntheticFiles, syntheticQueries } from './synthetic.js';

/** Runs the benchmark and returns the numbers. */
export async function runStorePerf(totalSymbols: number, log: (s: string) => void = console.log) {
  const tmp = tempDir('codeindex-perf-');
  const store = openIndexStore(join(tmp.dir, 'perf.db'));
  try {
    const perFile = 20;
    const batchFiles = 5000;
    const first = syntheticFiles(1, batchFiles, perFile);
    const rows = first.reduce((n, f) => {
      const e = f.extraction!;
      return n + 1 + e.symbols.length + e.refs.length + e.imports.length + e.chunks.length;
    }, 0);
    const t0 = performance.now();
    const res = await store.writeBatch('/bench', first);
    const writeMs = performance.now() - t0;
    const rowsPerSec = Math.round((rows / writeMs) * 1000);
    log(
      `writeBatch: ${res.files} files, ${res.symbols} symbols, ${res.refs} refs, ${res.chunks} chunks ` +
        `(${rows} rows) in ${writeMs.toFixed(0)} ms = ${rowsPerSec} rows/s, ${Math.round((res.symbols / writeMs) * 1000)} symbols/s`,
    );
    // Re-writing the same files (replace path: delete + insert).
    const t1 = performance.now();
    await store.writeBatch('/bench', first);
    const rewriteMs = performance.now() - t1;
    log(`rewrite same batch: ${rewriteMs.toFixed(0)} ms = ${Math.round((rows / rewriteMs) * 1000)} rows/s`);

    let seed = 2;
    let fill = 0;
    const fillStart = performance.now();
    while (res.symbols * 1 + (seed - 2) * batchFiles * perFile < totalSymbols) {
      await store.writeBatch('/bench', syntheticFiles(seed, batchFiles, perFile, `p${seed}`));
      seed++;
      fill++;
    }
    log(
      `filled to ${(await store.rootStatus('/bench'))[0]?.symbols} symbols (${fill} more batches, ${((performance.now() - fillStart) / 1000).toFixed(1)} s)`,
    );

    const queries = syntheticQueries(7, 400);
    for (const q of queries.slice(0, 20)) await store.searchSymbols({ query: q, limit: 20 }); // warm up
    const times: number[] = [];
    const slow: [number, string][] = [];
    for (const q of queries) {
      const s = performance.now();
      await store.searchSymbols({ query: q, limit: 20 });
      const ms = performance.now() - s;
      times.push(ms);
      slow.push([ms, q]);
    }
    times.sort((a, b) => a - b);
    const pct = (p: number) => times[Math.min(times.length - 1, Math.floor(times.length * p))]!;
    const p50 = pct(0.5);
    const p95 = pct(0.95);
    const max = times[times.length - 1]!;
    log(
      `searchSymbols over ${queries.length} queries: p50 ${p50.toFixed(2)} ms, p95 ${p95.toFixed(2)} ms, max ${max.toFixed(2)} ms`,
    );
    slow.sort((a, b) => b[0] - a[0]);
    log(
      `slowest: ${slow
        .slice(0, 5)
        .map(([ms, q]) => `${q} ${ms.toFixed(1)}ms`)
        .join(', ')}`,
    );

    const textTimes: number[] = [];
    for (const q of queries.slice(0, 100)) {
      const s = performance.now();
      await store.searchText({ query: q, limit: 20 });
      textTimes.push(performance.now() - s);
    }
    textTimes.sort((a, b) => a - b);
    log(`searchText p50 ${textTimes[50]!.toFixed(2)} ms, p95 ${textTimes[95]!.toFixed(2)} ms`);
    const refTimes: number[] = [];
    for (const q of queries.slice(0, 100)) {
      const s = performance.now();
      await store.findReferences({ symbol: q, limit: 50 });
      refTimes.push(performance.now() - s);
    }
    refTimes.sort((a, b) => a - b);
    log(`findReferences p50 ${refTimes[50]!.toFixed(2)} ms, p95 ${refTimes[95]!.toFixed(2)} ms`);
    return { rowsPerSec, writeMs, p50, p95, max };
  } finally {
    await store.close();
    tmp.cleanup();
  }
}

const total = Number(process.argv[2]);
if (process.argv[1]?.endsWith('perf.js') && Number.isFinite(total) && total > 0) await runStorePerf(total);
