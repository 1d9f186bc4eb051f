/**
 * The scale corpus: over 100,000 real source files assembled once into `.bench-cache/scale/`
 * from Debian packages (all offline once the .deb files are fetched):
 *
 * - `linux-source-6.1`: the kernel tarball, unpacked. Debian's top-level `.gitignore` ends with
 *   `/*` and `!/debian/` (which ignore everything but `debian/`); those two lines are removed.
 * - `golang-1.19-src`, `python3-django`, the Python packages and the Go `-dev` packages below
 *   (`SCALE_DEBS`: scientific Python, OpenStack services, Docker, containerd, x/ libraries...),
 *   each `dpkg -x`'d into a folder of its own.
 * - `/usr/lib/python3.11`, the standard library of this machine, copied.
 *
 * The .deb files are fetched with `apt-get download` into `.bench-cache/scale-debs/` (nothing is
 * installed). `MANIFEST.json` records, per part, where it came from and the files and bytes the
 * indexer's own scan (`scanRepository`, default excludes, size cap, supported languages) accepts.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { scanRepository } from '../src/discovery/index.js';
import { detectLanguage } from '../src/indexer/index.js';
import { CACHE } from './corpora.js';

/** Debian packages of the corpus besides the kernel (each extracted with `dpkg -x`). */
export const SCALE_DEBS = [
  'golang-1.19-src',
  'python3-django',
  'python3-sympy',
  'python3-twisted',
  'python3-pygments',
  'python3-babel',
  'python3-setuptools',
  'python3-pip',
  'python3-hypothesis',
  'python3-sqlalchemy',
  'python3-matplotlib',
  'python3-pandas',
  'python3-scipy',
  'python3-numpy',
  'python3-docutils',
  'python3-sphinx',
  'python3-astropy',
  'python3-networkx',
  'python3-boto3',
  'python3-botocore',
  'golang-golang-x-tools-dev',
  'golang-golang-x-net-dev',
  'golang-golang-x-sys-dev',
  'golang-google-protobuf-dev',
  'golang-github-prometheus-client-golang-dev',
  'golang-github-aws-aws-sdk-go-dev',
  // The packages above hold about 88,000 files the scan accepts; these bring it past 100,000.
  'python3-statsmodels',
  'python3-sklearn',
  'python3-skimage',
  'python3-nltk',
  'python3-tornado',
  'ansible-core',
  'python3-nova',
  'python3-neutron',
  'python3-cinder',
  'python3-heat',
  'python3-ironic',
  'python3-manila',
  'python3-keystone',
  'python3-glance',
  'python3-magnum',
  'python3-octavia',
  'python3-designate',
  'golang-github-gophercloud-gophercloud-dev',
  'golang-github-google-go-github-dev',
  'golang-github-docker-docker-dev',
  'golang-github-containerd-containerd-dev',
  'golang-golang-x-text-dev',
  'golang-golang-x-crypto-dev',
] as const;

export const KERNEL_DEB = 'linux-source-6.1';
const PYTHON_STDLIB = '/usr/lib/python3.11';
const MAX_FILE_BYTES = 1024 * 1024;

/** A tree to index, with the files and bytes the indexer's scan accepts. */
export interface ScaleTree {
  root: string;
  files: number;
  bytes: number;
  /** Per part (top-level folder): files and bytes accepted, and where it came from. */
  parts: Record<string, { files: number; bytes: number; source: string }>;
}

function sh(cmd: string, args: string[], cwd?: string): string {
  return execFileSync(cmd, args, {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 64 * 1024 * 1024,
  });
}

/** The .deb of a package in `dir` (`<name>_<version>_<arch>.deb`), or undefined. */
function debIn(dir: string, name: string): string | undefined {
  return readdirSync(dir).find((f) => f.startsWith(`${name}_`) && f.endsWith('.deb'));
}

