/**
 * Path safety: every path a user hands us is resolved, canonicalised (symlinks followed) and
 * checked against the allowed roots before anything reads it.
 */
import { lstat, realpath, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import { CodeindexError } from '../errors.js';

/** What `resolveAllowedPath` must find at the path. */
export type PathExpectation = 'file' | 'directory' | 'any';

/** A path that passed the allowed-roots check. */
export interface AllowedPath {
  /** The input made absolute against the cwd (`~` expanded), symlinks NOT followed: for messages. */
  absPath: string;
  /** The canonical path (all symlinks followed). Read this one. */
  realPath: string;
  /**
   * The canonical (real) path of the allowed root that contains `realPath` (the longest one when
   * roots nest). Canonical so that two spellings of a root never make two indexes.
   */
  root: string;
  /** `realPath` relative to `root`, with `/` separators; `''` for the root itself. */
  relPath: string;
}

/**
 * True when `abs` is `root` itself or lies below it. Both must be absolute and normalised;
 * purely lexical (no symlinks followed).
 */
export function isInside(root: string, abs: string): boolean {
  const rel = path.relative(root, abs);
  if (rel === '') return true;
  return rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel);
}

/**
 * The longest root that contains `absPath` (lexically), or `undefined`. Roots are compared after
 * `path.resolve`; the root is returned as given.
 */
export function findRootFor(absPath: string, roots: readonly string[]): string | undefined {
  const target = path.resolve(absPath);
  let best: string | undefined;
  let bestLength = -1;
  for (const root of roots) {
    const resolved = path.resolve(root);
    if (resolved.length > bestLength && isInside(resolved, target)) {
      best = root;
      bestLength = resolved.length;
    }
  }
  return best;
}

/**
 * `abs` relative to `root` with `/` separators (`''` for the root itself).
 * @throws CodeindexError PATH_OUTSIDE_ROOT when `abs` is not under `root`.
 */
export function toRelative(root: string, abs: string): string {
  const resolvedRoot = path.resolve(root);
  const resolved = path.resolve(abs);
  if (!isInside(resolvedRoot, resolved)) {
    throw new CodeindexError(
      'PATH_OUTSIDE_ROOT',
      `${abs} is outside ${root}: pass a path inside the root it is indexed under`,
    );
  }
  const rel = path.relative(resolvedRoot, resolved);
  return path.sep === '/' ? rel : rel.split(path.sep).join('/');
}

/** Expands a leading `~` (alone or followed by a separator) to the home directory. */
function expandHome(input: string): string {
  if (input === '~') return homedir();
  if (input.startsWith('~/') || (path.sep === '\\' && input.startsWith('~\\'))) {
    return path.join(homedir(), input.slice(2));
  }
  return input;
}

function errnoCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string'
    ? err.code
    : undefined;
}

async function exists(p: string): Promise<boolean> {
  return lstat(p).then(
    () => true,
    () => false,
  );
}

/** Real paths of the roots that exist (missing roots are dropped). */
async function realRoots(allowedRoots: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const root of allowedRoots) {
    try {
      out.push(await realpath(path.resolve(expandHome(root))));
    } catch {
      // A root that does not exist contains nothing; it still appears in messages.
    }
  }
  return out;
}

/** The longest real root containing `real`. */
function longestRealRoot(real: string, roots: readonly string[]): string | undefined {
  let best: string | undefined;
  for (const root of roots) {
    if (isInside(root, real) && (best === undefined || root.length > best.length)) best = root;
  }
  return best;
}

/**
 * Canonical form of a path that may not exist: the real path of its deepest existing ancestor
 * joined with the rest. Used to decide "outside the roots" before "not found", so a missing path
 * never reveals whether something exists outside the roots.
 */
async function realpathOfMissing(abs: string): Promise<string> {
  const tail: string[] = [];
  let current = abs;
  for (;;) {
    const parent = path.dirname(current);
    tail.unshift(path.basename(current));
    if (parent === current) return abs;
    try {
      return path.join(await realpath(parent), ...tail);
    } catch {
      current = parent;
    }
  }
}

/**
 * `PATH_OUTSIDE_ROOT` for `absPath`, the caller's `input` resolved. A relative input says what it
 * was resolved against: `pkg/models.py` came back as `/cwd/pkg/models.py is outside …`, and the
 * caller could not tell that the server's working directory, not its project, was the base.
 */
export function outsideRootsError(
  input: string,
  absPath: string,
  allowedRoots: readonly string[],
  via = '',
): CodeindexError {
  const list = allowedRoots.length > 0 ? allowedRoots.join(', ') : 'none configured';
  if (!path.isAbsolute(expandHome(input)))
    return new CodeindexError(
      'PATH_OUTSIDE_ROOT',
      `${absPath}${via} is outside the allowed roots (${list}): the relative path ${input} was resolved against the server's working directory ${process.cwd()}; pass an absolute path`,
    );
  return new CodeindexError(
    'PATH_OUTSIDE_ROOT',
    `${absPath}${via} is outside the allowed roots (${list}): add it to CODEINDEX_ROOTS or open the client in that folder`,
  );
}

