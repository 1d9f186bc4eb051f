/**
 * Splits a file into searchable chunks.
 *
 * Chunking rule:
 * - One **header** chunk per file: from the first line to the line before the first symbol chunk
 *   (module doc, imports, leading constants), extended to the last top-level import when imports
 *   come later over one-line definitions only (Rust's `mod x;` often precedes `use`), at most {@link MAX_CHUNK_LINES} lines, trailing
 *   blank lines dropped; omitted when blank.
 * - One **symbol** chunk per function, method, constructor, class, struct, interface, trait, enum,
 *   module and namespace that is not nested inside a function (nested functions stay in their
 *   parent's chunk). A chunk starts at the symbol's doc comment when it has one, and above that at
 *   the comment, decorator and attribute lines right over it (see {@link leadingRow}). Definitions in a
 *   row with the same qualified name and only blank, comment or decorator lines between them
 *   (overload signatures and their implementation, a getter and its setter) are one chunk.
 * - A container (class, struct, ...) whose members have chunks of their own covers only the lines
 *   before its first such member (its head, doc and leading fields), so method text is never
 *   duplicated in the class chunk.
 * - A license notice at the top (the first comment lines, after an opening `<?php` or shebang,
 *   when they name a copyright or a license) is in no chunk: every file of a package repeats it.
 * - One **code** chunk per stretch of lines that no header or symbol chunk covers and that has a
 *   word in it: top-level statements after the header (a script's `if __name__ == "__main__":`,
 *   `module.exports = { … }`, Go `var` blocks, test tables), fields between a class's methods,
 *   and whatever follows the 60 header lines. Stretches of only blank lines, brackets and
 *   decorators are left out. So every other line with a word in it is in some chunk, and
 *   full-text search finds it.
 * - A range longer than {@link MAX_CHUNK_LINES} lines is split into windows of at most that many
 *   lines, each overlapping the previous one by {@link CHUNK_OVERLAP_LINES} lines. A window ends
 *   where the next line starts a statement at the range's body level (its indentation is no
 *   deeper than the body's first line), or else at a blank line, looking back up to
 *   {@link WINDOW_SLACK_LINES} lines from the limit: a window does not stop in the middle of an
 *   `if` block when a statement boundary is near.
 * - Every symbol chunk carries `context`: its qualified name (the container chain its text does
 *   not show), and for a long definition's second and later windows also the definition's
 *   signature and doc. It is searched and embedded with the chunk, so a window from the middle of
 *   a 200-line method is still found by the method's name and purpose.
 * - Content is the exact source lines joined by `\n`, cut at {@link MAX_CHUNK_CHARS} characters so a
 *   minified one-line file cannot produce a megabyte chunk; `hash` is the sha256 hex of the content.
 */
import { createHash } from 'node:crypto';
import type { LineIndex } from './line-index.js';
import { type DocStyle, RUBY_MAGIC_COMMENT } from './text-scan.js';
import type { ExtractedChunk } from './types.js';

/** Longest chunk, in lines, before a range is split into windows. */
export const MAX_CHUNK_LINES = 60;
/** Lines shared by consecutive windows of a split range. */
export const CHUNK_OVERLAP_LINES = 10;
/** Chunk content is cut at this many characters (minified code). */
export const MAX_CHUNK_CHARS = 8000;

/** Lines a window may end before {@link MAX_CHUNK_LINES} to end at a statement boundary. */
export const WINDOW_SLACK_LINES = 20;
/** Characters of a definition's doc carried by its later windows. */
const CONTEXT_DOC_CHARS = 400;

/** A symbol that gets its own chunk; rows are 0-based and inclusive. */
export interface ChunkCandidate {
  symbol: string;
  startRow: number;
  endRow: number;
  /** Row of the first member that has its own chunk, or null when there is none. */
  firstChildRow: number | null;
  signature: string;
  doc: string | null;
  /**
   * The head of the trait implementation the definition is in (Rust's `impl Display for Error`),
   * searched with its chunk: the container's name alone does not tell `Display`'s `fmt` from
   * `Debug`'s.
   */
  implHead?: string;
  /** Row of the definition's own first line (after its doc and the lines above it). */
  defRow?: number;
}

