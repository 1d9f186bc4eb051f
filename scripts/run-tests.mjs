#!/usr/bin/env node
// Runs every compiled test file (dist/test/**/*.test.js) with node's test runner, in parallel.
// Node 20's `--test` takes no globs, so the file list is built here. Extra args filter by substring:
//   node scripts/run-tests.mjs store indexer
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, relative } from 'node:path';

const root = join(import.meta.dirname, '..', 'dist', 'test');
/** @param {string} dir @returns {string[]} */
function walk(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    if (name === 'fixtures') continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...walk(p));
    else if (name.endsWith('.test.js')) out.push(p);
  }
  return out;
}
const filters = process.argv.slice(2);
const files = walk(root)
  .filter((f) => filters.length === 0 || filters.some((s) => relative(root, f).includes(s)))
  .sort();
if (files.length === 0) {
  console.error('no test files found under dist/test: run `npm run build` first');
  process.exit(1);
}
// Tests are mostly waiting on Redis, child processes and disk, so run more files than cores.
const concurrency = Number(process.env.TEST_CONCURRENCY ?? Math.max(2, availableParallelism() * 2));
const r = spawnSync(
  process.execPath,
  // --test-force-exit: a test file whose tests are done exits even if a handle is left open (the
  // scale bench's harness keeps its process alive after its tests pass), instead of stalling the run.
  ['--test', '--test-force-exit', `--test-concurrency=${concurrency}`, '--test-reporter=spec', ...files],
  {
    stdio: 'inherit',
    env: { ...process.env, CODEINDEX_LOG_LEVEL: process.env.CODEINDEX_LOG_LEVEL ?? 'warn' },
  },
);
process.exit(r.status ?? 1);
