/**
 * Which paths under a root are ignored: `.gitignore` at every level, `.git/info/exclude`,
 * `.codeindexignore` at every level, the default excludes and configured extra excludes.
 *
 * Precedence, lowest to highest (the last source with an opinion wins, as in git):
 *   1. `.git/info/exclude` (only when `<root>/.git` is a directory)
 *   2. `.gitignore`, root first, then each directory down to the path's parent
 *   3. `DEFAULT_EXCLUDES` (unless disabled)
 *   4. `extraExcludes` from config (gitignore patterns relative to the root)
 *   5. `.codeindexignore`, root first, then each directory down to the path's parent
 * Version-control directories (`ALWAYS_EXCLUDED_NAMES`) are excluded whatever the rules say.
 * As in git, nothing below an ignored directory can be re-included.
 *
 * Ignore files are read lazily, per directory, the first time a path below it is tested, so one
 * matcher serves both the full scan and a long-lived file watcher.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import ignore from 'ignore';
import { CodeindexError } from '../errors.js';
import {
  ALWAYS_EXCLUDED_NAMES,
  compileExcludes,
  DEFAULT_EXCLUDES,
  matchesExcludes,
} from './default-excludes.js';

type Ignore = ReturnType<typeof ignore>;

/** Names of the per-directory ignore files, in the order they are applied within a directory. */
export const IGNORE_FILE_NAMES: readonly string[] = Object.freeze(['.gitignore', '.codeindexignore']);

/** Path of git's per-repository exclude file, relative to the root. */
export const GIT_INFO_EXCLUDE = '.git/info/exclude';

/** Options for `createIgnoreMatcher`; all optional. */
export interface IgnoreMatcherOptions {
  /** Apply `DEFAULT_EXCLUDES`. Default `true`. */
  useDefaultExcludes?: boolean;
  /** Extra gitignore patterns, relative to the root (from config). */
  extraExcludes?: readonly string[];
  /** Match case-insensitively. Default: `true` on macOS and Windows, else `false` (git's default). */
  ignoreCase?: boolean;
}

/** Answers "is this path ignored?" for one root. Not thread-safe; cheap to create. */
export interface IgnoreMatcher {
  /** The absolute root the relative paths are under. */
  readonly root: string;
  /**
   * True when `relPath` (relative to the root, `/` or platform separators) is ignored, either by
   * itself or because a parent directory is. `isDir` tells whether the path is a directory, for
   * patterns with a trailing `/`. The root itself (`''`) is never ignored.
   * @throws CodeindexError PATH_OUTSIDE_ROOT for an absolute path or one that starts with `..`.
   */
  isIgnored(relPath: string, isDir: boolean): boolean;
  /**
   * Forgets the rules loaded from the ignore files of one directory (relative to the root, `''`
   * for the root; `.git/info` for `.git/info/exclude`), so they are re-read on the next query.
   * Without an argument, forgets everything.
   */
  invalidate(relDir?: string): void;
  /**
   * For a watcher: when `relPath` is an ignore file, the directory to pass to `invalidate`;
   * otherwise `undefined`.
   */
  ignoreFileDir(relPath: string): string | undefined;
  /**
   * For a walker that has already listed `relDir`: load its rules from the ignore files it found
   * (`names`, a subset of `IGNORE_FILE_NAMES`), without probing for the missing ones.
   * A no-op when the directory's rules are already loaded.
   */
  primeDirectory(relDir: string, names: readonly string[]): void;
}

/** A set of rules and the directory (relative to the root) its patterns are relative to. */
interface RuleSource {
  ig: Ignore;
  base: string;
}

interface DirRules {
  gitignore: Ignore | null;
  codeindexignore: Ignore | null;
}

/** The rule sources that apply to the entries of one directory, per layer, shallowest first. */
interface RuleChain {
  gitignore: readonly RuleSource[];
  codeindexignore: readonly RuleSource[];
}

const EMPTY_CHAIN: RuleChain = Object.freeze({ gitignore: [], codeindexignore: [] });

function normaliseRelPath(relPath: string): string {
  let rel = path.sep === '\\' ? relPath.replaceAll('\\', '/') : relPath;
  while (rel.startsWith('./')) rel = rel.slice(2);
  while (rel.endsWith('/')) rel = rel.slice(0, -1);
  if (rel === '.') rel = '';
  if (rel.startsWith('/') || rel === '..' || rel.startsWith('../') || path.isAbsolute(rel)) {
    throw new CodeindexError(
      'PATH_OUTSIDE_ROOT',
      `${relPath} is not a path relative to the root: pass the path relative to the indexed root`,
    );
  }
  return rel;
}

function parentOf(rel: string): string {
  const slash = rel.lastIndexOf('/');
  return slash < 0 ? '' : rel.slice(0, slash);
}

/** `rel` relative to `base` (a directory that contains it). */
function relativeTo(base: string, rel: string): string {
  return base === '' ? rel : rel.slice(base.length + 1);
}

/**
 * Creates a matcher for `root` (absolute). Options are normalised once and frozen.
 */
