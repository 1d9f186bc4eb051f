import { closeSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { posix } from 'node:path';
import { parse as parseJsonc } from 'jsonc-parser';
import { classifyPath, isDeclarationFile } from '../indexer/path-class.js';
import { lastWordOf, typeWordsOf } from '../store/identifiers.js';
import { localDefinitions } from '../store/symbol-rank.js';
import type { GraphData } from '../store/types.js';
import {
  createModuleResolver,
  matchesPathAlias,
  type PathAlias,
  type WorkspacePackage,
  workspacePackageOf,
} from './module-resolve.js';

/**
 * Repository map: the most important files and definitions within a token budget.
 *
 * Files are ranked by PageRank over the reference graph (file A -> file B when A uses a name that B
 * defines in the same language family), personalised toward `focus` (paths or identifiers). Edge
 * weights follow identifier quality: long specific names count more, `_private` names, names
 * defined in many files, dunders and trivial accessors count less. Each file's rank is then spread
 * over the (file, definition) pairs its out-edges point to, and a binary search picks how many of
 * the best pairs fit the budget. Each file renders as a skeleton: the chosen definitions under
 * their containers, bodies elided.
 */

type MapSymbol = GraphData['symbols'][number];

/** The reference graph of a scope (from the store) plus the map's options. */
export interface RepoMapInput extends GraphData {
  /** The scope's JavaScript/TypeScript workspace packages (see {@link readProjectConfig}). */
  packages?: readonly WorkspacePackage[];
  /** The scope's TypeScript/JavaScript path aliases (see {@link readProjectConfig}). */
  aliases?: readonly PathAlias[];
  /**
   * Whether a Go file (by id) is built by default, by its build constraint (see
   * {@link goBuildReader}); absent: Go build variants are told apart by file name alone.
   */
  goBuilt?: (fileId: number) => boolean;
  focus?: string[];
  maxTokens: number;
  /** Keep tests, fixtures, examples, benchmarks, generated and vendored files (default false). */
  includeAll?: boolean;
}

export interface RepoMapFile {
  path: string;
  rank: number;
  symbols: { name: string; kind: string; line: number; signature: string; refs: number }[];
}

export interface RepoMap {
  files: RepoMapFile[];
  text: string;
  tokens: number;
  truncated: boolean;
}

/** Rough token count (4 characters per token), the usual estimate for code. */
export function estimateTokens(s: string): number {
  return Math.ceil(s.length / 4);
}

/**
 * Weighted, personalised PageRank by power iteration. A node whose out-edges weigh less than
 * `minOut` in all passes on only that share of its rank (weak evidence carries little), the rest
 * as a node without out-edges does. With `groups` (a group per node, e.g. its language family,
 * when no edge crosses groups) the rank of a node without out-edges goes back to
 * its own group (by the personalisation within the group), so each group keeps the share of the
 * personalisation mass it starts with. Without that, a group whose files mostly point nowhere
 * (uses that resolve to nothing) hands its rank to the others: in a JavaScript package with Lua
 * scripts, the scripts' include helpers held three quarters of the mass for a quarter of the files.
 */
export function pageRank(
  n: number,
  edges: Map<number, Map<number, number>>,
  personalization: Float64Array | null,
  damping = 0.85,
  iterations = 40,
  groups: Int32Array | null = null,
  minOut = 0,
): Float64Array {
  const p = personalization ?? new Float64Array(n).fill(1 / Math.max(1, n));
  let rank = Float64Array.from(p);
  const outWeight = new Float64Array(n);
  // The edges as flat arrays (iterating Maps 40 times was most of the time on large trees).
  let m = 0;
  for (const tos of edges.values()) m += tos.size;
  const eFrom = new Int32Array(m);
  const eTo = new Int32Array(m);
  const eW = new Float64Array(m);
  m = 0;
  for (const [from, tos] of edges)
    for (const [to, w] of tos) {
      eFrom[m] = from;
      eTo[m] = to;
      eW[m++] = w;
      outWeight[from]! += w;
    }
  const groupCount = groups === null ? 1 : groups.reduce((most, g) => Math.max(most, g + 1), 1);
  const groupOf = (i: number) => (groups === null ? 0 : groups[i]!);
  const groupMass = new Float64Array(groupCount);
  for (let i = 0; i < n; i++) groupMass[groupOf(i)]! += p[i]!;
  const totalMass = groupMass.reduce((a, b) => a + b, 0) || 1;
  // The share of a node's rank its edges carry: all of it when they weigh `minOut` or more; the
  // rest goes back to the group like a dangling node's.
  const carried = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    carried[i] = outWeight[i]! === 0 ? 0 : minOut <= 0 ? 1 : Math.min(1, outWeight[i]! / minOut);
    outWeight[i] = Math.max(outWeight[i]!, minOut);
  }
  for (let it = 0; it < iterations; it++) {
    const next = new Float64Array(n);
    const dangling = new Float64Array(groupCount);
    for (let i = 0; i < n; i++) dangling[groupOf(i)]! += rank[i]! * (1 - carried[i]!);
    for (let e = 0; e < m; e++)
      next[eTo[e]!]! += (damping * rank[eFrom[e]!]! * eW[e]!) / outWeight[eFrom[e]!]!;
    // Dangling rank goes back to its group; a group without personalisation mass (none of its
    // files is focused) spreads it like the teleport.
    const perGroup = new Float64Array(groupCount);
    let lost = 0;
    for (let g = 0; g < groupCount; g++) {
      if (groupMass[g]! > 0) perGroup[g] = dangling[g]! / groupMass[g]!;
      else lost += dangling[g]!;
    }
    for (let i = 0; i < n; i++) {
      next[i]! += (1 - damping + damping * (perGroup[groupOf(i)]! + lost / totalMass)) * p[i]!;
    }
    rank = next;
  }
  return rank;
}

/** Languages whose files can refer to one another's definitions. */
function languageFamily(language: string | null): string {
  switch (language) {
    case 'typescript':
    case 'tsx':
    case 'javascript':
    case 'vue':
    case 'svelte':
      return 'js';
    case 'c':
    case 'cpp':
    case 'objc':
      return 'c';
    default:
      return language ?? '';
  }
}

/**
 * True when an enum of this language (and declaration) names its members through it: every
 * language but C and Objective-C, and C++ only for `enum class` / `enum struct` (a plain C++
 * enum's members are names of the enclosing scope).
 */
function hasScopedEnums(language: string | null, signature: string): boolean {
  if (language === 'c' || language === 'objc') return false;
  if (language === 'cpp') return /\benum\s+(class|struct)\b/.test(signature);
  return true;
}

/**
 * Languages where a bare name that no import names resolves through the package or the enclosing
 * namespaces, which follow the directories: Go and Java (and Kotlin, Scala) within the package,
 * Ruby, PHP and C# through the enclosing modules and namespaces. Not JavaScript or Python, where
 * such a name is a member (`this.Job`) or a global, nor Swift, whose module is the whole target.
 */
const LEXICAL_FAMILIES = new Set(['go', 'java', 'kotlin', 'scala', 'csharp', 'ruby', 'php']);

/** Names that say little about where they point: accessors, dunders, one-or-two-letter names. */
const TRIVIAL = new Set([
  'get',
  'set',
  'has',
  'add',
  'run',
  'new',
  'init',
  'close',
  'open',
  'call',
  'apply',
  'bind',
  'toString',
  'valueOf',
  'String',
  'Error',
  'len',
  'copy',
  'clone',
  'main',
  'constructor',
  // Ruby's Object and Enumerable methods: called on every kind of object, overridden by a few.
  'respond_to?',
  'respond_to_missing?',
  'method_missing',
  'to_s',
  'to_str',
  'to_a',
  'to_h',
  'to_proc',
  'inspect',
  'each',
  'initialize',
  'hash',
  'eql?',
  'is_a?',
  'nil?',
  'empty?',
  'size',
  'length',
  'include?',
  'key?',
  'has_key?',
  // The object protocol and collection interfaces of C#, Java, Kotlin and Swift: every class may
  // override them, and most calls are on the platform's own types (`list.Add(x)`,
  // `key.GetHashCode()`), so a use says nothing about which of the repository's classes it means.
  'GetHashCode',
  'Equals',
  'ToString',
  'Dispose',
  'DisposeAsync',
  'CompareTo',
  'GetEnumerator',
  'MoveNext',
  'Reset',
  'Add',
  'Remove',
  'Contains',
  'Clear',
  'IndexOf',
  'Insert',
  'RemoveAt',
  'CopyTo',
  'TryGetValue',
  'ContainsKey',
  'Clone',
  'hashCode',
  'equals',
  'compareTo',
  'iterator',
  'hasNext',
  'isEmpty',
  'indexOf',
  'isEqual',
  'description',
  // Rust's standard traits and collections: `impl Iterator for Values` defines `next_back`, and
  // every `.is_empty()` or `.iter_mut()` on a Vec or a str counted for the repository's one
  // definition of the name (clap's map led with `styled_str.rs` and seven `next_back`s).
  'is_empty',
  'iter',
  'iter_mut',
  'into_iter',
  'next',
  'next_back',
  'size_hint',
  'fmt',
  'from',
  'into',
  'as_ref',
  'as_mut',
  'as_str',
  'as_bytes',
  'as_slice',
  'to_string',
  'to_owned',
  'to_vec',
  'borrow',
  'borrow_mut',
  'deref',
  'deref_mut',
  'drop',
  'eq',
  'cmp',
  'partial_cmp',
  'default',
  'from_str',
  'try_from',
  'try_into',
  'get_mut',
  'push_str',
  'contains_key',
  'is_some',
  'is_none',
  'is_ok',
  'is_err',
  'unwrap_or',
  'unwrap_or_else',
  'unwrap_or_default',
  'map_err',
  'ok_or',
  'ok_or_else',
  'and_then',
  'or_else',
  'for_each',
  'filter_map',
  'flat_map',
  'starts_with',
  'ends_with',
  // Ruby's reflection, called on any object.
  'send',
  'public_send',
  'instance_exec',
  'instance_eval',
  'class_eval',
  'module_eval',
  'define_method',
  'instance_variable_get',
  'instance_variable_set',
  'each_with_object',
  'each_with_index',
  // JavaScript's Object, Array and DOM methods.
  'forEach',
  'hasOwnProperty',
  'toJSON',
  'startsWith',
  'endsWith',
  'addEventListener',
  'removeEventListener',
]);

