import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import { createExtractor } from '../../src/indexer/index.js';
import { SourceShipper } from '../../src/queue/ship-sources.js';
import { SourceBlobs } from '../../src/queue/source-blobs.js';
import { openIndexStore } from '../../src/store/index.js';
import type { IndexStore } from '../../src/store/types.js';
import { indexFiles } from '../../workers/processors/index-files.js';
import { deletePrefix, testRedisUrl } from '../helpers/env.js';

const A_PY = 'class Greeter:\n    def greet(self, name):\n        return f"hello {name}"\n';
const B_TS = 'export function add(a: number, b: number): number {\n  return a + b;\n}\n';

describe('sources shipped through Redis', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'ci-ship-'));
  const root = join(tmp, 'repo');
  const prefix = `test-ship-${randomUUID().slice(0, 8)}`;
  const redis = new Redis(testRedisUrl(), { maxRetriesPerRequest: 3 });
  const blobs = new SourceBlobs(redis, prefix, 3600);
  const extractor = createExtractor();
  const stores: IndexStore[] = [];
  const paths = [
    'a.py',
    'copy_of_a.py',
    'b.ts',
    'binary.py',
    'latin1.py',
    'big.py',
    'outside.py',
    'dangling.py',
    'missing.py',
  ];
  const openStore = (name: string) => {
    const s = openIndexStore(join(tmp, `${name}.db`));
    stores.push(s);
    return s;
  };
  const deps = (store: IndexStore) => ({ store, extractor, maxFileBytes: 2000 });

  before(() => {
    mkdirSync(root);
    writeFileSync(join(root, 'a.py'), A_PY);
    writeFileSync(join(root, 'copy_of_a.py'), A_PY);
    writeFileSync(join(root, 'b.ts'), B_TS);
    writeFileSync(join(root, 'binary.py'), Buffer.from([0x70, 0x00, 0x71]));
    writeFileSync(join(root, 'latin1.py'), Buffer.from('x = "caf\xe9"\n', 'latin1'));
    writeFileSync(join(root, 'big.py'), `x = 1\n${'#'.repeat(3000)}\n`);
    writeFileSync(join(tmp, 'secret.py'), 'password = 1\n');
    symlinkSync(join(tmp, 'secret.py'), join(root, 'outside.py'));
    symlinkSync(join(root, 'nowhere.py'), join(root, 'dangling.py'));
  });
  after(async () => {
    for (const s of stores) await s.close();
    await deletePrefix(testRedisUrl(), prefix);
    redis.disconnect();
    rmSync(tmp, { recursive: true, force: true });
  });

  test('each path records what a worker reading the disk would find; each content is sent once', async () => {
    const shipper = new SourceShipper({ maxFileBytes: 2000, extraExcludes: [] }, blobs, () => null);
    const first = await shipper.shipFiles(root, paths, false);
    assert.equal(first.files, paths.length);
    // a.py and its copy share one blob; b.ts is the other.
    assert.equal(first.blobs, 2);
    assert.equal(first.bytesShipped, Buffer.byteLength(A_PY) + Buffer.byteLength(B_TS));
    const sources = await blobs.getSources(root, paths);
    const kind = (p: string) => {
      const s = sources.get(p);
      if (!s) return 'absent';
      if ('gone' in s) return 'gone';
      if ('skip' in s) return `skip:${s.skip}`;
      return 'content';
    };
    assert.deepEqual(Object.fromEntries(paths.map((p) => [p, kind(p)])), {
      'a.py': 'content',
      'copy_of_a.py': 'content',
      'b.ts': 'content',
      'binary.py': 'skip:binary',
      'latin1.py': 'skip:invalid_utf8',
      'big.py': 'skip:too_large',
      'outside.py': 'skip:symlink_outside_root',
      'dangling.py': 'skip:dangling_symlink',
      'missing.py': 'gone',
    });
    const again = await shipper.shipFiles(root, paths, false);
    assert.equal(again.blobs, 0);
    assert.equal(again.bytesShipped, 0);
  });

  test('a worker indexes shipped files without the tree, exactly as it indexes them from disk', async () => {
    const direct = openStore('direct');
    const fromDisk = await indexFiles(root, paths, deps(direct), { force: false });
    const shipper = new SourceShipper({ maxFileBytes: 2000, extraExcludes: [] }, blobs, () => null);
    await shipper.shipFiles(root, paths, false);
    const shipped = openStore('shipped');
    // The worker's side: the tree is not there.
    renameSync(root, `${root}.away`);
    try {
      const viaRedis = await indexFiles(root, paths, deps(shipped), { force: false, shipped: blobs });
      assert.deepEqual(viaRedis, fromDisk);
      assert.equal(viaRedis.indexed, 3);
      assert.deepEqual(await shipped.getFileStates(root), await direct.getFileStates(root));
      for (const f of ['a.py', 'b.ts'])
        assert.deepEqual(await shipped.fileOutline(join(root, f)), await direct.fileOutline(join(root, f)));
      assert.ok(((await shipped.fileOutline(join(root, 'a.py'))) ?? []).some((s) => s.name === 'greet'));

      // Content the index already holds is neither shipped nor fetched again.
      await deletePrefix(testRedisUrl(), `${prefix}:ci:blob`);
      renameSync(`${root}.away`, root);
      const withIndex = new SourceShipper({ maxFileBytes: 2000, extraExcludes: [] }, blobs, () => shipped);
      const stats = await withIndex.shipFiles(root, paths, false);
      assert.equal(stats.blobs, 0);
      renameSync(root, `${root}.away`);
      const second = await indexFiles(root, paths, deps(shipped), { force: false, shipped: blobs });
      assert.equal(second.unchanged, 3);
      assert.equal(second.failed, 0);
    } finally {
      renameSync(`${root}.away`, root);
    }
  });

  test('content that left Redis fails its file with one line that says what to do', async () => {
    const store = openStore('expired');
    const shipper = new SourceShipper({ maxFileBytes: 2000, extraExcludes: [] }, blobs, () => null);
    await shipper.shipFiles(root, ['a.py', 'b.ts'], true);
    await deletePrefix(testRedisUrl(), `${prefix}:ci:blob`);
    const res = await indexFiles(root, ['a.py', 'b.ts'], deps(store), { force: true, shipped: blobs });
    assert.equal(res.failed, 2);
    assert.equal(res.indexed, 0);
    const msg = res.failedFiles[0]?.error ?? '';
    assert.match(
      msg,
      /expired from Redis before a worker read it \(kept 3600s, CODEINDEX_BLOB_TTL_SECONDS\): index the root again/,
    );
    assert.equal(msg.includes('\n'), false);
  });

  test('a removed directory marks every shipped path under it gone, and a waiting batch removes them', async () => {
    const r = join(tmp, 'dirs-root');
    const files = ['pkg/x.py', 'pkg/sub/y.py', 'pkgother.py', 'p[k]g*/z.py', 'keep/w.py'];
    for (const f of files) {
      mkdirSync(join(r, f, '..'), { recursive: true });
      writeFileSync(join(r, f), `def f_${f.replace(/[^a-z]/g, '_')}():\n    return 1\n`);
    }
    const store = openStore('dirs');
    const shipper = new SourceShipper({ maxFileBytes: 2000, extraExcludes: [] }, blobs, () => null);
    await shipper.shipFiles(r, files, false);
    const first = await indexFiles(r, files, deps(store), { force: false, shipped: blobs });
    assert.equal(first.indexed, files.length);

    // The same files shipped again for a batch that has not run when the directories go.
    for (const f of files) writeFileSync(join(r, f), `def changed():\n    return 2\n`);
    await shipper.shipFiles(r, files, false);
    assert.deepEqual((await blobs.pathsUnder(r, 'pkg')).sort(), ['pkg/sub/y.py', 'pkg/x.py']);
    assert.deepEqual(await blobs.pathsUnder(r, 'p[k]g*/'), ['p[k]g*/z.py']);
    assert.deepEqual((await blobs.pathsUnder(r, '')).sort(), [...files].sort());
    await shipper.markGone(r, [], ['pkg', 'p[k]g*']);
    const entries = await blobs.getSources(r, files);
    const gone = files.filter((f) => {
      const e = entries.get(f);
      return e !== undefined && 'gone' in e;
    });
    assert.deepEqual(gone.sort(), ['p[k]g*/z.py', 'pkg/sub/y.py', 'pkg/x.py']);

    // The worker runs the waiting batch: files under the removed directories leave the index.
    const second = await indexFiles(r, files, deps(store), { force: false, shipped: blobs });
    assert.equal(second.indexed, 2);
    const states = await store.getFileStates(r);
    assert.deepEqual([...states.keys()].sort(), ['keep/w.py', 'pkgother.py']);
  });

  test('a blob whose bytes do not hash to its name is never used', async () => {
    const shipper = new SourceShipper({ maxFileBytes: 2000, extraExcludes: [] }, blobs, () => null);
    await shipper.shipFiles(root, ['b.ts'], true);
    const entry = (await blobs.getSources(root, ['b.ts'])).get('b.ts');
    assert.ok(entry && 'sha256' in entry);
    assert.equal((await blobs.getBlobs([entry.sha256])).size, 1);
    await redis.set(`${prefix}:ci:blob:${entry.sha256}`, 'export const tampered = 1;\n');
    assert.equal((await blobs.getBlobs([entry.sha256])).size, 0);
  });

  test("a path's entry never goes back in time", async () => {
    const r = join(tmp, 'other-root');
    const sha = 'a'.repeat(64);
    await blobs.putSources(r, [{ path: 'x.py', source: { seen: 2000, size: 1, mtimeMs: 1, sha256: sha } }]);
    await blobs.putSources(r, [{ path: 'x.py', source: { seen: 1000, gone: true } }]);
    assert.deepEqual((await blobs.getSources(r, ['x.py'])).get('x.py'), {
      seen: 2000,
      size: 1,
      mtimeMs: 1,
      sha256: sha,
    });
    await blobs.putSources(r, [{ path: 'x.py', source: { seen: 3000, gone: true } }]);
    assert.deepEqual((await blobs.getSources(r, ['x.py'])).get('x.py'), { seen: 3000, gone: true });
  });

  test('a manifest is read back only when its hash matches', async () => {
    const m = {
      root,
      files: [{ path: 'a.py', size: 3, mtimeMs: 4, shipped: true }],
      skipped: [{ path: 'big.py', reason: 'too_large' as const, size: 9000, mtimeMs: 1 }],
      skippedCounts: { too_large: 1 },
      dirsIgnored: 2,
    };
    const ref = await blobs.putManifest(m);
    assert.deepEqual(await blobs.getManifest(ref), m);
    assert.match(
      String(await blobs.getManifest({ ...ref, sha256: 'f'.repeat(64) })),
      /does not match its hash: index the repository again/,
    );
    await blobs.dropManifest(ref);
    assert.match(String(await blobs.getManifest(ref)), /expired from Redis before a worker took it/);
  });
});
