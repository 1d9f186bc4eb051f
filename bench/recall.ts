/**
 * `npm run bench -- recall [--fetch]`: definition recall against universal-ctags, per language.
 *
 * For each language, real source found on this machine or in npm tarballs (`--fetch` runs
 * `npm pack` into `.bench-cache/recall-src/` for the ones not there yet) is run through ctags
 * (`--language-force`, default kinds minus those listed in `EXCLUDED_KINDS`) and through the
 * extractor. A ctags definition counts as found when the extractor reports a symbol of the same
 * name in the same file (as many times as ctags reports it). Swift and Scala have no ctags parser
 * here, so they have no figure.
 *
 * Sources (see README of bench/): C from tree-sitter's runtime sources (node_modules) and
 * /usr/include; C++ from react-native's and react-native-windows' C++; C# from
 * react-native-windows; Ruby from react-native's CocoaPods scripts and redis-tools' examples;
 * PHP from the Google App Engine PHP SDK under /usr/lib/google-cloud-sdk; Kotlin from
 * react-native (Android) and expo-modules-core; Bash from react-native's and perf's scripts;
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
  },
  {
    language: 'c',
    ctags: 'C',
    roots: [join(REPO_ROOT, 'node_modules/tree-sitter/vendor/tree-sitter/lib/src'), '/usr/include'],
    extensions: ['.c', '.h'],
    tunedOn: 'none',
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
  },
  {
    language: 'csharp',
    ctags: 'C#',
    roots: [pkgDir('react-native-windows@0.79.0'), '/usr/lib/node_modules/npm/node_modules/node-gyp/lib'],
    extensions: ['.cs'],
    tunedOn: 'none',
  },
  {
    language: 'ruby',
    ctags: 'Ruby',
    roots: [pkgDir('react-native@0.81.0'), '/usr/share/doc/redis-tools/examples'],
    extensions: ['.rb'],
    tunedOn: 'none',
  },
  {
    language: 'php',
    ctags: 'PHP',
    roots: ['/usr/lib/google-cloud-sdk/platform/google_appengine/php/sdk'],
    extensions: ['.php'],
    tunedOn: 'none',
  },
  {
    language: 'kotlin',
    ctags: 'Kotlin',
    roots: [pkgDir('react-native@0.81.0'), pkgDir('expo-modules-core@58.2.0')],
    extensions: ['.kt'],
    tunedOn: 'none',
  },
  {
    language: 'swift',
    ctags: null,
    roots: [pkgDir('expo-modules-core@58.2.0')],
    extensions: ['.swift'],
    tunedOn: 'none',
  },
  {
    language: 'bash',
    ctags: 'Sh',
    roots: [pkgDir('react-native@0.81.0'), '/usr/lib/perf-core/tests/shell', '/usr/share/doc/git/contrib'],
    extensions: ['.sh'],
    tunedOn: 'none',
  },
  {
    language: 'lua',
    ctags: 'Lua',
    roots: [join(REPO_ROOT, 'node_modules/bullmq/dist/cjs/commands')],
    extensions: ['.lua'],
    tunedOn: 'none',
  },
];

/**
 * Left out of the comparison: variables ctags reports inside functions (locals, which the index
 * leaves out in every language), and ctags kinds that are not definitions in the index's sense:
 * Ruby's `library` is a `require` and
 * PHP's `alias` a `use` (both imports here), Kotlin's `package` a package clause, shell
 * here-documents and sourced `script`s are not symbols. Names ctags makes up for anonymous
 * structs (`__anon…`) and Kotlin lambdas (`<lambda>`), and the parameters it reports inside
 * lambdas, are left out too.
 */
const EXCLUDED_KINDS: Readonly<Record<string, readonly string[]>> = {
  Ruby: ['library'],
  PHP: ['alias'],
  Kotlin: ['package'],
  Sh: ['heredoc', 'script'],
};

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

/** Files of one set whose detected language is the set's (a `.h` of C++ is not C). */
function filesOf(set: LanguageSet): string[] {
  const files: string[] = [];
  const perRoot = Math.ceil(MAX_FILES / set.roots.length);
  for (const r of set.roots) {
    const root = typeof r === 'string' ? r : ensureSource(r);
    const found: string[] = [];
    listFiles(root, set.extensions, found, perRoot * 3);
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
 * definitions, so C# fields on a line that declares an operator are left out.
 */
function isCtagsMistake(tag: CtagsTag, language: string | null, lines: (path: string) => string[]): boolean {
  if (language !== 'C#' || tag.kind !== 'field' || tag.line === undefined) return false;
  return /\boperator\b/.test(lines(tag.path)[tag.line - 1] ?? '');
}

/** Kinds ctags gives variables; inside a function they are locals, which the index leaves out. */
const VARIABLE_KINDS: ReadonlySet<string> = new Set(['constant', 'variable', 'local']);
const FUNCTION_SCOPES: ReadonlySet<string> = new Set(['function', 'method']);

function ctagsTags(set: LanguageSet, files: string[]): CtagsTag[] {
  if (set.ctags === null) return [];
  const list = join(CACHE, `recall-${set.language}.list`);
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

export function measureRecall(): RecallResult[] {
  const extractor = createExtractor();
  const results: RecallResult[] = [];
  for (const set of SETS) {
    const files = filesOf(set);
    const tags = ctagsTags(set, files);
    const names = new Map<string, Map<string, number>>();
    let bytes = 0;
    let indexSymbols = 0;
    for (const f of files) {
      const text = readFileSync(f, 'utf8');
      bytes += Buffer.byteLength(text);
      const counts = new Map<string, number>();
      for (const s of extractor.extractFile(text, set.language).symbols) {
        counts.set(s.name, (counts.get(s.name) ?? 0) + 1);
        indexSymbols++;
      }
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
    for (const t of tags) {
      const counts = names.get(t.path);
      const n = counts?.get(t.name) ?? 0;
      if (counts !== undefined && n > 0) {
        counts.set(t.name, n - 1);
        found++;
      } else {
        missedByKind[t.kind] = (missedByKind[t.kind] ?? 0) + 1;
        if (missedExamples.length < Number(process.env.RECALL_EXAMPLES ?? 8))
          missedExamples.push(`${t.kind} ${t.name} (${t.path})`);
      }
    }
    results.push({
      language: set.language,
      files: files.length,
      bytes,
      ctagsDefinitions: tags.length,
      found,
      recall: set.ctags === null ? null : tags.length === 0 ? 1 : found / tags.length,
      indexSymbols,
      msPerMb,
      perByteVsPython: 0,
      missedByKind,
      missedExamples,
    });
  }
  const python = results.find((r) => r.language === 'python')?.msPerMb ?? 0;
  for (const r of results) r.perByteVsPython = python > 0 ? r.msPerMb / python : 0;
  return results;
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