/** The files and bytes the indexer would index under `root`, per top-level folder. */
export async function scanTree(
  root: string,
): Promise<{ files: number; bytes: number; byTop: Map<string, [number, number]> }> {
  const scan = await scanRepository(root, {
    maxFileBytes: MAX_FILE_BYTES,
    isSupported: (p) => detectLanguage(p) !== null,
  });
  const byTop = new Map<string, [number, number]>();
  let bytes = 0;
  for (const f of scan.files) {
    const top = f.path.split('/')[0] ?? '';
    const c = byTop.get(top) ?? [0, 0];
    c[0]++;
    c[1] += f.size;
    byTop.set(top, c);
    bytes += f.size;
  }
  return { files: scan.files.length, bytes, byTop };
}

/** Drops Debian's catch-all lines from the kernel's `.gitignore` (they ignore the whole tree). */
export function patchKernelGitignore(file: string): void {
  const lines = readFileSync(file, 'utf8').split('\n');
  const kept = lines.filter((l) => l.trim() !== '/*' && l.trim() !== '!/debian/');
  writeFileSync(file, kept.join('\n'));
}

/**
 * Assembles the corpus in `.bench-cache/scale/tree` unless it is complete already, and returns it
 * with the scan's counts (read from the manifest when cached).
 */
export async function ensureScaleCorpus(log: (msg: string) => void): Promise<ScaleTree> {
  const base = join(CACHE, 'scale');
  const tree = join(base, 'tree');
  const manifestFile = join(base, 'MANIFEST.json');
  if (existsSync(join(base, '.complete')) && existsSync(manifestFile)) {
    const m = JSON.parse(readFileSync(manifestFile, 'utf8')) as ScaleTree;
    return { ...m, root: tree };
  }
  const debs = join(CACHE, 'scale-debs');
  mkdirSync(debs, { recursive: true });
  const wanted = [KERNEL_DEB, ...SCALE_DEBS];
  const missing = wanted.filter((p) => debIn(debs, p) === undefined);
  if (missing.length > 0) {
    log(`apt-get download ${missing.join(' ')}`);
    sh('apt-get', ['download', ...missing], debs);
  }
  rmSync(base, { recursive: true, force: true });
  mkdirSync(tree, { recursive: true });
  const sources: Record<string, string> = {};

  const kdeb = debIn(debs, KERNEL_DEB)!;
  log(`unpacking ${kdeb}`);
  const kx = join(base, 'kernel-deb');
  sh('dpkg', ['-x', join(debs, kdeb), kx]);
  const tarDir = join(kx, 'usr/src');
  const tarball = readdirSync(tarDir).find((f) => /^linux-source-.*\.tar\.(xz|bz2|gz)$/.test(f));
  if (!tarball) throw new Error(`${kdeb} holds no kernel tarball under usr/src`);
  sh('tar', ['xf', join(tarDir, tarball), '-C', tree]);
  rmSync(kx, { recursive: true, force: true });
  const kdir = readdirSync(tree).find((f) => f.startsWith('linux-source-'));
  if (!kdir) throw new Error(`${tarball} did not unpack into linux-source-*`);
  if (existsSync(join(tree, kdir, '.gitignore'))) patchKernelGitignore(join(tree, kdir, '.gitignore'));
  sources[kdir] = `${kdeb}: ${tarball}, .gitignore without its '/*' and '!/debian/' lines`;

  for (const p of SCALE_DEBS) {
    const deb = debIn(debs, p)!;
    log(`dpkg -x ${deb}`);
    sh('dpkg', ['-x', join(debs, deb), join(tree, p)]);
    sources[p] = deb;
  }
  if (existsSync(PYTHON_STDLIB)) {
    log(`copying ${PYTHON_STDLIB}`);
    cpSync(PYTHON_STDLIB, join(tree, 'python3.11'), { recursive: true, dereference: false });
    sources['python3.11'] = `${PYTHON_STDLIB} of this machine`;
  }

  log('scanning the assembled tree');
  const scan = await scanTree(tree);
  const parts: ScaleTree['parts'] = {};
  for (const [top, [files, bytes]] of [...scan.byTop].sort((a, b) => b[1][0] - a[1][0]))
    parts[top] = { files, bytes, source: sources[top] ?? '(unknown)' };
  const manifest: ScaleTree = { root: tree, files: scan.files, bytes: scan.bytes, parts };
  writeFileSync(manifestFile, `${JSON.stringify(manifest, null, 2)}\n`);
  writeFileSync(join(base, '.complete'), new Date().toISOString());
  return manifest;
}