function makeChunk(
  source: string,
  lines: LineIndex,
  startRow: number,
  endRow: number,
  symbol: string | null,
  kind: ExtractedChunk['kind'] = symbol === null ? 'header' : 'symbol',
  context = '',
): ExtractedChunk {
  let content = source.slice(lines.rowStart(startRow), lines.rowEnd(endRow));
  if (content.length > MAX_CHUNK_CHARS) content = content.slice(0, MAX_CHUNK_CHARS);
  const hash = createHash('sha256').update(content);
  // Content alone when there is no context, so header and code chunks keep their vectors' keys.
  if (context !== '') hash.update('\0').update(context);
  return {
    startLine: startRow + 1,
    endLine: endRow + 1,
    symbol,
    kind,
    content,
    context,
    hash: hash.digest('hex'),
  };
}

/** Width of a row's leading whitespace (a tab counts as one), or -1 for a blank row. */
function indentOf(source: string, lines: LineIndex, row: number): number {
  const start = lines.rowStart(row);
  const end = lines.rowEnd(row);
  let i = start;
  while (i < end && (source.charCodeAt(i) === 32 || source.charCodeAt(i) === 9)) i++;
  return i === end || source.charCodeAt(i) === 13 ? -1 : i - start;
}

/**
 * The last row of a window that starts at `from`: the limit when the range ends within it, else
 * the latest row within {@link WINDOW_SLACK_LINES} of the limit after which a statement at the
 * body's level begins, else the latest blank row there, else the limit.
 */
function windowEnd(
  source: string,
  lines: LineIndex,
  from: number,
  endRow: number,
  bodyIndent: number,
  notBefore: number,
): number {
  const limit = from + MAX_CHUNK_LINES - 1;
  if (limit >= endRow) return endRow;
  // Not before the definition's own line: a window of only its doc comment says what it is for
  // but not what it is.
  const earliest = Math.max(from + CHUNK_OVERLAP_LINES + 1, limit - WINDOW_SLACK_LINES, notBefore);
  let blank = -1;
  for (let row = limit; row >= earliest; row--) {
    const next = indentOf(source, lines, row + 1);
    if (bodyIndent >= 0 && next >= 0 && next <= bodyIndent && indentOf(source, lines, row) !== -1) return row;
    if (blank === -1 && indentOf(source, lines, row) === -1) blank = row;
  }
  return blank === -1 ? limit : blank;
}

/** A line that closes a block: `}`, `});`, `end`. */
const CLOSING_LINE = /^\s*(?:[)\]}]|end\b)/;

/** Appends the windows covering rows `startRow..endRow` (inclusive). */
/** Rows (and characters) a window may take past its size to spare a last window of them alone. */
const TAIL_ROWS = 3;
const TAIL_CHARS = 240;

function pushWindows(
  out: ExtractedChunk[],
  source: string,
  lines: LineIndex,
  startRow: number,
  endRow: number,
  symbol: string | null,
  kind?: ExtractedChunk['kind'],
  candidate?: ChunkCandidate,
  container?: string,
): void {
  // The body's level: the indentation of the first non-blank row after the definition's first
  // (not after its doc comment's, whose inner lines are indented by one).
  const defRow = Math.min(Math.max(candidate?.defRow ?? startRow, startRow), endRow);
  let bodyIndent = -1;
  for (let row = defRow + 1; row <= Math.min(endRow, defRow + MAX_CHUNK_LINES) && bodyIndent < 0; row++) {
    bodyIndent = indentOf(source, lines, row);
  }
  const named = symbol !== null && candidate?.implHead ? `${symbol} (${candidate.implHead})` : symbol;
  const firstContext = named ?? container ?? '';
  let laterContext: string | undefined;
  for (let from = startRow; ; ) {
    let to = windowEnd(source, lines, from, endRow, bodyIndent, defRow);
    // A last window would repeat the overlap for a line or three (regex's `Regex.replace`, 105
    // lines of doc: a window 507-512 whose one new line was `}`): this one takes them instead.
    if (
      to < endRow &&
      endRow - to <= TAIL_ROWS &&
      lines.rowEnd(endRow) - lines.rowStart(to + 1) <= TAIL_CHARS
    )
      to = endRow;
    let context = firstContext;
    if (from > startRow && candidate !== undefined) {
      laterContext ??= [named, candidate.signature, candidate.doc?.slice(0, CONTEXT_DOC_CHARS)]
        .filter((part) => part)
        .join('\n');
      context = laterContext;
    }
    out.push(makeChunk(source, lines, from, to, symbol, kind, context));
    if (to >= endRow) break;
    // The next window overlaps this one, starting where a statement at the body's level does
    // within the overlap (a member's doc comment, not its middle), else at the overlap's start.
    from = to + 1 - CHUNK_OVERLAP_LINES;
    for (let row = from; row <= to; row++) {
      const line = source.slice(lines.rowStart(row), lines.rowEnd(row));
      if (bodyIndent >= 0 && indentOf(source, lines, row) === bodyIndent && !CLOSING_LINE.test(line)) {
        from = row;
        break;
      }
    }
  }
}

