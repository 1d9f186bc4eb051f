import { dirname } from 'node:path';
import { isSecondaryPath } from '../indexer/path-class.js';
import { lastWordOf, nameKey, qualifiedParts, typeWordsOf } from './identifiers.js';
import { fileStem, joinRootPath, scopeFilter } from './paths.js';
import type { QueryContext } from './query-context.js';
import { paging, scopeOf } from './query-context.js';
import { REF_KIND_BIT, type RefSite, unpackRefSites } from './ref-sites.js';
import type { RefHit, RefQuery, RefSearchResult } from './types.js';

const MAX_LINE_TEXT = 200;

interface RefRow extends RefRowLike {
  name: string;
  sites: string;
  file_id: number;
  rel: string;
  root: string;
  language: string | null;
  /** The file's indexed size and mtime. */
  size: number;
  mtime_ms: number;
}

/**
 * `Class.method`, `pkg::fn`, `Class#method`, `-[Class method:]` -> `method`: refs are stored by
 * their last name part.
 */
export function refName(symbol: string): string {
  return qualifiedParts(symbol).at(-1) ?? '';
}

/**
 * References to a name, most relevant files first: files in a language that defines the name
 * (the container's, for `Class.method`) before others, source before tests, fixtures, examples
 * and the like, then root, path and position. Rows are one per (name, file), ordered in memory
 * (their packed sites are not unpacked for that) and unpacked until the page is full.
 * The source line is read back from the smallest chunk that covers it (chunks carry the file's
 * text), so refs store no text.
 */
export function findReferences(ctx: QueryContext, q: RefQuery): RefSearchResult {
  const { limit, offset } = paging(q.limit, q.offset);
  const name = refName(q.symbol);
  if (name.length === 0 || limit === 0) return { hits: [], hasMore: false };
  const scope = scopeOf(ctx, q.pathPrefix);
  const filter = scope === null ? { sql: '', params: [] } : scopeFilter(scope);
  const rows = ctx.statements
    .get<RefRow>(
      `SELECT rf.name, rf.sites, f.id AS file_id, f.path AS rel, r.path AS root, f.language, f.size, f.mtime_ms
       FROM refs rf JOIN files f ON f.id = rf.file_id JOIN roots r ON r.id = f.root_id
       WHERE rf.name = ?${filter.sql === '' ? '' : ` AND ${filter.sql}`}
       ORDER BY r.path, f.path`,
    )
    .all(name, ...filter.params)
    .filter((r) => q.language === undefined || r.language === q.language);
  const container = containerOf(q.symbol);
  const defLanguages = new Set(
    ctx.statements
      .get<{ language: string | null }>(
        // name_key first: the planner then reads the name's rows from the name index, instead of
        // every file's symbols (800 ms per call on an index of 5.7 million symbols).
        container === null
          ? `SELECT DISTINCT f.language FROM symbols s JOIN files f ON f.id = s.file_id
             WHERE s.name_key = ? AND s.name = ?`
          : `SELECT DISTINCT f.language FROM symbols s JOIN files f ON f.id = s.file_id
             WHERE s.name_key = ? AND s.name = ? AND ${CONTAINER_MATCH_SQL('LIKE')}`,
      )
      .all(
        ...(container === null ? [nameKey(name), name] : [nameKey(name), name, ...containerMatch(container)]),
      )
      .map((l) => l.language),
  );
  // `Class.method`: a call whose receiver names another class (`Other.method()`, `self.method()`
  // in another class) is not a use, nor a plain function's call (`method()` in JavaScript, Python,
  // Go, Rust, ...); one on this class or a subclass comes first; one whose receiver's type is
  // unknown (`job.method()`) is kept after those.
  const accepted = container === null ? null : classAndSubclasses(ctx, container);
  const lineText = ctx.statements.get<{ start_line: number; content: string }>(
    `SELECT start_line, content FROM chunks
     WHERE file_id = ? AND start_line <= ? AND end_line >= ?
     ORDER BY end_line - start_line LIMIT 1`,
  );
  // The files' import-bound names, to tell a call on another module apart (see `onOtherModule`).
  const importRows =
    accepted === null ? [] : ctx.statements.get<ImportBindingRow>(IMPORT_BINDINGS_SQL).all(name);
  const bindings = accepted === null ? undefined : importBindings(importRows);
  const module =
    container === null
      ? undefined
      : moduleOf(
          container,
          name,
          ctx.statements.get<{ path: string }>(TOP_LEVEL_DEFINERS_SQL).all(nameKey(name), name),
          importRows,
        );
  const { picked, hasMore } = pageRefSites(
    rankRefRows(rows, defLanguages, accepted, bindings, module),
    offset,
    limit,
  );
  const words = classWords(accepted);
  const hits = picked.map(({ row, site }) => {
    const chunk = lineText.get(row.file_id, site[0], site[0]);
    return refHit(
      row,
      site,
      chunk === undefined ? null : lineOf(chunk.content, site[0] - chunk.start_line),
      words,
    );
  });
  return { hits, hasMore };
}

