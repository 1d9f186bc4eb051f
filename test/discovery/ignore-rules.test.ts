import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DEFAULT_EXCLUDES } from '../../src/discovery/default-excludes.js';
import { createIgnoreMatcher } from '../../src/discovery/ignore-rules.js';
import { makeTempDir, writeTree } from './helpers.js';

describe('createIgnoreMatcher', () => {
  let root: string;

  before(() => {
    root = makeTempDir();
    writeTree(root, {
      '.gitignore': '# comment\n*.log\n/generated/\nsecret*.ts\nlib/tmp/\n',
      '.git/info/exclude': 'local-only.ts\n',
      '.git/HEAD': 'ref: refs/heads/main\n',
      '.codeindexignore': 'fixtures/\n!vendor/\n!generated/\n',
      'src/.gitignore': '!keep.log\n*.gen.ts\n/anchored.ts\n',
      'src/deep/.gitignore': '!*.gen.ts\n',
      'src/deep/x.gen.ts': '',
      'src/a.gen.ts': '',
      'src/keep.log': '',
      'src/other.log': '',
      'src/anchored.ts': '',
      'src/sub/anchored.ts': '',
      'lib/tmp/x.ts': '',
      'lib/ok.ts': '',
      'generated/api.ts': '',
      'generated/api.log': '',
      'vendor/pkg/v.go': '',
      'node_modules/x/index.js': '',
      'local-only.ts': '',
      'fixtures/f.ts': '',
      'app.min.js': '',
      'package-lock.json': '{}',
      'CRLF/.gitignore': 'crlf.ts\r\nother.ts\r\n',
    });
  });
  after(() => fs.rmSync(root, { recursive: true, force: true }));

  it('honours the root .gitignore, comments, globs and anchored directories', () => {
    const m = createIgnoreMatcher(root);
    assert.equal(m.isIgnored('debug.log', false), true);
    assert.equal(m.isIgnored('secret-key.ts', false), true);
    assert.equal(m.isIgnored('lib/tmp', true), true);
    assert.equal(m.isIgnored('lib/tmp/x.ts', false), true);
    assert.equal(m.isIgnored('lib/ok.ts', false), false);
    assert.equal(m.isIgnored('README.md', false), false);
    assert.equal(m.isIgnored('', true), false);
  });

  it('applies nested .gitignore files relative to their directory, deeper ones re-including', () => {
    const m = createIgnoreMatcher(root);
    assert.equal(m.isIgnored('src/keep.log', false), false, 'src/.gitignore re-includes keep.log');
    assert.equal(m.isIgnored('src/other.log', false), true, 'root *.log still applies under src');
    assert.equal(m.isIgnored('src/a.gen.ts', false), true);
    assert.equal(m.isIgnored('src/deep/x.gen.ts', false), false, 'src/deep/.gitignore re-includes');
    assert.equal(m.isIgnored('src/anchored.ts', false), true, '/anchored.ts is relative to src/');
    assert.equal(m.isIgnored('src/sub/anchored.ts', false), false);
    assert.equal(m.isIgnored('anchored.ts', false), false, 'nested rules do not leak upwards');
    assert.equal(m.isIgnored('CRLF/crlf.ts', false), true, 'CRLF ignore files work');
    assert.equal(m.isIgnored('CRLF/other.ts', false), true);
  });

  it('reads .git/info/exclude and always excludes .git', () => {
    const m = createIgnoreMatcher(root);
    assert.equal(m.isIgnored('local-only.ts', false), true);
    assert.equal(m.isIgnored('.git', true), true);
    assert.equal(m.isIgnored('.git/HEAD', false), true);
    assert.equal(m.isIgnored('sub/.git', false), true, 'a .git file (worktree, submodule) too');
  });

  it('applies default excludes, which .codeindexignore (not .gitignore) can re-include', () => {
    const m = createIgnoreMatcher(root);
    assert.equal(m.isIgnored('node_modules', true), true);
    assert.equal(m.isIgnored('node_modules/x/index.js', false), true);
    assert.equal(m.isIgnored('packages/p/node_modules', true), true, 'at any depth');
    assert.equal(m.isIgnored('app.min.js', false), true);
    assert.equal(m.isIgnored('package-lock.json', false), true);
    assert.equal(m.isIgnored('x.egg-info', true), true);
    assert.equal(m.isIgnored('dist', false), false, 'dist/ only matches directories');
    assert.equal(m.isIgnored('vendor', true), false, '!vendor/ in .codeindexignore');
    assert.equal(m.isIgnored('vendor/pkg/v.go', false), false);
  });

  it('lets .codeindexignore re-include a gitignored directory and exclude more', () => {
    const m = createIgnoreMatcher(root);
    assert.equal(m.isIgnored('generated', true), false);
    assert.equal(m.isIgnored('generated/api.ts', false), false);
    assert.equal(m.isIgnored('fixtures/f.ts', false), true);
  });

  it('can disable default excludes and add extra ones', () => {
    const m = createIgnoreMatcher(root, { useDefaultExcludes: false, extraExcludes: ['lib/ok.ts', 'docs/'] });
    assert.equal(m.isIgnored('node_modules/x/index.js', false), false);
    assert.equal(m.isIgnored('.git/HEAD', false), true, 'VCS metadata is excluded regardless');
    assert.equal(m.isIgnored('lib/ok.ts', false), true);
    assert.equal(m.isIgnored('docs/a/b.ts', false), true);
  });

  it('accepts platform separators and ./ prefixes, and rejects paths outside the root', () => {
    const m = createIgnoreMatcher(root);
    assert.equal(m.isIgnored('./debug.log', false), true);
    assert.equal(m.isIgnored('lib/tmp/', true), true);
    assert.throws(() => m.isIgnored('../x.ts', false), /relative to the root/);
    assert.throws(() => m.isIgnored('/etc/passwd', false), /relative to the root/);
  });

  it('serves a watcher: reloads one changed ignore file on invalidate', () => {
    const dir = makeTempDir();
    try {
      writeTree(dir, { 'pkg/.gitignore': 'a.ts\n' });
      const m = createIgnoreMatcher(dir);
      assert.equal(m.isIgnored('pkg/a.ts', false), true);
      assert.equal(m.isIgnored('pkg/b.ts', false), false);

      fs.writeFileSync(path.join(dir, 'pkg/.gitignore'), 'b.ts\n');
      assert.equal(m.isIgnored('pkg/a.ts', false), true, 'cached until invalidated');
      assert.equal(m.ignoreFileDir('pkg/.gitignore'), 'pkg');
      assert.equal(m.ignoreFileDir('pkg/a.ts'), undefined);
      assert.equal(m.ignoreFileDir('.git/info/exclude'), '.git/info');
      m.invalidate('pkg');
      assert.equal(m.isIgnored('pkg/a.ts', false), false);
      assert.equal(m.isIgnored('pkg/b.ts', false), true);

      // A new root ignore file that ignores a directory takes effect for paths below it.
      fs.writeFileSync(path.join(dir, '.codeindexignore'), 'pkg/\n');
      m.invalidate('');
      assert.equal(m.isIgnored('pkg/c.ts', false), true);
      fs.rmSync(path.join(dir, '.codeindexignore'));
      m.invalidate();
      assert.equal(m.isIgnored('pkg/c.ts', false), false);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('documents default excludes as basename patterns', () => {
    for (const p of DEFAULT_EXCLUDES) assert.ok(!p.slice(0, -1).includes('/'), p);
    assert.ok(DEFAULT_EXCLUDES.includes('node_modules/'));
    assert.ok(Object.isFrozen(DEFAULT_EXCLUDES));
  });
});
