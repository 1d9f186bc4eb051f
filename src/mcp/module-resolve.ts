import { posix } from 'node:path';

/**
 * Which indexed files an import statement names, from the module as written and the importing
 * file's path, per language: relative paths (JavaScript/TypeScript `./job`, Ruby, C `#include
 * "x.h"`), Python's dotted modules (`.compat`, `..utils`, `requests.models`), Go's package paths
 * (`net/http/httptrace`: every file of that directory), Rust's `crate::`/`self::`/`super::`
 * paths and paths into a child module (`tcp::stream` in `net/mod.rs`), a workspace package's name
 * (`@acme/queue` in a monorepo: its package.json's entry points, else `src/index`), and dotted
 * names elsewhere (Java's `a.b.C`). Only files of the same root are found;
 * an import that names something outside the indexed files (a package, the standard library)
 * resolves to nothing. Ambiguous absolute names (two files end with the same module path)
 * resolve to nothing rather than to a guess.
 */

export interface ResolvableFile {
  /** Path relative to the root, with `/` separators. */
  rel: string;
  /** The root's directory name: absolute imports name it (`requests.models` in `requests/`). */
  rootName: string;
  family: string;
}

/** A path without its extension (`a/b.test.ts` → `a/b.test`). */
function stripExt(p: string): string {
  return p.replace(/\.(?:d\.)?[A-Za-z0-9]+$/, '');
}

/** The module a file is, when imported by path: `a/index.js` and `a/__init__.py` are `a`. */
function moduleKeys(rel: string): string[] {
  const noExt = stripExt(rel);
  const keys = noExt === rel ? [rel] : [rel, noExt];
  const base = posix.basename(noExt);
  if (base === 'index' || base === '__init__' || base === 'mod') keys.push(posix.dirname(noExt));
  return keys;
}

function add<K, V>(m: Map<K, V[]>, k: K, v: V): void {
  const l = m.get(k);
  if (l === undefined) m.set(k, [v]);
  else if (!l.includes(v)) l.push(v);
}

export type ModuleResolver = (from: number, source: string, names: readonly string[]) => number[];

/**
 * A package of a JavaScript/TypeScript workspace (a monorepo's `packages/queue/package.json` with
 * `"name": "@acme/queue"`): imports of its name are files of the root, not a dependency's.
 */
export interface WorkspacePackage {
  /** Directory of its package.json, relative to the root (`''` at the root). */
  dir: string;
  name: string;
  /** Entry points from package.json (`source`, `types`, `module`, `main`, `exports["."]`), relative to `dir`. */
  entries: string[];
}

/**
 * A TypeScript/JavaScript path alias from a `tsconfig.json` or `jsconfig.json`'s `compilerOptions`:
 * `"paths": { "@/*": ["./src/*"] }` (and `baseUrl`, which alone lets `components/Button` name
 * `<baseUrl>/components/Button`). Vite and Next.js projects import their own code this way.
 */
export interface PathAlias {
  /** The root (its directory name, as `ResolvableFile.rootName`) whose files the config covers. */
  rootName: string;
  /** `@/*`, `~/*`, `@app/config` (no `*`: that name only); `*` for a bare `baseUrl`. */
  pattern: string;
  /** Where a match goes, relative to the root: `src/*`. */
  targets: string[];
}

/** What `source` means under `alias`, as root-relative paths to try; empty when it does not match. */
function aliasTargets(alias: PathAlias, source: string): string[] {
  const star = alias.pattern.indexOf('*');
  let part: string;
  if (star === -1) {
    if (source !== alias.pattern) return [];
    part = '';
  } else {
    const head = alias.pattern.slice(0, star);
    const tail = alias.pattern.slice(star + 1);
    if (!source.startsWith(head) || !source.endsWith(tail) || source.length < head.length + tail.length)
      return [];
    part = source.slice(head.length, source.length - tail.length);
  }
  return alias.targets.map((t) => posix.normalize(t.replace('*', part)));
}

/** Whether a path alias of the root `rootName` (other than a bare `baseUrl`'s) matches `source`. */
export function matchesPathAlias(aliases: readonly PathAlias[], source: string, rootName: string): boolean {
  return aliases.some(
    (a) => a.pattern !== '*' && a.rootName === rootName && aliasTargets(a, source).length > 0,
  );
}

/** Build output directories whose files mirror `src/` (`dist/index.js` is `src/index.ts`). */
const BUILD_DIR = /^(?:\.\/)?(?:dist|build|lib|out|esm|cjs)(?:\/(?:esm|cjs|src))?\//;

/**
 * The package of a bare specifier (`@acme/queue`, `@acme/queue/utils`) among `packages`, with the
 * subpath after its name (`''` for the name itself).
 */