/** What the ordering and paging of references need of a refs row (any engine). */
export interface RefRowLike {
  name: string;
  sites: string;
  file_id: number;
  rel: string;
  root: string;
  language: string | null;
  /** The file's indexed size and mtime. */
  size: number;
  mtime_ms: number;
}

/**
 * Rows in relevance order with their sites unpacked (and, for `Class.method`, filtered to the
 * accepted receivers): files in a language that defines the name first, source before tests,
 * resolved receivers before unknown ones; within a tier the input (root, path) order stands.
 */
export function rankRefRows<R extends RefRowLike>(
  rows: readonly R[],
  defLanguages: ReadonlySet<string | null>,
  accepted: ReadonlySet<string> | null,
  bindings?: ImportBindings,
  /** For `module.function`: see {@link moduleOf}. */
  module?: ModuleInfo,
): RankedRefRow<R>[] {
  // A plain call (`slugify(x)`) cannot call a method of a class that defines the name; it can call
  // a function of a module named as the qualifier (`helpers.slugify`, whose definitions have no
  // container, so no defining language was found for it).
  const bareAreOthers = defLanguages.size > 0;
  const moduleName = !bareAreOthers && module !== undefined ? module.name.toLowerCase() : null;
  // A component's script is TypeScript: a `.vue` file using a `.ts` definition is no port.
  const defined = new Set([...defLanguages].map(scriptLanguage));
  const classes = classWords(accepted);
  const acceptedLower = accepted === null ? null : new Set([...accepted].map((a) => a.toLowerCase()));
  const ranked = rows.map((row) => {
    // Unpacked on first use: without a receiver filter only the rows up to the page are read.
    let unpacked: RefSite[] | undefined;
    const sites = (): RefSite[] => {
      if (unpacked === undefined) {
        unpacked = unpackRefSites(row.sites);
        if (accepted !== null) {
          const importsTakeMembers = !NO_MEMBER_IMPORTS.has(row.language ?? '');
          const bound = bindings?.get(row.file_id);
          const inModule =
            moduleName !== null &&
            (module!.importers.has(row.file_id) ||
              isModuleFile(row.rel, moduleName) ||
              (row.language === 'go' && module!.goDirs.has(dirname(row.rel))));
          unpacked = unpacked.filter(
            (s) =>
              acceptedSite(s, accepted, bareAreOthers, importsTakeMembers) &&
              !(bound !== undefined && onOtherModule(s, bound, acceptedLower!, classes!.words)) &&
              (moduleName === null || moduleSite(s, moduleName, inModule, bound, row.language)),
          );
        }
      }
      return unpacked;
    };
    // A call on a variable named like an accepted class (`call.resolve()` for `PluginCall.resolve`)
    // counts as resolved.
    const resolvedTier = classes === null || sites().some((s) => resolvedSite(s, classes)) ? 0 : 1;
    const tier =
      (defined.size > 0 && !defined.has(scriptLanguage(row.language)) ? 4 : 0) +
      (isSecondaryPath(row.rel) ? 2 : 0) +
      resolvedTier;
    return { row, sites, tier };
  });
  // Stable sort: within a tier the SQL's root and path order stands.
  ranked.sort((a, b) => a.tier - b.tier);
  return ranked.map(({ row, sites }) => ({ row, sites }));
}

