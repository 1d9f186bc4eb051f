import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import Database from 'better-sqlite3';
import { openIndexStore } from '../../src/store/index.js';
import { chunk, indexed, sym, tempDir } from './helpers/fixtures.js';

const tmp = tempDir();
after(tmp.cleanup);
const DAY = 86_400_000;

test('cleanup: dry run reports, real run removes stale roots and vanished files', async () => {
  let clock = 100 * DAY;
  const store = openIndexStore(join(tmp.dir, 'cleanup.db'), { now: () => clock });
  const live = join(tmp.dir, 'live');
  const old = join(tmp.dir, 'old');
  const gone = join(tmp.dir, 'gone');
  mkdirSync(join(live, 'src'), { recursive: true });
  mkdirSync(old);
  writeFileSync(join(live, 'src', 'kept.ts'), 'export const kept = 1;\n');

  await store.writeBatch(old, [
    indexed('a.ts', { symbols: [sym('oldThing')], chunks: [chunk('old thing')] }),
  ]);
  await store.completeGeneration(old);
  await store.upsertVectors('m', 2, [{ hash: chunk('old thing').hash, vector: new Float32Array([1, 0]) }]);
  clock += 20 * DAY;
  await store.writeBatch(live, [
    indexed('src/kept.ts', { symbols: [sym('kept')] }),
    indexed('src/deleted.ts', { symbols: [sym('deletedThing')] }),
  ]);
  await store.writeBatch(gone, [indexed('x.ts')]);
  clock += 1 * DAY;

  const dry = await store.cleanup({ days: 10, dryRun: true });
  assert.deepEqual(dry.deletedRoots.sort(), [gone, old].sort());
  assert.equal(dry.deletedFiles, 1);
  assert.equal(dry.cutoffDate, new Date(clock - 10 * DAY).toISOString());
  assert.equal((await store.listRoots()).length, 3, 'dry run deletes nothing');
  assert.equal((await store.searchSymbols({ query: 'deletedThing', limit: 5 })).hits.length, 1);

  // A query keeps a root alive.
  await store.touchQueried(old);
  const kept = await store.cleanup({ days: 10, dryRun: true });
  assert.deepEqual(kept.deletedRoots, [gone]);

  const real = await store.cleanup({ days: 10, dryRun: false, now: clock + 30 * DAY });
  assert.deepEqual(real.deletedRoots.sort(), [gone, live, old].sort());
  assert.equal(real.prunedVectors, 1);
  assert.deepEqual(await store.listRoots(), []);
  await store.close();
});

test('cleanup keeps recent roots and removes only missing files', async () => {
  const store = openIndexStore(join(tmp.dir, 'cleanup2.db'));
  const root = join(tmp.dir, 'r2');
  mkdirSync(root);
  writeFileSync(join(root, 'here.ts'), '');
  await store.writeBatch(root, [
    indexed('here.ts', { symbols: [sym('here')] }),
    indexed('gone.ts', { symbols: [sym('gone')] }),
  ]);
  const r = await store.cleanup({ days: 30, dryRun: false });
  assert.deepEqual(r.deletedRoots, []);
  assert.equal(r.deletedFiles, 1);
  assert.deepEqual([...(await store.getFileStates(root)).keys()], ['here.ts']);
  assert.equal((await store.searchSymbols({ query: 'gone', limit: 5 })).hits.length, 0);
  assert.equal((await store.searchSymbols({ query: 'here', limit: 5 })).hits.length, 1);
  await assert.rejects(() => store.cleanup({ days: -1, dryRun: true }), /days/);
  await store.close();
});

test('optimize merges the full-text index left in pieces by many batches; search still finds every chunk', async () => {
  const store = openIndexStore(join(tmp.dir, 'fts-merge.db'));
  try {
    // One batch per file: each commit leaves the FTS index a segment of its own.
    for (let i = 0; i < 40; i++) {
      await store.writeBatch('/fts', [
        indexed(`src/f${i}.ts`, { chunks: [chunk(`function retryBackoff${i}() {}`, 1)] }),
      ]);
    }
    const raw = new Database(join(tmp.dir, 'fts-merge.db'), { readonly: true });
    const dataRows = () =>
      (raw.prepare('SELECT count(*) AS n FROM chunks_fts_data').get() as { n: number }).n;
    const before = dataRows();
    await store.optimize();
    const after = dataRows();
    raw.close();
    assert.ok(after * 3 <= before, `${before} -> ${after} rows in chunks_fts_data`);
    assert.equal((await store.searchText({ query: 'retry backoff', limit: 50 })).hits.length, 40);
  } finally {
    await store.close();
  }
});

test('optimize: VACUUM only when much of the file is free; the data survives', async () => {
  const store = openIndexStore(join(tmp.dir, 'optimize.db'));
  try {
    const big = 'x'.repeat(2000);
    const files = Array.from({ length: 300 }, (_, i) =>
      indexed(`src/f${i}.ts`, { chunks: [chunk(`${big}\nconst v${i} = ${i};`, 1)] }),
    );
    await store.writeBatch('/opt', files);
    const first = await store.optimize();
    assert.equal(first.vacuumed, false, 'a full file is not vacuumed');
    assert.ok(first.pages > 0);
    await store.removeFiles(
      '/opt',
      files.slice(0, 280).map((f) => f.path),
    );
    // The upkeep after an indexing run leaves VACUUM to the nightly cleanup.
    const noVacuum = await store.optimize({ vacuum: false });
    assert.ok(noVacuum.freePages / noVacuum.pages >= 0.25, JSON.stringify(noVacuum));
    assert.equal(noVacuum.vacuumed, false);
    const second = await store.optimize();
    assert.ok(second.freePages > 0);
    assert.equal(second.vacuumed, true, JSON.stringify(second));
    const third = await store.optimize();
    assert.equal(third.freePages, 0, 'VACUUM returned the free pages');
    assert.equal((await store.rootStatus('/opt'))[0]?.files.indexed, 20);
  } finally {
    await store.close();
  }
});
