#!/usr/bin/env node
/**
 * Builds the native extractor (binding.gyp: native/*.c -> build/Release/codeindex_native.node)
 * with node-gyp. It runs as the package's `install` script (so `npm install` / `npm ci` build it)
 * and as `npm run build:native`.
 *
 * A failed build does not fail the install: codeindex then extracts through node-tree-sitter's
 * query API, with the same results and roughly 10-15 % more CPU per cold index, and says so on
 * stderr. With CI=true or CODEINDEX_NATIVE_REQUIRED=1 a failed build is an error, so a CI run
 * never measures or tests the fallback by accident. CODEINDEX_NATIVE=0 skips the build.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const off = ['0', 'false', 'off'].includes((process.env.CODEINDEX_NATIVE ?? '').trim().toLowerCase());
const required = process.env.CI === 'true' || process.env.CODEINDEX_NATIVE_REQUIRED === '1';

if (off) {
  process.stderr.write('codeindex: CODEINDEX_NATIVE=0, native extractor not built\n');
  process.exit(0);
}

/** npm passes its own node-gyp to scripts; otherwise the one bundled with npm next to node. */
function nodeGyp() {
  const candidates = [
    process.env.npm_config_node_gyp,
    join(dirname(process.execPath), '../lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js'),
    join(dirname(process.execPath), 'node_modules/npm/node_modules/node-gyp/bin/node-gyp.js'),
  ];
  return candidates.find((p) => p !== undefined && p !== '' && existsSync(p)) ?? null;
}

const gyp = nodeGyp();
const result =
  gyp === null
    ? { status: null, error: new Error('node-gyp not found (it ships with npm)') }
    : spawnSync(process.execPath, [gyp, 'rebuild'], { cwd: root, stdio: ['ignore', 2, 2] });
if (result.status === 0) {
  process.stderr.write('codeindex: native extractor built (build/Release/codeindex_native.node)\n');
  process.exit(0);
}
const why = result.error?.message ?? `node-gyp exited with ${result.status}`;
process.stderr.write(
  `codeindex: the native extractor did not build (${why}). Indexing works without it, through ` +
    'node-tree-sitter, but a cold index takes longer. Install python3, make and a C compiler, then run ' +
    '`npm run build:native`.\n',
);
process.exit(required ? 1 : 0);