/**
 * Resolves a user-supplied path and checks it against the allowed roots.
 *
 * Relative input is resolved against `process.cwd()`; a leading `~` is the home directory. The
 * check compares REAL paths (the path's and the roots'), so neither `..` nor a symlink can leave a
 * root. A path outside the roots is reported as such even when it does not exist.
 *
 * @throws CodeindexError `PATH_OUTSIDE_ROOT`, `PATH_NOT_FOUND` (missing, dangling symlink, symlink
 *   loop, no permission), `NOT_A_FILE`, `NOT_A_DIRECTORY`; every message is one line with a fix.
 */
export async function resolveAllowedPath(
  input: string,
  allowedRoots: readonly string[],
  opts: { expect: PathExpectation },
): Promise<AllowedPath> {
  // No file name holds a NUL byte; fs refused it with ERR_INVALID_ARG_VALUE, which read as a
  // permission problem ("cannot be accessed (ERR_INVALID_ARG_VALUE): check its permissions").
  if (input.includes('\0'))
    throw new CodeindexError(
      'INVALID_PAYLOAD',
      `path ${JSON.stringify(input)} contains a NUL byte, which no file name holds: pass the path without it`,
    );
  const absPath = path.resolve(expandHome(input));
  const roots = await realRoots(allowedRoots);

  let realPath: string;
  try {
    realPath = await realpath(absPath);
  } catch (err) {
    const code = errnoCode(err);
    const canonical = await realpathOfMissing(absPath);
    if (longestRealRoot(canonical, roots) === undefined) {
      // Inside a configured root that does not exist itself: that root, not the path, is the news
      // (it read "X is outside the allowed roots (…, X)").
      const missingRoot = findRootFor(
        absPath,
        allowedRoots.map((r) => path.resolve(expandHome(r))),
      );
      if (missingRoot !== undefined && !(await exists(missingRoot)))
        throw new CodeindexError(
          'PATH_NOT_FOUND',
          `${absPath} does not exist: the allowed root ${missingRoot} does not exist either; create it, or fix CODEINDEX_ROOTS`,
          { cause: err },
        );
      throw outsideRootsError(input, absPath, allowedRoots);
    }
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      const isLink = await lstat(absPath).then(
        (s) => s.isSymbolicLink(),
        () => false,
      );
      throw new CodeindexError(
        'PATH_NOT_FOUND',
        isLink
          ? `${absPath} is a symlink to a path that does not exist: fix or remove the link`
          : `${absPath} does not exist: check the spelling, or pass an absolute path (relative paths resolve against ${process.cwd()})`,
        { cause: err },
      );
    }
    if (code === 'ELOOP') {
      throw new CodeindexError(
        'PATH_NOT_FOUND',
        `${absPath} is a symlink loop: fix the link so it points at a real file or directory`,
        { cause: err },
      );
    }
    throw new CodeindexError(
      'PATH_NOT_FOUND',
      `${absPath} cannot be accessed (${code ?? 'unknown error'}): check its permissions`,
      { cause: err },
    );
  }

  const root = longestRealRoot(realPath, roots);
  if (root === undefined) {
    const via = realPath === absPath ? '' : ` (which resolves to ${realPath})`;
    throw outsideRootsError(input, absPath, allowedRoots, via);
  }

  if (opts.expect !== 'any') {
    const info = await stat(realPath).catch((err: unknown) => {
      throw new CodeindexError('PATH_NOT_FOUND', `${absPath} disappeared while being checked: try again`, {
        cause: err,
      });
    });
    if (opts.expect === 'file' && !info.isFile()) {
      throw new CodeindexError(
        'NOT_A_FILE',
        info.isDirectory()
          ? `${absPath} is a directory: use index_repository for directories`
          : `${absPath} is not a regular file: pass a source file`,
      );
    }
    if (opts.expect === 'directory' && !info.isDirectory()) {
      throw new CodeindexError(
        'NOT_A_DIRECTORY',
        `${absPath} is a file, not a directory: use index_file for single files, or pass its folder`,
      );
    }
  }

  return { absPath, realPath, root, relPath: toRelative(root, realPath) };
}

/**
 * The folder a command-line command (`index`, `watch`) acts on. The user at a shell may name any
 * directory, unless `CODEINDEX_ROOTS` is set: then it must lie inside those roots.
 */
export async function resolveCommandDirectory(
  pathArg: string,
  configuredRoots: readonly string[],
): Promise<string> {
  // No roots configured: any directory, so the file system's root is the allowed root. (The path
  // itself was, and a path that does not exist was then "outside the allowed roots (itself)".)
  const roots =
    configuredRoots.length > 0 ? configuredRoots : [path.parse(path.resolve(expandHome(pathArg))).root];
  return (await resolveAllowedPath(pathArg, roots, { expect: 'directory' })).realPath;
}
