import { readFile } from 'node:fs/promises';
import { resolveAllowedPath } from '../discovery/index.js';
import { CodeindexError, errorMessage, isCodeindexError } from '../errors.js';
import { isDeclarationFile } from '../indexer/path-class.js';
import type { SymbolKind } from '../indexer/types.js';
import { dottedSymbol, qualifiedParts, withoutCompanion } from '../store/identifiers.js';
import { fileStem } from '../store/paths.js';
import type { IndexStore, PathScope, SymbolHit, SymbolQuery } from '../store/types.js';
import { staleChecker } from './context.js';
import { CONTAINER_KINDS } from './repo-map.js';
import { isSingletonMethod, searchSymbolGroups } from './symbol-groups.js';
import { symbolToOut } from './tools/search-symbols.js';

/**
 * One definition's source, found by name: what `get_symbol` and the HTTP API's `GET /symbol`
 * answer. The definition is the best of search_symbols' exact matches; its lines are read from
 * disk, with the comments and decorators above it, and found again where they are now when the
 * file changed since it was indexed.
 */

/** Candidates read to find the definitions named exactly like the query. */
const CANDIDATES = 50;
/** Other definitions of the name listed beside the one shown. */
const OTHERS = 10;
/**
 * Lines of doc comments, decorators and attributes looked at above a definition. The walk stops at
 * a blank line first; API docs run long (Sequel's `Database#transaction` has 50 lines of options,
 * and a cap of 40 cut its first line, "Starts a database transaction", off).
 */
export const LEADING_LINES = 200;
/** A doc comment longer than this (and than `max_lines`) is not shown, only said. */
const DOC_LINES = 30;
/** Characters of one source line shown (minified code). */
const LINE_WIDTH = 400;
/** Characters of source one answer shows at most (about 15,000 tokens). */
export const MAX_SOURCE_CHARS = 60_000;

/**
 * A line that belongs to the definition below it: a comment (`//`, `/*`, `*`, `#`, `--`, `///`),
 * a decorator or annotation (`@app.route(…)`, `@Override`), or an attribute (`#[derive(…)]`,
 * `[Serializable]`, `[[nodiscard]]`). Not a preprocessor line (`#include`, `#define`, `#if`).
 */
const LEADING =
  /^\s*(?:\/\/|\/\*|\*|#(?!\s*(?:include|define|undef|if|ifdef|ifndef|elif|else|endif|pragma|import)\b)|--|@|\[\[|\[[A-Z])/;

/**
 * Whether a definition's class or module (its container's last name, or its file's) is
 * `qualifier`'s last name. A Kotlin companion object's members are its class's
 * (`TouchEvent.obtain` is `TouchEvent.Companion.obtain`), and a top-level definition's namespace or
 * package is its directory (`Monolog\Handler\StreamHandler`, Go's `prometheus.Register`).
 */
function qualifies(h: Pick<SymbolHit, 'container' | 'path' | 'language'>, qualifier: string): boolean {
  const want = (qualifier.split('.').at(-1) ?? '').toLowerCase();
  if (want === '') return false;
  const container = (withoutCompanion(h.container)?.split('.').at(-1) ?? '').toLowerCase();
  const segments = h.path.toLowerCase().split('/');
  const file = fileStem(h.path).toLowerCase();
  return (
    container === want ||
    file === want ||
    (h.container === null && (segments.slice(0, -1).includes(want) || NAMESPACE_STATEMENTS.has(h.language)))
  );
}

/**
 * Languages whose files declare their namespace or package by a statement (`namespace GuzzleHttp;`,
 * `package org.apache.cordova;`), which the index keeps as no container: a qualifier of a
 * top-level definition there is taken for its namespace.
 */
const NAMESPACE_STATEMENTS: ReadonlySet<string> = new Set([
  'php',
  'csharp',
  'java',
  'kotlin',
  'scala',
  'go',
  'dart',
]);

/**
 * The classes a class's signature names as its parents: `extends A implements B, C`, Python's
 * `(A, B)`, Ruby's `< A`, and `: A, B` (Kotlin, Swift, C#, C++), each by its last name
 * (`Foo::Bar<T>` -> `Bar`).
 */
export function parentNames(signature: string): string[] {
  const head = signature.split('{')[0] ?? '';
  const lists: string[] = [];
  const py = /\bclass\s+[\w$]+\s*(?:\[[^\]]*\])?\s*\(([^)]*)\)/.exec(head);
  if (py !== null) lists.push(py[1]!);
  const rb = /\bclass\s+[\w:]+\s+<\s*([\w:]+)/.exec(head);
  if (rb !== null) lists.push(rb[1]!);
  for (const m of head.matchAll(
    /\b(?:extends|implements|with)\s+(.+?)(?=\b(?:extends|implements|with)\b|$)/g,
  ))
    lists.push(m[1]!);
  // `: A, B` after the name and anything but a colon (Kotlin's `private constructor()`, its
  // parameters, C++'s template arguments), outside parentheses.
  const colon = /\b(?:class|struct|interface|object|protocol|record)\s+[\w$]+[^:]*?:\s*([^:].*)$/.exec(
    head.replace(/\([^()]*\)/g, ''),
  );
  if (colon !== null) lists.push(colon[1]!);
  const out: string[] = [];
  for (const list of lists) {
    for (const raw of list
      .replace(/<[^<>]*(?:<[^<>]*>[^<>]*)*>/g, '')
      .replace(/\([^)]*\)/g, '')
      .split(',')) {
      const words = raw.replace(/\b(?:public|private|protected|virtual|internal|final|open)\b/g, '').trim();
      const name = words
        .split(/::|\.|\s+/)
        .filter((w) => w !== '')
        .at(-1);
      if (name !== undefined && /^[A-Za-z_$][\w$]*$/.test(name) && name !== 'object' && !out.includes(name))
        out.push(name);
    }
  }
  return out;
}

