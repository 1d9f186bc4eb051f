import { isSecondaryPath } from '../indexer/path-class.js';
import type { LanguageId } from '../indexer/types.js';
import { qualifiedParts } from '../store/identifiers.js';
import type { IndexedFile, IndexStore, PathScope } from '../store/types.js';

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

/**
 * A line with its double-quoted and backquoted strings blanked (same length, so columns hold): a
 * name inside a log message (`debug!("Parser::react: …")`) is no use. Single-quoted text is kept:
 * it is a string in Python, Ruby or PHP (`getattr(obj, 'render')` may well be a use), a lifetime
 * or a character in Rust.
 */
export function withoutStrings(line: string): string {
  return line.replace(/"(?:[^"\\]|\\.)*"|`(?:[^`\\]|\\.)*`/g, (s) => ' '.repeat(s.length));
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** `name` as a whole word: not inside a longer identifier. */
export function wholeWord(name: string): RegExp {
  return new RegExp(`(?<![\\p{L}\\p{N}_$])${escapeRegExp(name)}(?![\\p{L}\\p{N}_$])`, 'u');
}

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
  const ranked = await store.rankText({
    query: qualifier === null ? name : `${qualifier} ${name}`,
    limit: MENTION_CHUNKS,
    looseBelow: 0,
    ...scope,
  });
  if (ranked.ids.length === 0) return { mentions: [], capped: false };
  const chunks = ranked.chunks ?? (await store.chunksByIds(ranked.ids));
  // The name's own definitions are no mention of it.
  const skip = new Set(seen);
  const defs = await store.searchSymbols({ query: name, limit: 200, ...scope });
  for (const d of defs.hits) if (d.name === name) skip.add(`${d.path}:${d.line}`);
  const word = wholeWord(name);
  const qualifierWord = qualifier === null ? null : wholeWord(qualifier);
  const lowerQualifier = qualifier?.toLowerCase() ?? null;
  const found = new Map<string, Mention>();
  for (const c of chunks) {
    const inQualifier =
      lowerQualifier === null ||
      (c.symbol ?? '').toLowerCase().split('.').slice(0, -1).includes(lowerQualifier) ||
      (c.path.split('/').at(-1) ?? '').replace(/\.[^.]*$/, '').toLowerCase() === lowerQualifier;
    const lines = c.content.split('\n');
    // Inside a triple-quoted string (a Python docstring, a Kotlin or Java text block).
    let inTriple = false;
    for (let i = 0; i < lines.length; i++) {
      const text = lines[i]!;
      const triples = text.match(/"""|'''/g)?.length ?? 0;
      const quoted = inTriple || triples > 0;
      if (triples % 2 === 1) inTriple = !inTriple;
      if (quoted || COMMENT_LINE.test(text)) continue;
      const code = withoutStrings(text);
      const m = word.exec(code);
      if (m === null) continue;
      if (!inQualifier && !qualifierWord!.test(code)) continue;
      const line = c.startLine + i;
      const key = `${c.path}:${line}`;
      if (skip.has(key) || found.has(key)) continue;
      found.set(key, {
        name,
        path: c.path,
        line,
        col: m.index,
        enclosing: c.kind === 'symbol' ? c.symbol : null,
        text: text.trim(),
        ...(c.indexed !== undefined ? { indexed: c.indexed } : {}),
      });
    }
  }
  const roots = (await store.listRoots()).map((r) => r.path);
  const rel = (p: string) => {
    const root = roots.find((r) => p.startsWith(`${r}/`));
    return root === undefined ? p : p.slice(root.length + 1);
  };
  const mentions = [...found.values()]
    .map((m) => ({ m, secondary: isSecondaryPath(rel(m.path)) }))
    .sort(
      (a, b) =>
        Number(a.secondary) - Number(b.secondary) ||
        (a.m.path < b.m.path ? -1 : a.m.path > b.m.path ? 1 : 0) ||
        a.m.line - b.m.line,
    )
    .map(({ m }) => m);
  return { mentions, capped: ranked.hasMore };
}
