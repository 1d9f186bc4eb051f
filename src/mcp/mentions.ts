import { dirname } from 'node:path';
import { rulesFor } from '../indexer/language-rules.js';
import { isSecondaryPath } from '../indexer/path-class.js';
import { CODE_LANGUAGE_IDS, type CodeLanguageId, type LanguageId } from '../indexer/types.js';
import { lastWordOf, qualifiedParts } from '../store/identifiers.js';
import { fileStem } from '../store/paths.js';
import { isModuleFile } from '../store/references.js';
import type { IndexedFile, IndexStore, PathScope } from '../store/types.js';
import { relativeTo } from './scope.js';

/**
 * Lines that name a symbol where the index recorded no reference to it: `find_references` lists
 * them after the references, as kind `mention`. The extractors record calls, instantiations, type
 * uses, inheritance and imports; a constant or enum variant used as a value
 * (`ValidArgsFunction: NoFileCompletions`, `ErrorKind::ArgumentConflict =>`), a class passed as an
 * argument (`isinstance(x, Text)`), or a call inside a macro's arguments (Rust's
 * `ok!(self.validate_conflicts(…))`) is none of those, and the answer was "no references" where
 * grep finds a hundred. Mentions are found through the full-text index (the chunks holding the
 * name's words), then matched as a whole word line by line; comment lines, lines of triple-quoted
 * strings (docstrings), strings, the name's own definitions and the lines a reference already
 * lists are left out. For a qualified name
 * (`Parser::react`, `markup.render`) a line counts only inside that class or module (its chunks,
 * or its file) or when it names the qualifier too.
 */

/** Chunks read for mentions, best full-text matches first. */
export const MENTION_CHUNKS = 400;

export interface Mention {
  name: string;
  path: string;
  line: number;
  col: number;
  /** The chunk's definition (`Parser.react`), when the line is inside one. */
  enclosing: string | null;
  text: string;
  indexed?: IndexedFile;
}

export interface MentionQuery {
  symbol: string;
  pathPrefix?: PathScope;
  language?: LanguageId;
}

/** A line that is only a comment (`//`, `/*`, `*`, `# `, `--`, `;;`); `#define` and `#[attr]` are code. */
const COMMENT_LINE = /^\s*(?:\/\/|\/\*|\*|#(?:\s|$)|--|;;)/;

/** Languages where a single quote does not open a string (Rust's lifetimes, Scala's symbols). */
const SINGLE_QUOTE_NOT_STRING: ReadonlySet<string> = new Set(['rust', 'scala', 'ocaml']);

/**
 * A line with its strings blanked (same length, so columns hold): a name inside a log message
 * (`debug!("Parser::react: …")`) or an event name (`proc.on('error', …)`) is no use. Single
 * quotes are strings too, except where they are not (`singleQuotes` false: Rust's `'a`).
 */
export function withoutStrings(line: string, singleQuotes = true): string {
  const strings = singleQuotes
    ? /"(?:[^"\\]|\\.)*"|`(?:[^`\\]|\\.)*`|'(?:[^'\\]|\\.)*'/g
    : /"(?:[^"\\]|\\.)*"|`(?:[^`\\]|\\.)*`/g;
  return line.replace(strings, (s) => ' '.repeat(s.length));
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * `name` as a whole word: not inside a longer identifier (nor, in Ruby and Elixir, before the `!`
 * or `?` that make another name: `deep_merge!` is not `deep_merge`).
 */
export function wholeWord(name: string, bangNames = false): RegExp {
  return new RegExp(
    `(?<![\\p{L}\\p{N}_$])${escapeRegExp(name)}(?![\\p{L}\\p{N}_$${bangNames ? '!?' : ''}])`,
    'gu',
  );
}

/** Languages whose names may end in `!` or `?`. */
const BANG_NAMES: ReadonlySet<string> = new Set(['ruby', 'elixir']);

/** The receiver written right before a match (`this.`, `Foo::`, `$x->`), or null for none. */
function receiverBefore(code: string, at: number): string | null {
  const m = /([\p{L}\p{N}_$]+)\s*(?:\??\.|::|->)\s*$/u.exec(code.slice(0, at));
  if (m !== null) return m[1]!;
  // Any other member access (`f().name`, `a[0].name`): a receiver of unknown name.
  return /(?:\??\.|::|->)\s*$/.test(code.slice(0, at)) ? '' : null;
}

