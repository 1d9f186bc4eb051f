import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  type ReadSourceResult,
  readSourceFile,
  readSourceFileSync,
} from '../../src/discovery/read-source.js';
import { makeTempDir, runningAsRoot, writeTree } from './helpers.js';

const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

describe('readSourceFile / readSourceFileSync', () => {
  let dir: string;
  const at = (rel: string): string => path.join(dir, rel);

  before(() => {
    dir = makeTempDir();
    const late = Buffer.alloc(9000, 0x61);
    late[8500] = 0; // a NUL after the sniffed 8 KiB: still text
    writeTree(dir, {
      'ok.ts': 'export const a = 1;\n',
      'bom.py': Buffer.concat([BOM, Buffer.from('x = "é"\n')]),
      'only-bom.py': BOM,
      'empty.ts': '',
      'binary.ts': Buffer.from([0x63, 0x6f, 0x00, 0x6e]),
      'late-nul.ts': late,
      'latin1.ts': Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x0a]),
      'big.ts': 'x'.repeat(2000),
      'locked.ts': 'secret\n',
    });
    fs.symlinkSync(at('missing.ts'), at('dangling.ts'));
    fs.chmodSync(at('locked.ts'), 0o000);
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  const both = async (rel: string, maxBytes = 1000): Promise<ReadSourceResult> => {
    const a = await readSourceFile(at(rel), { maxBytes });
    const b = readSourceFileSync(at(rel), { maxBytes });
    assert.deepEqual(a, b, 'async and sync variants agree');
    return a;
  };

  it('reads UTF-8 text with size, mtime and sha256 of the bytes', async () => {
    const r = await both('ok.ts');
    assert.ok(r.ok);
    assert.equal(r.text, 'export const a = 1;\n');
    assert.equal(r.size, 20);
    assert.equal(r.mtimeMs, fs.statSync(at('ok.ts')).mtimeMs);
    assert.equal(
      r.sha256,
      createHash('sha256')
        .update(fs.readFileSync(at('ok.ts')))
        .digest('hex'),
    );
  });

  it('strips a UTF-8 BOM (the hash still covers the bytes on disk)', async () => {
    const r = await both('bom.py');
    assert.ok(r.ok);
    assert.equal(r.text, 'x = "é"\n');
    assert.equal(
      r.sha256,
      createHash('sha256')
        .update(fs.readFileSync(at('bom.py')))
        .digest('hex'),
    );
    const onlyBom = await both('only-bom.py');
    assert.equal(onlyBom.ok, false);
    assert.equal(!onlyBom.ok && onlyBom.reason, 'empty');
  });

  it('skips empty, binary, invalid UTF-8 and too large files with a reason', async () => {
    const expect = async (rel: string, reason: string, maxBytes?: number): Promise<void> => {
      const r = await both(rel, maxBytes);
      assert.equal(r.ok, false, rel);
      if (!r.ok) {
        assert.equal(r.reason, reason, rel);
        assert.ok(r.mtimeMs > 0, 'mtime known from fstat');
      }
    };
    await expect('empty.ts', 'empty');
    await expect('binary.ts', 'binary');
    await expect('latin1.ts', 'invalid_utf8');
    await expect('big.ts', 'too_large');
    const big = await both('big.ts');
    assert.equal(big.size, 2000, 'size reported from stat');
    assert.equal((await both('big.ts', 2000)).ok, true, 'the cap is inclusive');
  });

  it('only sniffs the first 8 KiB for NUL bytes', async () => {
    const r = await both('late-nul.ts', 100_000);
    assert.equal(r.ok, true);
  });

  it('reports dangling symlinks, directories and missing files without throwing', async () => {
    const dangling = await both('dangling.ts');
    assert.equal(!dangling.ok && dangling.reason, 'dangling_symlink');
    const missing = await both('nope.ts');
    assert.equal(!missing.ok && missing.reason, 'unreadable');
    assert.equal(!missing.ok && missing.code, 'ENOENT');
    const directory = await readSourceFile(dir, { maxBytes: 1000 });
    assert.equal(!directory.ok && directory.reason, 'unreadable');
  });

  it('does not hang on a FIFO', { skip: process.platform === 'win32' }, async (t) => {
    const { execFileSync } = await import('node:child_process');
    try {
      execFileSync('mkfifo', [at('pipe.ts')]);
    } catch {
      t.skip('mkfifo not available');
      return;
    }
    const r = await both('pipe.ts');
    assert.equal(!r.ok && r.reason, 'unreadable');
  });

  it('reports unreadable files (skipped as root: root reads through chmod 000)', {
    skip: runningAsRoot ? 'running as root: EACCES cannot happen' : false,
  }, async () => {
    const r = await both('locked.ts');
    assert.equal(!r.ok && r.reason, 'unreadable');
    assert.equal(!r.ok && r.code, 'EACCES');
  });
});
