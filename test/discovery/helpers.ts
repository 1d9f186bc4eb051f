import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Extensions the tests treat as indexable. */
const SUPPORTED = new Set(['.ts', '.tsx', '.js', '.mjs', '.cjs', '.jsx', '.py', '.go', '.rs', '.java']);

/** `isSupported` for tests: by extension. */
export function isSupported(relPath: string): boolean {
  return SUPPORTED.has(path.extname(relPath));
}

/** A fresh temporary directory (real path, so tests on macOS' /var -> /private/var still compare). */
export function makeTempDir(): string {
  return fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'ci-disc-')));
}

/** Writes `files` (relative path -> content) under `root`, creating directories. */
export function writeTree(root: string, files: Record<string, string | Buffer>): void {
  for (const [rel, content] of Object.entries(files)) {
    const abs = path.join(root, rel);
    fs.mkdirSync(path.dirname(abs), { recursive: true });
    fs.writeFileSync(abs, content);
  }
}

/** True when running as root, where chmod 000 does not stop reads. */
export const runningAsRoot = process.getuid?.() === 0;