/**
 * How much one use of `name` says about the file defining it (after aider's repo map):
 * long specific names x10, `_private` x0.1, defined in more than 5 files x0.1, trivial x0.1.
 */
export function identifierWeight(
  name: string,
  definerCount: number,
  focused: boolean,
  memberOnly = false,
): number {
  let w = 1;
  const bare = name.replace(/^_+/, '');
  const specific = /[a-z][A-Z]|[a-z]_[a-z]/.test(bare) || /^[A-Z][a-z]+[A-Z]/.test(bare);
  if (focused) w *= 10;
  if (specific && bare.length >= 8 && !name.startsWith('_') && !TRIVIAL.has(name)) w *= 10;
  // Dunders, and PHP's magic methods (`__construct`, `__invoke`, `__toString`).
  if (/^__.*__$|^__[a-z]/i.test(name) || TRIVIAL.has(name) || name.length <= 2) w *= 0.1;
  else if (name.startsWith('_')) w *= 0.1;
  if (definerCount > 5) w *= 0.1;
  // `x.items()`, `w.format()`: a one-word method name rarely means this definition.
  if (memberOnly && /^[a-z]+[?!]?$/.test(name)) w *= 0.1;
  return w;
}

/**
 * Ruby's `Module` and `Kernel` methods that class bodies and methods call with no receiver
 * (`attr_reader :name`, `include Enumerable`, `private`, `raise`): each means the class's own (or
 * Ruby's), whatever file of the repository happens to define one of the name. Sequel's
 * `SQL::Expression` overrides `attr_reader`, and the package's 790 uses of it led the map with
 * `sql.rb`. No edges.
 */
const RUBY_CORE_CALLS = new Set([
  'attr',
  'attr_reader',
  'attr_writer',
  'attr_accessor',
  'include',
  'extend',
  'prepend',
  'private',
  'protected',
  'public',
  'module_function',
  'private_class_method',
  'public_class_method',
  'private_constant',
  'define_method',
  'alias_method',
  'remove_method',
  'undef_method',
  'require',
  'require_relative',
  'autoload',
  'raise',
  'fail',
  'puts',
  'print',
  'p',
  'pp',
  'warn',
  'format',
  'sprintf',
  'lambda',
  'proc',
  'loop',
  'catch',
  'throw',
  'freeze',
  'block_given?',
]);

/** Names every Rust module sees without a `use` (the std prelude's types, traits and variants). */
const RUST_PRELUDE = new Set([
  'Option',
  'Some',
  'None',
  'Result',
  'Ok',
  'Err',
  'Box',
  'String',
  'Vec',
  'ToString',
  'ToOwned',
  'Clone',
  'Copy',
  'Send',
  'Sync',
  'Sized',
  'Unpin',
  'Drop',
  'Fn',
  'FnMut',
  'FnOnce',
  'Iterator',
  'IntoIterator',
  'DoubleEndedIterator',
  'ExactSizeIterator',
  'Extend',
  'Default',
  'Eq',
  'PartialEq',
  'Ord',
  'PartialOrd',
  'AsRef',
  'AsMut',
  'Into',
  'From',
  'TryFrom',
  'TryInto',
  'FromIterator',
]);

/**
 * Whether an import that names no file in the scope names a module outside the repository (the
 * standard library, a dependency), not one the resolver missed: a bare specifier in JavaScript that names no workspace package
 * (`koa`, not `./y`), an absolute module in Python (`typing`, not `.models`), a Rust path in
 * `std`, `core` or `alloc`, or whose first segment is not `crate`, `self`, `super` or the name of
 * any Rust module in the scope (`mio::Interest`; a child module's `inner::X` is not). Other
 * languages: never (their imports name no definitions).
 */
function isExternalModule(
  family: string,
  source: string,
  rustModules: ReadonlySet<string>,
  packages: readonly WorkspacePackage[],
): boolean {
  switch (family) {
    case 'js':
      // A workspace package's name (whose entry was not found) names the repository's own code.
      return (
        !source.startsWith('.') && !source.startsWith('/') && workspacePackageOf(packages, source) === null
      );
    case 'python':
      return !source.startsWith('.');
    case 'rust': {
      const first = source.split('::')[0]!;
      // `std::` is the standard library even beside a module named `std` (tokio's `loom/std`).
      if (first === 'std' || first === 'core' || first === 'alloc') return true;
      return !/^(crate|self|super)$/.test(first) && !rustModules.has(first);
    }
    default:
      return false;
  }
}

/** Names of the Rust modules in the scope: file stems and the directories that hold Rust files. */
function rustModuleNames(files: readonly { rel: string; language: string | null }[]): Set<string> {
  const out = new Set<string>();
  for (const f of files) {
    if (f.language !== 'rust') continue;
    const parts = f.rel.split('/');
    const stem = parts.pop()!.replace(/\.rs$/, '');
    out.add(stem);
    for (const p of parts) out.add(p);
  }
  return out;
}

/**
 * The share of a file's rank given to the public types it declares (see `buildRepoMap`). Chosen on
 * the repomap bench's 14 libraries (`npm run bench -- repomap`; there is no held-out set for the
 * map): core modules shown at 1,024 and 4,096 tokens 124 of 136 at 0, 126 at 0.2, 127 at 0.3 and
 * 0.5, none lower on any library (go-net-http 4 -> 5 of 5 at 1,024; bullmq 2 -> 3 at 1,024, the
 * first at place 9 instead of 13, and 4 -> 5 at 4,096).
 */
const OWN_TYPES_SHARE = 0.3;

/** `tsconfig.json`, `tsconfig.app.json`, `jsconfig.json`: where TypeScript and JavaScript path aliases are set. */
const TS_CONFIG = /^(?:tsconfig|jsconfig)(?:\.[\w-]+)?\.json$/;

/** What the scope's JavaScript/TypeScript configs say about where its imports lead. */
export interface ProjectConfig {
  /** Each `package.json` with a `name`, with its entry points (a monorepo's packages). */
  packages: WorkspacePackage[];
  /**
   * Path aliases: a `tsconfig*.json`/`jsconfig.json`'s `compilerOptions.paths` (relative to its
   * `baseUrl` or its directory; a `baseUrl` alone aliases `*`), and a `package.json`'s subpath
   * `imports` (`#lib/*`).
   */
  aliases: PathAlias[];
}

/**
 * The scope's `package.json` and `tsconfig*.json`/`jsconfig.json` files (source only: a fixture's
 * or an example's names no code of this repository), each read from disk once, tsconfigs as JSON
 * with comments; a file that cannot be read or parsed is left out. Each `tsconfig*.json` is read
 * on its own, so a base config in the tree (`tsconfig.base.json`) counts too; `extends` is not
 * followed (a base config in `node_modules` is not read). Call it before paths are made relative.
 */
export function readProjectConfig(
  files: readonly { path: string; rel: string; root?: string }[],
): ProjectConfig {
  const out: ProjectConfig = { packages: [], aliases: [] };
  for (const f of files) {
    const base = posix.basename(f.rel);
    const isPackage = base === 'package.json';
    if ((!isPackage && !TS_CONFIG.test(base)) || classifyPath(f.rel) !== 'source') continue;
    if (!isRegularFile(f.path)) continue;
    let json: unknown;
    try {
      const text = readFileSync(f.path, 'utf8');
      json = isPackage ? JSON.parse(text) : parseJsonc(text, [], { allowTrailingComma: true });
    } catch {
      continue;
    }
    if (typeof json !== 'object' || json === null) continue;
    const dir = posix.dirname(f.rel);
    if (isPackage) {
      const pkg = workspacePackage(json as Record<string, unknown>, dir);
      if (pkg !== null) out.packages.push(pkg);
      out.aliases.push(...subpathImports(json as Record<string, unknown>, dir, rootNameOf(f)));
    } else out.aliases.push(...tsconfigPaths(json as Record<string, unknown>, dir, rootNameOf(f)));
  }
  return out;
}

