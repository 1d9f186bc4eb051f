/**
 * What is never worth indexing even when no ignore file says so: dependencies, build output,
 * caches, editor folders, minified bundles, source maps and lockfiles.
 */

/**
 * Version-control metadata. Always excluded; no ignore file can re-include it.
 */
export const ALWAYS_EXCLUDED_NAMES: readonly string[] = Object.freeze(['.git', '.hg', '.svn', '.jj', '.bzr']);

/**
 * Default excludes, in gitignore syntax. Every entry is a BASENAME pattern (no `/` except a trailing
 * one for directories), so it matches at any depth; they are matched without the `ignore` library
 * (set and suffix lookups), which keeps the scan fast.
 *
 * A root `.codeindexignore` can re-include any of them (`!vendor/`); a `.gitignore` cannot, so a
 * `!*\/` trick in a `.gitignore` never pulls `node_modules/` back in.
 *
 * Deliberately NOT excluded: `third_party/` (often first-party code in monorepos), generated
 * protobuf code (`*.pb.go`, `*_pb2.py`: it defines types the rest of the code uses), `*.d.ts`.
 * Known cost: Go's own tree has real packages named `go/build` and `cmd/dist`; index them with
 * `!build/` / `!dist/` in `.codeindexignore`.
 */
export const DEFAULT_EXCLUDES: readonly string[] = Object.freeze([
  // Dependencies
  'node_modules/',
  'bower_components/',
  'jspm_packages/',
  'vendor/',
  '.pnpm-store/',
  '.yarn/',
  '.venv/',
  'venv/',
  '.eggs/',
  '*.egg-info/',
  'Pods/',
  // Build output
  'dist/',
  'build/',
  'out/',
  'target/',
  '.next/',
  '.nuxt/',
  '.svelte-kit/',
  '.output/',
  '.turbo/',
  '.parcel-cache/',
  '.gradle/',
  '.dart_tool/',
  '.terraform/',
  '.serverless/',
  // Caches and reports
  'coverage/',
  '.nyc_output/',
  '.cache/',
  '__pycache__/',
  '.tox/',
  '.nox/',
  '.mypy_cache/',
  '.pytest_cache/',
  '.ruff_cache/',
  // Editors
  '.idea/',
  '.vscode/',
  // Minified, bundled, maps
  '*.min.js',
  '*.min.mjs',
  '*.min.cjs',
  '*.min.css',
  '*-min.js',
  '*.bundle.js',
  '*.map',
  // Lockfiles
  'package-lock.json',
  'npm-shrinkwrap.json',
  'yarn.lock',
  'pnpm-lock.yaml',
  'bun.lockb',
  'bun.lock',
  'Cargo.lock',
  'poetry.lock',
  'Pipfile.lock',
  'uv.lock',
  'composer.lock',
  'Gemfile.lock',
  'go.sum',
]);

/** `DEFAULT_EXCLUDES` compiled into constant-time lookups. */
export interface CompiledExcludes {
  /** Directory basenames. */
  readonly dirNames: ReadonlySet<string>;
  /** Directory basename suffixes (`*.egg-info/`). */
  readonly dirSuffixes: readonly string[];
  /** File basenames. */
  readonly fileNames: ReadonlySet<string>;
  /** File basename suffixes (`*.min.js`). */
  readonly fileSuffixes: readonly string[];
}

/**
 * Compiles basename patterns (`name`, `name/`, `*suffix`, `*suffix/`) into lookups.
 * @throws Error for a pattern outside that subset (a programming error in the constant).
 */
export function compileExcludes(patterns: readonly string[]): CompiledExcludes {
  const dirNames = new Set<string>();
  const dirSuffixes: string[] = [];
  const fileNames = new Set<string>();
  const fileSuffixes: string[] = [];
  for (const pattern of patterns) {
    const isDir = pattern.endsWith('/');
    const body = isDir ? pattern.slice(0, -1) : pattern;
    if (body.includes('/') || /[?[\]\\!]/.test(body) || body.indexOf('*') > 0) {
      throw new Error(`default exclude ${pattern} is not a basename pattern`);
    }
    if (body.startsWith('*')) (isDir ? dirSuffixes : fileSuffixes).push(body.slice(1));
    else (isDir ? dirNames : fileNames).add(body);
  }
  return Object.freeze({
    dirNames,
    dirSuffixes: Object.freeze(dirSuffixes),
    fileNames,
    fileSuffixes: Object.freeze(fileSuffixes),
  });
}

/** True when a basename matches the compiled excludes. */
export function matchesExcludes(excludes: CompiledExcludes, name: string, isDir: boolean): boolean {
  if (isDir) {
    if (excludes.dirNames.has(name)) return true;
    for (const suffix of excludes.dirSuffixes) if (name.endsWith(suffix)) return true;
    return false;
  }
  if (excludes.fileNames.has(name)) return true;
  for (const suffix of excludes.fileSuffixes) if (name.endsWith(suffix)) return true;
  return false;
}
