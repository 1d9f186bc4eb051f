/**
 * What role a file plays in its repository, read from its path alone: the directory and file-name
 * conventions of Python, JavaScript/TypeScript, Go, Rust, Java/Kotlin, C#, Ruby, PHP and C/C++.
 * Rankers use it to put the code an answer lives in ahead of its tests, fixtures and copies.
 */

/** The role of a file. `source` is everything no convention marks as something else. */
export type PathClass =
  | 'source'
  | 'test'
  | 'fixture'
  | 'example'
  | 'bench'
  | 'generated'
  | 'vendored'
  | 'docs';

/** Every class, in the order {@link classifyPath} checks them (the first match wins). */
export const PATH_CLASSES: readonly PathClass[] = Object.freeze([
  'vendored',
  'generated',
  'fixture',
  'test',
  'bench',
  'example',
  'docs',
  'source',
]);

// Directory names, compared lower-case against every directory segment of the path.
const VENDORED_DIRS = new Set([
  'vendor',
  'vendored',
  '_vendor',
  'third_party',
  'third-party',
  'thirdparty',
  'extern',
  'deps',
  'node_modules',
  'bower_components',
  'site-packages',
]);
const GENERATED_DIRS = new Set(['generated', '__generated__', 'gen', 'autogen', 'auto_generated']);
const FIXTURE_DIRS = new Set([
  'fixtures',
  'fixture',
  '__fixtures__',
  'testdata',
  'test_data',
  'test-data',
  'testfixtures',
  '__snapshots__',
  'snapshots',
  '__mocks__',
  'mocks',
  'stubs',
]);
const TEST_DIRS = new Set([
  'test',
  'tests',
  '__tests__',
  'spec',
  'specs',
  'e2e',
  // Singular only: `integrations/` (plural) is usually source (adapters to other products).
  'integration',
  'integration_tests',
  'integration-tests',
  'unit_tests',
  'unittests',
  'androidtest',
]);
const BENCH_DIRS = new Set(['bench', 'benches', 'benchmark', 'benchmarks', 'perf']);
const EXAMPLE_DIRS = new Set([
  'example',
  'examples',
  '_examples',
  'samples',
  'sample',
  'demo',
  'demos',
  'tutorial',
]);
const DOCS_DIRS = new Set(['doc', 'docs', 'documentation', 'man', '_docs']);

// File-name conventions, tried against the lower-cased base name.
const GENERATED_FILES: readonly RegExp[] = [
  /\.min\.(js|css|mjs)$/,
  /\.pb\.go$/,
  /\.pb\.gw\.go$/,
  /_pb2(_grpc)?\.pyi?$/,
  /\.pb\.(h|cc)$/,
  /_generated\.\w+$/,
  /\.generated\.\w+$/,
  /\.g\.(dart|cs)$/,
  /\.designer\.cs$/,
  /^zz_generated\..*\.go$/,
  /\.bundle\.js$/,
  /\.d\.ts\.map$/,
  /\.map$/,
];
const TEST_FILES: readonly RegExp[] = [
  /^test_.*\.py$/,
  /_tests?\.py$/,
  /^conftest\.py$/,
  /_test\.go$/,
  /\.(test|spec)\.[cm]?[jt]sx?$/,
  /_(test|spec)\.[cm]?[jt]sx?$/,
  /_test\.rs$/,
  /^tests?\.rs$/,
  /_(test|spec)\.rb$/,
  /_test\.(c|cc|cpp|cxx)$/,
  /_unittest\.(cc|cpp)$/,
  /^test_.*\.(c|cc|cpp)$/,
  /_test\.exs?$/,
];
// JVM, .NET and PHP name test classes in CamelCase; matched case-sensitively so that
// `Latest.java` or `Contest.cs` stay source.
const TEST_CLASS_FILES: readonly RegExp[] = [
  /[a-z0-9](Test|Tests|IT|Spec)\.(java|kt|scala|groovy|cs|php)$/,
  /^Test[A-Z0-9_]\w*\.(java|kt|scala|cs|php)$/,
];
const BENCH_FILES: readonly RegExp[] = [
  /^bench(mark)?s?_.*\.py$/,
  /_bench(mark)?\.(go|py|rs)$/,
  /\.bench\.[cm]?[jt]sx?$/,
  /benchmarks?\.(java|kt|cs)$/,
];
const EXAMPLE_FILES: readonly RegExp[] = [/^example_.*\.\w+$/, /\.example\.\w+$/];
/** Prose files, and Go's `doc.go`: by convention a package's comment and its `package` line only. */
const DOCS_FILES: readonly RegExp[] = [/\.(md|mdx|rst|adoc|asciidoc|txt|rdoc)$/, /^doc\.go$/];

function matchesAny(name: string, patterns: readonly RegExp[]): boolean {
  return patterns.some((re) => re.test(name));
}

/**
 * The class of a repository-relative path (`/`- or `\`-separated). Directory conventions outrank
 * file-name ones, and the outermost marking directory decides: `vendor/x/tests/a.go` is vendored,
 * `tests/fixtures/a.py` a fixture. A test file inside `examples/` counts as a test.
 */
export function classifyPath(relativePath: string): PathClass {
  const parts = relativePath
    .toLowerCase()
    .split(/[\\/]+/)
    .filter((p) => p !== '' && p !== '.');
  const base = parts.pop() ?? '';
  const originalBase = relativePath.split(/[\\/]+/).pop() ?? '';
  const dirClasses = parts.map(directoryClass);
  // Vendored, generated and fixture directories win wherever they sit: a test file under
  // `testdata/` is data, not a test of this repository.
  for (const cls of ['vendored', 'generated', 'fixture'] as const) {
    if (dirClasses.includes(cls)) return cls;
  }
  if (matchesAny(base, GENERATED_FILES)) return 'generated';
  if (matchesAny(base, TEST_FILES) || matchesAny(originalBase, TEST_CLASS_FILES)) return 'test';
  if (matchesAny(base, BENCH_FILES)) return 'bench';
  const firstDir = dirClasses.find((c) => c !== 'source');
  if (firstDir !== undefined) return firstDir;
  if (matchesAny(base, EXAMPLE_FILES)) return 'example';
  if (matchesAny(base, DOCS_FILES)) return 'docs';
  return 'source';
}

function directoryClass(dir: string): PathClass {
  if (VENDORED_DIRS.has(dir)) return 'vendored';
  if (GENERATED_DIRS.has(dir)) return 'generated';
  if (FIXTURE_DIRS.has(dir)) return 'fixture';
  if (TEST_DIRS.has(dir) || dir.endsWith('_test') || dir.endsWith('_tests')) return 'test';
  if (BENCH_DIRS.has(dir)) return 'bench';
  if (EXAMPLE_DIRS.has(dir)) return 'example';
  if (DOCS_DIRS.has(dir)) return 'docs';
  return 'source';
}

/** True for every class except `source`: the files a ranker puts after the code itself. */
export function isSecondaryPath(relativePath: string): boolean {
  return classifyPath(relativePath) !== 'source';
}

/**
 * A declaration file: TypeScript's `.d.ts` (`.d.mts`, `.d.cts`) or a Python stub (`.pyi`), names
 * and types with no logic, beside the code they describe.
 */
export function isDeclarationFile(path: string): boolean {
  return /\.(?:d\.[cm]?ts|pyi)$/.test(path);
}
