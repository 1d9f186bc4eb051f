import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { Pool } from 'pg';
import { listRootsPg } from '../../src/store/pg/roots.js';
import { ROOTS_CHANNEL, RootsCache } from '../../src/store/pg/roots-cache.js';
import { openPgStore, PG_TYPES } from '../../src/store/pg/store.js';
import type { IndexStore, RootRow } from '../../src/store/types.js';
import { waitFor } from '../helpers/wait.js';
import { chunk, indexed, sym } from './helpers/fixtures.js';
import { createTestDatabase, type TestDatabase } from './helpers/pg.js';

// Created before the tests are declared: whether they run depends on it.
const db: TestDatabase | null = await createTestDatabase();

describe('PostgreSQL roots cache (LISTEN codeindex_roots)', {
  skip: db === null ? 'no PostgreSQL at 127.0.0.1:5432 (set CODEINDEX_TEST_PG_URL)' : false,
}, () => {
  const pools: Pool[] = [];
  const stores: IndexStore[] = [];
  const caches: RootsCache[] = [];
  after(async () => {
    await Promise.all(caches.map((c) => c.close()));
    await Promise.all(stores.map((s) => s.close()));
    await Promise.all(pools.map((p) => p.end()));
    await db?.drop();
  });

  /** A writer store (another process, another host: its own pool) that also brings the schema up. */
  async function writer(): Promise<IndexStore> {
    const s = openPgStore(db!.url);
    stores.push(s);
    await s.listRoots();
    return s;
  }

  function cache(opts: { probe?: boolean } = {}): { cache: RootsCache; pool: Pool } {
    const pool = new Pool({ connectionString: db!.url, max: 2, types: PG_TYPES });
    pools.push(pool);
    const c = new RootsCache(
      db!.url,
      () => listRootsPg(pool),
      async (channel, payload) => {
        // Without the probe the listener cannot tell that notifications reach it.
        if (opts.probe !== false) await pool.query('SELECT pg_notify($1, $2)', [channel, payload]);
      },
      5000,
    );
    caches.push(c);
    return { cache: c, pool };
  }

  const paths = (rows: RootRow[]) => rows.map((r) => r.path);
  const file = (name: string) =>
    indexed(name, { chunks: [chunk(`const ${name.replace(/\W/g, '')} = 1;`, 1, null)] });

  it('serves the list without a read until a root changes on another connection, then shows the change', async () => {
    const w = await writer();
    await w.writeBatch('/rc/one', [file('a.ts')]);
    const { cache: c } = cache();
    assert.deepEqual(paths(await c.list()), ['/rc/one']);
    const reads = c.reads;
    for (let i = 0; i < 5; i++) assert.deepEqual(paths(await c.list()), ['/rc/one']);
    assert.equal(c.reads, reads, 'no read while nothing changed');

    // A new root.
    await w.writeBatch('/rc/two', [file('b.ts')]);
    await waitFor('the new root', async () => paths(await c.list()).includes('/rc/two'), 5000);
    assert.ok(c.reads > reads);
    // A write to an existing root bumps its chunks version: the cached row follows.
    const before = (await c.list()).find((r) => r.path === '/rc/one')!.chunksVersion;
    await w.writeBatch('/rc/one', [file('c.ts')]);
    await waitFor(
      'the bumped chunks version',
      async () => (await c.list()).find((r) => r.path === '/rc/one')!.chunksVersion > before,
      5000,
    );
    // A removed root.
    await w.removeRoot('/rc/two');
    await waitFor('the root gone', async () => !paths(await c.list()).includes('/rc/two'), 5000);
    // And what it serves is what the table holds.
    assert.deepEqual(await c.list(), await w.listRoots());
  });

  it('a lost listener drops the list: reads go to the database, changes made meanwhile are seen, and caching resumes', async () => {
    const w = await writer();
    const { cache: c, pool } = cache();
    await c.list();
    const listeners = await pool.query<{ pid: number }>(
      `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND query = $1`,
      [`LISTEN ${ROOTS_CHANNEL}`],
    );
    assert.ok(listeners.rows.length >= 1, 'a listener is connected');
    await pool.query('SELECT pg_terminate_backend(pid) FROM unnest($1::int[]) AS pid', [
      listeners.rows.map((r) => r.pid),
    ]);
    // Written while no listener is connected.
    await w.writeBatch('/rc/three', [file('d.ts')]);
    await waitFor(
      'the root written meanwhile',
      async () => paths(await c.list()).includes('/rc/three'),
      5000,
    );
    const reads = c.reads;
    await c.list();
    await c.list();
    assert.equal(c.reads, reads, 'a new listener works, so the list is kept again');
  });

  it('keeps nothing when notifications do not reach the listener (as behind a transaction pooler)', async () => {
    await writer();
    const { cache: c } = cache({ probe: false });
    await c.list();
    const reads = c.reads;
    await c.list();
    await c.list();
    assert.equal(c.reads, reads + 2, 'every call reads');
  });

  it('a store opened with cacheRoots resolves path scopes from the kept roots and follows a root added, rewritten and removed elsewhere', async () => {
    const w = await writer();
    const cached = openPgStore(db!.url, { readonly: true, cacheRoots: true });
    stores.push(cached);
    const find = (prefix: string, symbol = 'scopedWidget') =>
      Promise.all([
        cached.searchSymbols({ query: symbol, pathPrefix: prefix, limit: 10, offset: 0 }),
        cached.findReferences({ symbol, pathPrefix: prefix, limit: 10, offset: 0 }),
      ]);
    await cached.listRoots();
    await assert.rejects(find('/rc/five'), /not inside an indexed root/);
    const write = (name: string) =>
      w.writeBatch('/rc/five', [
        indexed('w.ts', { symbols: [sym(name, 'class')], chunks: [chunk(`class ${name} {}`, 1, name)] }),
      ]);
    await write('scopedWidget');
    const [symbols] = await waitFor(
      'the new root in scope',
      async () => {
        try {
          return await find('/rc/five');
        } catch {
          return null;
        }
      },
      5000,
    );
    assert.deepEqual(
      symbols.hits.map((h) => h.name),
      ['scopedWidget'],
    );
    await write('renamedWidget');
    await waitFor(
      'the rewritten file',
      async () => (await find('/rc/five', 'renamedWidget'))[0].hits.length === 1,
      5000,
    );
    await w.removeRoot('/rc/five');
    await waitFor(
      'the root out of scope',
      async () => {
        try {
          await find('/rc/five');
          return false;
        } catch {
          return true;
        }
      },
      5000,
    );
  });

  it('new pool connections are set up before their first query (no pg deprecation warning on stderr)', async () => {
    await writer();
    const store = new URL('../../src/store/pg/store.js', import.meta.url).href;
    // Several calls at once open several connections, each given a query straight away.
    const script = `const { openPgStore } = await import(${JSON.stringify(store)});
      const s = openPgStore(${JSON.stringify(db!.url)}, { readonly: true, cacheRoots: true });
      await Promise.all(Array.from({ length: 6 }, () => s.searchSymbols({ query: 'x', limit: 5, offset: 0 })));
      await s.close();
      process.stdout.write('done');`;
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [
      '--input-type=module',
      '-e',
      script,
    ]);
    assert.equal(stdout, 'done');
    assert.doesNotMatch(stderr, /DeprecationWarning|already executing a query/);
  });

  it('closing a store whose listener is connected finishes in a process with nothing else to do', async () => {
    await writer();
    const store = new URL('../../src/store/pg/store.js', import.meta.url).href;
    // The listener's socket is unref'd; close() must still run to its end and return.
    const script = `const { openPgStore } = await import(${JSON.stringify(store)});
      const s = openPgStore(${JSON.stringify(db!.url)}, { readonly: true, cacheRoots: true });
      const roots = await s.listRoots();
      await s.listRoots();
      await s.close();
      process.stdout.write('closed ' + roots.length);`;
    const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script]);
    assert.match(stdout, /^closed [1-9]/);
  });

  it('a store opened with cacheRoots answers listRoots as an uncached one after every kind of change', async () => {
    const w = await writer();
    const cached = openPgStore(db!.url, { readonly: true, cacheRoots: true });
    stores.push(cached);
    const same = async () => {
      await waitFor(
        'the same roots',
        async () => JSON.stringify(await cached.listRoots()) === JSON.stringify(await w.listRoots()),
        5000,
      );
    };
    await same();
    await w.writeBatch('/rc/four', [file('e.ts')]);
    await same();
    await w.completeGeneration('/rc/four');
    await same();
    await cached.touchQueried('/rc/four');
    await same();
    await w.removeRoot('/rc/four');
    await same();
  });
});