/** A letter, digit or underscore: a stretch without one (blank lines, `}`, `)];`) is not worth a chunk. */
const WORDY = /[\p{L}\p{N}_]/u;

/** A decorator, annotation or attribute line: `@staticmethod`, `@Override`, `#[derive(Debug)]`. */
// Objective-C's `@interface X ()`, `@property (nonatomic) BOOL shown;`, `@synthesize` lines are
// declarations (Python's bare `@property` stays a decorator).
const DECORATOR_LINE = /^\s*(?:@(?!(?:interface|protocol|synthesize|dynamic)\b|property\s*[(\w])|#\[|#!\[)/;
/** Comment lines by doc style: `#` (Ruby, Python, shell, Elixir), `--` (Lua), else `//` and `/* *\/`. */
const COMMENT_LINES: Record<DocStyle, RegExp> = {
  hash: /^#(?!\[)/,
  docstring: /^#(?!\[)/,
  elixir: /^#/,
  lua: /^--/,
  block: /^(?:\/\/|\/\*|\*)/,
  c: /^(?:\/\/|\/\*|\*)/,
  'line-go': /^(?:\/\/|\/\*|\*)/,
  'line-rust': /^(?:\/\/|\/\*|\*)/,
};
/** Rows looked back for the `@` line that opens a decorator spanning several lines. */
const DECORATOR_SPAN_ROWS = 12;

/**
 * The row where a definition's text starts once the comment, decorator and attribute lines right
 * above `row` (no blank line between) are taken in: `// escape strings for JSON` above a
 * function, Python's `@property` or `@app.route(\n  "/login",\n)`, Rust's `#[derive(Clone)]`.
 * Doc comments are found with the definition; these are the lines no doc style claims, which
 * otherwise ended the previous chunk or made a chunk of their own. Lines stay with what is above
 * when they are indented differently (the end of the previous body), when they would reach the
 * file's first line (a header or license) or go above `floor` (the container's first line).
 */
export function leadingRow(
  source: string,
  lines: LineIndex,
  row: number,
  style: DocStyle,
  floor: number,
): number {
  const text = (r: number) => source.slice(lines.rowStart(r), lines.rowEnd(r));
  const own = indentOf(source, lines, row);
  const comment = COMMENT_LINES[style];
  let start = row;
  for (let r = row - 1; r > floor; r--) {
    const line = text(r).trim();
    if (line === '') break;
    const level = indentOf(source, lines, r);
    if (
      (comment.test(line) && (level === own || (level > own && line.startsWith('*')))) ||
      (level === own && DECORATOR_LINE.test(text(r)))
    ) {
      start = r;
      continue;
    }
    // The last lines of a decorator that spans several (`@app.route(` … `)`).
    const opener = decoratorOpening(
      source,
      lines,
      r,
      own,
      Math.max(floor + 1, r - DECORATOR_SPAN_ROWS),
      start,
    );
    if (opener === -1) break;
    start = opener;
    r = opener;
  }
  return start <= 0 ? row : start;
}

/**
 * The row of the decorator line at indentation `own` whose brackets stay open until the row before
 * `end` closes them (a decorator call over several lines), else -1.
 */
function decoratorOpening(
  source: string,
  lines: LineIndex,
  from: number,
  own: number,
  limit: number,
  end: number,
): number {
  const text = (r: number) => source.slice(lines.rowStart(r), lines.rowEnd(r));
  for (let r = from; r >= limit; r--) {
    if (!DECORATOR_LINE.test(text(r)) || indentOf(source, lines, r) !== own) continue;
    let depth = 0;
    for (let k = r; k < end; k++) {
      for (const ch of text(k)) {
        if (ch === '(' || ch === '[' || ch === '{') depth++;
        else if (ch === ')' || ch === ']' || ch === '}') depth--;
      }
      // Open after every line but the last, closed after the last.
      if (k < end - 1 ? depth <= 0 : depth !== 0) return -1;
    }
    return r;
  }
  return -1;
}

/**
 * A line that only closes blocks with a keyword (Ruby's, Lua's and Elixir's `end`, `end)`,
 * Objective-C's `@end`).
 */
const END_LINE = /^\s*@?end\b[\s;,)}\]]*$/;
/** A line that only sets member visibility: Ruby's `private`, C++'s `public:`, Qt's `signals:`. */
const VISIBILITY_LINE =
  /^\s*(?:(?:private|protected|public|internal|module_function)\s*(?:slots\s*)?:?|signals\s*:|Q_SIGNALS\s*:)\s*$/;