/** A parsed `package.json` in `dir` as a workspace package: its name and entry points; null without a name. */
function workspacePackage(pkg: Record<string, unknown>, dir: string): WorkspacePackage | null {
  if (typeof pkg.name !== 'string' || pkg.name === '') return null;
  const entries: string[] = [];
  const add = (v: unknown) => {
    if (typeof v === 'string' && !entries.includes(v)) entries.push(v);
    else if (typeof v === 'object' && v !== null)
      for (const k of ['source', 'types', 'import', 'module', 'require', 'node', 'default'])
        add((v as Record<string, unknown>)[k]);
  };
  const exp = pkg.exports;
  for (const k of ['source', 'types', 'typings', 'module', 'main']) add(pkg[k]);
  add(typeof exp === 'object' && exp !== null && '.' in exp ? (exp as Record<string, unknown>)['.'] : exp);
  return { dir: dir === '.' ? '' : dir, name: pkg.name, entries };
}

/** The path aliases of a parsed `tsconfig.json` in `dir` (see {@link ProjectConfig}). */
function tsconfigPaths(json: Record<string, unknown>, dir: string, rootName: string): PathAlias[] {
  const options = json.compilerOptions as { baseUrl?: unknown; paths?: unknown } | undefined;
  if (typeof options !== 'object' || options === null) return [];
  const base = posix.normalize(posix.join(dir, typeof options.baseUrl === 'string' ? options.baseUrl : '.'));
  const out: PathAlias[] = [];
  const paths = options.paths;
  if (typeof paths === 'object' && paths !== null)
    for (const [pattern, targets] of Object.entries(paths as Record<string, unknown>)) {
      if (!Array.isArray(targets)) continue;
      const list = targets.filter((t): t is string => typeof t === 'string').map((t) => posix.join(base, t));
      if (list.length > 0) out.push({ rootName, pattern, targets: list });
    }
  if (typeof options.baseUrl === 'string')
    out.push({ rootName, pattern: '*', targets: [posix.join(base, '*')] });
  return out;
}

/**
 * Languages whose files are ES modules: another file's top-level definition is theirs only through
 * an import (a name not imported is a member, `el.focus()`, or a global). Plain JavaScript may be
 * CommonJS, which reaches another module's functions as `utils_1.fn(…)`.
 */
const ES_MODULES = new Set(['typescript', 'tsx', 'vue', 'svelte']);

/** GOOS and GOARCH values: a Go file named `x_windows.go` or `x_linux_amd64.go` builds only there. */
const GO_PLATFORMS = new Set(
  (
    'aix android darwin dragonfly freebsd hurd illumos ios js linux nacl netbsd openbsd plan9 solaris wasip1 windows zos ' +
    '386 amd64 amd64p32 arm armbe arm64 arm64be loong64 mips mipsle mips64 mips64le mips64p32 mips64p32le ppc ppc64 ppc64le riscv riscv64 s390 s390x sparc sparc64 wasm'
  ).split(' '),
);

/**
 * A parsed `package.json`'s subpath imports (`"imports": { "#lib/*": "./src/lib/*.js" }`, Node's
 * `#` specifiers) as path aliases; a conditional target (`{ "node": …, "default": … }`) gives every
 * path it names.
 */
function subpathImports(pkg: Record<string, unknown>, dir: string, rootName: string): PathAlias[] {
  const imports = pkg.imports;
  if (typeof imports !== 'object' || imports === null) return [];
  const targetsOf = (v: unknown): string[] =>
    typeof v === 'string'
      ? [v]
      : typeof v === 'object' && v !== null
        ? Object.values(v as Record<string, unknown>).flatMap(targetsOf)
        : [];
  const out: PathAlias[] = [];
  for (const [pattern, target] of Object.entries(imports as Record<string, unknown>)) {
    if (!pattern.startsWith('#')) continue;
    // A target that is a package name (`"#dep": "some-package"`) names no file here.
    const list = targetsOf(target)
      .filter((t) => t.startsWith('./'))
      .map((t) => posix.join(dir, t));
    if (list.length > 0) out.push({ rootName, pattern, targets: [...new Set(list)] });
  }
  return out;
}

/**
 * The name a Go import binds when it has no alias: its path's last element, without a major
 * version element (`.../v2`), a `go-` prefix or a `.v3`-style suffix (`gopkg.in/yaml.v3` is `yaml`).
 */
export function goPackageName(source: string): string {
  const parts = source.split('/').filter((p) => p !== '');
  let last = parts.at(-1) ?? '';
  if (/^v\d+$/.test(last) && parts.length > 1) last = parts.at(-2)!;
  return last
    .replace(/^go-/, '')
    .replace(/\.v\d+$/, '')
    .replace(/[^\w]/g, '_');
}

/** Build tags a default Go build on Linux/amd64 satisfies; any other tag (`boringcrypto`, `purego`, `ignore`) is off. */
function goTagOn(tag: string): boolean {
  return (
    tag === 'linux' ||
    tag === 'amd64' ||
    tag === 'unix' ||
    tag === 'gc' ||
    tag === 'cgo' ||
    /^go1\.\d+$/.test(tag)
  );
}

/**
 * Whether a `//go:build` expression (`linux && !boringcrypto`, `(darwin || linux) && cgo`) holds on
 * a default Linux/amd64 build; true when it cannot be parsed.
 */
export function goBuildExpressionHolds(expr: string): boolean {
  const tokens = expr.match(/\|\||&&|!|\(|\)|[\w.]+/g) ?? [];
  let i = 0;
  const or = (): boolean => {
    let v = and();
    while (tokens[i] === '||') {
      i++;
      v = and() || v;
    }
    return v;
  };
  const and = (): boolean => {
    let v = not();
    while (tokens[i] === '&&') {
      i++;
      v = not() && v;
    }
    return v;
  };
  const not = (): boolean => {
    const t = tokens[i++];
    if (t === '!') return !not();
    if (t === '(') {
      const v = or();
      if (tokens[i++] !== ')') throw new Error('unbalanced');
      return v;
    }
    if (t === undefined || !/^[\w.]+$/.test(t)) throw new Error('expected a tag');
    return goTagOn(t);
  };
  try {
    const v = or();
    return i === tokens.length ? v : true;
  } catch {
    return true;
  }
}

/**
 * Whether a Go file's header (the text before `package`) lets a default Linux/amd64 build include
 * it: its `//go:build` line, else its `// +build` lines (a space is "or", a comma "and", each line
 * "and"); true with neither.
 */
export function goHeaderBuilds(header: string): boolean {
  let legacy = true;
  for (const line of header.split('\n')) {
    const t = line.trim();
    if (t.startsWith('package ')) break;
    const build = /^\/\/go:build\s+(.+)$/.exec(t);
    if (build !== null) return goBuildExpressionHolds(build[1]!);
    const plus = /^\/\/\s*\+build\s+(.+)$/.exec(t);
    if (plus !== null)
      legacy &&= plus[1]!
        .trim()
        .split(/\s+/)
        .some((option) =>
          option.split(',').every((term) => (term.startsWith('!') ? !goTagOn(term.slice(1)) : goTagOn(term))),
        );
  }
  return legacy;
}

/**
 * `RepoMapInput.goBuilt` for files on this disk: reads the first 4 KB of a Go file when the map
 * asks (only files that define the same name as another file of their package), once each; a file
 * that cannot be read counts as built. Call it before paths are made relative.
 */
export function goBuildReader(
  files: readonly { id: number; path: string; language?: string | null }[],
): (fileId: number) => boolean {
  const paths = new Map(files.filter((f) => f.language === 'go').map((f) => [f.id, f.path]));
  const seen = new Map<number, boolean>();
  return (fileId) => {
    const known = seen.get(fileId);
    if (known !== undefined) return known;
    const path = paths.get(fileId);
    let built = true;
    // A regular file only: one that became a FIFO or a device since it was indexed is not opened
    // (opening a FIFO would block the server).
    if (path !== undefined && isRegularFile(path)) {
      try {
        const fd = openSync(path, 'r');
        try {
          const buf = Buffer.alloc(4096);
          const n = readSync(fd, buf, 0, buf.length, 0);
          built = goHeaderBuilds(buf.subarray(0, n).toString('utf8'));
        } finally {
          closeSync(fd);
        }
      } catch {
        built = true;
      }
    }
    seen.set(fileId, built);
    return built;
  };
}

function isRegularFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/**
 * How likely a Go file is the variant of a build-constrained set a reader wants: Linux or Unix
 * first, then a file without a platform suffix, then the rest, and last a file whose build
 * constraint leaves it out of a default build (`//go:build boringcrypto`).
 */
function goVariantOrder(rel: string, built = true): number {
  if (!built) return 3;
  const parts = posix.basename(rel, '.go').split('_').slice(1);
  if (parts.some((p) => p === 'linux' || p === 'unix')) return 0;
  if (!parts.some((p) => GO_PLATFORMS.has(p) || p === 'other' || p === 'stub')) return 1;
  return 2;
}

/**
 * Of several Go files of one directory that define the same name, one: a package cannot define a
 * name twice, so they are build variants (`filelock_unix.go`, `filelock_windows.go`,
 * `filelock_plan9.go` …, chosen by file name or `//go:build` line), and a use means whichever is
 * built. cmd/go's map at 1,024 tokens showed `type lockType` in five files.
 */
function oneGoVariant(
  targets: number[],
  files: readonly { id: number; rel: string }[],
  built?: (fileId: number) => boolean,
): number[] {
  if (targets.length < 2) return targets;
  const dir = posix.dirname(files[targets[0]!]!.rel);
  if (!targets.every((t) => posix.dirname(files[t]!.rel) === dir)) return targets;
  const order = (t: number) => goVariantOrder(files[t]!.rel, built?.(files[t]!.id) ?? true);
  const best = [...targets].sort(
    (a, b) =>
      order(a) - order(b) ||
      files[a]!.rel.length - files[b]!.rel.length ||
      (files[a]!.rel < files[b]!.rel ? -1 : 1),
  )[0]!;
  return [best];
}

