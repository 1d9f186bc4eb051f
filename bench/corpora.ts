/**
 * Benchmark corpora, fetched or extracted once into `<repo>/.bench-cache/` (gitignored):
 *
 * - `django`: Django 3.2's source from Debian's `python3-django` package
 *   (`apt-get download python3-django` + `dpkg -x`), the `django/` package directory.
 * - `go`: Go 1.19's standard library and toolchain source from Debian's `golang-1.19-src`
 *   (`apt-get install`), copied from /usr/share/go-1.19/src so single-file edits never touch
 *   system files.
 * - `ts`: TypeScript sources (`.ts`/`.tsx`, no `.d.ts`) of real npm packages: tarballs from
 *   `npm pack` (effect, @effect/platform, @effect/sql, @effect/cli, @effect/cluster, rxjs, mobx,
 *   @trpc/server, @theia/core, @theia/plugin-ext, @theia/debug, @theia/filesystem,
 *   @theia/monaco, @theia/terminal, @theia/scm, @theia/workspace) plus the TypeScript sources
 *   already in this checkout's node_modules (zod, ajv, ...). About 3,000 files.
 *
 * Every baseline gets exactly the file list codeindex would index: `scanRepository` with the
 * indexer's own defaults (default excludes, size cap, supported languages). Go's tree has
 * `build/`, `dist/` and `vendor/` directories that the default excludes drop; they are dropped
 * for the baselines too, so all compare the same files.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { scanRepository } from '../src/discovery/index.js';
import { detectLanguage } from '../src/indexer/index.js';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const CACHE = join(REPO_ROOT, '.bench-cache');

export const CORPUS_NAMES = ['django', 'go', 'ts'] as const;
export type CorpusName = (typeof CORPUS_NAMES)[number];

/** A corpus ready to benchmark. */
export interface Corpus {
  name: CorpusName;
  /** Absolute root that codeindex indexes. */
  root: string;
  /** Files codeindex indexes, relative to `root`. */
  files: string[];
  /** Absolute paths of `files`, one per line (for `ctags -L` and the parse floor). */
  listFile: string;
  bytes: number;
  /** Where it came from, for the report. */
  source: string;
}

/** npm packages whose published tarballs carry their TypeScript sources. */
export const TS_PACKAGES = [
  'effect',
  '@effect/platform',
  '@effect/sql',
  '@effect/cli',
  '@effect/cluster',
  'rxjs',
  'mobx',
  '@trpc/server',
  '@theia/core',
  '@theia/plugin-ext',
  '@theia/debug',
  '@theia/filesystem',
  '@theia/monaco',
  '@theia/terminal',
  '@theia/scm',
  '@theia/workspace',
] as const;

const MAX_FILE_BYTES = 1024 * 1024;

function sh(cmd: string, args: string[], cwd?: string): string {
  return execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function ensureDjango(): string {
  const root = join(CACHE, 'django', 'usr/lib/python3/dist-packages/django');
  if (existsSync(root)) return root;
  mkdirSync(CACHE, { recursive: true });
  process.stderr.write('bench: fetching python3-django (apt-get download)\n');
  sh('apt-get', ['download', 'python3-django'], CACHE);
  const deb = readdirSync(CACHE).find((f) => f.startsWith('python3-django') && f.endsWith('.deb'));
  if (!deb) throw new Error('apt-get download python3-django produced no .deb');
  sh('dpkg', ['-x', join(CACHE, deb), join(CACHE, 'django')]);
  return root;
}

/**
 * Where a question set's or a recall set's code comes from, fetched into the cache on first use:
 * a Debian package (`apt-get download` + `dpkg -x`), an npm package at a pinned version (`npm
 * pack` + `tar`), or a directory of Go's source tree (`golang-1.19-src`). `path` is inside it.
 */
export type CorpusSource = { deb: string; path: string } | { npm: string; path: string } | { go: string };

/** The absolute root of a source, fetched and extracted when missing. */
export function ensureSource(src: CorpusSource): string {
  mkdirSync(CACHE, { recursive: true });
  if ('go' in src) return join(ensureGo(), src.go);
  if ('deb' in src) {
    const dir = join(CACHE, 'deb', src.deb);
    if (!existsSync(join(dir, '.complete'))) {
      const debs = join(CACHE, 'deb', '.debs');
      mkdirSync(debs, { recursive: true });
      process.stderr.write(`bench: fetching ${src.deb} (apt-get download)\n`);
      sh('apt-get', ['download', src.deb], debs);
      const deb = readdirSync(debs).find((f) => f.startsWith(`${src.deb}_`) && f.endsWith('.deb'));
      if (!deb) throw new Error(`apt-get download ${src.deb} produced no .deb`);
      sh('dpkg', ['-x', join(debs, deb), dir]);
      writeFileSync(join(dir, '.complete'), deb);
    }
    return join(dir, src.path);
  }
  const dir = join(CACHE, 'npm', src.npm.replace(/^@/, '').replace(/[/@]/g, '-'));
  if (!existsSync(join(dir, '.complete'))) {
    mkdirSync(dir, { recursive: true });
    process.stderr.write(`bench: fetching ${src.npm} (npm pack)\n`);
    const tgz = sh('npm', ['pack', '--silent', src.npm], dir).trim().split('\n').at(-1)!;
    sh('tar', ['xzf', join(dir, tgz), '-C', dir]);
    writeFileSync(join(dir, '.complete'), tgz);
  }
  return join(dir, src.path);
}

function ensureGo(): string {
  const root = join(CACHE, 'go-src');
  if (existsSync(root)) return root;
  const candidates = ['/usr/share/go-1.19/src', '/usr/lib/go-1.19/src'];
  let src = candidates.find((p) => existsSync(p));
  if (!src) {
    process.stderr.write('bench: installing golang-1.19-src (apt-get install)\n');
    sh('apt-get', ['install', '-y', 'golang-1.19-src']);
    src = candidates.find((p) => existsSync(p));
  }
  if (!src) throw new Error('golang-1.19-src installed no source tree under /usr/share/go-1.19/src');
  cpSync(src, root, { recursive: true, dereference: false });
  return root;
}

function copyTsSources(from: string, to: string): number {
  let n = 0;
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) {
        if (e.name !== 'node_modules') walk(p);
      } else if (e.isFile() && /\.(ts|tsx)$/.test(e.name) && !/\.d\.ts$/.test(e.name)) {
        const dest = join(to, relative(from, p));
        mkdirSync(dirname(dest), { recursive: true });
        cpSync(p, dest);
        n++;
      }
    }
  };
  walk(from);
  return n;
}

