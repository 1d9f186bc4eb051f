import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { measureScale } from '../../bench/scale.js';
import { patchKernelGitignore, scanTree } from '../../bench/scale-corpus.js';

function put(root: string, rel: string, text: string): void {
  mkdirSync(dirname(join(root, rel)), { recursive: true });
  writeFileSync(join(root, rel), text);
}

test('bench scale: the kernel .gitignore loses only the two catch-all lines, and the scan then sees its files', async () => {
  const tmp = mkdtempSync(join(tmpdir(), 'ci-scale-gi-'));
  try {
    const k = join(tmp, 'linux-source-6.1');
    put(k, '.gitignore', '*.o\n/build/\n\n# Debian\n/*\n!/debian/\n');
    put(k, 'kernel/fork.c', 'int fork_it(void) { return 0; }\n');
    put(k, 'kernel/fork.o', 'binary');
    put(k, 'debian/rules.py', 'def rules():\n    pass\n');
    assert.equal((await scanTree(tmp)).files, 1, 'Debian lines ignore all but debian/');
    patchKernelGitignore(join(k, '.gitignore'));
    assert.equal(readFileSync(join(k, '.gitignore'), 'utf8'), '*.o\n/build/\n\n# Debian\n');
    const scan = await scanTree(tmp);
    assert.equal(scan.files, 2);
    assert.deepEqual([...scan.byTop.keys()], ['linux-source-6.1']);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});

test('bench scale: every figure is measured on a small tree through the real CLI, server and watcher', async () => {
  const tmp = mkdtempSync(join(tmpdir(), 'ci-scale-'));
  try {
    const root = join(tmp, 'repo');
    for (let i = 0; i < 12; i++) {
      put(
        root,
        `pkg${i % 3}/mod${i}.py`,
        `def handler_${i}(x):\n    return helper_shared(x) + ${i}\n\n\nclass Widget${i}:\n    def render(self):\n        return handler_${i}(1)\n`,
      );
    }
    put(root, 'pkg0/shared.py', 'def helper_shared(x):\n    return x * 2\n');
    const scan = await scanTree(root);
    assert.equal(scan.files, 13);
    const logged: string[] = [];
    const r = await measureScale(
      { root, files: scan.files, bytes: scan.bytes },
      { workers: 1, questions: 3, idleSeconds: 1, log: (m) => logged.push(m) },
    );
    assert.equal(r.cold.summary.files_indexed, 13, JSON.stringify(r.cold.summary));
    assert.ok(r.cold.userMs > 0 && r.cold.systemMs >= 0, `cold CPU ${r.cold.userMs} + ${r.cold.systemMs}`);
    assert.equal(r.cold.workerPeakRssMb.length, 1);
    assert.ok(r.cold.workerPeakRssMb[0]! > 20 && r.cold.cliPeakRssMb > 20);
    assert.ok(r.index.files['index.db']! > 0, Object.keys(r.index.files).join(', '));
    assert.equal(
      r.index.bytes,
      Object.values(r.index.files).reduce((a, b) => a + b, 0),
    );
    assert.equal(r.noop.summary.files_indexed ?? 0, 0, JSON.stringify(r.noop.summary));
    assert.equal(r.noopRatio, Math.round((r.noop.wallMs / r.cold.wallMs) * 1000) / 1000);
    for (const tool of ['search_symbols', 'search_code', 'find_references', 'get_file_outline'] as const)
      assert.equal(r.mcp[tool].latency.n, 3, tool);
    assert.ok(r.mcp.search_symbols.nonEmpty >= 1);
    assert.ok(r.mcp.get_file_outline.nonEmpty === 3);
    assert.equal(r.mcp.index_status.nonEmpty, r.mcp.index_status.latency.n);
    assert.ok(r.watch.startupMs > 0 && r.watch.idleRssMb > 20, JSON.stringify(r.watch));
    assert.ok(r.serverPeakRssMb > 20, `server peak RSS ${r.serverPeakRssMb}`);
    assert.equal(r.watch.idleSeconds, 1);
    assert.ok(logged.some((m) => m.startsWith('cold:')));
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});