/** The language a file's code is written in: a Vue or Svelte component's is TypeScript. */
function scriptLanguage(language: string | null): string | null {
  return language === 'vue' || language === 'svelte' ? 'typescript' : language;
}

/** Languages whose imports name module members only, never a class's method. */
const NO_MEMBER_IMPORTS: ReadonlySet<string> = new Set([
  'javascript',
  'typescript',
  'tsx',
  'vue',
  'svelte',
  'python',
]);

/**
 * Whether a site can be a use of `Class.method` (`accepted`: the class and its subclasses): a call
 * on a receiver of unknown type, or on an accepted class; a call with no receiver (`''`, a plain
 * function's) only from inside an accepted container (a namespace's or module's own function), or
 * anywhere when `bareAreOthers` is false (the qualifier is no container of the name: a module).
 * With `bareAreOthers`, an import of the bare name (`export { pipe } from './util/pipe'`) is not a
 * use either where imports cannot take a class's member (`importsTakeMembers` false).
 */
function acceptedSite(
  site: RefSite,
  accepted: ReadonlySet<string>,
  bareAreOthers: boolean,
  importsTakeMembers: boolean,
): boolean {
  if (bareAreOthers && !importsTakeMembers && site[2] === 'import') return false;
  const receiver = site[4];
  if (receiver === null) return true;
  if (receiver === '' && !bareAreOthers) return true;
  if (receiver !== '') return accepted.has(receiver);
  const enclosing = site[3];
  if (enclosing === null) return false;
  const parts = enclosing.split('.');
  return parts.slice(0, -1).some((p) => accepted.has(p));
}

/**
 * Per JavaScript/TypeScript file, the names its imports bind (`import * as metricBoundaries from
 * './metric/boundaries.js'`, `import def from`, `const x = require()`), each with the base name of
 * the module it comes from, lowercased (`boundaries`; an `index` file's directory).
 */
export type ImportBindings = ReadonlyMap<number, ReadonlyMap<string, string>>;

/** Languages whose import-bound names {@link importBindings} reads. */
const MODULE_BINDING_LANGUAGES: ReadonlySet<string> = new Set([
  'javascript',
  'typescript',
  'tsx',
  'vue',
  'svelte',
]);

/** An imports row of a file with refs of the name, as {@link IMPORT_BINDINGS_SQL} reads it. */
export interface ImportBindingRow {
  file_id: number;
  source: string;
  names: string;
  language: string | null;
}

/**
 * The imports of the files that refer to a name (`?`); the same statement on both engines.
 * {@link importBindings} reads those of the JavaScript family, {@link moduleImporters} all.
 */
export const IMPORT_BINDINGS_SQL = `SELECT i.file_id, i.source, i.names, f.language FROM refs rf
  JOIN imports i ON i.file_id = rf.file_id JOIN files f ON f.id = rf.file_id
  WHERE rf.name = ?`;

/**
 * The files that import `name` from a module named `module` (any language): an import whose
 * source's last part is the module (`from rich.markup import render`, `require('./helpers')`, Go's
 * `import "…/client_golang/prometheus"`) and that takes the name, everything (`*`, a whole module,
 * Go's package) or names nothing in particular; or that imports the module itself by name (`from
 * rich import markup`). `from .jupyter import JupyterMixin` does not make `print(…)` in that file
 * `jupyter.print`.
 */
