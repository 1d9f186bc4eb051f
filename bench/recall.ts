/**
 * `npm run bench -- recall [--fetch] [--tuned|--held-out]`: definition recall against universal-ctags, per language.
 *
 * For each language, real source found on this machine or in npm tarballs (`--fetch` runs
 * `npm pack` into `.bench-cache/recall-src/` for the ones not there yet) is run through ctags
 * (`--language-force`, default kinds minus those listed in `EXCLUDED_KINDS`) and through the
 * extractor. A ctags definition counts as found when the extractor reports a symbol of the same
 * name in the same file (as many times as ctags reports it). Swift and Scala have no ctags parser
 * here, so they have no figure.
 *
 * Each language has a `tuned` sample (the sources the queries were written against) and a
 * `held-out` one (sources fetched later from Debian packages and npm tarballs; see `heldOut`),
 * reported apart; `--tuned` or `--held-out` runs one.
 *
 * Tuned sources (see README of bench/): C from tree-sitter's runtime sources (node_modules) and
 * /usr/include; C++ from react-native's and react-native-windows' C++; C# from
 * react-native-windows; Ruby from react-native's CocoaPods scripts and redis-tools' examples;
 * PHP from the Google App Engine PHP SDK under /usr/lib/google-cloud-sdk; Kotlin from
 * react-native (Android) and expo-modules-core; Objective-C from expo-modules-core's and
 * react-native-screens' iOS code (react-native's own held out); Bash from react-native's and perf's scripts;
 * Lua from bullmq's Redis scripts.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createExtractor, detectLanguage, type LanguageId } from '../src/indexer/index.js';
import { CACHE, type CorpusSource, ensureSource, REPO_ROOT } from './corpora.js';

/** npm tarballs the sources come from (pinned, so the figures are repeatable). */
const PACKAGES = ['react-native@0.81.0', 'expo-modules-core@58.2.0', 'react-native-windows@0.79.0'];
const SRC = join(CACHE, 'recall-src');
const pkgDir = (spec: string) => join(SRC, spec.replace('@', '-'), 'package');

/** At most this many files per language (spread over the roots), so the run takes seconds. */
const MAX_FILES = 400;

interface LanguageSet {
  language: LanguageId;
  ctags: string | null;
  roots: (string | CorpusSource)[];
  extensions: string[];
  /** Roots that were looked at while writing the queries (the rest were not). */
  tunedOn: string;
  /**
   * Sources nobody looked at while writing or fixing the queries: measured apart, as the figure
   * that tells how the queries do on repositories they were not tuned on.
   */
  heldOut: (string | CorpusSource)[];
  /** Extensions of the held-out sample, when they differ from `extensions`. */
  heldOutExtensions?: string[];
}