export function createIgnoreMatcher(root: string, opts: IgnoreMatcherOptions = {}): IgnoreMatcher {
  const settings = Object.freeze({
    root: path.resolve(root),
    ignoreCase: opts.ignoreCase ?? (process.platform === 'darwin' || process.platform === 'win32'),
    defaults: opts.useDefaultExcludes === false ? null : compileExcludes(DEFAULT_EXCLUDES),
    extraExcludes: Object.freeze([...(opts.extraExcludes ?? [])]),
  });
  const alwaysExcluded = new Set(ALWAYS_EXCLUDED_NAMES);
  const newIgnore = (): Ignore => ignore({ ignorecase: settings.ignoreCase });
  const extras =
    settings.extraExcludes.length > 0 ? newIgnore().add(settings.extraExcludes as string[]) : null;

  // Caches; all derived from the file system, all dropped by `invalidate`.
  const dirRules = new Map<string, DirRules>();
  const chains = new Map<string, RuleChain>();
  const dirVerdicts = new Map<string, boolean>();
  const cache: { infoExclude: Ignore | null | undefined } = { infoExclude: undefined };

  function readRules(relFile: string): Ignore | null {
    let text: string;
    try {
      text = readFileSync(path.join(settings.root, relFile), 'utf8');
    } catch {
      return null; // missing, a directory, unreadable: no rules
    }
    if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    return newIgnore().add(text);
  }

  function rulesOf(relDir: string, present?: readonly string[]): DirRules {
    let rules = dirRules.get(relDir);
    if (rules === undefined) {
      const load = (name: string): Ignore | null =>
        present === undefined || present.includes(name)
          ? readRules(relDir === '' ? name : `${relDir}/${name}`)
          : null;
      rules = { gitignore: load('.gitignore'), codeindexignore: load('.codeindexignore') };
      dirRules.set(relDir, rules);
    }
    return rules;
  }

  function chainOf(relDir: string): RuleChain {
    const cached = chains.get(relDir);
    if (cached !== undefined) return cached;
    const parent = relDir === '' ? EMPTY_CHAIN : chainOf(parentOf(relDir));
    const own = rulesOf(relDir);
    const chain: RuleChain =
      own.gitignore === null && own.codeindexignore === null
        ? parent
        : {
            gitignore:
              own.gitignore === null
                ? parent.gitignore
                : [...parent.gitignore, { ig: own.gitignore, base: relDir }],
            codeindexignore:
              own.codeindexignore === null
                ? parent.codeindexignore
                : [...parent.codeindexignore, { ig: own.codeindexignore, base: relDir }],
          };
    chains.set(relDir, chain);
    return chain;
  }

  function infoExclude(): Ignore | null {
    if (cache.infoExclude === undefined) cache.infoExclude = readRules(GIT_INFO_EXCLUDE);
    return cache.infoExclude;
  }

  /**
   * The opinion of one rule source on `sub` (relative to the source's base): true (ignore),
   * false (re-include) or undefined (none). Called only when every parent directory is known not
   * to be ignored overall; when THIS source ignores a parent (and a higher one re-included it),
   * the library reports the parent's verdict for the child, which is not the child's own, so the
   * source has no opinion.
   */
  function opinion(ig: Ignore, sub: string, isDir: boolean): boolean | undefined {
    const result = ig.test(isDir ? `${sub}/` : sub);
    if (result.unignored) return false;
    if (!result.ignored) return undefined;
    const slash = sub.lastIndexOf('/');
    if (slash >= 0 && ig.test(sub.slice(0, slash + 1)).ignored) return undefined;
    return true;
  }

  /** Verdict for one entry whose parent directories are all known not to be ignored. */
  function decide(rel: string, name: string, isDir: boolean, parent: string): boolean {
    if (alwaysExcluded.has(name)) return true;
    let verdict = false;
    const apply = (ig: Ignore | null, sub: string): void => {
      if (ig === null) return;
      const said = opinion(ig, sub, isDir);
      if (said !== undefined) verdict = said;
    };
    const chain = chainOf(parent);
    apply(infoExclude(), rel);
    for (const source of chain.gitignore) apply(source.ig, relativeTo(source.base, rel));
    if (settings.defaults !== null && matchesExcludes(settings.defaults, name, isDir)) verdict = true;
    apply(extras, rel);
    for (const source of chain.codeindexignore) apply(source.ig, relativeTo(source.base, rel));
    return verdict;
  }

  function isIgnored(relPath: string, isDir: boolean): boolean {
    const rel = normaliseRelPath(relPath);
    if (rel === '') return false;
    let parent = '';
    let start = 0;
    for (;;) {
      const slash = rel.indexOf('/', start);
      if (slash < 0) break;
      const dir = rel.slice(0, slash);
      let verdict = dirVerdicts.get(dir);
      if (verdict === undefined) {
        verdict = decide(dir, rel.slice(start, slash), true, parent);
        dirVerdicts.set(dir, verdict);
      }
      if (verdict) return true;
      parent = dir;
      start = slash + 1;
    }
    if (isDir) {
      const cached = dirVerdicts.get(rel);
      if (cached !== undefined) return cached;
      const verdict = decide(rel, rel.slice(start), true, parent);
      dirVerdicts.set(rel, verdict);
      return verdict;
    }
    return decide(rel, rel.slice(start), false, parent);
  }

  function invalidate(relDir?: string): void {
    chains.clear();
    dirVerdicts.clear();
    if (relDir === undefined) {
      dirRules.clear();
      cache.infoExclude = undefined;
      return;
    }
    const dir = normaliseRelPath(relDir);
    if (dir === parentOf(GIT_INFO_EXCLUDE)) cache.infoExclude = undefined;
    else dirRules.delete(dir);
  }

  function ignoreFileDir(relPath: string): string | undefined {
    const rel = normaliseRelPath(relPath);
    if (rel === GIT_INFO_EXCLUDE) return parentOf(GIT_INFO_EXCLUDE);
    const name = rel.slice(rel.lastIndexOf('/') + 1);
    return IGNORE_FILE_NAMES.includes(name) ? parentOf(rel) : undefined;
  }

  function primeDirectory(relDir: string, names: readonly string[]): void {
    rulesOf(normaliseRelPath(relDir), names);
  }

  return Object.freeze({ root: settings.root, isIgnored, invalidate, ignoreFileDir, primeDirectory });
}
