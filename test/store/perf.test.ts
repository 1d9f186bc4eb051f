import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runStorePerf } from './helpers/perf.js';

// A smoke-sized run of the store benchmark (the full one: node dist/test/store/helpers/perf.js 500000).
// Bounds are loose on purpose: they catch an accidental full scan, not a slow CI machine.
test('store performance smoke: 100k-symbol batch and symbol search at 100k symbols', {
  timeout: 120_000,
}, async () => {
  const lines: string[] = [];
  const r = await runStorePerf(100_000, (s) => lines.push(s));
  for (const l of lines) console.error(`  ${l}`);
  // ~100k rows/s on an idle 2-core machine, 14k seen with the whole suite and more running beside
  // it; an accidental scan per row would be under 1k.
  assert.ok(r.rowsPerSec > 5_000, `write throughput ${r.rowsPerSec} rows/s`);
  assert.ok(r.p95 < 50, `searchSymbols p95 ${r.p95.toFixed(1)} ms`);
});