/** How many levels of parents {@link inheritedDefinition} climbs. */
const PARENT_LEVELS = 4;

/**
 * The definition of `name` that the class `qualifier` inherits: its parents' (from their
 * signatures, see {@link parentNames}), nearest first, then theirs. Null when none of them
 * defines it, as far as the index knows.
 */
async function inheritedDefinition(
  store: Pick<IndexStore, 'searchSymbols'>,
  qualifier: string,
  name: string,
  scope: Pick<SymbolQuery, 'pathPrefix' | 'language'>,
): Promise<{ hit: SymbolHit; parent: string } | null> {
  const seen = new Set<string>([qualifier]);
  let level = [qualifier];
  for (let depth = 0; depth < PARENT_LEVELS && level.length > 0; depth++) {
    const next: string[] = [];
    for (const cls of level) {
      const defs = (await store.searchSymbols({ query: cls, limit: 10, offset: 0, ...scope })).hits.filter(
        (h) => h.name === cls && CONTAINER_KINDS.has(h.kind),
      );
      for (const parent of defs.flatMap((d) => parentNames(d.signature))) {
        if (seen.has(parent)) continue;
        seen.add(parent);
        const hit = (
          await store.searchSymbols({ query: `${parent}.${name}`, limit: 5, offset: 0, ...scope })
        ).hits.find((h) => h.name === name && (h.container?.split('.').at(-1) ?? '') === parent);
        if (hit !== undefined) return { hit, parent };
        next.push(parent);
      }
    }
    level = next;
  }
  return null;
}

/**
 * The definition to show for the best match `first`: of the definitions of its name in its
 * class (the same kind; a Ruby class method apart), the one with a body: an overloaded
 * function's implementation after its signatures (rxjs's `switchMap` at line 85, not the
 * signature at 8), a C++ method's out-of-class definition rather than its declaration in the
 * class, source rather than a `.d.ts` declaration. The longest wins; the others of its file are
 * its `moreLines`.
 */
async function implementationOf(
  store: Pick<IndexStore, 'fileOutline'>,
  first: SymbolHit,
  found: readonly SymbolHit[],
  /** Lines where `first`'s file defines it again (null: not known, read the file's outline). */
  firstMoreLines: readonly number[] | null,
): Promise<{ best: SymbolHit; moreLines: readonly number[] }> {
  const same = (h: SymbolHit) =>
    h.name === first.name &&
    h.container === first.container &&
    h.kind === first.kind &&
    isSingletonMethod(h) === isSingletonMethod(first);
  const pool = found.filter(same);
  if (firstMoreLines === null || firstMoreLines.length > 0)
    pool.push(
      ...((await store.fileOutline(first.path)) ?? []).filter(
        (h) => same(h) && !pool.some((p) => p.line === h.line && p.path === h.path),
      ),
    );
  const span = (h: SymbolHit) => (isDeclarationFile(h.path) ? -1 : h.endLine - h.line);
  const best = pool.reduce((a, b) => (span(b) > span(a) ? b : a), first);
  const lines = new Set(pool.filter((h) => h.path === best.path && h.line !== best.line).map((h) => h.line));
  if (best === first && firstMoreLines !== null) return { best, moreLines: firstMoreLines };
  return { best, moreLines: [...lines].sort((a, b) => a - b) };
}

