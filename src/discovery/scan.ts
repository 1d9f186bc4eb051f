/**
 * Lists the files of a repository that should be indexed, with the reason for every file that is
 * not. Content checks (binary, UTF-8) happen later, when a worker reads the file.
 *
 * Decisions:
 * - Symlinks are never followed out of the root, and symlinks to directories are never followed
 *   at all (no cycles, no double walks); they are counted in `symlinkedDirs`.
 * - A symlink to a file inside the root whose target is itself indexed (not ignored, supported) is
 *   skipped as a duplicate: reason `ignored`, detail `duplicate of <target>`; the content is
 *   indexed once, under the target's path. When the target would not be indexed (ignored, say),
 *   the link is indexed under its own path.
 * - Every entry gets exactly one reason, decided in this order: ignore rules (`ignored`, counted,
 *   not listed), extension (`unsupported_language`, counted, listed only with `listUnsupported`;
 *   for a symlink, after checking it is not a link to a directory), symlink checks
 *   (`dangling_symlink` incl. loops, `symlink_outside_root`), then size from stat (`too_large`,
 *   `empty`), so a file over the cap is never read.
 * - Directories that cannot be listed are reported in `unreadableDirs`; the root itself failing
 *   throws.
 *
 * The walk uses synchronous fs calls in time slices of a few milliseconds, yielding to the event
 * loop between slices (lock renewals and cancellation keep working): that is several times faster
 * than one promise per entry.
 */
import { type Dirent, readdirSync, realpathSync, type Stats, statSync } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { CodeindexError } from '../errors.js';
import { SKIP_REASONS, type SkipReason } from '../store/types.js';
import { createIgnoreMatcher, IGNORE_FILE_NAMES, type IgnoreMatcher } from './ignore-rules.js';
import { isInside, toRelative } from './paths.js';

/** How long the walk may hold the event loop before yielding. */
const SLICE_MS = 8;

/** Options for `scanRepository`. */
export interface ScanOptions {
  /** Files larger than this are skipped as `too_large` (from stat, never read). */
  maxFileBytes: number;
  /** Extra gitignore patterns, relative to the root. */
  extraExcludes?: readonly string[];
  /** Apply `DEFAULT_EXCLUDES`. Default `true`. */
  useDefaultExcludes?: boolean;
  /** Whether a file's language is indexed, from its relative path (extension, name). */
  isSupported: (relPath: string) => boolean;
  /** Stops the walk between directories; the promise rejects with `signal.reason`. */
  signal?: AbortSignal;
  /** Also list `unsupported_language` files in `skipped` (they are always counted). Default `false`. */
  listUnsupported?: boolean;
  /** A matcher to reuse (e.g. the watcher's); by default one is built from the options above. */
  matcher?: IgnoreMatcher;
}

/** A file to index. */
export interface ScannedFile {
  /** Relative to the root, `/` separators. */
  path: string;
  size: number;
  mtimeMs: number;
}

/** A file that is not indexed. */
export interface SkippedFile {
  /** Relative to the root, `/` separators. */
  path: string;
  reason: SkipReason;
  /** From stat, when the file was stat'ed. */
  size?: number;
  mtimeMs?: number;
  /** One line for a human. */
  detail?: string;
}

/** The outcome of a scan; every list is sorted by path (code-unit order), so output is deterministic. */
export interface ScanResult {
  files: ScannedFile[];
  /** Skipped files, except rule-ignored ones and (without `listUnsupported`) unsupported ones. */
  skipped: SkippedFile[];
  /** Exact count per reason, including entries not listed in `skipped`. */
  skippedCounts: Record<SkipReason, number>;
  /** Directories excluded by ignore rules (not descended into). */
  dirsIgnored: number;
  /** Symlinks to directories (never followed). */
  symlinkedDirs: number;
  /** Directories that could not be listed (relative paths). */
  unreadableDirs: string[];
}

function byPath(a: { path: string }, b: { path: string }): number {
  return a.path < b.path ? -1 : a.path > b.path ? 1 : 0;
}

function errnoCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string'
    ? err.code
    : undefined;
}

async function checkRoot(root: string): Promise<string> {
  try {
    const info = await stat(root);
    if (!info.isDirectory()) {
      throw new CodeindexError('NOT_A_DIRECTORY', `${root} is not a directory: pass the repository folder`);
    }
    return await realpath(root);
  } catch (err) {
    if (err instanceof CodeindexError) throw err;
    throw new CodeindexError(
      'PATH_NOT_FOUND',
      `${root} cannot be scanned (${errnoCode(err) ?? 'unknown error'}): check that it exists and is readable`,
      { cause: err },
    );
  }
}

/**
 * Walks `root` (absolute) and returns the files to index, sorted, with skip reasons.
 * @throws CodeindexError PATH_NOT_FOUND / NOT_A_DIRECTORY for a bad root; `signal.reason` on abort.
 */
