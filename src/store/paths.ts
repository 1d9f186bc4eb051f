import { isAbsolute, resolve } from 'node:path';
import { CodeindexError } from '../errors.js';

/** A root and, optionally, a relative file-or-directory path inside it. */
export interface ScopeEntry {
  rootId: number;
  /** null = the whole root. */
  rel: string | null;
  /**
   * Subtrees of the root left out because another root of the same scope is inside it (see
   * {@link withoutNestedRoots}).
   */
  exclude?: string[];
}

/** A SQL condition on `f` (files) and its parameters. */
export interface SqlFilter {
  sql: string;
  params: unknown[];
}

/** Canonical form of a root path: absolute, normalised, no trailing separator. */
export function normalizeRootPath(rootPath: string): string {
  if (!isAbsolute(rootPath)) {
    throw new CodeindexError('INVALID_PAYLOAD', `root path must be absolute: ${rootPath}`);
  }
  return resolve(rootPath);
}

/** Rejects relative paths that could escape the root or are not in `/` form. */
export function checkRelPath(relPath: string): string {
  if (
    relPath.length === 0 ||
    relPath.startsWith('/') ||
    relPath.includes('\\') ||
    relPath.split('/').some((seg) => seg === '..' || seg === '.' || seg === '')
  ) {
    throw new CodeindexError(
      'INVALID_PAYLOAD',
      `file path must be relative to the root with '/' separators: ${relPath}`,
    );
  }
  return relPath;
}

/** A path's file name without its extension (`src/markup.py` -> `markup`). */
export function fileStem(path: string): string {
  return (path.split('/').at(-1) ?? '').replace(/\.[^.]*$/, '');
}

/** Absolute path of a file row. */
export function joinRootPath(root: string, rel: string): string {
  return root.endsWith('/') ? root + rel : `${root}/${rel}`;
}

/** The relative path of `absPath` inside `root`: `''` for the root itself, null when outside. */
export function relativeToRoot(root: string, absPath: string): string | null {
  if (absPath === root) return '';
  const prefix = root.endsWith('/') ? root : `${root}/`;
  return absPath.startsWith(prefix) ? absPath.slice(prefix.length) : null;
}

/**
 * Which roots (and which part of each) an absolute path prefix selects: a path inside a root
 * selects that subtree; a directory above roots selects those roots whole. Throws `NOT_INDEXED`
 * when it selects nothing.
 */
export function resolveScope(
  roots: readonly { id: number; path: string }[],
  pathPrefix: string,
): ScopeEntry[] {
  const prefix = isAbsolute(pathPrefix) ? resolve(pathPrefix) : pathPrefix;
  const out: ScopeEntry[] = [];
  for (const r of roots) {
    const rel = relativeToRoot(r.path, prefix);
    if (rel !== null) out.push({ rootId: r.id, rel: rel === '' ? null : rel });
    else if (relativeToRoot(prefix, r.path) !== null) out.push({ rootId: r.id, rel: null });
  }
  if (out.length === 0) {
    throw new CodeindexError(
      'NOT_INDEXED',
      `${pathPrefix} is not inside an indexed root: index it first (index_repository)`,
    );
  }
  return out;
}

/**
 * A project indexed whole and then one of its folders on its own (or the other way round) holds
 * those files twice, under two roots. A scope that takes both reads each file once, from the
 * innermost root (the one `get_file_outline` answers from): the outer root's entry leaves out the
 * inner root's subtree. The repository map listed each file of such a folder twice.
 */
export function withoutNestedRoots(
  entries: readonly ScopeEntry[],
  roots: readonly { id: number; path: string }[],
): ScopeEntry[] {
  if (entries.length < 2) return [...entries];
  const pathOf = new Map(roots.map((r) => [r.id, r.path]));
  const ids = [...new Set(entries.map((e) => e.rootId))];
  return entries.map((e) => {
    const outer = pathOf.get(e.rootId);
    if (outer === undefined) return e;
    const exclude: string[] = [];
    for (const id of ids) {
      const inner = id === e.rootId ? undefined : pathOf.get(id);
      const rel = inner === undefined ? null : relativeToRoot(outer, inner);
      if (rel !== null && rel !== '') exclude.push(rel);
    }
    return exclude.length === 0 ? e : { ...e, exclude };
  });
}

/**
 * SQL for "file `f` is in scope". `rel` matches the file itself or anything below it; the range
 * `[rel/, rel0)` is every path that starts with `rel/` (`0` follows `/` in byte order) and uses
 * the (root_id, path) index.
 */
export function scopeFilter(scope: readonly ScopeEntry[]): SqlFilter {
  const parts: string[] = [];
  const params: unknown[] = [];
  for (const s of scope) {
    let part: string;
    if (s.rel === null) {
      part = 'f.root_id = ?';
      params.push(s.rootId);
    } else {
      part = 'f.root_id = ? AND (f.path = ? OR (f.path >= ? AND f.path < ?))';
      params.push(s.rootId, s.rel, `${s.rel}/`, `${s.rel}0`);
    }
    for (const x of s.exclude ?? []) {
      part += ' AND NOT (f.path = ? OR (f.path >= ? AND f.path < ?))';
      params.push(x, `${x}/`, `${x}0`);
    }
    parts.push(s.rel === null && s.exclude === undefined ? part : `(${part})`);
  }
  return { sql: `(${parts.join(' OR ')})`, params };
}