/**
 * The last name of a qualified query (`Flask.route`, `net::tcp::connect`, `App\Http\Kernel`, and the
 * forms `dottedSymbol` reads: `Reply.prototype.send`, `(*Server).Shutdown`) and what qualifies it.
 */
export function splitQualified(query: string): { name: string; qualifier: string | null } {
  const parts = qualifiedParts(query);
  const name = parts.at(-1) ?? dottedSymbol(query);
  return { name, qualifier: parts.length > 1 ? parts.slice(0, -1).join('.') : null };
}

/**
 * The definitions the query names exactly, in search_symbols' order (a qualifier's class or module
 * first): the same name, else the same name in another case.
 */
export function exactDefinitions(hits: readonly SymbolHit[], name: string): SymbolHit[] {
  const same = hits.filter((h) => h.name === name);
  if (same.length > 0) return same;
  const lower = name.toLowerCase();
  return hits.filter((h) => h.name.toLowerCase() === lower);
}

/**
 * The first row of a definition's leading comments and decorators: from `startRow` (0-based) up
 * over lines that are such (and over an attribute's heredoc), stopping at a blank line or
 * anything else.
 */
export function leadingStart(lines: readonly string[], startRow: number): number {
  let row = startRow;
  while (row > 0 && startRow - row < LEADING_LINES) {
    const above = lines[row - 1] ?? '';
    if (LEADING.test(above)) {
      row--;
      continue;
    }
    // The end of an attribute's heredoc (Elixir's `@doc """` … `"""`): up to where it opens.
    if (/^\s*(?:"""|''')\s*$/.test(above)) {
      let open = row - 2;
      while (open >= 0 && row - open <= LEADING_LINES && !HEREDOC_OPEN.test(lines[open] ?? '')) open--;
      if (open >= 0 && row - open <= LEADING_LINES) {
        row = open;
        continue;
      }
    }
    break;
  }
  return row;
}

/** An attribute that opens a heredoc: Elixir's `@doc """`, `@moduledoc ~S"""`. */
const HEREDOC_OPEN = /^\s*@\w+\s+(?:~[A-Za-z])?(?:"""|''')\s*$/;

/**
 * Where a definition is now in a file changed since it was indexed: the line holding its
 * signature's first line nearest to where it was, as an offset in lines; null when no line does.
 */
export function relocate(
  lines: readonly string[],
  hit: Pick<SymbolHit, 'line' | 'signature'>,
): number | null {
  const head = (hit.signature.split('\n')[0] ?? '').trim();
  if (head === '') return null;
  let best: number | null = null;
  for (let i = 0; i < lines.length; i++) {
    const text = (lines[i] ?? '').trim();
    if (text === '' || !(text.startsWith(head) || head.startsWith(text))) continue;
    if (text.length < Math.min(head.length, 8)) continue;
    const offset = i + 1 - hit.line;
    if (best === null || Math.abs(offset) < Math.abs(best)) best = offset;
  }
  return best;
}

/** What to read. `asked`: the path the caller named (for messages); `scope`: where to look. */
export interface SymbolSourceQuery {
  symbol: string;
  kind?: SymbolKind | undefined;
  language?: SymbolHit['language'] | undefined;
  scope?: PathScope | undefined;
  asked?: string | undefined;
  /** The roots the caller may read: a file that became a link out of them since it was indexed is refused. */
  allowedRoots: readonly string[];
  maxLines: number;
  /** Who asks: errors name what to do next in that caller's words (MCP tools, or commands). */
  caller?: 'mcp' | 'cli';
}

/** What an error tells the caller to do next, in MCP tools' or the command line's words. */
const NEXT_STEP = {
  mcp: {
    moreNames: 'search_symbols lists more',
    words: 'call search_code',
    reindex: 'call index_repository on its root (or index_file on the file)',
    readAgain: (name: string) => `call index_file on it, then get_symbol ${name} again`,
  },
  cli: {
    moreNames: '`codeindex search` lists more',
    words: 'run `codeindex search --code`',
    reindex: 'run `codeindex index` on its root',
    readAgain: (name: string) => `run \`codeindex index\` on its root, then \`codeindex show ${name}\` again`,
  },
} as const;

/** A definition's source and where it is. Rows are 0-based. */
export interface SymbolSource {
  name: string;
  best: SymbolHit;
  /** First row shown (its leading comments), last row shown, and the definition's last row. */
  from: number;
  to: number;
  endRow: number;
  /** The lines shown, each cut at LINE_WIDTH characters, MAX_SOURCE_CHARS in all at most. */
  lines: string[];
  /** The lines stop before `maxLines` because the answer's character budget ran out. */
  cutAtChars: boolean;
  /** The file changed since it was indexed; `offset`: how far the definition moved, in lines. */
  stale: boolean;
  offset: number;
  others: SymbolHit[];
  /** Whether the definition's file or another's listed changed since it was indexed. */
  isStale: (path: string) => boolean;
  /** Definitions of the name not listed in `others`; `morePossible`: there may be more still. */
  unlisted: number;
  morePossible: boolean;
  /** The definition's kind has members to read one at a time (`Class.method`). */
  container: boolean;
  /** The query's qualifier, when the definition shown is not in a class or module of that name. */
  unmatchedQualifier: string | null;
  /** The class the qualifier's class inherits the definition from (`Observable`), when it does. */
  inheritedFrom: string | null;
  /** First and last line of a doc comment too long to show (see DOC_LINES). */
  docSkipped: [number, number] | null;
  /**
   * Lines where the file defines the name again in the same container (an overload, a getter's
   * setter, the other branch of an `if`): not shown, but said.
   */
  moreLines: readonly number[];
}

/** Finds and reads a definition (see the module comment); throws SYMBOL_NOT_FOUND and the like. */
export async function readSymbolSource(store: IndexStore, q: SymbolSourceQuery): Promise<SymbolSource> {
  const { name, qualifier } = splitQualified(q.symbol);
  const next = NEXT_STEP[q.caller ?? 'mcp'];
  const there = q.asked === undefined ? '' : ` under ${q.asked}`;
  const r = await searchSymbolGroups(store, {
    query: q.symbol,
    limit: CANDIDATES,
    offset: 0,
    ...(q.kind ? { kind: q.kind } : {}),
    ...(q.language ? { language: q.language } : {}),
    ...(q.scope ? { pathPrefix: q.scope } : {}),
  });
  const found = exactDefinitions(
    r.groups.map((g) => g.hit),
    name,
  );
  // `Configuration#add_setting` is Ruby's instance method, not `def self.add_setting` beside it.
  if (q.symbol.includes('#') && found[0] !== undefined && isSingletonMethod(found[0])) {
    const first = found[0];
    const instance = found.findIndex((h) => h.container === first.container && !isSingletonMethod(h));
    if (instance > 0) found.unshift(...found.splice(instance, 1));
  }
  const first = found[0];
  if (first === undefined) {
    const close = [
      ...new Set(r.groups.map((g) => (g.hit.container ? `${g.hit.container}.` : '') + g.hit.name)),
    ];
    throw new CodeindexError(
      'SYMBOL_NOT_FOUND',
      close.length > 0
        ? `no definition is named ${JSON.stringify(name)}${there}; closest: ${close.slice(0, 5).join(', ')} (${next.moreNames})`
        : `no definition is named ${JSON.stringify(name)}${there}: for words from a body or a question, ${next.words}`,
    );
  }
  const own = await implementationOf(
    store,
    first,
    found,
    r.groups.find((g) => g.hit === first)?.moreLines ?? [],
  );
  // `BehaviorSubject.subscribe`: no such method in the class, but in one it extends (`Observable`).
  const via =
    qualifier !== null && !qualifies(own.best, qualifier)
      ? await inheritedDefinition(store, qualifier.split('.').at(-1) ?? qualifier, name, {
          ...(q.language ? { language: q.language } : {}),
          ...(q.scope ? { pathPrefix: q.scope } : {}),
        })
      : null;
  const { best, moreLines } = via === null ? own : await implementationOf(store, via.hit, [via.hit], null);
  // The file as it is now, confined like any path a caller names (a link out of the roots is refused).
  const file = await resolveAllowedPath(best.path, q.allowedRoots, { expect: 'file' }).catch(
    (err: unknown) => {
      throw isCodeindexError(err, 'PATH_NOT_FOUND')
        ? new CodeindexError(
            'PATH_NOT_FOUND',
            `${best.path}, where ${name} was indexed, is gone: ${next.reindex} to bring the index up to date`,
          )
        : err;
    },
  );
  let text: string;
  try {
    // Without the BOM, as the indexer read it: it is no part of the first definition's source.
    text = (await readFile(file.realPath, 'utf8')).replace(/^\uFEFF/, '');
  } catch (err) {
    throw new CodeindexError(
      'PATH_NOT_FOUND',
      `${best.path} (where ${name} was indexed) cannot be read here (${errorMessage(err)}): ${next.reindex} to bring the index up to date`,
    );
  }
  // With a qualifier, the others listed are that class's (or module's) too; the rest are counted.
  // When no definition is in the qualifier's class or module, the others are all listed.
  const rest = found.filter(
    (h) =>
      !(
        h.path === best.path &&
        (h.line === best.line || (h.container === best.container && moreLines.includes(h.line)))
      ),
  );
  const matched = qualifier !== null && (via !== null || qualifies(best, qualifier));
  const others = (
    matched ? rest.filter((h) => h.container === best.container || qualifies(h, qualifier)) : rest
  ).slice(0, OTHERS);
  const isStale = await staleChecker(store, [best, ...others]);
  const lines = text.split(/\r?\n/);
  const stale = isStale(best.path);
  let offset = 0;
  if (stale) {
    const moved = relocate(lines, best);
    if (moved === null)
      throw new CodeindexError(
        'NOT_INDEXED',
        `${best.path} changed since it was indexed and ${name} is no longer where it was: ${next.readAgain(q.symbol)}`,
      );
    offset = moved;
  }
  const startRow = Math.min(lines.length - 1, Math.max(0, best.line - 1 + offset));
  const endRow = Math.min(lines.length - 1, Math.max(startRow, best.endLine - 1 + offset));
  const leading = leadingStart(lines, startRow);
  // The doc comment above comes on top of maxLines, unless it is longer than that (and than
  // DOC_LINES): then it is left out and its lines said (rxjs's `switchMap` has 62 lines of doc).
  const docLong = startRow - leading > Math.max(DOC_LINES, q.maxLines);
  const from = docLong ? startRow : leading;
  let to = Math.min(endRow, startRow + q.maxLines - 1);
  const shown: string[] = [];
  let chars = 0;
  let cutAtChars = false;
  for (let row = from; row <= to; row++) {
    const line = lines[row] ?? '';
    const cut = line.length > LINE_WIDTH ? `${line.slice(0, LINE_WIDTH - 1)}…` : line;
    // A bound on the answer whatever max_lines says (2,000 long lines would be 800 KB).
    if (chars + cut.length > MAX_SOURCE_CHARS && row > startRow) {
      to = row - 1;
      cutAtChars = true;
      break;
    }
    shown.push(cut);
    chars += cut.length + 1;
  }
  return {
    name,
    best,
    from,
    to,
    endRow,
    lines: shown,
    docSkipped: docLong ? [leading + 1, startRow] : null,
    cutAtChars,
    stale,
    offset,
    others,
    isStale,
    unlisted: rest.length - others.length,
    morePossible: r.hasMore,
    container: CONTAINER_KINDS.has(best.kind),
    unmatchedQualifier: qualifier !== null && !matched ? qualifier : null,
    inheritedFrom: via?.parent ?? null,
    moreLines,
  };
}

/** The structured answer of `get_symbol` and `GET /symbol`. */
export function symbolSourceOut(s: SymbolSource) {
  return {
    symbol: symbolToOut(s.best, s.stale, s.moreLines),
    start_line: s.from + 1,
    end_line: s.to + 1,
    source: s.lines.join('\n'),
    truncated: s.to < s.endRow,
    stale: s.stale,
    other_definitions: s.others.map((h) => symbolToOut(h, s.isStale(h.path))),
    ...(s.unlisted > 0 ? { more_definitions: s.unlisted } : {}),
    ...(s.unmatchedQualifier !== null ? { qualifier_matched: false } : {}),
    ...(s.inheritedFrom !== null ? { inherited_from: s.inheritedFrom } : {}),
    ...(s.docSkipped !== null ? { doc_lines: s.docSkipped } : {}),
  };
}

/** A definition's first line in a text answer: `path:from-to kind Container.name`. */
export function sourceHeading(s: SymbolSource, show: (path: string) => string): string {
  const { best } = s;
  return `${show(best.path)}:${s.from + 1}-${s.to + 1} ${best.kind} ${best.container ? `${best.container}.` : ''}${best.name}`;
}

/** A definition's lines in a text answer, each after its line number. */
export function numberedLines(s: SymbolSource): string[] {
  const width = String(s.to + 1).length;
  return s.lines.map((l, i) => `${String(s.from + 1 + i).padStart(width)}: ${l}`);
}