export function moduleImporters(
  rows: readonly ImportBindingRow[],
  module: string,
  name: string,
): Set<number> {
  const want = module.toLowerCase();
  const out = new Set<number>();
  for (const r of rows) {
    let names: string[] = [];
    try {
      const parsed: unknown = JSON.parse(r.names);
      if (Array.isArray(parsed)) names = parsed.filter((n): n is string => typeof n === 'string');
    } catch {
      // A row whose names do not parse binds nothing in particular.
    }
    if (names.some((n) => n.toLowerCase() === want)) {
      out.add(r.file_id);
      continue;
    }
    const parts = r.source
      .replace(/[?#].*$/, '')
      .replace(/\.(?:[cm]?[jt]sx?|py|rb|php|go|rs|lua|ex|exs)$/, '')
      .split(/[/\\.:]+/)
      .filter((p) => p !== '');
    const last = parts.at(-1) === 'index' || parts.at(-1) === '__init__' ? parts.at(-2) : parts.at(-1);
    if (last?.toLowerCase() !== want) continue;
    if (
      r.language === 'go' ||
      names.length === 0 ||
      names.some((n) => n === name || n === '*' || n === 'default')
    )
      out.add(r.file_id);
  }
  return out;
}

/** A `module.function` query's module (see {@link moduleOf}). */
export interface ModuleInfo {
  name: string;
  /** Files that import the name, or everything, from the module ({@link moduleImporters}). */
  importers: ReadonlySet<number>;
  /** Root-relative directories of the module's files: a Go package is its directory. */
  goDirs: ReadonlySet<string>;
}

/**
 * The module a `module.function` query names, when one of the files defining the name at its top
 * level is that module (`markup.py`, Go's `viper/viper.go`); else undefined, and the qualifier is
 * read as before (`str.format` on a built-in class).
 */
export function moduleOf(
  module: string,
  name: string,
  topLevelDefiners: readonly { path: string }[],
  importRows: readonly ImportBindingRow[],
): ModuleInfo | undefined {
  const lower = module.toLowerCase();
  const files = topLevelDefiners.filter((d) => isModuleFile(d.path, lower));
  if (files.length === 0) return undefined;
  return {
    name: module,
    importers: moduleImporters(importRows, module, name),
    goDirs: new Set(files.map((d) => dirname(d.path))),
  };
}

/**
 * The root-relative paths of the files that define a name outside any class (`?` name key, `?`
 * name): a `module.function` query applies {@link moduleSite} only when one of them is the module.
 */
export const TOP_LEVEL_DEFINERS_SQL = `SELECT DISTINCT f.path FROM symbols s JOIN files f ON f.id = s.file_id
  WHERE s.name_key = ? AND s.name = ? AND s.container IS NULL`;

/**
 * Whether a root-relative path is the module `module` (lowercased) or in it: `markup.py`,
 * `helpers/index.js`, or any file of a directory of the name (a Go package, a Python package).
 */
export function isModuleFile(rel: string, module: string): boolean {
  const lower = rel.toLowerCase();
  return fileStem(lower) === module || lower.split('/').at(-2) === module;
}

/** Languages whose imports name modules, so that a file that does not import one cannot use it. */
const MODULE_IMPORT_LANGUAGES: ReadonlySet<string> = new Set([...MODULE_BINDING_LANGUAGES, 'python', 'go']);

/**
 * For `module.function` in Python, Go and the JavaScript family: a call on a value only when the
 * value is the module (`markup.render()`, a name the file binds to it, a value named like it);
 * any other use only in the module itself or a file that imports the name from it (`from
 * rich.markup import render`, then `render(…)`). `style.render()` is another class's method, and
 * a plain `print(…)` in a file that never imports it is not `jupyter.print`.
 */
function moduleSite(
  site: RefSite,
  module: string,
  inModule: boolean,
  bound: ReadonlyMap<string, string> | undefined,
  language: string | null,
): boolean {
  if (!MODULE_IMPORT_LANGUAGES.has(language ?? '')) return true;
  // A receiver the extractor resolved was checked against the accepted classes already.
  if (site[4] !== null && site[4] !== '') return true;
  const hint = site[5];
  if (site[2] !== 'call' || hint === undefined) return inModule;
  // A call on a value: the module itself, or a value named like it; a module's function is no
  // method of whatever else the value is, even inside the module (`console.print()` in jupyter.py).
  const head = hint.split('.')[0]!;
  return (
    head.toLowerCase() === module ||
    bound?.get(head) === module ||
    typeWordsOf(head).includes(lastWordOf(module))
  );
}

/** {@link ImportBindings} from imports rows (`names` as stored: a JSON array). */
export function importBindings(rows: readonly ImportBindingRow[]): ImportBindings {
  const out = new Map<number, Map<string, string>>();
  for (const r of rows) {
    if (!MODULE_BINDING_LANGUAGES.has(r.language ?? '')) continue;
    let names: unknown;
    try {
      names = JSON.parse(r.names);
    } catch {
      continue;
    }
    if (!Array.isArray(names)) continue;
    const parts = r.source
      .replace(/[?#].*$/, '')
      .split('/')
      .filter((p) => p !== '' && p !== '.' && p !== '..');
    let base = (parts.at(-1) ?? '').replace(/\.(?:[cm]?[jt]sx?|vue|svelte|json)$/, '');
    if (base === 'index' && parts.length > 1) base = parts.at(-2)!;
    if (base === '') continue;
    const m = out.get(r.file_id) ?? new Map<string, string>();
    out.set(r.file_id, m);
    for (const n of names)
      if (typeof n === 'string' && n !== '*' && n !== 'default') m.set(n, base.toLowerCase());
  }
  return out;
}

/**
 * A call on a name the file binds to another module (`metricBoundaries.exponential()` for
 * `Schedule.exponential`): neither the name nor its module's file is named like an accepted
 * container (`acceptedLower`: the accepted containers, lowercased). A name bound to an instance (`defaultQueue.add()` for `Queue.add`) keeps its place
 * when its last word is the container's.
 */
function onOtherModule(
  site: RefSite,
  bound: ReadonlyMap<string, string>,
  acceptedLower: ReadonlySet<string>,
  acceptedWords: ReadonlySet<string>,
): boolean {
  const hint = site[5];
  if (hint === undefined) return false;
  const head = hint.split('.')[0]!;
  const module = bound.get(head);
  if (module === undefined) return false;
  return (
    !acceptedLower.has(module) &&
    !acceptedLower.has(head.toLowerCase()) &&
    !typeWordsOf(head).some((w) => acceptedWords.has(w))
  );
}

/** A refs row in relevance order and its sites (unpacked when first asked for). */
export interface RankedRefRow<R> {
  row: R;
  sites: () => RefSite[];
}

/** The sites of one page (`offset`, `limit`) over ranked rows, and whether more follow. */
export function pageRefSites<R>(
  ranked: readonly RankedRefRow<R>[],
  offset: number,
  limit: number,
): { picked: { row: R; site: RefSite }[]; hasMore: boolean } {
  const picked: { row: R; site: RefSite }[] = [];
  let skip = offset;
  for (const { row, sites: sitesOf } of ranked) {
    const sites = sitesOf();
    if (skip >= sites.length) {
      skip -= sites.length;
      continue;
    }
    for (const site of sites.slice(skip)) {
      if (picked.length === limit) return { picked, hasMore: true };
      picked.push({ row, site });
    }
    skip = 0;
  }
  return { picked, hasMore: false };
}

/** A reference hit of a row's site with its line text. */
export function refHit(
  row: RefRowLike,
  site: RefSite,
  text: string | null,
  /** For `Class.method`: {@link classWords} of the accepted classes, to mark unknown receivers. */
  classes: AcceptedClasses | null = null,
): RefHit {
  const [line, col, kind, enclosing] = site;
  return {
    name: row.name,
    kind,
    path: joinRootPath(row.root, row.rel),
    line,
    col,
    enclosing,
    text,
    indexed: { size: row.size, mtimeMs: row.mtime_ms },
    ...(classes !== null && !resolvedSite(site, classes) ? { receiverUnknown: true as const } : {}),
  };
}

/** A `Class.method` query's accepted classes (the class and its subclasses) and their last words. */
export interface AcceptedClasses {
  names: ReadonlySet<string>;
  /** Last words, lower case (`PluginCall` -> `call`): what a variable of the class is named by. */
  words: ReadonlySet<string>;
}

/** {@link AcceptedClasses} of a `Class.method` query (null: no class was named). */
export function classWords(accepted: ReadonlySet<string> | null): AcceptedClasses | null {
  return accepted === null ? null : { names: accepted, words: new Set([...accepted].map(lastWordOf)) };
}

/**
 * Whether a site kept for `Class.method` resolves to the class: a use that is not a call (a type
 * use, an instantiation, an import names the class or its member itself); a call on it, or on a
 * variable named like it (`call.resolve()` for `PluginCall.resolve`); a plain call kept from
 * inside the class (`''`), or a call with no receiver written at all (Ruby's implicit `self`:
 * `notify :seed` in `Reporter`) from inside an accepted class.
 */
function resolvedSite(site: RefSite, classes: AcceptedClasses): boolean {
  if (site[2] !== 'call') return true;
  if (site[4] !== null) return true;
  const hint = site[5];
  if (hint !== undefined) return typeWordsOf(hint).some((w) => classes.words.has(w));
  return (
    site[3]
      ?.split('.')
      .slice(0, -1)
      .some((p) => classes.names.has(p)) ?? false
  );
}

/** Levels of subclasses followed from a class (`B extends A`, `C extends B`). */
export const SUBCLASS_DEPTH = 3;

/**
 * A class's name and the names of the classes that extend or implement it, as the index's
 * `inherit` references tell (the enclosing definition of each is the subclass), a few levels down.
 */
function classAndSubclasses(ctx: QueryContext, name: string): Set<string> {
  const out = new Set([name]);
  const lookup = ctx.statements.get<{ sites: string }>(
    `SELECT sites FROM refs WHERE name = ? AND kinds & ${REF_KIND_BIT.inherit} != 0`,
  );
  let level = [name];
  for (let depth = 0; depth < SUBCLASS_DEPTH && level.length > 0; depth++) {
    const next: string[] = [];
    for (const parent of level) {
      for (const child of subclassNames(lookup.all(parent).map((r) => r.sites))) {
        if (!out.has(child)) {
          out.add(child);
          next.push(child);
        }
      }
    }
    level = next;
  }
  return out;
}

/** The classes that `inherit` sites (of rows found by a parent's name) name as subclasses. */
export function subclassNames(sitesOfRows: readonly string[]): string[] {
  const out: string[] = [];
  for (const sites of sitesOfRows) {
    for (const [, , kind, enclosing] of unpackRefSites(sites)) {
      if (kind !== 'inherit' || enclosing === null) continue;
      out.push(enclosing.slice(enclosing.lastIndexOf('.') + 1));
    }
  }
  return out;
}

/**
 * SQL matching a definition's container to a class named `C` (parameters: {@link containerMatch}):
 * `C` itself, a `….C` nested or qualified one, and their Kotlin companion objects (`C.Companion`).
 */
export const CONTAINER_MATCH_SQL = (like: 'LIKE' | 'ILIKE') =>
  `(s.container = ? OR s.container ${like} ? OR s.container = ? OR s.container ${like} ?)`;

export function containerMatch(container: string): string[] {
  return [container, `%.${container}`, `${container}.Companion`, `%.${container}.Companion`];
}

/** `Queue.add` -> `Queue`, `a.b.C.m` -> `C`; null for a bare name. */
export function containerOf(symbol: string): string | null {
  const parts = qualifiedParts(symbol);
  return parts.length < 2 ? null : (parts.at(-2) ?? null);
}

/** Line `index` (0-based) of `content`, trimmed and capped; null when out of range. */
export function lineOf(content: string, index: number): string | null {
  let start = 0;
  for (let i = 0; i < index; i++) {
    const nl = content.indexOf('\n', start);
    if (nl < 0) return null;
    start = nl + 1;
  }
  const end = content.indexOf('\n', start);
  const line = content.slice(start, end < 0 ? undefined : end).trim();
  return line.length > MAX_LINE_TEXT ? `${line.slice(0, MAX_LINE_TEXT - 1)}…` : line;
}