export async function scanRepository(root: string, opts: ScanOptions): Promise<ScanResult> {
  opts.signal?.throwIfAborted();
  const absRoot = path.resolve(root);
  const realRoot = await checkRoot(absRoot);
  const matcher =
    opts.matcher ??
    createIgnoreMatcher(absRoot, {
      ...(opts.useDefaultExcludes === undefined ? {} : { useDefaultExcludes: opts.useDefaultExcludes }),
      ...(opts.extraExcludes === undefined ? {} : { extraExcludes: opts.extraExcludes }),
    });
  const { isSupported, maxFileBytes } = opts;
  const listUnsupported = opts.listUnsupported ?? false;

  const files: ScannedFile[] = [];
  const skipped: SkippedFile[] = [];
  const counts = Object.fromEntries(SKIP_REASONS.map((r) => [r, 0])) as Record<SkipReason, number>;
  const unreadableDirs: string[] = [];
  let dirsIgnored = 0;
  let symlinkedDirs = 0;

  const addSkip = (entry: SkippedFile): void => {
    counts[entry.reason]++;
    skipped.push(entry);
  };

  /** False (and counted) when the file's language is not indexed. */
  const addIfSupported = (rel: string): boolean => {
    if (isSupported(rel)) return true;
    counts.unsupported_language++;
    if (listUnsupported) skipped.push({ path: rel, reason: 'unsupported_language' });
    return false;
  };

  /** Size checks for a regular file (or a link's target); the file is indexed if they pass. */
  const addByStats = (rel: string, size: number, mtimeMs: number): void => {
    if (size > maxFileBytes) {
      addSkip({ path: rel, reason: 'too_large', size, mtimeMs, detail: `${size} bytes > ${maxFileBytes}` });
    } else if (size === 0) {
      addSkip({ path: rel, reason: 'empty', size, mtimeMs });
    } else {
      files.push({ path: rel, size, mtimeMs });
    }
  };

  const handleSymlink = (rel: string, abs: string): void => {
    let target: Stats | undefined;
    try {
      target = statSync(abs, { throwIfNoEntry: false });
    } catch (err) {
      if (errnoCode(err) !== 'ELOOP') throw err;
    }
    if (target?.isDirectory()) {
      symlinkedDirs++;
      return;
    }
    if (!addIfSupported(rel)) return;
    if (target === undefined) {
      addSkip({ path: rel, reason: 'dangling_symlink', detail: 'target does not exist' });
      return;
    }
    if (!target.isFile()) return;
    const real = realpathSync(abs);
    if (!isInside(realRoot, real)) {
      addSkip({ path: rel, reason: 'symlink_outside_root', detail: 'target is outside the root' });
      return;
    }
    const targetRel = toRelative(realRoot, real);
    if (targetRel !== rel && isSupported(targetRel) && !matcher.isIgnored(targetRel, false)) {
      addSkip({ path: rel, reason: 'ignored', detail: `duplicate of ${targetRel}` });
      return;
    }
    addByStats(rel, target.size, target.mtimeMs);
  };

  const stack: string[] = [''];
  let sliceStart = performance.now();
  while (stack.length > 0) {
    if (performance.now() - sliceStart > SLICE_MS) {
      await yieldToEventLoop();
      sliceStart = performance.now();
    }
    opts.signal?.throwIfAborted();
    const dirRel = stack.pop()!;
    const dirAbs = dirRel === '' ? absRoot : path.join(absRoot, dirRel);
    let entries: Dirent[];
    try {
      entries = readdirSync(dirAbs, { withFileTypes: true });
    } catch (err) {
      if (dirRel === '') {
        throw new CodeindexError(
          'PATH_NOT_FOUND',
          `${absRoot} cannot be listed (${errnoCode(err) ?? 'unknown error'}): check its permissions`,
          { cause: err },
        );
      }
      unreadableDirs.push(dirRel);
      continue;
    }
    const ignoreFiles = entries.filter((e) => IGNORE_FILE_NAMES.includes(e.name)).map((e) => e.name);
    matcher.primeDirectory(dirRel, ignoreFiles);

    for (const entry of entries) {
      const rel = dirRel === '' ? entry.name : `${dirRel}/${entry.name}`;
      if (entry.isDirectory()) {
        if (matcher.isIgnored(rel, true)) dirsIgnored++;
        else stack.push(rel);
        continue;
      }
      const isLink = entry.isSymbolicLink();
      if (!isLink && !entry.isFile()) continue; // sockets, FIFOs, devices: never source
      if (matcher.isIgnored(rel, false)) {
        counts.ignored++;
        continue;
      }
      const abs = `${dirAbs}${path.sep}${entry.name}`;
      try {
        if (isLink) {
          handleSymlink(rel, abs);
        } else if (addIfSupported(rel)) {
          const info = statSync(abs, { throwIfNoEntry: false });
          if (info !== undefined) addByStats(rel, info.size, info.mtimeMs);
          // A name that is not UTF-8 comes back with U+FFFD in it, a path no call can open.
          else if (entry.name.includes('\uFFFD'))
            addSkip({
              path: rel,
              reason: 'unreadable',
              detail: 'its name is not valid UTF-8: rename the file',
            });
          // else: deleted meanwhile
        }
      } catch (err) {
        addSkip({
          path: rel,
          reason: 'unreadable',
          detail: `cannot stat (${errnoCode(err) ?? 'unknown error'})`,
        });
      }
    }
  }

  files.sort(byPath);
  skipped.sort(byPath);
  unreadableDirs.sort();
  return { files, skipped, skippedCounts: counts, dirsIgnored, symlinkedDirs, unreadableDirs };
}