const SETS: LanguageSet[] = [
  // The reference for the per-byte extraction time (and a check of the method on a language whose
  // queries are older).
  {
    language: 'python',
    ctags: 'Python',
    roots: [{ deb: 'python3-django', path: 'usr/lib/python3/dist-packages/django' }],
    extensions: ['.py'],
    tunedOn: 'django',
    heldOut: [{ deb: 'python3-jinja2', path: 'usr/lib/python3/dist-packages/jinja2' }],
  },
  {
    language: 'c',
    ctags: 'C',
    roots: [join(REPO_ROOT, 'node_modules/tree-sitter/vendor/tree-sitter/lib/src'), '/usr/include'],
    extensions: ['.c', '.h'],
    tunedOn: 'none',
    heldOut: [
      { go: 'runtime/cgo' },
      { deb: 'libsqlite3-dev', path: 'usr/include' },
      { deb: 'libuv1-dev', path: 'usr/include' },
    ],
  },
  {
    language: 'cpp',
    ctags: 'C++',
    roots: [
      join(pkgDir('react-native@0.81.0'), 'ReactCommon'),
      join(pkgDir('react-native-windows@0.79.0'), 'Microsoft.ReactNative'),
    ],
    extensions: ['.cpp', '.h'],
    tunedOn: 'none',
    heldOut: [
      { npm: 'edge-js@26.1.0', path: 'package' },
      { npm: 'react-native-svg@15.16.1', path: 'package' },
      join(REPO_ROOT, 'node_modules/better-sqlite3/src'),
    ],
  },
  {
    language: 'csharp',
    ctags: 'C#',
    roots: [pkgDir('react-native-windows@0.79.0'), '/usr/lib/node_modules/npm/node_modules/node-gyp/lib'],
    extensions: ['.cs'],
    tunedOn: 'none',
    heldOut: [
      { npm: 'react-native-windows@0.57.2', path: 'package/ReactWindows' },
      { npm: 'edge-js@26.1.0', path: 'package' },
    ],
  },
  {
    language: 'ruby',
    ctags: 'Ruby',
    roots: [pkgDir('react-native@0.81.0'), '/usr/share/doc/redis-tools/examples'],
    extensions: ['.rb'],
    tunedOn: 'none',
    heldOut: [
      { deb: 'ruby-rack', path: 'usr/share/rubygems-integration/all/gems' },
      { deb: 'ruby-thor', path: 'usr/share/rubygems-integration/all/gems' },
    ],
  },
  {
    language: 'php',
    ctags: 'PHP',
    roots: ['/usr/lib/google-cloud-sdk/platform/google_appengine/php/sdk'],
    extensions: ['.php'],
    tunedOn: 'none',
    heldOut: [
      { deb: 'php-symfony-console', path: 'usr/share/php' },
      { deb: 'php-guzzlehttp-psr7', path: 'usr/share/php' },
    ],
  },
  {
    language: 'kotlin',
    ctags: 'Kotlin',
    roots: [pkgDir('react-native@0.81.0'), pkgDir('expo-modules-core@58.2.0')],
    extensions: ['.kt'],
    tunedOn: 'none',
    heldOut: [{ npm: 'react-native-screens@4.30.1', path: 'package' }],
  },
  {
    // The queries were written reading expo-modules-core's and react-native-screens' iOS code;
    // react-native's own Objective-C (React/, Libraries/) is held out.
    language: 'objc',
    ctags: 'ObjectiveC',
    roots: [
      join(pkgDir('expo-modules-core@58.2.0'), 'ios'),
      { npm: 'react-native-screens@4.30.1', path: 'package/ios' },
    ],
    extensions: ['.m', '.h'],
    tunedOn: 'expo-modules-core, react-native-screens',
    heldOut: [join(pkgDir('react-native@0.81.0'), 'React'), join(pkgDir('react-native@0.81.0'), 'Libraries')],
  },
  {
    language: 'swift',
    ctags: null,
    roots: [pkgDir('expo-modules-core@58.2.0')],
    extensions: ['.swift'],
    tunedOn: 'none',
    // No ctags parser, so no recall to hold out.
    heldOut: [],
  },
  {
    language: 'bash',
    ctags: 'Sh',
    roots: [pkgDir('react-native@0.81.0'), '/usr/lib/perf-core/tests/shell', '/usr/share/doc/git/contrib'],
    extensions: ['.sh'],
    tunedOn: 'none',
    heldOut: [{ go: '.' }, '/usr/lib/google-cloud-sdk'],
    heldOutExtensions: ['.sh', '.bash'],
  },
  {
    language: 'lua',
    ctags: 'Lua',
    roots: [join(REPO_ROOT, 'node_modules/bullmq/dist/cjs/commands')],
    extensions: ['.lua'],
    tunedOn: 'none',
    heldOut: [
      { deb: 'lua-penlight', path: 'usr/share/lua/5.1' },
      { deb: 'lua-json', path: 'usr/share/lua/5.1' },
    ],
  },
];

/**
 * Left out of the comparison: variables ctags reports inside functions (locals, which the index
 * leaves out in every language), and ctags kinds that are not definitions in the index's sense:
 * Ruby's `library` is a `require` and
 * PHP's `alias` a `use` (both imports here), Kotlin's `package` a package clause, shell
 * here-documents and sourced `script`s are not symbols, and Python's `unknown` and `namespace`
 * are names bound by an import (`from .x import Y as Y`, `import a.b as c`), and an Objective-C
 * `category` names the category, not a definition of its own. Names ctags makes up for anonymous
 * structs (`__anon…`) and Kotlin lambdas (`<lambda>`), and the parameters it reports inside
 * lambdas, are left out too.
 */
