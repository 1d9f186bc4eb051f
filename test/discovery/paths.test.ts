import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { findRootFor, resolveAllowedPath, toRelative } from '../../src/discovery/paths.js';
import { isCodeindexError } from '../../src/errors.js';
import { makeTempDir, writeTree } from './helpers.js';

describe('resolveAllowedPath', () => {
  let base: string;
  let rootA: string;
  let rootB: string;
  let outside: string;

  before(() => {
    base = makeTempDir();
    rootA = path.join(base, 'a');
    rootB = path.join(base, 'a', 'nested');
    outside = path.join(base, 'outside');
    writeTree(base, {
      'a/src/x.ts': 'export const x = 1;\n',
      'a/nested/y.py': 'y = 1\n',
      'outside/secret.ts': 'secret\n',
    });
    fs.symlinkSync(path.join(outside, 'secret.ts'), path.join(rootA, 'link-out.ts'));
    fs.symlinkSync(outside, path.join(rootA, 'dir-out'));
    fs.symlinkSync(path.join(rootA, 'src', 'x.ts'), path.join(rootA, 'link-in.ts'));
    fs.symlinkSync(path.join(rootA, 'missing.ts'), path.join(rootA, 'dangling.ts'));
    fs.symlinkSync(path.join(rootA, 'loop2'), path.join(rootA, 'loop1'));
    fs.symlinkSync(path.join(rootA, 'loop1'), path.join(rootA, 'loop2'));
    // A root given through a symlink is canonicalised.
    fs.symlinkSync(rootA, path.join(base, 'a-link'));
  });
  after(() => fs.rmSync(base, { recursive: true, force: true }));

  const rejects = async (p: Promise<unknown>, code: string, pattern?: RegExp | string): Promise<void> => {
    await assert.rejects(p, (err: unknown) => {
      assert.ok(isCodeindexError(err), `expected CodeindexError, got ${String(err)}`);
      assert.equal(err.code, code);
      assert.ok(!err.message.includes('\n'), 'message is one line');
      if (typeof pattern === 'string') assert.ok(err.message.includes(pattern), err.message);
      else if (pattern) assert.match(err.message, pattern);
      return true;
    });
  };

  it('accepts a file inside a root and returns the canonical paths', async () => {
    const got = await resolveAllowedPath(path.join(rootA, 'src/x.ts'), [rootA], { expect: 'file' });
    assert.equal(got.realPath, path.join(rootA, 'src/x.ts'));
    assert.equal(got.root, rootA);
    assert.equal(got.relPath, 'src/x.ts');
  });

  it('picks the longest matching root', async () => {
    const got = await resolveAllowedPath(path.join(rootB, 'y.py'), [rootA, rootB], { expect: 'any' });
    assert.equal(got.root, rootB);
    assert.equal(got.relPath, 'y.py');
  });

  it('resolves relative input against the cwd', async () => {
    const rel = path.relative(process.cwd(), path.join(rootA, 'src'));
    const got = await resolveAllowedPath(rel, [rootA], { expect: 'directory' });
    assert.equal(got.relPath, 'src');
  });

  it('canonicalises a root given through a symlink', async () => {
    const got = await resolveAllowedPath(
      path.join(base, 'a-link', 'src', 'x.ts'),
      [path.join(base, 'a-link')],
      {
        expect: 'file',
      },
    );
    assert.equal(got.root, rootA);
    assert.equal(got.relPath, 'src/x.ts');
  });

  it('rejects .. traversal out of the root', async () => {
    await rejects(
      resolveAllowedPath(path.join(rootA, '..', 'outside', 'secret.ts'), [rootA], { expect: 'file' }),
      'PATH_OUTSIDE_ROOT',
      /outside the allowed roots .*CODEINDEX_ROOTS/,
    );
    // A sibling whose name merely starts with the root's name is outside too.
    fs.mkdirSync(`${rootA}-sibling`, { recursive: true });
    await rejects(resolveAllowedPath(`${rootA}-sibling`, [rootA], { expect: 'any' }), 'PATH_OUTSIDE_ROOT');
  });

  it('rejects symlinks (file and directory) that leave the root', async () => {
    await rejects(
      resolveAllowedPath(path.join(rootA, 'link-out.ts'), [rootA], { expect: 'file' }),
      'PATH_OUTSIDE_ROOT',
      /resolves to/,
    );
    await rejects(
      resolveAllowedPath(path.join(rootA, 'dir-out', 'secret.ts'), [rootA], { expect: 'file' }),
      'PATH_OUTSIDE_ROOT',
    );
  });

  it('reports a missing path outside the roots as outside, not as missing', async () => {
    await rejects(
      resolveAllowedPath(path.join(rootA, 'dir-out', 'nope.ts'), [rootA], { expect: 'file' }),
      'PATH_OUTSIDE_ROOT',
    );
  });

  it('says a configured root does not exist, instead of calling the path outside the roots', async () => {
    // It read "X is outside the allowed roots (…, X)": the missing root was dropped from the roots.
    const gone = path.join(base, 'gone');
    for (const p of [gone, path.join(gone, 'src', 'x.ts')]) {
      await rejects(
        resolveAllowedPath(p, [rootA, gone], { expect: 'any' }),
        'PATH_NOT_FOUND',
        `${p} does not exist: the allowed root ${gone} does not exist either; create it, or fix CODEINDEX_ROOTS`,
      );
    }
    // A path outside every root is still outside, whatever exists.
    await rejects(
      resolveAllowedPath(path.join(base, 'elsewhere'), [gone], { expect: 'any' }),
      'PATH_OUTSIDE_ROOT',
    );
  });

  it('refuses a path with a NUL byte as such, not as a permission problem', async () => {
    await rejects(
      resolveAllowedPath(`${path.join(rootA, 'src/x.ts')}\0.py`, [rootA], { expect: 'file' }),
      'INVALID_PAYLOAD',
      /contains a NUL byte, which no file name holds: pass the path without it$/,
    );
  });

  it('accepts a symlink that stays inside the root', async () => {
    const got = await resolveAllowedPath(path.join(rootA, 'link-in.ts'), [rootA], { expect: 'file' });
    assert.equal(got.relPath, 'src/x.ts');
    assert.equal(got.absPath, path.join(rootA, 'link-in.ts'));
  });

  it('reports missing paths, dangling symlinks and loops as PATH_NOT_FOUND with a hint', async () => {
    await rejects(
      resolveAllowedPath(path.join(rootA, 'nope.ts'), [rootA], { expect: 'file' }),
      'PATH_NOT_FOUND',
      /does not exist/,
    );
    await rejects(
      resolveAllowedPath(path.join(rootA, 'dangling.ts'), [rootA], { expect: 'file' }),
      'PATH_NOT_FOUND',
      /symlink/,
    );
    await rejects(
      resolveAllowedPath(path.join(rootA, 'loop1'), [rootA], { expect: 'any' }),
      'PATH_NOT_FOUND',
      /loop/,
    );
  });

  it('checks file versus directory', async () => {
    await rejects(
      resolveAllowedPath(path.join(rootA, 'src'), [rootA], { expect: 'file' }),
      'NOT_A_FILE',
      /index_repository/,
    );
    await rejects(
      resolveAllowedPath(path.join(rootA, 'src/x.ts'), [rootA], { expect: 'directory' }),
      'NOT_A_DIRECTORY',
    );
  });

  it('lists the allowed roots in the message', async () => {
    await rejects(
      resolveAllowedPath(outside, [rootA, rootB], { expect: 'any' }),
      'PATH_OUTSIDE_ROOT',
      `(${rootA}, ${rootB})`,
    );
  });
});

describe('findRootFor / toRelative', () => {
  it('finds the longest root lexically', () => {
    assert.equal(findRootFor('/r/a/b/c.ts', ['/r', '/r/a', '/r/a/bb']), '/r/a');
    assert.equal(findRootFor('/r/a', ['/r/a/']), '/r/a/');
    assert.equal(findRootFor('/ra/x', ['/r']), undefined);
  });

  it('returns / separated relative paths and refuses paths outside', () => {
    assert.equal(toRelative('/r', '/r/a/b.ts'), 'a/b.ts');
    assert.equal(toRelative('/r', '/r'), '');
    assert.throws(
      () => toRelative('/r', '/r/../x'),
      (e: unknown) => isCodeindexError(e, 'PATH_OUTSIDE_ROOT'),
    );
  });
});
