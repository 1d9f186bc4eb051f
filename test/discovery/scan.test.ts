import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createIgnoreMatcher } from '../../src/discovery/ignore-rules.js';
import { scanRepository } from '../../src/discovery/scan.js';
import { isCodeindexError } from '../../src/errors.js';
import { isSupported, makeTempDir, runningAsRoot, writeTree } from './helpers.js';

describe('scanRepository', () => {
  let base: string;
  let root: string;

  before(() => {
    base = makeTempDir();
    root = path.join(base, 'repo');
    writeTree(base, {
      'outside/secret.ts': 'export const secret = 1;\n',
      'outside/dir/o.ts': 'o\n',
      'repo/.gitignore': 'ignored-dir/\n*.tmp.ts\n',
      'repo/.git/info/exclude': 'excluded.ts\n',
      'repo/.git/config': '[core]\n',
      'repo/.codeindexignore': 'fixtures/\n',
      'repo/src/a.ts': 'export const a = 1;\n',
      'repo/src/b.py': 'b = 2\n',
      'repo/src/nested/.gitignore': '*.go\n!keep.go\n',
      'repo/src/nested/drop.go': 'package x\n',
      'repo/src/nested/keep.go': 'package x\n',
      'repo/src/scratch.tmp.ts': 'x\n',
      'repo/src/README.md': '# readme\n',
      'repo/src/data.json': '{}\n',
      'repo/src/empty.ts': '',
      'repo/src/big.ts': 'x'.repeat(5000),
      'repo/excluded.ts': 'x\n',
      'repo/ignored-dir/x.ts': 'x\n',
      'repo/fixtures/f.ts': 'f\n',
      'repo/node_modules/pkg/index.js': 'module.exports = 1;\n',
      'repo/lib/z.rs': 'fn main() {}\n',
      'repo/lib/util.min.js': 'x\n',
    });
    const link = (target: string, at: string): void => fs.symlinkSync(target, path.join(root, at));
    link(path.join(base, 'outside/secret.ts'), 'src/out.ts');
    link(path.join(base, 'outside/dir'), 'src/outdir');
    link(path.join(root, 'src/a.ts'), 'src/dup.ts');
    link('../ignored-dir/x.ts', 'src/via-ignored.ts');
    link(path.join(root, 'nope.ts'), 'src/dangling.ts');
    link(path.join(root, 'nope.md'), 'src/dangling.md');
    link(root, 'src/cycle');
    link('loop-b.ts', 'src/loop-a.ts');
    link('loop-a.ts', 'src/loop-b.ts');
  });
  after(() => fs.rmSync(base, { recursive: true, force: true }));

  const scan = (extra: Partial<Parameters<typeof scanRepository>[1]> = {}) =>
    scanRepository(root, { maxFileBytes: 1000, isSupported, ...extra });

  it('lists supported files, honouring every ignore source, sorted', async () => {
    const result = await scan();
    assert.deepEqual(
      result.files.map((f) => f.path),
      ['lib/z.rs', 'src/a.ts', 'src/b.py', 'src/nested/keep.go', 'src/via-ignored.ts'],
    );
    const a = result.files.find((f) => f.path === 'src/a.ts');
    assert.equal(a?.size, 20);
    assert.equal(a?.mtimeMs, fs.statSync(path.join(root, 'src/a.ts')).mtimeMs);
    // .git, node_modules, ignored-dir, fixtures
    assert.equal(result.dirsIgnored, 4);
  });

  it('reports every skip reason with exact counts', async () => {
    const result = await scan();
    const listed = Object.fromEntries(result.skipped.map((s) => [s.path, s.reason]));
    assert.deepEqual(listed, {
      'src/big.ts': 'too_large',
      'src/dangling.ts': 'dangling_symlink',
      'src/dup.ts': 'ignored',
      'src/empty.ts': 'empty',
      'src/loop-a.ts': 'dangling_symlink',
      'src/loop-b.ts': 'dangling_symlink',
      'src/out.ts': 'symlink_outside_root',
    });
    assert.match(
      result.skipped.find((s) => s.path === 'src/dup.ts')?.detail ?? '',
      /duplicate of src\/a\.ts/,
    );
    assert.equal(result.skipped.find((s) => s.path === 'src/big.ts')?.size, 5000);
    assert.deepEqual(result.skippedCounts, {
      too_large: 1,
      binary: 0,
      invalid_utf8: 0,
      empty: 1,
      // README.md, data.json, dangling.md, .gitignore x2, .codeindexignore
      unsupported_language: 6,
      symlink_outside_root: 1,
      dangling_symlink: 3,
      // scratch.tmp.ts, excluded.ts, drop.go, util.min.js (rule-ignored, not listed) + dup.ts
      ignored: 5,
      unreadable: 0,
      minified: 0,
    });
    // src/cycle (-> root) and src/outdir (-> outside) are not followed.
    assert.equal(result.symlinkedDirs, 2);
  });

  it('lists unsupported files on request', async () => {
    const result = await scan({ listUnsupported: true });
    const unsupported = result.skipped.filter((s) => s.reason === 'unsupported_language').map((s) => s.path);
    assert.deepEqual(unsupported, [
      '.codeindexignore',
      '.gitignore',
      'src/README.md',
      'src/dangling.md',
      'src/data.json',
      'src/nested/.gitignore',
    ]);
  });

  it('is deterministic', async () => {
    const [first, second] = [await scan(), await scan()];
    assert.deepEqual(first, second);
  });

  it('honours extra excludes and can disable the defaults', async () => {
    const result = await scan({ extraExcludes: ['lib/'], useDefaultExcludes: false });
    const paths = result.files.map((f) => f.path);
    assert.ok(paths.includes('node_modules/pkg/index.js'));
    assert.ok(!paths.includes('lib/z.rs'));
    assert.ok(!paths.some((p) => p.startsWith('.git/')), '.git is excluded regardless');
  });

  it('accepts a shared matcher', async () => {
    const matcher = createIgnoreMatcher(root, { extraExcludes: ['src/'] });
    const result = await scan({ matcher });
    assert.deepEqual(
      result.files.map((f) => f.path),
      ['lib/z.rs'],
    );
  });

  it('stops when the signal aborts', async () => {
    await assert.rejects(scan({ signal: AbortSignal.abort() }), { name: 'AbortError' });
    const controller = new AbortController();
    const pending = scan({ signal: controller.signal });
    controller.abort(new Error('cancelled by user'));
    // Either it finished before the abort was seen (tiny tree), or it rejected with the reason.
    await pending.then(
      () => undefined,
      (err: unknown) => assert.match(String(err), /cancelled by user/),
    );
    // Aborted mid-walk (from inside the first directory): stops before the next directory.
    const midWalk = new AbortController();
    let calls = 0;
    await assert.rejects(
      scanRepository(root, {
        maxFileBytes: 1000,
        signal: midWalk.signal,
        isSupported: (p) => {
          calls++;
          midWalk.abort(new Error('soft time limit'));
          return isSupported(p);
        },
      }),
      /soft time limit/,
    );
    assert.ok(calls < 10, `stopped early (${calls} files looked at)`);
  });

  it('rejects a missing root or a file as root', async () => {
    await assert.rejects(
      scanRepository(path.join(base, 'nope'), { maxFileBytes: 1, isSupported }),
      (e: unknown) => isCodeindexError(e, 'PATH_NOT_FOUND'),
    );
    await assert.rejects(
      scanRepository(path.join(root, 'src/a.ts'), { maxFileBytes: 1, isSupported }),
      (e: unknown) => isCodeindexError(e, 'NOT_A_DIRECTORY'),
    );
  });

  it('reports a file whose name is not UTF-8 as unreadable, and FIFOs and sockets not at all', async () => {
    const odd = makeTempDir();
    try {
      writeTree(odd, { 'src/ok.ts': 'export const ok = 1;\n' });
      // `café.ts` in Latin-1: Node reads the name with U+FFFD for the 0xE9 byte.
      fs.writeFileSync(
        Buffer.concat([Buffer.from(`${odd}/src/caf`), Buffer.from([0xe9]), Buffer.from('.ts')]),
        'x\n',
      );
      execFileSync('mkfifo', [path.join(odd, 'src/pipe.ts')]);
      const result = await scanRepository(odd, { maxFileBytes: 1000, isSupported });
      assert.deepEqual(
        result.files.map((f) => f.path),
        ['src/ok.ts'],
      );
      assert.deepEqual(
        result.skipped.map((s) => [s.path, s.reason, s.detail]),
        [['src/caf\uFFFD.ts', 'unreadable', 'its name is not valid UTF-8: rename the file']],
      );
    } finally {
      fs.rmSync(odd, { recursive: true, force: true });
    }
  });

  it('reports unreadable directories (skipped as root: root lists through chmod 000)', {
    skip: runningAsRoot ? 'running as root: EACCES cannot happen' : false,
  }, async () => {
    const locked = path.join(root, 'locked');
    fs.mkdirSync(locked);
    fs.writeFileSync(path.join(locked, 'l.ts'), 'l\n');
    fs.chmodSync(locked, 0o000);
    try {
      const result = await scan();
      assert.deepEqual(result.unreadableDirs, ['locked']);
    } finally {
      fs.chmodSync(locked, 0o755);
      fs.rmSync(locked, { recursive: true });
    }
  });

  it('scans a wider tree quickly', async () => {
    const wide = makeTempDir();
    try {
      const files: Record<string, string> = {};
      for (let d = 0; d < 50; d++) for (let f = 0; f < 40; f++) files[`pkg${d}/sub/f${f}.ts`] = 'x\n';
      writeTree(wide, files);
      const started = performance.now();
      const result = await scanRepository(wide, { maxFileBytes: 1000, isSupported });
      const ms = performance.now() - started;
      assert.equal(result.files.length, 2000);
      assert.ok(ms < 2000, `2000 files took ${ms.toFixed(0)} ms`);
    } finally {
      fs.rmSync(wide, { recursive: true, force: true });
    }
  });
});
