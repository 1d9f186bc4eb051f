import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { openIndexAt } from '../dist/src/store/engine.js';
import { createExtractor } from '../dist/src/indexer/extractor.js';
import { indexInProcess, loadSets } from '../dist/bench/relevance.js';
const db = `codeindex_lat_${process.pid}`;
const admin = new pg.Client({ connectionString: 'postgres://postgres@127.0.0.1:5432/postgres' });
await admin.connect();
await admin.query(`CREATE DATABASE ${db}`);
const home = mkdtempSync(join(tmpdir(), 'lat-'));
const stores = { sqlite: openIndexAt(join(home, 'index.db')), pg: openIndexAt(`postgres://postgres@127.0.0.1:5432/${db}`, { cacheRoots: true }) };
const sets = loadSets().filter((s) => ['go-net-http', 'js-bullmq', 'rust-serde-json', 'python-jinja2'].includes(s.name));
const ex = createExtractor();
for (const s of sets) for (const st of Object.values(stores)) await indexInProcess(s.root, st, ex, 1_000_000);
await stores.pg.optimize?.({ vacuum: true }).catch(() => {});
if (process.env.LOGSTMT) { await admin.query(`ALTER DATABASE ${db} SET log_min_duration_statement = 0`); await stores.pg.close(); stores.pg = openIndexAt(`postgres://postgres@127.0.0.1:5432/${db}`, { cacheRoots: true }); }
const queries = sets.flatMap((s) => s.questions.map((q) => ({ q: q.q, root: s.root })));
console.error('queries', queries.length, queries[0]);
const out = {};
for (const [name, st] of Object.entries(stores)) {
  const times = [];
  for (let rep = 0; rep < 4; rep++)
    for (const { q, root } of queries) {
      const t = performance.now();
      const r = await st.rankText({ query: q, limit: 60, offset: 0, looseBelow: 60, pathPrefix: root });
      if (!r.chunks) await st.chunksByIds(r.ids);
      if (rep > 0) times.push(performance.now() - t);
    }
  times.sort((a, b) => a - b);
  out[name] = { p50: times[Math.floor(times.length * 0.5)].toFixed(2), p95: times[Math.floor(times.length * 0.95)].toFixed(2) };
}
console.log(JSON.stringify(out), 'ratio p50', (out.pg.p50 / out.sqlite.p50).toFixed(2), 'p95', (out.pg.p95 / out.sqlite.p95).toFixed(2));
for (const st of Object.values(stores)) await st.close();
if (process.env.KEEP) console.log('kept', db); else await admin.query(`DROP DATABASE ${db} WITH (FORCE)`);
await admin.end();
