import assert from 'node:assert/strict';
import { mkdtempSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { createLogger } from '../../src/log.js';
import { ChangeCoalescer, type ChangePlan } from '../../src/watch/coalescer.js';
import { RootWatcher } from '../../src/watch/root-watcher.js';
import { eventually, put } from './helpers.js';

const log = createLogger('test', 'silent');

describe('RootWatcher (real chokidar, in process)', () => {
  const dirs: string[] = [];
  after(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  test('start reads the index once, however many directories the tree has (no sweep per directory)', async () => {
    const root = mkdtempSync(join(tmpdir(), 'ci-watch-'));
    dirs.push(root);
    for (let i = 0; i < 60; i++) put(root, `pkg${i}/sub/f.ts`, `export const f${i} = ${i};\n`);
    let reads = 0;
    const plans: ChangePlan[] = [];
    const w = new RootWatcher({
      root,
      extraExcludes: [],
      batchSize: 200,
      log,
      timing: { sweepDelayMs: 10 },
      submit: async (p) => void plans.push(p),
      indexedFiles: async () => {
        reads++;
        return new Map();
      },
    });
    await w.start();
    // Well past the sweep delay: a sweep per directory of the initial scan would read it 120 times.
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(reads, 1);
    // A directory created after the start is still swept.
    put(root, 'later/deep/g.ts', 'export const g = 1;\n');
    await eventually(
      "the new directory's file",
      async () => plans.some((p) => [...p.files, ...p.batches.flat()].includes('later/deep/g.ts')),
      5000,
    );
    await w.close();
  });

  test('a root deleted or renamed is reported gone, and watched again once a directory is back', async () => {
    // Its watch died with it, and saves in a directory made again at its path were never indexed,
    // while index_status said "watching".
    const base = mkdtempSync(join(tmpdir(), 'ci-watch-'));
    dirs.push(base);
    const root = join(base, 'proj');
    put(root, 'src/a.ts', 'export const a = 1;\n');
    const plans: ChangePlan[] = [];
    const warnings: string[] = [];
    const w = new RootWatcher({
      root,
      extraExcludes: [],
      batchSize: 200,
      log: { ...log, warn: (m: string) => warnings.push(m), child: () => log },
      timing: { pollIntervalMs: 100 },
      submit: async (p) => void plans.push(p),
      indexedFiles: async () => new Map(),
    });
    const queued = (rel: string) => plans.some((p) => [...p.files, ...p.batches.flat()].includes(rel));
    await w.start();
    try {
      for (const [how, goAway] of [
        ['deleted', () => rmSync(root, { recursive: true, force: true })],
        ['renamed', () => renameSync(root, `${root}-old`)],
      ] as const) {
        goAway();
        await eventually(`the ${how} root reported gone`, async () => w.gone);
        assert.match(
          w.warning ?? '',
          /is gone \(deleted or renamed\): not watched until a directory is back/,
        );
        assert.equal(warnings.filter((m) => m.includes('is gone')).length, how === 'deleted' ? 1 : 2);
        put(root, `back-${how}/b.ts`, 'export const b = 1;\n');
        await eventually(`the ${how} root watched again`, async () => !w.gone);
        assert.equal(w.warning, undefined);
        // What the directory holds when it comes back is caught up, and later saves are seen.
        await eventually(`back-${how}/b.ts queued`, async () => queued(`back-${how}/b.ts`), 5000);
        put(root, `back-${how}/c.ts`, 'export const c = 1;\n');
        await eventually(
          `a save after the ${how} root came back`,
          async () => queued(`back-${how}/c.ts`),
          5000,
        );
      }
    } finally {
      await w.close();
    }
  });

  test('the watch limit (ENOSPC) switches the root to polling, which still sees saves', async () => {
    const root = mkdtempSync(join(tmpdir(), 'ci-watch-'));
    dirs.push(root);
    put(root, 'src/a.ts', 'export const a = 1;\n');
    const plans: ChangePlan[] = [];
    const warnings: string[] = [];
    const w = new RootWatcher({
      root,
      extraExcludes: [],
      batchSize: 200,
      log: { ...log, warn: (m: string) => warnings.push(m), child: () => log },
      timing: { pollIntervalMs: 100 },
      submit: async (p) => void plans.push(p),
      indexedFiles: async () => null,
    });
    await w.start();
    assert.equal(w.mode, 'native');
    const err = Object.assign(new Error('ENOSPC: System limit for number of file watchers reached'), {
      code: 'ENOSPC',
    });
    w.handleError(err);
    w.handleError(err);
    assert.equal(w.mode, 'polling');
    assert.match(w.warning ?? '', /fs\.inotify\.max_user_watches=524288/);
    assert.equal(warnings.length, 1, 'one warning, however many errors');
    // Give the polling watcher its first scan, then save.
    await new Promise((r) => setTimeout(r, 300));
    put(root, 'src/a.ts', 'export const a = 2;\nexport const b = 3;\n');
    await eventually(
      'the save seen by polling',
      async () => plans.some((p) => p.files.includes('src/a.ts')),
      5000,
    );
    await w.close();
  });

  test('after a storm drains, the tree is reconciled with the index (events the kernel dropped)', async () => {
    const { statSync } = await import('node:fs');
    const root = mkdtempSync(join(tmpdir(), 'ci-watch-'));
    dirs.push(root);
    put(root, 'quiet.ts', 'export const quiet = 1;\n');
    const st = statSync(join(root, 'quiet.ts'));
    // What the index holds; `quiet.ts` is current at start, so the catch-up queues nothing.
    const index = new Map([
      ['quiet.ts', { size: st.size, mtimeMs: st.mtimeMs, sha256: null, status: 'indexed' as const }],
    ]);
    const plans: ChangePlan[] = [];
    let pending = 0;
    const w = new RootWatcher({
      root,
      extraExcludes: [],
      batchSize: 200,
      log,
      timing: { reconcileDelayMs: 100 },
      submit: async (p) => void plans.push(p),
      indexedFiles: async () => index,
      pendingJobs: () => pending,
    });
    await w.start();
    assert.equal(plans.length, 0);
    // The index falls behind without any event for quiet.ts (as if its event had been dropped),
    // while a storm happens elsewhere and its jobs are still running.
    index.set('quiet.ts', { ...index.get('quiet.ts')!, mtimeMs: st.mtimeMs - 5000 });
    pending = 80;
    for (let i = 0; i < 80; i++) put(root, `storm/f${i}.ts`, `export const f${i} = ${i};\n`);
    await eventually('the storm batches', async () => plans.some((p) => p.batches.flat().length > 0), 10_000);
    await new Promise((r) => setTimeout(r, 400));
    const queuedQuiet = () => plans.some((p) => [...p.files, ...p.batches.flat()].includes('quiet.ts'));
    assert.equal(queuedQuiet(), false, 'no reconcile while the storm jobs run');
    pending = 0;
    await eventually('the reconcile to queue the missed file', async () => queuedQuiet(), 5000);
    await w.close();
  });

  test('catch-up on start: files changed or deleted while nobody watched are queued', async () => {
    const root = mkdtempSync(join(tmpdir(), 'ci-watch-'));
    dirs.push(root);
    put(root, 'same.ts', 'export const same = 1;\n');
    put(root, 'changed.ts', 'export const changed = 1;\n');
    const { statSync } = await import('node:fs');
    const s = statSync(join(root, 'same.ts'));
    const indexed = new Map([
      ['same.ts', { size: s.size, mtimeMs: s.mtimeMs, sha256: null, status: 'indexed' as const }],
      ['changed.ts', { size: 1, mtimeMs: 1, sha256: null, status: 'indexed' as const }],
      ['deleted.ts', { size: 1, mtimeMs: 1, sha256: null, status: 'indexed' as const }],
    ]);
    const plans: ChangePlan[] = [];
    const w = new RootWatcher({
      root,
      extraExcludes: [],
      batchSize: 200,
      log,
      submit: async (p) => void plans.push(p),
      indexedFiles: async () => indexed as never,
    });
    await w.start();
    await eventually('the catch-up plan', async () => plans.length > 0, 5000);
    await w.close();
    assert.deepEqual(
      plans.flatMap((p) => p.files),
      ['changed.ts'],
    );
    assert.deepEqual(
      plans.flatMap((p) => p.removePaths),
      ['deleted.ts'],
    );
  });
});

describe('RootWatcher and ignore files', () => {
  const dirs: string[] = [];
  after(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  /** A watched root with a .gitignore, indexed and current, so the start queues nothing. */
  async function indexedRoot() {
    const { statSync } = await import('node:fs');
    const root = mkdtempSync(join(tmpdir(), 'ci-watch-'));
    dirs.push(root);
    put(root, '.gitignore', 'gen/\n');
    put(root, 'src/a.ts', 'export const a = 1;\n');
    put(root, 'gen/out.ts', 'export const out = 1;\n');
    const st = statSync(join(root, 'src/a.ts'));
    const indexed = new Map([
      ['src/a.ts', { size: st.size, mtimeMs: st.mtimeMs, sha256: null, status: 'indexed' as const }],
    ]);
    const plans: ChangePlan[] = [];
    const w = new RootWatcher({
      root,
      extraExcludes: [],
      batchSize: 200,
      log,
      timing: { rulesSettleMs: 20 },
      submit: async (p) => void plans.push(p),
      indexedFiles: async () => indexed as never,
    });
    await w.start();
    return { root, w, plans };
  }

  const quiet = (ms: number) => new Promise((r) => setTimeout(r, ms));

  test('starting on an indexed root reads the tree once: the initial .gitignore is no rules change', async () => {
    const { w, plans } = await indexedRoot();
    // Long enough for many settle-and-reopen rounds if the initial add counted as a change.
    await quiet(1500);
    assert.equal(w.treeReads, 1, `the tree was read ${w.treeReads} times while nothing changed`);
    assert.deepEqual(plans, []);
    await w.close();
  });

  test('a .gitignore saved with the same content is no rules change; a real edit re-reads once', async () => {
    const { root, w, plans } = await indexedRoot();
    put(root, '.gitignore', 'gen/\n');
    await quiet(600);
    assert.equal(w.treeReads, 1, 'same bytes rewritten: no re-read');
    put(root, '.gitignore', '# nothing ignored now\n');
    await eventually('the re-read with the new rules', async () => w.treeReads >= 2, 5000);
    await eventually(
      'gen/out.ts queued once it is no longer ignored',
      async () => plans.some((p) => [...p.files, ...p.batches.flat()].includes('gen/out.ts')),
      5000,
    );
    await quiet(600);
    assert.equal(w.treeReads, 2, `one edit, ${w.treeReads - 1} re-reads`);
    await w.close();
  });
});

describe('ChangeCoalescer', () => {
  const make = (plans: ChangePlan[], indexed: string[] = []) =>
    new ChangeCoalescer({
      root: '/nonexistent',
      windowMs: 10,
      stormThreshold: 50,
      stormQuietMs: 50,
      stormMaxWaitMs: 500,
      batchSize: 100,
      recheckMs: 0,
      submit: async (p) => void plans.push(p),
      indexedUnder: async (d) => indexed.filter((p) => p.startsWith(`${d}/`)),
    });

  test('a few events become single-file jobs; the last event per path wins', async () => {
    const plans: ChangePlan[] = [];
    const c = make(plans);
    c.noteIndex('a.ts');
    c.noteIndex('b.ts');
    c.noteRemove('b.ts');
    c.noteRemove('c.ts');
    c.noteIndex('c.ts');
    await eventually('a flush', async () => plans.length === 1);
    assert.deepEqual(plans[0], {
      files: ['a.ts', 'c.ts'],
      batches: [],
      removePaths: ['b.ts'],
      removeDirs: [],
    });
    c.close();
  });

  test('a storm becomes full batches; a re-populated removed folder keeps its new files', async () => {
    const plans: ChangePlan[] = [];
    const c = make(plans, ['gone/x.ts', 'gone/y.ts', 'gone/z.ts']);
    c.noteRemoveDir('gone');
    for (let i = 0; i < 1050; i++) c.noteIndex(`f${i}.ts`);
    c.noteIndex('gone/y.ts');
    await eventually('the storm to settle', async () => !c.inStorm && c.size === 0 && plans.length > 0);
    const batches = plans.flatMap((p) => p.batches);
    assert.ok(batches.length <= 12, `${batches.length} batches`);
    assert.ok(batches.every((b) => b.length <= 100));
    assert.equal(new Set(batches.flat()).size, 1051);
    assert.deepEqual(
      plans.flatMap((p) => p.files),
      [],
    );
    assert.deepEqual(
      plans.flatMap((p) => p.removeDirs),
      [],
    );
    assert.deepEqual(plans.flatMap((p) => p.removePaths).sort(), ['gone/x.ts', 'gone/z.ts']);
    c.close();
  });

  test('a storm that trickles in (each window under the threshold) still turns into batches', async () => {
    const plans: ChangePlan[] = [];
    const c = make(plans);
    // 20 paths every 15 ms: every 10 ms window holds fewer than the threshold of 50.
    for (let g = 0; g < 25; g++) {
      for (let i = 0; i < 20; i++) c.noteIndex(`t${g * 20 + i}.ts`);
      await new Promise((r) => setTimeout(r, 15));
    }
    await eventually('the storm to settle', async () => !c.inStorm && c.size === 0 && plans.length > 0);
    const singles = plans.flatMap((p) => p.files);
    const batched = plans.flatMap((p) => p.batches.flat());
    assert.ok(singles.length <= 50 + 20, `${singles.length} single-file jobs`);
    assert.ok(batched.length >= 500 - 70, `${batched.length} batched paths`);
    assert.equal(new Set([...singles, ...batched]).size, 500);
    assert.equal(singles.length + batched.length, 500);
    c.close();
  });

  test('a slow, long storm has its files indexed while it goes on, not only at its end', async () => {
    const plans: ChangePlan[] = [];
    const c = new ChangeCoalescer({
      root: '/nonexistent',
      windowMs: 10,
      stormThreshold: 50,
      stormQuietMs: 250,
      stormMaxWaitMs: 300,
      batchSize: 100,
      recheckMs: 0,
      submit: async (p) => void plans.push(p),
      indexedUnder: async () => [],
    });
    // 60 new paths at once (a storm), then one more every 25 ms: never quiet, and far from a
    // full batch of 100 when the first flushes come.
    for (let i = 0; i < 60; i++) c.noteIndex(`s${i}.ts`);
    const t0 = Date.now();
    let batchedEarly = -1;
    for (let i = 0; Date.now() - t0 < 1200; i++) {
      c.noteIndex(`late${i}.ts`);
      await new Promise((r) => setTimeout(r, 25));
      if (batchedEarly < 0 && Date.now() - t0 >= 700) {
        batchedEarly = plans.flatMap((p) => p.batches.flat()).length;
      }
    }
    await eventually('the storm to settle', async () => !c.inStorm && c.size === 0);
    assert.ok(batchedEarly >= 60, `${batchedEarly} paths batched in the storm's first 700 ms`);
    const all = plans.flatMap((p) => [...p.files, ...p.batches.flat()]);
    assert.equal(new Set(all).size, all.length);
    assert.ok(all.includes('s0.ts') && all.includes('late0.ts'));
    c.close();
  });

  test('saving the same files over and over is no storm, however long it goes on', async () => {
    const plans: ChangePlan[] = [];
    const c = make(plans);
    // 3 files every 15 ms for about 1.5 s: 300 events, one burst, 3 distinct paths.
    for (let round = 0; round < 100; round++) {
      for (const f of ['a.ts', 'b.ts', 'c.ts']) c.noteIndex(f);
      await new Promise((r) => setTimeout(r, 15));
      assert.equal(c.inStorm, false, `in a storm after ${round + 1} rounds`);
    }
    await eventually('a flush', async () => c.size === 0);
    assert.deepEqual(
      plans.flatMap((p) => p.batches),
      [],
    );
    assert.deepEqual([...new Set(plans.flatMap((p) => p.files))].sort(), ['a.ts', 'b.ts', 'c.ts']);
    c.close();
  });

  test('bursts apart from each other are judged on their own', async () => {
    const plans: ChangePlan[] = [];
    const c = make(plans);
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 40; i++) c.noteIndex(`r${round}-${i}.ts`);
      await eventually('a flush', async () => c.size === 0);
      await new Promise((r) => setTimeout(r, 120));
    }
    assert.equal(plans.flatMap((p) => p.files).length, 120);
    assert.deepEqual(
      plans.flatMap((p) => p.batches),
      [],
    );
    c.close();
  });

  test('a failed submit is retried with the same paths', async () => {
    const plans: ChangePlan[] = [];
    let fail = true;
    const c = new ChangeCoalescer({
      root: '/nonexistent',
      windowMs: 5,
      stormThreshold: 50,
      stormQuietMs: 50,
      stormMaxWaitMs: 500,
      batchSize: 100,
      recheckMs: 0,
      retryMs: 20,
      submit: async (p) => {
        if (fail) {
          fail = false;
          throw new Error('redis away');
        }
        plans.push(p);
      },
      indexedUnder: async () => [],
    });
    c.noteIndex('a.ts');
    await eventually('the retry', async () => plans.length === 1);
    assert.deepEqual(plans[0]?.files, ['a.ts']);
    c.close();
  });
});