/** A comment at the end of a line of code, by language (after strings are blanked). */
const TRAILING_COMMENT: Readonly<Record<string, RegExp>> = Object.fromEntries([
  ...[
    'c',
    'cpp',
    'objc',
    'csharp',
    'java',
    'kotlin',
    'scala',
    'swift',
    'dart',
    'go',
    'rust',
    'javascript',
    'typescript',
    'tsx',
    'vue',
    'svelte',
    'php',
  ].map((l) => [l, /\/\/.*$/]),
  ...['python', 'ruby', 'bash', 'elixir', 'r', 'perl'].map((l) => [l, /(?:^|\s)#.*$/]),
  ...['lua', 'sql', 'haskell'].map((l) => [l, /--.*$/]),
]);

/** Languages without `/* … *\/` comments. */
const NO_BLOCK_COMMENTS: ReadonlySet<string> = new Set([
  'python',
  'ruby',
  'bash',
  'elixir',
  'r',
  'perl',
  'lua',
]);

/** Whether a block comment is open after `code`, given whether one was open before it. */
function opensBlock(code: string, open: boolean): boolean {
  let state = open;
  for (const m of code.matchAll(/\/\*|\*\//g)) state = m[0] === '/*';
  return state;
}

/** Receivers that are the enclosing object itself. */
const SELF_RECEIVERS: ReadonlySet<string> = new Set([
  'this',
  'self',
  'Self',
  'static',
  '$this',
  'super',
  'parent',
]);

/**
 * A definition's head right before the name (`fun `, `def self.`, `function `), or a local's
 * (`const error = …`): no use of it.
 */
const DEFINITION_HEAD =
  /(?:^|[\s(])(?:fun|def|function\*?|func(?:\s*\([^)]*\))?|fn|sub|class|interface|struct|enum|trait|type|object|module|macro_rules!|def\s+self\.|const|let|var|val)\s*$/;

/**
 * The mentions of `q.symbol` (see the module's doc), in order: source before tests and the like,
 * then path and line. `seen` holds `path:line` keys to leave out (the references already listed).
 * `capped`: the chunks read were only the best {@link MENTION_CHUNKS}, so more may exist.
 */
export async function textMentions(
  store: Pick<IndexStore, 'rankText' | 'chunksByIds' | 'searchSymbols' | 'listRoots'>,
  q: MentionQuery,
  seen: ReadonlySet<string>,
): Promise<{ mentions: Mention[]; capped: boolean }> {
  const parts = qualifiedParts(q.symbol);
  const name = parts.at(-1) ?? '';
  const qualifier = parts.length > 1 ? parts.at(-2)! : null;
  if (name.length < 3 || !/^[\p{L}_$][\p{L}\p{N}_$]*$/u.test(name)) return { mentions: [], capped: false };
  const scope = {
    ...(q.pathPrefix !== undefined ? { pathPrefix: q.pathPrefix } : {}),
    ...(q.language !== undefined ? { language: q.language } : {}),
  };
  // The name's chunks, and for a qualified name also those naming its class or module (the
  // first list alone can fill its cap with the name's other meanings).
  const queries = qualifier === null ? [name] : [`${qualifier} ${name}`, name];
  const seenChunks = new Set<number>();
  const chunks: Awaited<ReturnType<typeof store.chunksByIds>> = [];
  let capped = false;
  for (const query of queries) {
    const ranked = await store.rankText({ query, limit: MENTION_CHUNKS, looseBelow: 0, ...scope });
    capped ||= ranked.hasMore;
    const fresh = ranked.ids.filter((id) => !seenChunks.has(id));
    if (fresh.length === 0) continue;
    const freshIds = new Set(fresh);
    for (const id of fresh) seenChunks.add(id);
    const read = ranked.chunks?.filter((c) => freshIds.has(c.chunkId)) ?? (await store.chunksByIds(fresh));
    chunks.push(...read);
  }
  if (chunks.length === 0) return { mentions: [], capped: false };
  // The name's own definitions are no mention of it (their first line may be an annotation above
  // the name: the signature's line is left out too).
  const skip = new Set(seen);
  const signatures = new Map<string, Set<string>>();
  const defs = await store.searchSymbols({ query: name, limit: 200, ...scope });
  for (const d of defs.hits) {
    if (d.name !== name) continue;
    skip.add(`${d.path}:${d.line}`);
    const head = (d.signature.split('\n')[0] ?? '').trim();
    if (head === '') continue;
    const heads = signatures.get(d.path) ?? new Set<string>();
    signatures.set(d.path, heads);
    heads.add(head);
  }
  const lowerQualifier = qualifier?.toLowerCase() ?? null;
  const qualifierWord = qualifier === null ? null : lastWordOf(qualifier);
  // `module.function`: the qualifier is a module that defines the name at its top level (its file,
  // or for Go its package: the directory of such a file). Its bare names are the function.
  const moduleDirs = new Set<string>();
  if (lowerQualifier !== null)
    for (const d of defs.hits)
      if (d.name === name && d.container === null && isModuleFile(d.path, lowerQualifier))
        moduleDirs.add(dirname(d.path));
  const isModule = moduleDirs.size > 0;
  const found = new Map<string, Mention>();
  for (const c of chunks) {
    const inQualifier =
      lowerQualifier === null ||
      (c.symbol ?? '').toLowerCase().split('.').slice(0, -1).includes(lowerQualifier) ||
      fileStem(c.path).toLowerCase() === lowerQualifier ||
      (isModule && c.language === 'go' && moduleDirs.has(dirname(c.path)));
    const word = wholeWord(name, BANG_NAMES.has(c.language));
    const singleQuotes = !SINGLE_QUOTE_NOT_STRING.has(c.language);
    const ownHeads = signatures.get(c.path);
    // A bare name there is a function or a local, never the class's method (JavaScript, Python, Go…).
    const bareIsFunction =
      (CODE_LANGUAGE_IDS as readonly string[]).includes(c.language) &&
      rulesFor(c.language as CodeLanguageId).bareCallsAreFunctions === true;
    const trailing = TRAILING_COMMENT[c.language] ?? null;
    const blocks = !NO_BLOCK_COMMENTS.has(c.language);
    const lines = c.content.split('\n');
    // Inside a triple-quoted string (a Python docstring, a Kotlin or Java text block), or inside a
    // block comment (`/** @throw out_of_range … */`).
    let inTriple = false;
    let inBlock = false;
    for (let i = 0; i < lines.length; i++) {
      const text = lines[i]!;
      const triples = text.match(/"""|'''/g)?.length ?? 0;
      const quoted = inTriple || triples > 0;
      if (triples % 2 === 1) inTriple = !inTriple;
      if (quoted || COMMENT_LINE.test(text)) {
        if (blocks) inBlock = opensBlock(text, inBlock);
        continue;
      }
      const line = c.startLine + i;
      const key = `${c.path}:${line}`;
      let code = withoutStrings(text, singleQuotes);
      if (blocks) {
        const wasIn = inBlock;
        inBlock = opensBlock(code, inBlock);
        if (wasIn) {
          const close = code.indexOf('*/');
          if (close < 0) continue;
          code = ' '.repeat(close + 2) + code.slice(close + 2);
        }
        code = code.replace(/\/\*.*?(?:\*\/|$)/g, (x) => ' '.repeat(x.length));
      }
      if (trailing !== null) code = code.replace(trailing, (x) => ' '.repeat(x.length));
      if (skip.has(key) || found.has(key) || ownHeads?.has(text.trim())) continue;
      let hit: number | null = null;
      for (const m of code.matchAll(word)) {
        const at = m.index ?? 0;
        const after = code.slice(at + name.length);
        // A key (`{ error: true }`, `error: x` in a literal) or a definition's head is no use.
        if (/^\s*:(?!:)/.test(after) || DEFINITION_HEAD.test(code.slice(0, at))) continue;
        if (lowerQualifier !== null) {
          // `Class.method`: on the class, on itself inside the class, on a value named like the
          // class; with no receiver, inside the class only, where a bare name can be its member.
          const receiver = receiverBefore(code, at);
          const ok =
            receiver === null
              ? inQualifier && (isModule || !bareIsFunction)
              : SELF_RECEIVERS.has(receiver)
                ? inQualifier
                : receiver.toLowerCase() === lowerQualifier ||
                  (receiver !== '' && lastWordOf(receiver) === qualifierWord);
          if (!ok) continue;
        }
        hit = at;
        break;
      }
      if (hit === null) continue;
      found.set(key, {
        name,
        path: c.path,
        line,
        col: hit,
        enclosing: c.kind === 'symbol' ? c.symbol : null,
        text: text.trim(),
        ...(c.indexed !== undefined ? { indexed: c.indexed } : {}),
      });
    }
  }
  const roots = await store.listRoots();
  const mentions = [...found.values()]
    .map((m) => ({ m, secondary: isSecondaryPath(relativeTo(roots, m.path)) }))
    .sort(
      (a, b) =>
        Number(a.secondary) - Number(b.secondary) ||
        (a.m.path < b.m.path ? -1 : a.m.path > b.m.path ? 1 : 0) ||
        a.m.line - b.m.line,
    )
    .map(({ m }) => m);
  return { mentions, capped };
}