/** Kinds a library's central definitions have. */
const TYPE_KINDS = new Set(['class', 'struct', 'interface', 'trait', 'enum']);

/** Whether a definition is visible outside its module, from what the map has of it. */
function looksPublic(s: MapSymbol, language: string | null): boolean {
  switch (language) {
    case 'rust':
      return /^pub\s/.test(s.signature);
    case 'go':
      return /^[A-Z]/.test(s.name);
    default:
      return !s.name.startsWith('_') && !s.name.startsWith('#');
  }
}

/** A name written like a generic's type parameter: one capital letter, maybe with a digit. */
const TYPE_PARAMETER = /^[A-Z]\d?$/;

/** Definitions a `focus` name brings to the front of the map, at most (the best-ranked). */
const MAX_FOCUSED_PAIRS = 8;

/** Names defined in more files than this make no edges (see `buildRepoMap`). */
const MAX_DEFINERS = 20;

/**
 * A Java or Kotlin annotation type (`public @interface DoNotStrip`, `annotation class ReactModule`):
 * its uses mark code (`@DoNotStrip` on every JNI-called method of React Native's Android sources)
 * rather than call into it, and they weigh {@link ANNOTATION_WEIGHT} of a use. React Native's map
 * showed `DoNotStrip.java` third, ahead of every class a user meets.
 */
const ANNOTATION_TYPE = /@interface\b|\bannotation\s+class\b/;
const ANNOTATION_WEIGHT = 0.1;

/** The weight of an edge from a file to a module it imports (a plain one-word name used once is 1). */
const IMPORT_WEIGHT = 1;

/**
 * Out-edges that weigh less than this carry only that share of a file's rank (the rest goes back
 * to its language family, as a file's with no edges does). A file whose only resolved use is a
 * `.push(…)` or `.toString()` (a tenth or less per use) otherwise handed all its rank to the one
 * class defining such a method: ioredis' `SentinelIterator` and `DelayQueue` came before `Redis`,
 * and click's `_winconsole.py` before `core.py`. 4 is a few uses of plain names, or one of a
 * specific name (`npm run bench -- repomap`, 14 libraries at 1,024 tokens: the first core module
 * came earlier on two, later on one, against no floor; `Redis.js` rose from 4th to 2nd).
 */
const MIN_OUT_WEIGHT = 4;

/** The weight of an edge per (square root of the) uses of a name bound to a whole module. */
const MODULE_ALIAS_WEIGHT = 1;

/** The share of PageRank's random jumps that goes to the entry point's modules (see `apiModules`). */
const ENTRY_SHARE = 0.5;

/**
 * The modules a package's entry point imports: the entry is the `__init__.py`, `index.*`,
 * `lib.rs` or `main.rs` nearest the root (several at the same depth: all of them), and an
 * imported file that only re-exports (an `index.js` of `export * from`) stands for what it imports.
 */
function apiModules(
  files: readonly { rel: string }[],
  importTargets: Map<number, number[][]>,
  importsOf: Map<number, { names: readonly string[]; targets: number[] }[]>,
): Set<number> {
  let depth = Number.POSITIVE_INFINITY;
  let entries: number[] = [];
  for (const [i, f] of files.entries()) {
    if (!/(?:^|\/)(?:__init__\.py|index\.(?:[cm]?[jt]sx?)|lib\.rs|main\.rs)$/.test(f.rel)) continue;
    const d = f.rel.split('/').length - (f.rel.startsWith('src/') ? 1 : 0);
    if (d < depth) {
      depth = d;
      entries = [i];
    } else if (d === depth) entries.push(i);
  }
  const out = new Set<number>();
  const seen = new Set<number>(entries);
  let frontier = entries;
  for (let level = 0; level < 3 && frontier.length > 0; level++) {
    const next: number[] = [];
    for (const e of frontier)
      for (const targets of importTargets.get(e) ?? [])
        for (const t of targets) {
          if (seen.has(t)) continue;
          seen.add(t);
          // A pure re-exporter (only `export * from`) passes on to what it re-exports.
          const re = importsOf.get(t) ?? [];
          if (/(?:^|\/)index\.[cm]?[jt]sx?$/.test(files[t]!.rel) && re.length > 0) next.push(t);
          else out.add(t);
        }
    frontier = next;
  }
  return out;
}

/** The root's directory name (absolute imports may start with it: `requests.models`). */
function rootNameOf(f: { root?: string }): string {
  return (
    (f.root ?? '')
      .replace(/[\\/]+$/, '')
      .split(/[\\/]/)
      .pop() ?? ''
  );
}

/** Definitions a plain call (`name(…)`, no receiver) never means. */
const MEMBER_KINDS: ReadonlySet<string> = new Set(['method', 'constructor', 'field', 'property']);

/** Definitions whose members are definitions of their own (a class's methods, a module's functions). */
export const CONTAINER_KINDS: ReadonlySet<string> = new Set([
  'class',
  'struct',
  'interface',
  'trait',
  'enum',
  'module',
  'namespace',
  'impl',
]);