function ensureTs(): string {
  const root = join(CACHE, 'ts-corpus');
  if (existsSync(join(root, '.complete'))) return root;
  rmSync(root, { recursive: true, force: true });
  const pkgDir = join(CACHE, 'ts-pkgs');
  mkdirSync(pkgDir, { recursive: true });
  const have = () => readdirSync(pkgDir).filter((f) => f.endsWith('.tgz'));
  const tarballName = (pkg: string) => pkg.replace(/^@/, '').replace('/', '-');
  const missing = TS_PACKAGES.filter((p) => !have().some((t) => t.startsWith(`${tarballName(p)}-`)));
  if (missing.length > 0) {
    process.stderr.write(`bench: npm pack ${missing.join(' ')}\n`);
    sh('npm', ['pack', '--silent', ...missing], pkgDir);
  }
  const manifest: Record<string, number> = {};
  for (const tgz of have()) {
    const name = tgz.replace(/\.tgz$/, '');
    const x = join(pkgDir, 'x', name);
    if (!existsSync(x)) {
      mkdirSync(x, { recursive: true });
      sh('tar', ['xzf', join(pkgDir, tgz), '-C', x]);
    }
    const n = copyTsSources(x, join(root, name));
    if (n > 0) manifest[name] = n;
    else rmSync(join(root, name), { recursive: true, force: true });
  }
  const nm = join(REPO_ROOT, 'node_modules');
  for (const e of readdirSync(nm)) {
    const dirs = e.startsWith('@') ? readdirSync(join(nm, e)).map((s) => `${e}/${s}`) : [e];
    for (const d of dirs) {
      if (d.startsWith('.') || d === 'typescript' || d.startsWith('@types/')) continue;
      const n = copyTsSources(join(nm, d), join(root, 'node_modules-src', d.replace('/', '__')));
      if (n > 0) manifest[`node_modules/${d}`] = n;
    }
  }
  writeFileSync(join(root, 'MANIFEST.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  writeFileSync(join(root, '.complete'), '');
  return root;
}

/** Fetches/extracts a corpus if needed and lists the files codeindex would index. */
export async function loadCorpus(name: CorpusName): Promise<Corpus> {
  const root = name === 'django' ? ensureDjango() : name === 'go' ? ensureGo() : ensureTs();
  const scan = await scanRepository(root, {
    maxFileBytes: MAX_FILE_BYTES,
    isSupported: (p) => detectLanguage(p) !== null,
  });
  const files = scan.files.map((f) => f.path);
  const bytes = scan.files.reduce((a, f) => a + f.size, 0);
  const listFile = join(CACHE, `${name}.files.txt`);
  writeFileSync(listFile, `${files.map((f) => join(root, f)).join('\n')}\n`);
  const source =
    name === 'django'
      ? 'Debian python3-django (Django 3.2), django/ package'
      : name === 'go'
        ? 'Debian golang-1.19-src, $GOROOT/src'
        : `npm tarballs (${TS_PACKAGES.join(', ')}) + TS sources in node_modules`;
  return { name, root, files, listFile, bytes, source };
}

/** Total size of a list of files (bytes). */
export function sizeOf(root: string, files: readonly string[]): number {
  return files.reduce((a, f) => a + statSync(join(root, f)).size, 0);
}