/** A line that is only a macro's name: `NS_ASSUME_NONNULL_END`, `G_END_DECLS`. */
const MACRO_NAME_LINE = /^\s*[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\s*;?\s*$/;
/**
 * A comment that only marks a section: `// Subrouter -----`, `# ==== Helpers ====`,
 * `/* ------ *\/`. gorilla/mux has a dozen; each was a chunk of its own that added its one or two
 * words to its file's score.
 */
const BANNER_LINE = commentLine(
  String.raw`(?=[^\n]*[-=*#~_+]{4})[-=*#~_+\s]*(?:[^\s-=*#~_+]+[-=*#~_+\s]*){0,4}`,
);
/** A comment line of a rule only (`// ------`), above or below a banner's label. */
const RULE_LINE = commentLine(String.raw`[-=*#~_+/]{4,}`);
/** A comment of at most four words: a banner's label between two rules (`// Route factories`). */
const LABEL_LINE = commentLine(String.raw`(?:[^\s]+\s*){1,4}`);

/** A line that is one comment (`//`, `#`, `--`, `/* … *\/` or a block's `*` line) whose text matches `body`. */
function commentLine(body: string): RegExp {
  return new RegExp(String.raw`^\s*(?:\/\/+|#+|--+|\/\*+|\*+)\s*${body}\s*(?:\*\/)?\s*$`);
}

/**
 * Adds code chunks for the stretches of rows that no chunk in `chunks` covers. The decorators
 * above a symbol chunk (`@Override`, `#[test]`) are not made into chunks of their own: a class
 * with twenty annotated methods would get twenty one-line chunks. A stretch inside a definition
 * of `candidates` (fields between a class's methods, a Kotlin `init` block) carries the innermost
 * one's qualified name as its context, as that definition's members do.
 */
function pushUncovered(
  out: ExtractedChunk[],
  source: string,
  lines: LineIndex,
  chunks: readonly ExtractedChunk[],
  candidates: readonly ChunkCandidate[],
): void {
  const ranges = chunks.map((c) => [c.startLine - 1, c.endLine - 1] as const).sort((a, b) => a[0] - b[0]);
  const text = (row: number) => source.slice(lines.rowStart(row), lines.rowEnd(row));
  let next = 0;
  // Candidates that start before the current stretch, innermost last (gaps come in row order).
  const open: ChunkCandidate[] = [];
  let nextCandidate = 0;
  const gap = (from: number, to: number): void => {
    // Trim blank rows at both ends. A stretch is worth a chunk when one of its lines has a word
    // and is not a decorator, a block's `end`, a visibility label, a bare macro name or a section
    // banner: `}`, `@Injectable()`, Ruby's `end` between two classes, `private:`,
    // `NS_ASSUME_NONNULL_END` and `// Helpers -----` are not.
    while (from <= to && text(from).trim() === '') from++;
    while (to >= from && text(to).trim() === '') to--;
    let worth = false;
    for (let row = from; row <= to && !worth; row++) {
      const line = text(row);
      worth =
        WORDY.test(line) &&
        !DECORATOR_LINE.test(line) &&
        !END_LINE.test(line) &&
        !VISIBILITY_LINE.test(line) &&
        !MACRO_NAME_LINE.test(line) &&
        !BANNER_LINE.test(line) &&
        !(
          LABEL_LINE.test(line) &&
          (RULE_LINE.test(text(Math.max(row - 1, 0))) || RULE_LINE.test(text(Math.min(row + 1, to))))
        );
    }
    if (!worth) return;
    for (
      let c = candidates[nextCandidate];
      c !== undefined && c.startRow < from;
      c = candidates[++nextCandidate]
    ) {
      // One that ended before this candidate starts encloses no later stretch.
      while (open.length > 0 && open[open.length - 1]!.endRow < c.startRow) open.pop();
      open.push(c);
    }
    let inside: ChunkCandidate | undefined;
    for (let i = open.length - 1; i >= 0 && inside === undefined; i--)
      if (open[i]!.endRow >= to) inside = open[i];
    pushWindows(out, source, lines, from, to, null, 'code', undefined, inside?.symbol);
  };
  for (const [start, end] of ranges) {
    if (start > next) gap(next, start - 1);
    next = Math.max(next, end + 1);
  }
  if (next <= lines.lineCount - 1) gap(next, lines.lineCount - 1);
}

/**
 * A wrapper's opening line that says nothing but its name: `module Rack`, `namespace App.Http {`,
 * `export namespace Internal {`, `defmodule Jobs do` (not `defimpl Describe, for: Job do`),
 * Objective-C's `@implementation EXFoo`, a class opened only as a namespace for its members
 * (Ruby's `class Thor`, `export class Queue {`; not `class Env < Options`) and an object literal
 * of members opened on a line of its own (mobx's `const arrayTraps = {` before `get` and `set`).
 */
const BARE_WRAPPER_HEAD =
  /^\s*(?:(?:(?:export|declare|pub(?:\([\w:]+\))?)\s+)*(?:module|namespace|mod|defmodule)\s+[\w.:\\]+\s*(?:\{|do)?|@implementation\s+\w+|(?:(?:export|default|public|final|abstract|open|internal|sealed|static|partial)\s+)*class\s+[\w.:]+\s*[{:]?|(?:export\s+)?(?:const|let|var)\s+[\w$]+(?:\s*:\s*[\w$.<>]+)?\s*=\s*\{)\s*$/;

/**
 * A line that only instructs a tool: a magic comment, a shebang, `'use strict'`, `<?php`,
 * `declare(strict_types=1);`, `// @ts-nocheck`, `/* eslint-disable *\/`.
 */
const DIRECTIVE_LINE = new RegExp(
  String.raw`^\s*(?:#\s*(?:-\*-.*-\*-|${RUBY_MAGIC_COMMENT}.*)|#!.*|['"]use (?:strict|client|server)['"];?|<\?php|declare\s*\(\s*strict_types\s*=\s*1\s*\)\s*;|\/\/\s*@ts-(?:nocheck|check)|\/\*\s*eslint-disable\s*\*\/)\s*$`,
);

/** True when every row from `from` to `to` with a word in it is a {@link DIRECTIVE_LINE}. */
function onlyDirectives(source: string, lines: LineIndex, from: number, to: number): boolean {
  for (let row = from; row <= to; row++) {
    const line = source.slice(lines.rowStart(row), lines.rowEnd(row));
    if (WORDY.test(line) && !DIRECTIVE_LINE.test(line)) return false;
  }
  return true;
}

/** Rows from `from` to `to` (inclusive) with a word in them. */
function wordyRows(source: string, lines: LineIndex, from: number, to: number): number {
  let n = 0;
  for (let row = from; row <= to; row++) {
    if (WORDY.test(source.slice(lines.rowStart(row), lines.rowEnd(row)))) n++;
  }
  return n;
}

/** A line that can sit between two overloads: blank, a decorator or attribute, a comment. */
const BETWEEN_OVERLOADS = /^\s*(?:$|@|#\[|\/\/|\/\*|\*|#)/;

/**
 * Candidates in a row with the same qualified name, no members of their own and nothing but
 * blank, comment or decorator lines between them (TypeScript's overload signatures and their
 * implementation, a getter and its setter, C++ overloads) as one: rxjs's `merge` was four chunks,
 * three of them one line, and a file's three places in a `search_code` group went to copies of
 * one function. Same-named definitions with code between them (a `handler` in each of a test
 * file's cases) stay apart.
 */
function mergeRepeats(
  source: string,
  lines: LineIndex,
  candidates: readonly ChunkCandidate[],
): ChunkCandidate[] {
  const out: (ChunkCandidate & { longest: number })[] = [];
  const adjacent = (from: number, to: number): boolean => {
    for (let row = from; row < to; row++) {
      if (!BETWEEN_OVERLOADS.test(source.slice(lines.rowStart(row), lines.rowEnd(row)))) return false;
    }
    return true;
  };
  for (const c of candidates) {
    const last = out.at(-1);
    if (
      last !== undefined &&
      last.symbol === c.symbol &&
      last.firstChildRow === null &&
      c.firstChildRow === null &&
      adjacent(last.endRow + 1, c.startRow)
    ) {
      // Later windows are described by the longest of them (the implementation after its
      // overload signatures; Java's 70-line `startPhotoPickerIntent` after its 4-line overload).
      const longest = c.endRow - (c.defRow ?? c.startRow) > last.longest ? c : null;
      out[out.length - 1] = {
        ...last,
        endRow: Math.max(last.endRow, c.endRow),
        ...(longest === null
          ? {}
          : { signature: c.signature, doc: c.doc ?? last.doc, longest: c.endRow - (c.defRow ?? c.startRow) }),
      };
    } else {
      out.push({ ...c, longest: c.endRow - (c.defRow ?? c.startRow) });
    }
  }
  return out;
}

/**
 * Builds the header chunk, the symbol chunks and the code chunks between them. `candidates` must
 * be sorted by start row; the result is in file order (by start line), header first.
 * `lastImportRow` is the 0-based last row of the last top-level import, or -1. `covered` are
 * row ranges (0-based, inclusive) that no code chunk takes (Rust's `impl` heads).
 */
export function buildChunks(
  source: string,
  lines: LineIndex,
  candidates: readonly ChunkCandidate[],
  lastImportRow: number,
  covered: ReadonlyArray<readonly [number, number]> = [],
): ExtractedChunk[] {
  const chunks: ExtractedChunk[] = [];
  const heads: ExtractedChunk[] = covered.map(([from, to]) => makeChunk(source, lines, from, to, null));
  const firstRow = candidates[0]?.startRow ?? lines.lineCount;
  // Past the first definition, the header reaches later imports only over one-line definitions
  // (Rust's `mod x;` before its `use`s), never into a multi-line one: an import under Python's
  // `if __name__ == "__main__":` at the end of a file stretched the header over the module's
  // constants and functions, and a search showed their lines twice.
  const firstBlock = candidates.find((c) => c.endRow > c.startRow)?.startRow ?? lines.lineCount;
  const importsEnd = Math.min(lastImportRow, firstBlock - 1);
  let headerEnd = Math.min(Math.max(firstRow - 1, importsEnd), MAX_CHUNK_LINES - 1, lines.lineCount - 1);
  // Cut by the size cap: end at a blank line, so the code chunk after it does not open in the
  // middle of a comment or statement (express's headers of requires and JSDoc left ` * @private */`).
  if (headerEnd === MAX_CHUNK_LINES - 1 && headerEnd < Math.max(firstRow - 1, importsEnd)) {
    for (let row = headerEnd; row > headerEnd - CHUNK_OVERLAP_LINES * 3 && row > 0; row--) {
      if (source.slice(lines.rowStart(row), lines.rowEnd(row)).trim() === '') {
        headerEnd = row - 1;
        break;
      }
    }
  }
  while (headerEnd >= 0 && source.slice(lines.rowStart(headerEnd), lines.rowEnd(headerEnd)).trim() === '') {
    headerEnd--;
  }
  // A license comment at the top is in no chunk (covered, as wrapper heads below are): every file
  // of a package repeats it, and its words ("file", "distributed with this source code") matched
  // questions about files in every file of the package.
  // So is the opening line before it (`<?php`, a shebang).
  const license = licenseRows(source, lines, headerEnd);
  if (license !== null) heads.push(makeChunk(source, lines, 0, license.to, null));
  let headerStart = license === null ? 0 : license.to + 1;
  while (
    license !== null &&
    headerStart <= headerEnd &&
    wordyRows(source, lines, headerStart, headerStart) === 0
  )
    headerStart++;
  if (
    headerEnd >= headerStart &&
    (license === null || wordyRows(source, lines, headerStart, headerEnd) > 0)
  ) {
    const header = makeChunk(source, lines, headerStart, headerEnd, null);
    // Covered but no chunk when it holds only directives (`# frozen_string_literal: true` opens
    // every file of a Ruby library, `'use strict'` of a CommonJS one).
    (onlyDirectives(source, lines, headerStart, headerEnd) ? heads : chunks).push(header);
  }
  // Opening lines of wrappers (`module Rack`, `namespace App {`) with nothing else before their
  // first member: covered, so no code chunk takes them, but no chunk of their own either. Every
  // file of a Ruby library opens with one, and a one-line chunk `module Rack` matched every
  // question with the library's name in it.
  for (const candidate of mergeRepeats(source, lines, candidates)) {
    let endRow = candidate.endRow;
    if (candidate.firstChildRow !== null) {
      endRow = Math.max(candidate.startRow, Math.min(endRow, candidate.firstChildRow - 1));
      // The head line names the wrapper (`module`, `namespace`, `mod`, `defmodule`,
      // `@implementation`): only such definitions can match it.
      if (
        wordyRows(source, lines, candidate.startRow, endRow) <= 1 &&
        BARE_WRAPPER_HEAD.test(
          source.slice(lines.rowStart(candidate.startRow), lines.rowEnd(candidate.startRow)),
        )
      ) {
        heads.push(makeChunk(source, lines, candidate.startRow, endRow, null));
        continue;
      }
    }
    pushWindows(chunks, source, lines, candidate.startRow, endRow, candidate.symbol, undefined, candidate);
  }
  const code: ExtractedChunk[] = [];
  pushUncovered(code, source, lines, [...chunks, ...heads], candidates);
  // In file order (a stable sort keeps the header first and a symbol's windows in order).
  const ordered = code.length === 0 ? chunks : [...chunks, ...code].sort((a, b) => a.startLine - b.startLine);
  return mergeSmall(ordered, source, lines);
}

/** Lines of a chunk small enough to join the chunk before it. */
const SMALL_CHUNK_LINES = 1;

/** The definition a chunk sits in: a symbol chunk's container, a code chunk's context. */
function containerOfChunk(c: ExtractedChunk): string | null {
  if (c.kind === 'code') return c.context === '' ? null : c.context;
  if (c.symbol === null) return null;
  const dot = c.symbol.lastIndexOf('.');
  return dot === -1 ? null : c.symbol.slice(0, dot);
}

/**
 * Joins every one-line chunk to the chunk before it when they are siblings (the same container)
 * or the one before is its container's head, nothing but wordless lines lies between,
 * and the result stays one window. One-line members (Kotlin's `override fun canCoalesce() =
 * false`, Ruby's `alias_method :create_task, :create_command`, `const nullTime = () => ''`) were
 * chunks of their own that carried their container's words in a line of text, and outranked the
 * code that answers for those words. A run of one-liners in a container is named for it (at the
 * top level, for its first); one joined to a longer definition keeps that definition's name (an
 * alias after the method it renames). A definition never joins unnamed code. On the 27 relevance
 * sets: text MRR 0.808 -> 0.810 (mean of all sets), and 5-17 % fewer chunks to embed.
 */
function mergeSmall(chunks: readonly ExtractedChunk[], source: string, lines: LineIndex): ExtractedChunk[] {
  const out: ExtractedChunk[] = [];
  // Chunks of `out` that are one-liners or runs of them.
  const small = new Set<ExtractedChunk>();
  for (const [i, c] of chunks.entries()) {
    const prev = out[out.length - 1];
    // A container's one-line head (`class Queue {` before its members' chunks) names them: it
    // stays.
    const next = chunks[i + 1];
    const head = c.symbol !== null && next !== undefined && containerOfChunk(next) === c.symbol;
    const oneLine = c.endLine - c.startLine + 1 <= SMALL_CHUNK_LINES && c.kind !== 'header' && !head;
    const container = containerOfChunk(c);
    const joins =
      prev !== undefined &&
      oneLine &&
      prev.kind !== 'header' &&
      // A definition is not lost in unnamed code (`pub fn bind(…)` inside `cfg_net! {`).
      !(prev.kind === 'code' && c.kind === 'symbol') &&
      prev.endLine < c.startLine &&
      c.endLine - prev.startLine < MAX_CHUNK_LINES &&
      !prev.context.includes('\n') &&
      (containerOfChunk(prev) === container || (prev.symbol !== null && prev.symbol === container)) &&
      (prev.endLine === c.startLine - 1 || wordyRows(source, lines, prev.endLine, c.startLine - 2) === 0);
    if (!joins) {
      out.push(c);
      if (oneLine) small.add(c);
      continue;
    }
    // A run of one-liners is named for their container; a longer chunk, the container's head or a
    // run at the top level keeps its name.
    const run = small.has(prev) && container !== null && prev.symbol !== container;
    const symbol = run ? container : prev.symbol;
    const kind = run ? 'symbol' : prev.kind;
    const context = run ? container : prev.context;
    const merged = makeChunk(source, lines, prev.startLine - 1, c.endLine - 1, symbol, kind, context);
    out[out.length - 1] = merged;
    if (small.has(prev)) small.add(merged);
  }
  return out;
}

/** Words that make a leading comment a license notice. */
const LICENSE_WORDS = /\b(?:copyright|licen[cs]ed?|\(c\)|spdx-license-identifier)/i;

/** A line that is only a comment, or part of a block comment (`/*`, ` *`, `//`, `#`, `--`). */
const COMMENT_ROW = /^\s*(?:\/\*|\*|\/\/|#(?!!|include|define|if|pragma|\[)|--)/;

/** The first row (0-based) with a word in it, or the row count. */
function firstWordyRow(source: string, lines: LineIndex): number {
  for (let row = 0; row < lines.lineCount; row++) if (wordyRows(source, lines, row, row) > 0) return row;
  return lines.lineCount;
}

/**
 * The rows of a license notice at the top of a file (before `limit`, the header's last row): the
 * first run of comment lines, after at most an opening line such as `<?php` or a shebang, when
 * it names a copyright or a license. Null when there is none.
 */
function licenseRows(source: string, lines: LineIndex, limit: number): { from: number; to: number } | null {
  const rowText = (row: number) => source.slice(lines.rowStart(row), lines.rowEnd(row));
  let row = firstWordyRow(source, lines);
  if (row <= limit && /^\s*(?:<\?php|#!)/.test(rowText(row))) row++;
  while (row <= limit && rowText(row).trim() === '') row++;
  const from = row;
  let to = -1;
  while (row <= limit && COMMENT_ROW.test(rowText(row))) to = row++;
  if (to < from) return null;
  let text = '';
  for (let r = from; r <= to; r++) text += `${rowText(r)}\n`;
  return LICENSE_WORDS.test(text) ? { from, to } : null;
}