const EXCLUDED_KINDS: Readonly<Record<string, readonly string[]>> = {
  Ruby: ['library'],
  PHP: ['alias'],
  Kotlin: ['package'],
  Sh: ['heredoc', 'script'],
  Python: ['unknown', 'namespace'],
  // A category's own name (`@interface NSString (EXGreeting)` is `EXGreeting`): its methods are
  // indexed as the class's, and the category is no symbol.
  ObjectiveC: ['category'],
};

/**
 * The name the index stores for a ctags tag: a C++ operator without spaces, an Objective-C
 * selector's first keyword; ctags names a Lua function by its whole path
 * (`Date.Format:parse`, `M.util.trim`), the index by its last part with the rest as container.
 */
function indexName(tag: CtagsTag, language: LanguageId): string {
  // ctags writes `operator ==`, the grammar `operator==`.
  if (language === 'cpp' && tag.name.startsWith('operator')) return tag.name.replace(/\s+/g, '');
  // ctags names an Objective-C method by its selector (`greetAll:withStyle:`), the index by the
  // selector's first keyword.
  if (language === 'objc' && tag.name.includes(':')) return tag.name.slice(0, tag.name.indexOf(':'));
  if (language !== 'lua') return tag.name;
  return tag.name.slice(Math.max(tag.name.lastIndexOf('.'), tag.name.lastIndexOf(':')) + 1);
}

function listFiles(root: string, extensions: readonly string[], out: string[], limit: number): void {
  if (!existsSync(root) || out.length >= limit) return;
  const entries = readdirSync(root, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name));
  for (const e of entries) {
    if (out.length >= limit) return;
    const p = join(root, e.name);
    if (e.isDirectory()) {
      if (e.name !== 'node_modules' && !e.name.startsWith('.')) listFiles(p, extensions, out, limit);
    } else if (e.isFile() && extensions.some((x) => e.name.endsWith(x)) && statSync(p).size < 1_000_000) {
      out.push(p);
    }
  }
}

/** Files of one sample whose detected language is the set's (a `.h` of C++ is not C). */
function filesOf(set: LanguageSet, sample: Sample): string[] {
  const roots = sample === 'tuned' ? set.roots : set.heldOut;
  const extensions = sample === 'tuned' ? set.extensions : (set.heldOutExtensions ?? set.extensions);
  const files: string[] = [];
  const perRoot = Math.ceil(MAX_FILES / roots.length);
  for (const r of roots) {
    const root = typeof r === 'string' ? r : ensureSource(r);
    const found: string[] = [];
    listFiles(root, extensions, found, perRoot * 3);
    files.push(
      ...found.filter((f) => detectLanguage(f, readFileSync(f, 'utf8')) === set.language).slice(0, perRoot),
    );
  }
  return files;
}

interface CtagsTag {
  name: string;
  path: string;
  kind: string;
  scope?: string;
  scopeKind?: string;
  line?: number;
}

/**
 * ctags' C# parser reports the parameter of an operator declaration
 * (`public static explicit operator bool(ReactContext context)`) as a field; those are no
 * definitions, so C# fields on a line that declares an operator are left out. Its shell parser
 * reads an empty array assignment (`CONFIGS=()`) as a function named `CONFIGS=`. Its Objective-C
 * parser reads attribute macros as methods and functions, and a protocol's forward declaration
 * as a definition.
 */
