import assert from 'node:assert/strict';
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { DirWatcher } from '../../src/watch/dir-watcher.js';
import { eventually, put } from './helpers.js';

describe('DirWatcher (a watch per directory)', { skip: process.platform !== 'linux' }, () => {
  const dirs: string[] = [];
  after(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  async function started(root: string) {
    const events: [string, string][] = [];
    const sizes = new Map<string, number>();
    const w = new DirWatcher(root, {
      ignored: (abs, kind) => abs.includes('/skip') || (!kind.isDirectory() && !abs.endsWith('.py')),
    });
    w.on('all', (event: string, abs: string, stats?: { size: number }) => {
      const rel = abs.slice(root.length + 1);
      events.push([event, rel]);
      if (stats) sizes.set(rel, stats.size);
    });
    const ready = new Promise<void>((r) => w.once('ready', () => r()));
    w.start();
    await ready;
    return {
      w,
      events,
      sizes,
      has: (e: string, rel: string) => events.some(([a, b]) => a === e && b === rel),
    };
  }

  test('the initial walk reports each file with its stats and watches directories, not files', async () => {
    const root = mkdtempSync(join(tmpdir(), 'ci-dirw-'));
    dirs.push(root);
    for (let i = 0; i < 30; i++) put(root, `pkg/m${i}.py`, `x = ${i}\n`);
    put(root, 'pkg/sub/deep.py', 'y = 1\n');
    put(root, 'pkg/notes.txt', 'ignored\n');
    put(root, 'skip/hidden.py', 'z = 1\n');
    const { w, events, sizes } = await started(root);
    try {
      const adds = events.filter(([e]) => e === 'add').map(([, p]) => p);
      assert.equal(adds.length, 31);
      assert.ok(adds.includes('pkg/sub/deep.py'));
      assert.ok(!adds.some((p) => p.startsWith('skip/') || p.endsWith('.txt')));
      assert.equal(sizes.get('pkg/m1.py'), 6);
      assert.ok(!events.some(([e]) => e === 'addDir'), 'the initial walk reports no directory');
      // root, pkg, pkg/sub: the ignored folder is neither read nor watched.
      assert.equal(w.watchedDirs, 3);
    } finally {
      await w.close();
    }
  });

  test('adds, changes, removals, atomic saves and new and removed directories are reported', async () => {
    const root = mkdtempSync(join(tmpdir(), 'ci-dirw-'));
    dirs.push(root);
    put(root, 'a/one.py', 'a = 1\n');
    put(root, 'a/two.py', 'b = 1\n');
    put(root, 'gone/x.py', 'x = 1\n');
    const s = await started(root);
    try {
      s.events.length = 0;
      put(root, 'a/new.py', 'n = 1\n');
      await eventually('add', async () => s.has('add', 'a/new.py'));
      writeFileSync(join(root, 'a/one.py'), 'a = 2\n');
      await eventually('change', async () => s.has('change', 'a/one.py'));
      rmSync(join(root, 'a/two.py'));
      await eventually('unlink', async () => s.has('unlink', 'a/two.py'));
      // An editor's atomic save: a temporary file renamed over the original.
      writeFileSync(join(root, 'a/.one.py.tmp'), 'a = 3\n');
      renameSync(join(root, 'a/.one.py.tmp'), join(root, 'a/one.py'));
      await eventually('atomic save', async () => s.sizes.get('a/one.py') === 6 && s.events.length > 3);
      put(root, 'b/c/deep.py', 'd = 1\n');
      await eventually('new directory and its file', async () => s.has('add', 'b/c/deep.py'));
      assert.ok(s.has('addDir', 'b'));
      put(root, 'b/c/later.py', 'l = 1\n');
      await eventually('a file in the new directory', async () => s.has('add', 'b/c/later.py'));
      rmSync(join(root, 'gone'), { recursive: true });
      await eventually('unlinkDir', async () => s.has('unlinkDir', 'gone'));
      assert.ok(!s.events.some(([, p]) => p.endsWith('.tmp')), 'ignored names are never reported');
    } finally {
      await s.w.close();
    }
  });
});
