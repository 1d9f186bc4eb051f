import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openIndexStore } from '../dist/src/store/index.js';
import { createExtractor } from '../dist/src/indexer/extractor.js';
import { indexInProcess, loadSets } from '../dist/bench/relevance.js';
import { buildRepoMap, pageRank } from '../dist/src/mcp/repo-map.js';
const name = process.argv[2] ?? 'js-bullmq';
const set = loadSets().find((s) => s.name === name);
const home = mkdtempSync(join(tmpdir(), 'mapdbg-'));
const store = openIndexStore(join(home, 'index.db'));
await indexInProcess(set.root, store, createExtractor(), 1_000_000);
const data = await store.graphData(set.root);
for (const f of data.files) if (f.path.startsWith(`${set.root}/`)) f.path = f.path.slice(set.root.length + 1);
const map = buildRepoMap({ ...structuredClone(data), maxTokens: 1024 });
console.log(map.files.slice(0, 15).map((f) => `${f.rank} ${f.path} [${f.symbols.map((s) => s.name).join(',')}]`).join('\n'));
// incoming names for a file
const target = process.argv[3];
if (target) {
  const byId = new Map(data.files.map((f) => [f.id, f]));
  const defs = data.symbols.filter((s) => byId.get(s.fileId)?.path === target).map((s) => s.name);
  const defSet = new Set(defs);
  const counts = new Map();
  for (const r of data.refs) if (defSet.has(r.name)) counts.set(r.name, (counts.get(r.name) ?? 0) + 1);
  console.log('defs', defs.length, 'refs by name:', [...counts].sort((a, b) => b[1] - a[1]).slice(0, 30));
}
await store.close();