function isCtagsMistake(tag: CtagsTag, language: string | null, lines: (path: string) => string[]): boolean {
  if (language === 'Sh' && tag.name.endsWith('=')) return true;
  // ctags' Objective-C parser takes the attribute macro after a declaration for a method or a
  // function (`- (instancetype)init NS_UNAVAILABLE;` is a method `NS_UNAVAILABLE`,
  // `NS_SWIFT_NAME(x)` a function), and the same with `__attribute__` and `_Nonnull`.
  if (
    language === 'ObjectiveC' &&
    (tag.kind === 'method' || tag.kind === 'function') &&
    /^(?:[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+:?|__attribute__|_Nonnull|_Nullable)$/.test(tag.name)
  )
    return true;
  // `@protocol RCTBridgeModule;` declares a protocol defined elsewhere.
  if (language === 'ObjectiveC' && tag.kind === 'protocol' && tag.line !== undefined)
    return /^\s*@protocol\s+[\w\s,]+;/.test(lines(tag.path)[tag.line - 1] ?? '');
  if (language !== 'C#' || tag.kind !== 'field' || tag.line === undefined) return false;
  return /\boperator\b/.test(lines(tag.path)[tag.line - 1] ?? '');
}

/** Kinds ctags gives variables; inside a function they are locals, which the index leaves out. */
const VARIABLE_KINDS: ReadonlySet<string> = new Set(['constant', 'variable', 'local']);
const FUNCTION_SCOPES: ReadonlySet<string> = new Set(['function', 'method']);

function ctagsTags(set: LanguageSet, files: string[]): CtagsTag[] {
  if (set.ctags === null) return [];
  const list = join(CACHE, `recall-${set.language}.list`);
  mkdirSync(CACHE, { recursive: true });
  writeFileSync(list, `${files.join('\n')}\n`);
  const r = spawnSync(
    'ctags',
    ['--output-format=json', '--fields=+Kn', `--language-force=${set.ctags}`, '-f', '-', '-L', list],
    { encoding: 'utf8', maxBuffer: 512 * 1024 * 1024 },
  );
  if (r.status !== 0) throw new Error(`ctags failed: ${r.stderr.slice(0, 300)}`);
  const excluded = EXCLUDED_KINDS[set.ctags] ?? [];
  const cache = new Map<string, string[]>();
  const lines = (path: string): string[] => {
    let l = cache.get(path);
    if (l === undefined) {
      l = readFileSync(path, 'utf8').split('\n');
      cache.set(path, l);
    }
    return l;
  };
  return r.stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as CtagsTag & { _type: string })
    .filter(
      (t) =>
        t._type === 'tag' &&
        !excluded.includes(t.kind) &&
        !t.name.startsWith('__anon') &&
        !t.name.startsWith('<') &&
        !(t.scope ?? '').includes('<lambda>') &&
        !(VARIABLE_KINDS.has(t.kind) && FUNCTION_SCOPES.has(t.scopeKind ?? '')) &&
        !isCtagsMistake(t, set.ctags, lines),
    );
}

/** Recall of one language, with the kinds ctags found most often that the index missed. */
export interface RecallResult {
  language: LanguageId;
  /** `tuned`: sources looked at while writing the queries; `held-out`: sources that were not. */
  sample: Sample;
  files: number;
  bytes: number;
  ctagsDefinitions: number;
  found: number;
  recall: number | null;
  indexSymbols: number;
  /** Extraction time (parse, queries, everything after) per MB, fastest of three warm passes. */
  msPerMb: number;
  /** `msPerMb` over Python's. */
  perByteVsPython: number;
  missedByKind: Record<string, number>;
  missedExamples: string[];
}

export type Sample = 'tuned' | 'held-out';

export function measureRecall(samples: readonly Sample[] = ['tuned', 'held-out']): RecallResult[] {
  const extractor = createExtractor();
  const results: RecallResult[] = [];
  for (const sample of samples)
    for (const set of SETS)
      if (sample === 'tuned' || set.heldOut.length > 0) results.push(measureOne(extractor, set, sample));
  // Python's tuned sample (Django) is the per-byte reference for every row.
  const python =
    results.find((r) => r.language === 'python' && r.sample === 'tuned')?.msPerMb ??
    results.find((r) => r.language === 'python')?.msPerMb ??
    0;
  for (const r of results) r.perByteVsPython = python > 0 ? r.msPerMb / python : 0;
  return results;
}