/** Builds the map; deterministic for the same input. */
export function buildRepoMap(input: RepoMapInput): RepoMap {
  const rels = new Set(input.files.map((f) => f.rel));
  const source = input.files.filter((f) => classifyPath(f.rel) === 'source' && !isDocLike(f.rel));
  const typingsOfJs = typingsOfJavaScript(source);
  const files =
    input.includeAll === true
      ? input.files
      : source.filter((f) => !describesMappedCode(f.rel, rels) && !(typingsOfJs && isDeclarationFile(f.rel)));
  const idx = new Map<number, number>();
  for (const [i, f] of files.entries()) idx.set(f.id, i);
  const n = files.length;
  const family = files.map((f) => languageFamily(f.language));
  const focus = (input.focus ?? []).map((f) => f.trim()).filter(Boolean);
  const focusNames = new Set(focus);

  // definers: family + name -> files defining it (top-level or member).
  const definers = new Map<string, Set<number>>();
  const topLevel = new Set<string>();
  // family + name -> files defining it at the top level (what a module exports).
  const topDefiners = new Map<string, Set<number>>();
  const byFile = new Map<number, MapSymbol[]>();
  // family + name of definitions that are Rust macros, and of the ones that are not. A use of a
  // crate's own `macro_rules!` macro makes no edge: such macros are mostly plumbing (tokio's
  // `cfg_rt! { … }` wraps items in 200 files, and its `macros/cfg.rs` led the map ahead of every
  // type a user meets). Weighing them down was not enough: a file that uses nothing else gives
  // them all its rank whatever their weight.
  const macros = new Set<string>();
  const notMacros = new Set<string>();
  // family + name of Java and Kotlin annotation types (see ANNOTATION_WEIGHT).
  const annotations = new Set<string>();
  // Namespaces and modules per file, by qualified name: what is declared directly in one is at a
  // module's top level too (C++'s `namespace spdlog { class logger … }`, Ruby's `module Rack`),
  // not a member. Read as members, spdlog's `logger` class counted as a one-word member name.
  const wrappers = new Set<string>();
  for (const s of input.symbols) {
    if (s.kind === 'namespace' || s.kind === 'module')
      wrappers.add(`${s.fileId}\u0000${s.container === null ? s.name : `${s.container}.${s.name}`}`);
  }
  const atTopLevel = (s: MapSymbol): boolean =>
    s.container === null || wrappers.has(`${s.fileId}\u0000${s.container}`);
  // Enums whose members are named through their enum (`Type.Boolean`, `Color::Red`), per file.
  const scopedEnums = new Set<string>();
  for (const s of input.symbols) {
    const i = idx.get(s.fileId);
    if (i === undefined || s.kind !== 'enum' || !hasScopedEnums(files[i]!.language, s.signature)) continue;
    scopedEnums.add(`${s.fileId}\u0000${s.container === null ? s.name : `${s.container}.${s.name}`}`);
  }
  const local = localDefinitions(input.symbols, (x) => x.line);
  // (file, family + name) of the nested helpers: uses of that name in that file make no edge.
  const localUses = new Set<string>();
  // (file, family + name) of the definitions that are not nested helpers.
  const definedOutside = new Set<string>();
  // (file, family + name) of top-level constants and variables, and of every other definition.
  const valueDefs = new Set<string>();
  const otherDefs = new Set<string>();
  /**
   * A JavaScript module's top-level constant or variable is another file's only through an import
   * (`import { store } from './store'`): a file that does not import the name means something
   * else. Svelte components each declare `const dispatch = createEventDispatcher()` and
   * `export let filter`, and every `dispatch(…)` and `.filter(…)` of the other 200 components
   * counted for them. Functions and classes keep their spread (CommonJS reaches them as
   * `utils_1.fn(…)`).
   */
  const onlyValue = (t: number, key: string) =>
    valueDefs.has(`${t}\u0000${key}`) && !otherDefs.has(`${t}\u0000${key}`);
  // (file, family + name) of members (methods, fields, nested definitions).
  const memberDefs = new Set<string>();
  // (file, family + name) of definitions a plain call can mean: not methods, fields or properties.
  const callableDefs = new Set<string>();
  // Per (file, family + name) of a member: the last word of each class it is defined in.
  const containersOf = new Map<string, string[]>();
  /**
   * What a JavaScript module's use of a name can mean in another file when the module itself
   * declares that name at its top level (and does not import it): only a member (`x.close()`),
   * never another module's top-level definition, which its own declaration shadows. carbon's
   * components each declare `export let translateWithId = …`, and each one's uses counted for the
   * other twenty. And a member only when every use is a call on a variable: a plain use means the
   * module's own (SQLAlchemy's `exc.py` declares `class DataError(DatabaseError)`, and that gave
   * `DatabaseError`'s weight to the asyncpg dialect's nested class of the name, sixth in the map).
   */
  const ownShadows = (from: number, key: string, found: number[], onVariables: boolean) =>
    topDefiners.get(key)?.has(from) === true
      ? onVariables
        ? found.filter((t) => memberDefs.has(`${t}\u0000${key}`))
        : []
      : found;
  // What the map never shows (see `RenderContext`), and the namespaces per file.
  const hidden = new Set<MapSymbol>();
  const namespaces = new Set<string>();
  for (const s of input.symbols) {
    const i = idx.get(s.fileId);
    if (i === undefined) continue;
    const list = byFile.get(i) ?? [];
    byFile.set(i, list);
    list.push(s);
    // A helper inside a function's body (see `nonLocal` below); the file's own uses of the name
    // mean its helper.
    if (local.has(s)) localUses.add(`${i}\u0000${family[i]}\u0000${s.name}`);
    // A member of such an enum is no target of a bare name: Kotlin's `enum class Type { Boolean,
    // String, Map }` took every use of the types `Boolean`, `String` and `Map` in the package, and
    // led the map with its entries. Uses through the enum reach the enum itself. It is not shown.
    if (s.kind === 'constant' && s.container !== null && scopedEnums.has(`${s.fileId}\u0000${s.container}`)) {
      hidden.add(s);
      continue;
    }
    if (s.kind === 'namespace') {
      hidden.add(s);
      namespaces.add(`${i}\u0000${s.container === null ? s.name : `${s.container}.${s.name}`}`);
    }
    const key = `${family[i]}\u0000${s.name}`;
    (s.signature.startsWith('macro_rules!') ? macros : notMacros).add(key);
    if (ANNOTATION_TYPE.test(s.signature)) annotations.add(key);
    if (atTopLevel(s)) {
      topLevel.add(key);
      const top = topDefiners.get(key) ?? new Set<number>();
      topDefiners.set(key, top);
      top.add(i);
    }
    const set = definers.get(key) ?? new Set<number>();
    definers.set(key, set);
    set.add(i);
    if (!local.has(s)) definedOutside.add(`${i}\u0000${key}`);
    if (!MEMBER_KINDS.has(s.kind)) callableDefs.add(`${i}\u0000${key}`);
    if (atTopLevel(s) && (s.kind === 'constant' || s.kind === 'variable')) valueDefs.add(`${i}\u0000${key}`);
    else otherDefs.add(`${i}\u0000${key}`);
    if (!atTopLevel(s)) {
      memberDefs.add(`${i}\u0000${key}`);
      if (s.container !== null) {
        const at = `${i}\u0000${key}`;
        const list = containersOf.get(at) ?? [];
        containersOf.set(at, list);
        list.push(lastWordOf(s.container));
      }
    }
  }
  /**
   * Of the files defining a name, those where it is more than a nested helper, when there are
   * any: eslint's rules each define `getTokens`, `shouldFix` … inside `create(context)`, and took
   * the uses of `sourceCode.getTokens(…)` from the token store that defines the method (1,544 of
   * eslint's 3,613 definitions are such helpers). A helper that is the only definer stays a
   * target: a factory returns its helpers (`return { route, prepareRoute }` in fastify's routing).
   */
  const nonLocal = (key: string, targets: number[]): number[] => {
    const wide = targets.filter((t) => definedOutside.has(`${t}\u0000${key}`));
    return wide.length > 0 ? wide : targets;
  };

  /** The public types a file declares at its top level. */
  const ownTypes = (i: number): MapSymbol[] =>
    (byFile.get(i) ?? []).filter(
      (x) => atTopLevel(x) && TYPE_KINDS.has(x.kind) && looksPublic(x, files[i]!.language),
    );

  // Uses per (referencing file, family+name), and the receivers they are all method calls on.
  const uses = new Map<string, number>();
  const hintsOf = new Map<string, readonly string[]>();
  // Uses that are all plain calls (no receiver): they mean a function or a class.
  const bareUses = new Set<string>();
  for (const r of input.refs) {
    const from = idx.get(r.fileId);
    if (from === undefined) continue;
    const key = `${from}\u0000${family[from]}\u0000${r.name}`;
    uses.set(key, (uses.get(key) ?? 0) + 1);
    if (r.hints !== undefined) hintsOf.set(key, r.hints);
    if (r.bare === true) bareUses.add(key);
  }

  // Imports: the files each import names (same family), and per file the names it imports from
  // where, so a name defined in several files resolves to the one the file imports it from.
  const packages = input.packages ?? [];
  const aliases = input.aliases ?? [];
  const resolve = createModuleResolver(
    files.map((f, i) => ({ rel: f.rel, rootName: rootNameOf(f), family: family[i]! })),
    packages,
    aliases,
  );
  const importTargets = new Map<number, number[][]>();
  const importedFrom = new Map<number, Map<string, number[]>>();
  // Every resolved import of a file, with the names it takes (re-exports are followed through them).
  const importsOf = new Map<number, { names: readonly string[]; targets: number[] }[]>();
  // Per file, the names it imports from outside the scope (`std::task::Context`, `typing.Optional`).
  const externalNames = new Map<number, Set<string>>();
  const rustModules = rustModuleNames(files);
  // Per file, the names its imports bind or spell (`import pkg.utils` -> `pkg`, `utils`;
  // `./helpers` -> `helpers`), resolved or not: a call on one of them may be a module's function.
  const importHeads = new Map<number, Set<string>>();
  // Per file, the files its resolved imports reach.
  const importedFilesOf = new Map<number, Set<number>>();
  // Per Go file, the package names its imports bind (`os`, an alias `rio`), each with the files
  // its import resolved to and the name of the directory it names (`robustio`).
  const goPackages = new Map<number, Map<string, { targets: number[]; dir: string }>>();
  for (const imp of input.imports ?? []) {
    const from = idx.get(imp.fileId);
    if (from === undefined) continue;
    const heads = importHeads.get(from) ?? new Set<string>();
    importHeads.set(from, heads);
    const parts = imp.source.split(/[./\\:]+/).filter((x) => x.length > 0);
    for (const x of [parts[0], parts.at(-1), ...imp.names]) if (x !== undefined) heads.add(x);
    const targets = resolve(from, imp.source, imp.names);
    if (family[from] === 'go') {
      const dir = goPackageName(imp.source);
      const name = imp.names[0] ?? dir;
      if (name !== '_' && name !== '.') {
        const pkgs = goPackages.get(from) ?? new Map<string, { targets: number[]; dir: string }>();
        goPackages.set(from, pkgs);
        pkgs.set(name, { targets: [...(pkgs.get(name)?.targets ?? []), ...targets], dir });
      }
    }
    if (targets.length === 0) {
      if (
        imp.names.length > 0 &&
        isExternalModule(family[from]!, imp.source, rustModules, packages) &&
        !(family[from] === 'js' && matchesPathAlias(aliases, imp.source, rootNameOf(files[from]!)))
      ) {
        const set = externalNames.get(from) ?? new Set<string>();
        externalNames.set(from, set);
        for (const name of imp.names) set.add(name);
      }
      continue;
    }
    const list = importTargets.get(from) ?? [];
    importTargets.set(from, list);
    list.push(targets);
    const reached = importedFilesOf.get(from) ?? new Set<number>();
    importedFilesOf.set(from, reached);
    for (const t of targets) reached.add(t);
    const named = importedFrom.get(from) ?? new Map<string, number[]>();
    importedFrom.set(from, named);
    for (const name of imp.names) named.set(name, targets);
    const re = importsOf.get(from) ?? [];
    importsOf.set(from, re);
    re.push({ names: imp.names, targets });
  }
  /**
   * Of the files defining `name`, the ones `from` imports it from: a module that defines it at the
   * top level, found through re-exports too; else the imported modules that define it at all.
   */
  const importedDefiners = (
    from: number,
    name: string,
    definedIn: Set<number>,
    exportedBy: Set<number> | undefined,
  ): number[] => {
    const start = importedFrom.get(from)?.get(name);
    const scope = importTargets.get(from);
    const found = new Set<number>();
    if (start !== undefined) {
      // Follow `export * from` / `export { x } from` chains a few files deep.
      let frontier = start;
      const seen = new Set<number>();
      for (let depth = 0; depth < 4 && frontier.length > 0 && found.size === 0; depth++) {
        const next: number[] = [];
        for (const t of frontier) {
          if (seen.has(t)) continue;
          seen.add(t);
          if (exportedBy?.has(t)) found.add(t);
          for (const r of importsOf.get(t) ?? [])
            if (r.names.length === 0 || r.names.includes(name) || r.names.includes('*'))
              next.push(...r.targets);
        }
        frontier = next;
      }
    }
    if (found.size === 0 && scope !== undefined)
      for (const targets of scope) for (const t of targets) if (definedIn.has(t)) found.add(t);
    return [...found];
  };

  // Directory of each file, as path segments (a file's own root name first: roots never mix).
  const dirs = files.map((f) => [rootNameOf(f), ...f.rel.split('/').slice(0, -1)]);
  /**
   * Of several files defining a name that no import settles, the ones nearest `from` in the
   * directory tree, in the languages of {@link LEXICAL_FAMILIES}. Rack
   * defines `Request` in three files; `auth/digest/md5.rb` means `auth/digest/request.rb`.
   */
  const nearest = (from: number, defined: number[]): number[] => {
    if (defined.length < 2) return defined;
    const here = dirs[from]!;
    let best = Number.POSITIVE_INFINITY;
    let out: number[] = [];
    for (const to of defined) {
      const there = dirs[to]!;
      let k = 0;
      while (k < here.length && k < there.length && here[k] === there[k]) k++;
      // Steps up from `from`'s directory, then down to the definer's.
      const distance = here.length - k + (there.length - k);
      if (distance < best) {
        best = distance;
        out = [to];
      } else if (distance === best) out.push(to);
    }
    return out;
  };

  /**
   * Of the definers of a name that a file only calls as a method of variables or fields
   * (`call.getString(…)`, `this.bridge.eval(…)`): not a top-level function, unless the receiver
   * starts with a name the file imports (a module: `helpers.slugify(…)`) or the function's module
   * is one the file imports; and of the classes
   * defining it, those whose name ends in the word the receiver ends in (`call` -> `PluginCall`,
   * `this.config` -> `CapConfig`), when there are any. Capacitor's `getString` is defined by four
   * classes and every `call.getString(…)` counted for all of them; Django's `value.lower()` counted
   * for the template filter `lower`. Go's are read by `goByReceiver`.
   */
  const byReceiver = (from: number, defKey: string, found: number[], hints: readonly string[]): number[] => {
    const imported = importedFrom.get(from);
    const heads = importHeads.get(from);
    const onModule = hints.some((h) => {
      const head = h.split('.')[0]!;
      return imported?.has(head) === true || heads?.has(head) === true;
    });
    // A module the file imports keeps its functions: an alias the index does not record
    // (Python's `from . import views as v`, then `v.index()`) reads like a variable.
    const importedFiles = importedFilesOf.get(from);
    const methods = onModule
      ? found
      : found.filter((t) => memberDefs.has(`${t}\u0000${defKey}`) || importedFiles?.has(t) === true);
    const words = new Set(hints.flatMap(typeWordsOf));
    const named = methods.filter((t) => containersOf.get(`${t}\u0000${defKey}`)?.some((w) => words.has(w)));
    return named.length > 0 ? named : methods;
  };

  /**
   * Go: what calls `x.F()` on a receiver can mean. `pkg.F()` on an imported package's name means
   * that package's top-level `F`: in the files its import resolved to, else (a module path the
   * scope's directories do not end with) in a directory of the package's name; none of the
   * scope's for a package outside it (`os.ReadFile`, `filepath.Join`). `v.F()` on anything else is
   * a method (or a field's func). cmd/go's map led with `robustio.ReadFile` and `RemoveAll`, which
   * every `os.ReadFile` and `os.RemoveAll` of the tree counted for.
   */
  const goByReceiver = (from: number, defKey: string, definedIn: Set<number>, hints: readonly string[]) => {
    const pkgs = goPackages.get(from);
    const top = topDefiners.get(defKey);
    const out = new Set<number>();
    let onValue = false;
    for (const h of hints) {
      const pkg = pkgs?.get(h.split('.')[0]!);
      if (pkg === undefined) {
        onValue = true;
        continue;
      }
      for (const t of pkg.targets.length > 0 ? pkg.targets : (top ?? []))
        if (definedIn.has(t) && top?.has(t) && (pkg.targets.length > 0 || dirs[t]!.at(-1) === pkg.dir))
          out.add(t);
    }
    if (onValue) {
      const members = [...definedIn].filter((t) => memberDefs.has(`${t}\u0000${defKey}`));
      for (const t of nearest(from, nonLocal(defKey, members))) out.add(t);
    }
    return [...out];
  };

  // Edges weighted by identifier quality x sqrt(uses); kept per name for the spread afterwards.
  const edges = new Map<number, Map<number, number>>();
  const named: { from: number; to: number; name: string; w: number }[] = [];
  const addEdge = (from: number, to: number, w: number) => {
    const m = edges.get(from) ?? new Map<number, number>();
    edges.set(from, m);
    m.set(to, (m.get(to) ?? 0) + w);
  };
  for (const [key, count] of uses) {
    if (localUses.has(key)) continue;
    const cut = key.indexOf('\u0000');
    const from = Number(key.slice(0, cut));
    const defKey = key.slice(cut + 1);
    // `A`, `T`, `K2`: a generic's type parameter, which the index does not define, so its uses
    // went to whatever else has the name (effect's `Data.ts` showed `readonly A: unknown`, the
    // field of a type-level record, for the `A` of thousands of `Effect<A, E, R>`).
    if (TYPE_PARAMETER.test(defKey.slice(defKey.indexOf('\u0000') + 1))) continue;
    const definedIn = definers.get(defKey);
    if (!definedIn) {
      // A name the file binds to a whole module (`const Redis_1 = require("./Redis")`, `import *
      // as utils from './utils'`) that the module does not define: its uses are uses of the module.
      // They count for the module's public types (a compiled `Redis_1.default` is its class).
      const modules = importedFrom.get(from)?.get(defKey.slice(defKey.indexOf('\u0000') + 1)) ?? [];
      for (const to of modules) {
        if (to === from) continue;
        const w = (MODULE_ALIAS_WEIGHT * Math.sqrt(count)) / modules.length;
        addEdge(from, to, w);
        const types = ownTypes(to);
        for (const x of types) named.push({ from, to, name: x.name, w: w / types.length });
      }
      continue;
    }
    // A use of the crate's own `macro_rules!` macro (see `macros` above).
    if (macros.has(defKey) && !notMacros.has(defKey)) continue;
    const name = defKey.slice(defKey.indexOf('\u0000') + 1);
    if (family[from] === 'ruby' && RUBY_CORE_CALLS.has(name)) continue;
    const importsName = importedFrom.get(from)?.has(name) === true;
    // Imported from outside (`use std::task::Context` in a crate that defines a `Context` too): the
    // use means the outside one.
    if (!importsName && externalNames.get(from)?.has(name)) continue;
    // A Rust prelude name (`Result`, `Option`, `Box`) means the crate's own definition only when
    // the file imports that (tokio's `type Result<T>` in one module took every `Result` of 172 files).
    const preludeOnly = family[from] === 'rust' && RUST_PRELUDE.has(name);
    if (preludeOnly && !importsName) continue;
    const imported =
      definedIn.size > 1 || preludeOnly
        ? importedDefiners(from, name, definedIn, topDefiners.get(defKey))
        : [];
    if (preludeOnly && imported.length === 0) continue;
    let found =
      imported.length > 0
        ? imported
        : LEXICAL_FAMILIES.has(family[from]!)
          ? nearest(from, nonLocal(defKey, [...definedIn]))
          : nonLocal(defKey, [...definedIn]);
    const hints = hintsOf.get(key);
    if (hints !== undefined && found.length > 0) {
      found =
        family[from] === 'go'
          ? goByReceiver(from, defKey, definedIn, hints)
          : byReceiver(from, defKey, found, hints);
      if (found.length === 0) continue;
    }
    // `super()`, `type(x)`: no method's or field's use (Django's `BlockNode.super` took every
    // `super()` of the code base, a model's `type` field every `type(x)`).
    if (bareUses.has(key)) {
      found = found.filter((t) => callableDefs.has(`${t}\u0000${defKey}`));
      if (found.length === 0) continue;
    }
    // Methods of one name on several types of a package are not variants: top-level names only.
    // A Python module's own top-level name shadows every other module's, as a JavaScript module's
    // does: Flask's app.py and blueprints.py each declare `T_template_filter = t.TypeVar(…)`, and
    // each one's uses led the other's map with its TypeVars.
    const top = topDefiners.get(defKey);
    const targets =
      family[from] === 'go' && found.every((t) => top?.has(t))
        ? oneGoVariant(found, files, input.goBuilt)
        : family[from] === 'js' && !importsName
          ? ES_MODULES.has(files[from]!.language ?? '')
            ? found.filter((t) => memberDefs.has(`${t}\u0000${defKey}`))
            : ownShadows(from, defKey, found, hints !== undefined).filter((t) => !onlyValue(t, defKey))
          : family[from] === 'python' && !importsName
            ? ownShadows(from, defKey, found, hints !== undefined)
            : found;
    // A name defined in that many files (`String`, `Error`, `get`) says nothing about which one a
    // use means; its edges (uses x definers) were most of the map's time on large trees.
    if (targets.length > MAX_DEFINERS) continue;
    const w0 =
      identifierWeight(name, targets.length, focusNames.has(name), !topLevel.has(defKey)) *
      Math.sqrt(count) *
      (annotations.has(defKey) ? ANNOTATION_WEIGHT : 1);
    for (const to of targets) {
      if (to === from) continue;
      const w = w0 / targets.length;
      addEdge(from, to, w);
      named.push({ from, to, name, w });
    }
  }
  // An import is a use of the module it names, whatever is used from it.
  for (const [from, list] of importTargets)
    for (const targets of list) for (const to of targets) addEdge(from, to, IMPORT_WEIGHT / targets.length);

  let personalization: Float64Array | null = null;
  if (focus.length > 0) {
    personalization = new Float64Array(n);
    let mass = 0;
    for (const [i, f] of files.entries()) {
      if (focus.some((x) => f.path.includes(x))) {
        personalization[i] = 1;
        mass++;
      }
    }
    for (const x of focus) {
      for (const [key, set] of definers) {
        if (key.slice(key.indexOf('\u0000') + 1) !== x) continue;
        for (const i of set) {
          personalization[i] = (personalization[i] ?? 0) + 1;
          mass++;
        }
      }
    }
    if (mass === 0) personalization = null;
    else for (let i = 0; i < n; i++) personalization[i] = (personalization[i]! + 0.01) / (mass + 0.01 * n);
  }
  if (personalization === null) {
    // No focus: a share of the random jumps goes to the modules the package's entry point
    // (`__init__.py`, `index.js`, `lib.rs` nearest the root) imports, the API a user meets first.
    const api = apiModules(files, importTargets, importsOf);
    if (api.size > 0) {
      personalization = new Float64Array(n).fill((1 - ENTRY_SHARE) / n);
      for (const i of api) personalization[i]! += ENTRY_SHARE / api.size;
    }
  }
  const familyIds = new Map<string, number>();
  const groups = Int32Array.from(family, (f) => {
    const id = familyIds.get(f) ?? familyIds.size;
    familyIds.set(f, id);
    return id;
  });
  const rank = pageRank(n, edges, personalization, 0.85, 40, groups, MIN_OUT_WEIGHT);

  // Spread each file's rank over the (file, definition) pairs it points to.
  const outWeight = new Float64Array(n);
  for (const e of named) outWeight[e.from]! += e.w;
  const pairRank = new Map<string, number>();
  const pairRefs = new Map<string, number>();
  for (const e of named) {
    const key = `${e.to}\u0000${e.name}`;
    pairRank.set(key, (pairRank.get(key) ?? 0) + (rank[e.from]! * e.w) / outWeight[e.from]!);
    pairRefs.set(key, (pairRefs.get(key) ?? 0) + 1);
  }
  // A share of each file's own rank goes to the public types it declares at the top level: a
  // library's central classes are used mostly from outside it, so uses in the scope alone left
  // some out (go-net-http at 1,024 tokens: 4 of 5 core modules; bullmq 2 of 5, first at 13).
  // Only files the scope uses at all: a lone file of another language (a build script, a binding)
  // keeps its group's whole share of the rank, and would otherwise lead the map.
  const used = new Set(named.map((e) => e.to));
  for (const i of byFile.keys()) {
    if (!used.has(i)) continue;
    const own = ownTypes(i);
    for (const x of own) {
      const key = `${i}\u0000${x.name}`;
      pairRank.set(key, (pairRank.get(key) ?? 0) + (rank[i]! * OWN_TYPES_SHARE) / own.length);
    }
  }
  const ranked = [...pairRank.entries()]
    .map(([key, r]) => {
      const cut = key.indexOf('\u0000');
      return { file: Number(key.slice(0, cut)), name: key.slice(cut + 1), r, key };
    })
    .sort(
      (a, b) =>
        b.r - a.r || files[a.file]!.path.localeCompare(files[b.file]!.path) || a.name.localeCompare(b.name),
    );
  // The definitions `focus` names come first, whatever their rank: focused on
  // `createRouterFactory`, tRPC's map showed the files around it but not the function itself
  // (few uses). A name defined in many places brings its best-ranked few.
  const focusDefs = new Set(focus.map((x) => x.split(/::|[.#]/).at(-1) ?? x));
  const candidates = new Map(ranked.filter((p) => focusDefs.has(p.name)).map((p) => [p.key, p]));
  for (const [i, list] of byFile)
    for (const s of list) {
      const key = `${i}\u0000${s.name}`;
      if (focusDefs.has(s.name) && !candidates.has(key))
        candidates.set(key, { file: i, name: s.name, r: 0, key });
    }
  const focused = [...candidates.values()]
    .sort(
      (a, b) =>
        b.r - a.r ||
        rank[b.file]! - rank[a.file]! ||
        files[a.file]!.path.localeCompare(files[b.file]!.path) ||
        a.name.localeCompare(b.name),
    )
    .slice(0, MAX_FOCUSED_PAIRS);
  const first = new Set(focused.map((p) => p.key));
  const pairs = [...focused, ...ranked.filter((p) => !first.has(p.key))];

  const pinned = new Set<number>();
  for (const [i, f] of files.entries()) if (focus.some((x) => f.path.includes(x))) pinned.add(i);
  const ctx: RenderContext = {
    files,
    byFile,
    rank,
    pairRank,
    containerSigs: new Map(),
    pairRefs,
    maxTokens: input.maxTokens,
    pinned,
    hidden,
    namespaces,
  };
  // Binary search: the most top-ranked pairs whose rendering fits the budget.
  let lo = 0;
  let hi = pairs.length;
  let best = render(ctx, pairs.slice(0, 0));
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    const r = render(ctx, pairs.slice(0, mid));
    if (r.tokens <= input.maxTokens) {
      best = r;
      lo = mid;
    } else hi = mid - 1;
  }
  if (best.tokens > input.maxTokens) best = { files: [], text: '', tokens: 0, truncated: true };
  let truncated = lo < pairs.length || best.truncated;
  if (!truncated) {
    // Everything ranked fits: list the remaining files by rank, path only, while room is left.
    const shown = new Set(best.files.map((f) => f.path));
    const rest = [...rank.keys()]
      .filter((i) => !shown.has(files[i]!.path))
      .sort((a, b) => rank[b]! - rank[a]! || files[a]!.path.localeCompare(files[b]!.path));
    const lines = best.text === '' ? [] : [best.text];
    let tokens = best.tokens;
    for (const i of rest) {
      const line = `${files[i]!.path}:`;
      const c = estimateTokens(line) + 1;
      if (tokens + c > input.maxTokens) {
        truncated = true;
        break;
      }
      lines.push(line);
      tokens += c;
      best.files.push({ path: files[i]!.path, rank: Number(rank[i]!.toPrecision(4)), symbols: [] });
    }
    best = { ...best, text: lines.join('\n'), tokens };
  }
  return { ...best, truncated };
}

/** `x.d.ts` next to `x.js`/`x.ts` (a published package) says again what the code says. */
function describesMappedCode(rel: string, rels: Set<string>): boolean {
  if (!rel.endsWith('.d.ts')) return false;
  const base = rel.slice(0, -'.d.ts'.length);
  return rels.has(`${base}.js`) || rels.has(`${base}.ts`) || rels.has(`${base}.mjs`);
}

/**
 * Whether the source is JavaScript with hand-written typings beside it (fastify's `types/*.d.ts`
 * for its `lib/*.js`): JavaScript files and no TypeScript file other than declarations. The
 * typings then describe the JavaScript, and their type names refer densely to one another, so
 * they would fill a small map ahead of the code (fastify at 1,024 tokens: 8 of 10 files).
 */
function typingsOfJavaScript(source: readonly { rel: string; language: string | null }[]): boolean {
  let js = false;
  for (const f of source) {
    if (f.language === 'javascript') js = true;
    else if ((f.language === 'typescript' || f.language === 'tsx') && !isDeclarationFile(f.rel)) return false;
  }
  return js;
}

/** Docs describe code that is mapped elsewhere. */
function isDocLike(rel: string): boolean {
  return /\.(md|rst|txt)$/i.test(rel);
}

interface RenderContext {
  files: GraphData['files'];
  byFile: Map<number, MapSymbol[]>;
  rank: Float64Array;
  /** Rank of each (file, name) pair, keyed `file\u0000name`. */
  pairRank: Map<string, number>;
  /** Per file, its containers' definitions by name (see `containerSignatures`), filled as read. */
  containerSigs: Map<number, Map<string, MapSymbol>>;
  pairRefs: Map<string, number>;
  maxTokens: number;
  /** Files named by `focus`: shown even when nothing points into them. */
  pinned: Set<number>;
  /**
   * Never shown: namespaces (see `namespaces`), and members of scoped enums. Those take no uses
   * (see `scopedEnums`), so such a member is chosen only through a same-named definition of its
   * file, which it then followed (`enum ProfilerScriptType { …, Native }` under the `Native`
   * class that declares it).
   */
  hidden: Set<MapSymbol>;
  /**
   * Namespaces per file, `file\u0000qualified name`: a definition inside one is shown without its
   * namespace's line (C#'s `namespace ReactNative.Bridge`, C++'s `namespace spdlog`): the path says
   * as much, and the line cost a third of each file's budget.
   */
  namespaces: Set<string>;
}

/** A file shows at most this share of the budget, so one wide utility file cannot fill the map. */
const FILE_SHARE = 0.2;

function render(ctx: RenderContext, chosen: { file: number; name: string; r: number }[]): RepoMap {
  const perFile = new Map<number, { names: Set<string>; best: number }>();
  for (const p of chosen) {
    const e = perFile.get(p.file) ?? { names: new Set<string>(), best: p.r };
    perFile.set(p.file, e);
    e.names.add(p.name);
  }
  for (const i of ctx.pinned) if (!perFile.has(i)) perFile.set(i, { names: new Set<string>(), best: 0 });
  // Files in PageRank order: the files the rest of the code leans on come first.
  const order = [...perFile.entries()].sort(
    (a, b) => ctx.rank[b[0]]! - ctx.rank[a[0]]! || ctx.files[a[0]]!.path.localeCompare(ctx.files[b[0]]!.path),
  );
  const fileCap = Math.max(48, Math.floor(ctx.maxTokens * FILE_SHARE));
  const out: RepoMapFile[] = [];
  const lines: string[] = [];
  let tokens = 0;
  let truncated = false;
  for (const [i, { names }] of order) {
    const chosen = (ctx.byFile.get(i) ?? []).filter((s) => names.has(s.name) && !ctx.hidden.has(s));
    const syms = collapseRepeats(withoutShownConstructors(withoutNamesakeFields(chosen)));
    let file = renderFile(ctx, i, syms);
    if (file.cost > fileCap) {
      // Over its share: the file keeps its best-ranked definitions, wherever they are in it (in
      // line order, pygments' `lexer.py` showed its first classes and not `RegexLexer`, the one
      // every lexer extends).
      truncated = true;
      file = renderFile(ctx, i, bestThatFit(ctx, i, syms, fileCap));
    }
    out.push(file.entry);
    lines.push(file.block.join('\n'));
    tokens += file.cost;
  }
  const text = lines.join('\n');
  return { files: out, text, tokens: Math.max(tokens, estimateTokens(text)), truncated };
}

/**
 * Drops the constructors of a class that is shown itself: in Java, C++, C# and the like they share
 * the class's name, so they came with it and took a line each (`public AtomicLong(long
 * initialValue) (+1 more)` under `public class AtomicLong`). A constructor whose class is defined
 * in another file (C++'s `Screen::Screen` in a `.cpp`) stays.
 */
function withoutShownConstructors(syms: readonly MapSymbol[]): MapSymbol[] {
  const shown = new Set<string>();
  for (const s of syms)
    if (CONTAINER_KINDS.has(s.kind)) shown.add(s.container === null ? s.name : `${s.container}.${s.name}`);
  if (shown.size === 0) return [...syms];
  return syms.filter((s) => s.kind !== 'constructor' || s.container === null || !shown.has(s.container));
}

/**
 * Drops the fields and properties named like a top-level definition shown with them: the uses of
 * the name are the type's. effect's `Effect.ts` showed, under `interface Effect`, four
 * `interface XUnifyIgnore { Effect?: true }` for the one name.
 */
function withoutNamesakeFields(syms: readonly MapSymbol[]): MapSymbol[] {
  const top = new Set(syms.filter((s) => s.container === null).map((s) => s.name));
  if (top.size === 0) return [...syms];
  return syms.filter(
    (s) => s.container === null || (s.kind !== 'field' && s.kind !== 'property') || !top.has(s.name),
  );
}

interface RenderedFile {
  block: string[];
  cost: number;
  entry: RepoMapFile;
}

/**
 * A member's container: the class, struct… of that name; else a top-level function of that name.
 * Read once per file and kept in `ctx` (every render of the binary search needs it again).
 */
function containerSignatures(ctx: RenderContext, i: number): Map<string, MapSymbol> {
  const cached = ctx.containerSigs.get(i);
  if (cached !== undefined) return cached;
  // A JavaScript constructor with `X.prototype.m = function`, a function nesting another.
  const containerSig = new Map<string, MapSymbol>();
  ctx.containerSigs.set(i, containerSig);
  for (const s of ctx.byFile.get(i) ?? []) {
    if (s.container !== null) continue;
    const had = containerSig.get(s.name);
    if (had === undefined || (!CONTAINER_KINDS.has(had.kind) && CONTAINER_KINDS.has(s.kind)))
      containerSig.set(s.name, s);
  }
  return containerSig;
}

type ShownSymbol = MapSymbol & { repeats: number };

/** A file's skeleton with these definitions (in the order given), and its cost in tokens. */
function renderFile(ctx: RenderContext, i: number, syms: readonly ShownSymbol[]): RenderedFile {
  const f = ctx.files[i]!;
  // A container that is shown itself gets no header line.
  const names = new Set(syms.map((s) => s.name));
  const containerSig = containerSignatures(ctx, i);
  const block = [`${f.path}:`];
  let cost = estimateTokens(block[0]!) + 1;
  const entry: RepoMapFile = { path: f.path, rank: Number(ctx.rank[i]!.toPrecision(4)), symbols: [] };
  const shownContainers = new Set<string>();
  let lastLine = 0;
  for (const shown of syms) {
    const s = inNamespace(ctx, i, shown);
    const text = symbolLines(s, containerSig, shownContainers, names, lastLine);
    if (s.container !== null) shownContainers.add(s.container);
    if (CONTAINER_KINDS.has(s.kind)) shownContainers.add(s.name);
    block.push(text);
    cost += estimateTokens(text) + 1;
    lastLine = s.line;
    entry.symbols.push({
      name: s.name,
      kind: s.kind,
      line: s.line,
      signature: s.signature,
      refs: ctx.pairRefs.get(`${i}\u0000${s.name}`) ?? 0,
    });
  }
  return { block, cost, entry };
}

/** A definition declared directly in a namespace, shown as at the top level (see `namespaces`). */
function inNamespace(ctx: RenderContext, i: number, s: ShownSymbol): ShownSymbol {
  return s.container !== null && ctx.namespaces.has(`${i}\u0000${s.container}`)
    ? { ...s, container: null }
    : s;
}

/** A definition's line, after its container's line when that is not shown yet, and a gap mark. */
function symbolLines(
  s: ShownSymbol,
  containerSig: Map<string, MapSymbol>,
  shownContainers: Set<string>,
  names: Set<string>,
  lastLine: number,
): string {
  const add: string[] = [];
  if (s.container !== null && !shownContainers.has(s.container) && !names.has(s.container)) {
    const c = containerSig.get(s.container);
    // Defined in another file (a Go method's receiver type, a Rust impl): the name alone.
    add.push(c ? `${c.line}: ${oneLine(c.signature) || `${c.kind} ${c.name}`}` : s.container);
  }
  const indent = s.container !== null ? '    ' : '  ';
  const gap = lastLine !== 0 && s.line > lastLine + 1 ? '  ⋮\n' : '';
  const more = s.repeats > 0 ? ` (+${s.repeats} more)` : '';
  add.push(`${indent}${s.line}: ${oneLine(s.signature) || `${s.kind} ${s.name}`}${more}`);
  return `${gap}${add.map((l, k) => (k === 0 && s.container !== null && add.length > 1 ? `  ${l}` : l)).join('\n')}`;
}

/**
 * The best-ranked of a file's definitions whose skeleton fits `cap` tokens, in file order: taken
 * by rank while an estimate of each one's lines fits, then, while the real skeleton is over, the
 * lowest-ranked taken is dropped.
 */
function bestThatFit(
  ctx: RenderContext,
  i: number,
  syms: readonly ShownSymbol[],
  cap: number,
): ShownSymbol[] {
  const rankOf = (s: ShownSymbol) => ctx.pairRank.get(`${i}\u0000${s.name}`) ?? 0;
  const order = new Map(syms.map((s, k) => [s, k]));
  const byRank = [...syms].sort((a, b) => rankOf(b) - rankOf(a) || order.get(a)! - order.get(b)!);
  const containerSig = containerSignatures(ctx, i);
  const taken: ShownSymbol[] = [];
  const containers = new Set<string>();
  let estimate = estimateTokens(`${ctx.files[i]!.path}:`) + 1;
  for (const s of byRank) {
    // Its own line, a gap mark, and its container's line when none of the container is taken yet.
    const c =
      estimateTokens(symbolLines(inNamespace(ctx, i, s), containerSig, containers, containers, 0)) + 1 + 2;
    if (estimate + c > cap) continue;
    estimate += c;
    taken.push(s);
    if (s.container !== null) containers.add(s.container);
    if (CONTAINER_KINDS.has(s.kind)) containers.add(s.name);
  }
  const inOrder = () => [...taken].sort((a, b) => order.get(a)! - order.get(b)!);
  while (taken.length > 0 && renderFile(ctx, i, inOrder()).cost > cap) taken.pop();
  return inOrder();
}

/**
 * One line per name in a container: overloads (`@overload` stubs, TypeScript overload signatures),
 * a property's getter and setter and conditional redefinitions repeat a name, and each copy cost a
 * line of the budget (jinja2's `Environment.compile` took three). The first stays, with how many
 * more there are.
 */
function collapseRepeats(syms: readonly MapSymbol[]): (MapSymbol & { repeats: number })[] {
  // A Map keeps its first insertion order: the symbols in the order given.
  const byName = new Map<string, MapSymbol & { repeats: number }>();
  // Definitions made by one line (`attr_reader :key_space_limit, :param_depth_limit`) show it once.
  const lines = new Set<string>();
  for (const s of syms) {
    const line = `${s.container ?? ''}\u0000${s.line}\u0000${s.signature}`;
    if (lines.has(line)) continue;
    lines.add(line);
    const key = `${s.container ?? ''}\u0000${s.name}`;
    const first = byName.get(key);
    if (first === undefined) byName.set(key, { ...s, repeats: 0 });
    else first.repeats++;
  }
  return [...byName.values()];
}

/** Signatures can span lines; the map shows the first line. */
function oneLine(signature: string): string {
  const nl = signature.indexOf('\n');
  return (nl === -1 ? signature : `${signature.slice(0, nl)} …`).trim();
}