export function workspacePackageOf(
  packages: readonly WorkspacePackage[],
  source: string,
): { pkg: WorkspacePackage; sub: string } | null {
  let best: WorkspacePackage | null = null;
  for (const p of packages)
    if (
      (source === p.name || source.startsWith(`${p.name}/`)) &&
      (best === null || p.name.length > best.name.length)
    )
      best = p;
  return best === null ? null : { pkg: best, sub: source.slice(best.name.length + 1) };
}

/** A resolver over `files` (indices into it); targets are always of the importer's family. */
export function createModuleResolver(
  files: readonly ResolvableFile[],
  packages: readonly WorkspacePackage[] = [],
  aliases: readonly PathAlias[] = [],
): ModuleResolver {
  // family + module key (root-relative, no extension) -> files
  const byKey = new Map<string, number[]>();
  // family + last segment of a key -> [full key "rootName/key", file] (absolute imports end with it)
  const byBase = new Map<string, [string, number][]>();
  // family + directory (root-relative) -> files; family + last segment of "rootName/dir" -> dirs
  const byDir = new Map<string, number[]>();
  const dirsByBase = new Map<string, [string, string][]>();
  const withRoot = (rootName: string, p: string) => (p === '.' ? rootName : `${rootName}/${p}`);
  for (const [i, f] of files.entries()) {
    for (const k of moduleKeys(f.rel)) {
      add(byKey, `${f.family}\0${k}`, i);
      const full = withRoot(f.rootName, k);
      const list = byBase.get(`${f.family}\0${posix.basename(full)}`);
      if (list === undefined) byBase.set(`${f.family}\0${posix.basename(full)}`, [[full, i]]);
      else list.push([full, i]);
    }
    const dir = posix.dirname(f.rel);
    const dirKey = `${f.family}\0${dir}`;
    if (!byDir.has(dirKey)) {
      const full = withRoot(f.rootName, dir);
      const list = dirsByBase.get(`${f.family}\0${posix.basename(full)}`);
      if (list === undefined) dirsByBase.set(`${f.family}\0${posix.basename(full)}`, [[full, dir]]);
      else list.push([full, dir]);
    }
    add(byDir, dirKey, i);
  }
  const endsWithPath = (full: string, path: string) => full === path || full.endsWith(`/${path}`);
  /** Files whose "rootName/key" ends with `path` at a `/`. */
  const bySuffix = (family: string, path: string): number[] => {
    const out: number[] = [];
    for (const [full, i] of byBase.get(`${family}\0${posix.basename(path)}`) ?? [])
      if (endsWithPath(full, path) && !out.includes(i)) out.push(i);
    return out;
  };
  /** Directories whose "rootName/dir" is `path` or ends it at a `/` (Go: import paths end with them). */
  const dirsEnding = (family: string, path: string): [string, string][] =>
    (dirsByBase.get(`${family}\0${posix.basename(path)}`) ?? []).filter(([full]) => endsWithPath(path, full));

  const keyed = (family: string, key: string): number[] => {
    const k = posix.normalize(key);
    if (k.startsWith('..')) return [];
    return byKey.get(`${family}\0${k}`) ?? [];
  };
  const unique = (l: number[]): number[] => (l.length === 1 ? l : []);

  const python = (from: ResolvableFile, source: string, names: readonly string[]): number[] => {
    const m = /^(\.*)(.*)$/.exec(source)!;
    const dots = m[1]!.length;
    const path = m[2]!.replace(/\./g, '/');
    if (dots > 0) {
      let base = posix.dirname(from.rel);
      for (let k = 1; k < dots; k++) base = posix.dirname(base);
      const mod = path === '' ? base : posix.join(base, path);
      const hit = mod === '.' ? [] : keyed(from.family, mod);
      // `from . import views` / `from .x import y`: names that are modules of the package.
      const subs = names.flatMap((n) => keyed(from.family, posix.join(mod, n)));
      return [...new Set([...hit, ...subs])];
    }
    return absolute(from, path);
  };

  const absolute = (from: ResolvableFile, path: string): number[] => {
    if (path === '') return [];
    // One word (`json`, `utils`) is a top-level module of the root, or something else entirely
    // (the standard library), never a file of the same name deeper down.
    if (!path.includes('/')) return keyed(from.family, path);
    const hit = unique(bySuffix(from.family, path));
    if (hit.length > 0) return hit;
    // `a.b.C` where C is a class of module a/b (Java, Kotlin, Python's `import a.b.func`). A head of
    // one word is a top-level module as above: `import collections.abc` is the standard library's,
    // not SQLAlchemy's `orm/collections.py`.
    const head = path.slice(0, path.lastIndexOf('/'));
    return head.includes('/') ? unique(bySuffix(from.family, head)) : keyed(from.family, head);
  };

  const go = (from: ResolvableFile, source: string): number[] => {
    // The directory with the longest "rootName/dir" that ends the import path (one, or none).
    const dirs = dirsEnding(from.family, source);
    const depth = (full: string) => full.split('/').length;
    const deepest = Math.max(0, ...dirs.map(([full]) => depth(full)));
    const best = dirs.filter(([full]) => depth(full) === deepest);
    return best.length === 1 ? (byDir.get(`${from.family}\0${best[0]![1]}`) ?? []) : [];
  };

  const rust = (from: ResolvableFile, source: string): number[] => {
    const parts = source.split('::').filter((p) => p !== '');
    const head = parts[0];
    // A path that starts at none of them (`tcp::stream` in `net/mod.rs`, `task::spawn` in
    // `lib.rs`) names a child module when one of that name is there; else another crate.
    const relative = head !== 'crate' && head !== 'self' && head !== 'super';
    if (head === 'std' || head === 'core' || head === 'alloc') return [];
    // The crate's source directory: where lib.rs / main.rs is, else the importer's top directory.
    const crateDir = ['src/lib', 'src/main', 'lib', 'main'].find((k) => byKey.has(`${from.family}\0${k}`));
    const root = crateDir ? posix.dirname(crateDir) : 'src';
    const rel = posix.relative(root, stripExt(from.rel));
    // The importer's module path: src/a/b.rs is a::b, src/a/mod.rs is a, src/lib.rs is the crate.
    let mod = rel.split('/').filter((p) => p !== '' && p !== '.');
    const last = mod[mod.length - 1];
    if (last === 'mod' || last === 'lib' || last === 'main') mod = mod.slice(0, -1);
    let rest = parts;
    if (head === 'crate') {
      mod = [];
      rest = parts.slice(1);
    } else {
      while (rest[0] === 'self' || rest[0] === 'super') {
        if (rest[0] === 'super') mod = mod.slice(0, -1);
        rest = rest.slice(1);
      }
    }
    // The longest prefix of the path that is a module file (the rest names items in it).
    for (let k = rest.length; k >= (relative ? 1 : 0); k--) {
      const path = [...mod, ...rest.slice(0, k)];
      if (path.length === 0) return crateDir ? keyed(from.family, crateDir) : [];
      const hit = keyed(from.family, posix.join(root, ...path));
      if (hit.length > 0) return hit;
    }
    return [];
  };

  /** A workspace package's entry file, or a file under it for a subpath (`@acme/queue/utils`). */
  const workspace = (from: ResolvableFile, source: string): number[] => {
    const hit = workspacePackageOf(packages, source);
    if (hit === null) return [];
    const { pkg, sub } = hit;
    const at = (p: string) => keyed(from.family, stripExt(posix.join(pkg.dir || '.', p)).replace(/\.d$/, ''));
    const candidates =
      sub === ''
        ? [
            ...pkg.entries.flatMap((e) => [e, e.replace(BUILD_DIR, 'src/')]),
            'src/index',
            'index',
            'lib/index',
          ]
        : [sub, `src/${sub}`, `lib/${sub}`, sub.replace(BUILD_DIR, 'src/')];
    for (const c of candidates) {
      const found = at(c);
      if (found.length > 0) return found;
    }
    return [];
  };

  return (fromIndex, source, names) => {
    const from = files[fromIndex];
    if (from === undefined || source === '') return [];
    let out: number[];
    switch (from.family) {
      case 'python':
        out = python(from, source, names);
        break;
      case 'go':
        out = go(from, source);
        break;
      case 'rust':
        out = rust(from, source);
        break;
      case 'c':
        // `#include "x.h"`: next to the includer, else a unique file ending with that path.
        out = keyed(from.family, posix.join(posix.dirname(from.rel), source));
        if (out.length === 0 && source.includes('/')) out = unique(bySuffix(from.family, source));
        break;
      default:
        if (source.startsWith('./') || source.startsWith('../')) {
          const path = posix.join(posix.dirname(from.rel), source);
          out = keyed(from.family, path);
          if (out.length === 0) out = keyed(from.family, stripExt(path));
        } else if (from.family === 'js') {
          // A bare specifier is a package: one of the workspace's, or a dependency (nothing here),
          // unless a path alias of the root's tsconfig names it (`@/components/Button`).
          out = workspace(from, source);
          for (const a of aliases) {
            if (out.length > 0) break;
            if (a.rootName !== from.rootName) continue;
            for (const t of aliasTargets(a, source)) {
              out = keyed(from.family, t);
              if (out.length === 0) out = keyed(from.family, stripExt(t));
              if (out.length > 0) break;
            }
          }
        } else {
          out = absolute(from, stripExt(source.replace(/::|\\/g, '/')).replace(/\./g, '/'));
        }
    }
    return out.filter((i) => i !== fromIndex);
  };
}