function measureOne(
  extractor: ReturnType<typeof createExtractor>,
  set: LanguageSet,
  sample: Sample,
): RecallResult {
  const files = filesOf(set, sample);
  const tags = ctagsTags(set, files);
  const names = new Map<string, Map<string, number>>();
  // Line ranges of the functions found per file: ctags' Lua parser has no scopes, so a Lua tag
  // inside a function (`local function cmp`, `fn = function_arg(...)`) is a local, left out.
  const functionBodies = new Map<string, [number, number][]>();
  let bytes = 0;
  let indexSymbols = 0;
  for (const f of files) {
    const text = readFileSync(f, 'utf8');
    bytes += Buffer.byteLength(text);
    const counts = new Map<string, number>();
    const bodies: [number, number][] = [];
    for (const s of extractor.extractFile(text, set.language).symbols) {
      counts.set(s.name, (counts.get(s.name) ?? 0) + 1);
      indexSymbols++;
      if (s.kind === 'function' || s.kind === 'method') bodies.push([s.startLine, s.endLine]);
    }
    functionBodies.set(f, bodies);
    names.set(f, counts);
  }
  // The first pass warmed up the grammar and the JIT; the fastest of three more is kept (the
  // machine is shared, so one pass is noisy).
  const texts = files.map((f) => readFileSync(f, 'utf8'));
  let bestMs = Number.POSITIVE_INFINITY;
  for (let run = 0; run < 3; run++) {
    const t0 = performance.now();
    for (const text of texts) extractor.extractFile(text, set.language);
    bestMs = Math.min(bestMs, performance.now() - t0);
  }
  const msPerMb = bestMs / (bytes / 1e6);
  let found = 0;
  const missedByKind: Record<string, number> = {};
  const missedExamples: string[] = [];
  const insideFunction = (t: CtagsTag): boolean =>
    t.line !== undefined &&
    (functionBodies.get(t.path) ?? []).some(([start, end]) => t.line! > start && t.line! <= end);
  let localTags = 0;
  for (const t of tags) {
    if (set.language === 'lua' && insideFunction(t)) {
      localTags++;
      continue;
    }
    const counts = names.get(t.path);
    const name = indexName(t, set.language);
    const n = counts?.get(name) ?? 0;
    if (set.language === 'ruby' && t.kind === 'accessor' && t.name.endsWith('=')) {
      // ctags reports `attr_accessor :x` as `x` and `x=`; the index has one property `x`
      // (`counts` keeps a name's key when its count reaches 0).
      if (counts?.has(t.name.slice(0, -1)) === true) {
        found++;
        continue;
      }
    }
    if (counts !== undefined && n > 0) {
      counts.set(name, n - 1);
      found++;
    } else {
      missedByKind[t.kind] = (missedByKind[t.kind] ?? 0) + 1;
      if (missedExamples.length < Number(process.env.RECALL_EXAMPLES ?? 8))
        missedExamples.push(`${t.kind} ${t.name} (${t.path})`);
    }
  }
  return {
    language: set.language,
    sample,
    files: files.length,
    bytes,
    ctagsDefinitions: tags.length - localTags,
    found,
    recall: set.ctags === null ? null : tags.length === localTags ? 1 : found / (tags.length - localTags),
    indexSymbols,
    msPerMb,
    perByteVsPython: 0,
    missedByKind,
    missedExamples,
  };
}

/** Fetches the npm tarballs the sources come from into `.bench-cache/recall-src/`. */
export function fetchRecallSources(): void {
  mkdirSync(SRC, { recursive: true });
  for (const spec of PACKAGES) {
    const dir = join(SRC, spec.replace('@', '-'));
    if (existsSync(join(dir, 'package'))) continue;
    const packed = spawnSync('npm', ['pack', spec, '--silent'], { cwd: SRC, encoding: 'utf8' });
    if (packed.status !== 0) throw new Error(`npm pack ${spec} failed: ${packed.stderr.slice(0, 300)}`);
    mkdirSync(dir, { recursive: true });
    const tgz = packed.stdout.trim().split('\n').pop() ?? '';
    const untar = spawnSync('tar', ['xzf', join(SRC, tgz), '-C', dir]);
    if (untar.status !== 0) throw new Error(`tar ${tgz} failed`);
  }
}
