import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Client } from 'pg';
import { createBenchDatabase, PG_BENCH_ADMIN_URL, type PgObserved, pgObserver } from '../../bench/lib/pg.js';

async function serverAnswers(): Promise<boolean> {
  const c = new Client({ connectionString: PG_BENCH_ADMIN_URL, connectionTimeoutMillis: 3000 });
  try {
    await c.connect();
    return true;
  } catch {
    return false;
  } finally {
    await c.end().catch(() => {});
  }
}

const skip = !process.env.CI && !(await serverAnswers()) ? 'no PostgreSQL at the bench URL' : false;

test('bench pg: a database of its own, the CPU and states of its backends, then dropped', {
  skip,
}, async () => {
  const db = await createBenchDatabase();
  let dropped = false;
  try {
    const work = new Client({ connectionString: db.url });
    await work.connect();
    try {
      const observer = await pgObserver(db.name, 10)();
      // About 300 ms of CPU in the backend, then 300 ms asleep inside a transaction.
      await work.query("SELECT count(*) FROM generate_series(1, 3000000) AS g WHERE md5(g::text) LIKE '0%'");
      await work.query('BEGIN');
      await new Promise((r) => setTimeout(r, 300));
      await work.query('COMMIT');
      const o = (await observer.stop()) as unknown as PgObserved;
      assert.equal(o.backends, 1, JSON.stringify(o));
      assert.ok(o.samples >= 10, JSON.stringify(o));
      assert.ok(o.backendCpuMs !== null && o.backendCpuMs >= 100, JSON.stringify(o));
      assert.ok((o.stateSeconds.active ?? 0) >= 0.05, JSON.stringify(o));
      assert.ok((o.stateSeconds['idle in transaction'] ?? 0) >= 0.1, JSON.stringify(o));
    } finally {
      await work.end();
    }
    await db.drop();
    dropped = true;
    const admin = new Client({ connectionString: PG_BENCH_ADMIN_URL });
    await admin.connect();
    try {
      const left = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [db.name]);
      assert.equal(left.rowCount, 0);
    } finally {
      await admin.end();
    }
  } finally {
    if (!dropped) await db.drop();
  }
});
