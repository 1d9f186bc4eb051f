/**
 * Cheap source-text scans around a declaration: the keywords in front of it, its one-line
 * signature and its doc comment. They work on the source string and offsets only, so they never
 * call into tree-sitter and never copy more than a few lines of text.
 */

/** Signature length limit from the contract in `./types.ts`. */
export const MAX_SIGNATURE_CHARS = 200;
/** Doc length limit from the contract in `./types.ts`. */
export const MAX_DOC_CHARS = 1000;

/**
 * How a language writes documentation comments: `block` is `/** … *\/`; `line-go` and
 * `line-rust` are `//` and `///` runs; `c` is any `/* … *\/` or a `//` run (C, C++, C#, Swift);
 * `hash` is a `#` run (Ruby, shell); `lua` is a `--` run; `docstring` is Python's; `elixir` is
 * a `@doc` attribute (a string or a heredoc) above the definition, else a `#` run.
 */
export type DocStyle = 'block' | 'line-go' | 'line-rust' | 'c' | 'hash' | 'lua' | 'docstring' | 'elixir';

type LineStyle = 'line-go' | 'line-rust' | 'c' | 'hash' | 'lua';

const MAX_PREFIX_SCAN = 80;

function isWordChar(code: number): boolean {
  return (
    (code >= 97 && code <= 122) || (code >= 65 && code <= 90) || (code >= 48 && code <= 57) || code === 95
  );
}

function isBlank(code: number): boolean {
  return code === 32 || code === 9;
}

/** Keywords written in front of a declaration on its own line (`export`, `const`, Go's `type`). */
export interface KeywordPrefix {
  /** Offset of the first keyword, or the declaration start when there is none. */
  start: number;
  /** The keywords, in source order. */
  words: string[];
}

/**
 * Walks back from `start` over blanks and plain words on the same line. This recovers `export`
 * (outside the TypeScript declaration node) and Go's `type`/`const`/`var` (outside the spec node)
 * without a parent-node call; it stops at any punctuation, so `a = 1, b = 2` gives `b` no prefix.
 */
export function keywordPrefix(source: string, start: number): KeywordPrefix {
  const words: string[] = [];
  let first = start;
  let i = start;
  const limit = Math.max(0, start - MAX_PREFIX_SCAN);
  while (i > limit) {
    let j = i;
    while (j > limit && isBlank(source.charCodeAt(j - 1))) j--;
    let k = j;
    while (k > limit && isWordChar(source.charCodeAt(k - 1))) k--;
    if (k === j || j === i) break;
    // A word glued to something other than a blank or a line start is not a keyword (`a.b`, `x=y`).
    const before = k > 0 ? source.charCodeAt(k - 1) : 10;
    if (!(isBlank(before) || before === 10 || before === 13)) break;
    words.unshift(source.slice(k, j));
    first = k;
    i = k;
  }
  return { start: first, words };
}

/**
 * The first line of a declaration, trimmed, without a trailing `{`, `;`, `,` (or Python's `:`),
 * at most {@link MAX_SIGNATURE_CHARS} characters. It starts at the declaration's keyword prefix or
 * at the start of the name's line, whichever is later, so leading annotations/decorators on their
 * own lines are not the signature.
 */
export function signatureText(
  source: string,
  declStart: number,
  declEnd: number,
  nameLineStart: number,
  nameLineEnd: number,
  trimColon: boolean,
): string {
  const from = Math.max(declStart, nameLineStart);
  const to = Math.min(nameLineEnd, declEnd, from + MAX_SIGNATURE_CHARS * 2);
  let text = source.slice(from, Math.max(from, to)).trim();
  for (;;) {
    const last = text.charCodeAt(text.length - 1);
    // { ; , and (for Python) : end the declaration's head rather than describe it, and so does a
    // line continuation (`#define NLOHMANN_JSON_NAMESPACE_BEGIN \`)
    if (last === 123 || last === 59 || last === 44 || last === 92 || (trimColon && last === 58)) {
      text = text.slice(0, -1).trimEnd();
    } else {
      break;
    }
  }
  return text.length > MAX_SIGNATURE_CHARS ? text.slice(0, MAX_SIGNATURE_CHARS) : text;
}

/** A doc comment found next to a declaration. */
export interface DocComment {
  text: string;
  /** Offset where the comment starts (chunks include it). */
  start: number;
}

function capDoc(text: string): string | null {
  const trimmed = text.trim();
  if (trimmed === '') return null;
  return trimmed.length > MAX_DOC_CHARS ? trimmed.slice(0, MAX_DOC_CHARS) : trimmed;
}

/** Strips `/**`, `*\/` and the leading ` * ` of each line. */
export function stripBlockComment(raw: string): string | null {
  const body = raw.replace(/^\/\*+!?/, '').replace(/\*+\/$/, '');
  const lines = body.split('\n').map((line) => line.replace(/^\s*\*? ?/, '').trimEnd());
  return capDoc(lines.join('\n'));
}

/**
 * The `/** ... *\/` comment that ends right before `declStart`, with at most one line break
 * between, or one blank line for a `/**` comment that {@link separatedBlockDoc} accepts.
 */
function blockDocBefore(source: string, declStart: number, anyBlock = false): DocComment | null {
  let i = declStart;
  let newlines = 0;
  while (i > 0) {
    const c = source.charCodeAt(i - 1);
    if (c === 10) newlines++;
    if (c === 32 || c === 9 || c === 10 || c === 13) i--;
    else break;
  }
  if (newlines > 2) return null;
  if (i < 4 || source.charCodeAt(i - 1) !== 47 || source.charCodeAt(i - 2) !== 42) return null;
  const open = source.lastIndexOf('/*', i - 2);
  // `/**/` is an empty comment, and `/*` without a second star is not documentation (except in C,
  // where plain block comments document most declarations).
  if (open === -1 || open + 4 >= i) return null;
  if (!anyBlock && source.charCodeAt(open + 2) !== 42) return null;
  if (newlines === 2 && !separatedBlockDoc(source, open, i, declStart)) return null;
  const text = stripBlockComment(source.slice(open, i));
  return text === null ? null : { text, start: open };
}

/** What a file's or module's overview says of itself: no one declaration's doc. */
const OVERVIEW_TAG =
  /@(?:license|preserve|file|fileoverview|overview|module|packageDocumentation)\b|\bcopyright\b/i;

/**
 * A `/**` comment (`open`..`end`) one blank line above the declaration: express, koa and much
 * CommonJS code write every JSDoc that way, and the doc made a chunk of its own while the function
 * had none. It counts when it starts its line at the declaration's indentation, does not open the
 * file (a header or license) and is no overview (`@file`, `@module`, a copyright).
 */
function separatedBlockDoc(source: string, open: number, end: number, declStart: number): boolean {
  if (source.charCodeAt(open + 2) !== 42) return false;
  const openLine = source.lastIndexOf('\n', open - 1) + 1;
  if (source.slice(openLine, open).trim() !== '' || source.slice(0, openLine).trim() === '') return false;
  const declLine = source.lastIndexOf('\n', declStart - 1) + 1;
  if (open - openLine !== declStart - declLine) return false;
  return !OVERVIEW_TAG.test(source.slice(open, end));
}

/**
 * Consecutive line comments right above the declaration's line: Go's `//` (no blank line between),
 * Rust's `///` (attributes such as `#[derive(...)]` may sit between), `//` or `///` in C-like
 * languages, `#` in Ruby and shell, `--` or `---` in Lua.
 */
function lineDocBefore(source: string, declStart: number, style: LineStyle): DocComment | null {
  const lineStart = source.lastIndexOf('\n', declStart - 1) + 1;
  // Something other than blanks before the declaration on its line: not a declaration that can
  // carry a doc comment of its own (e.g. the second of several on one line).
  for (let i = lineStart; i < declStart; i++) {
    if (!isBlank(source.charCodeAt(i))) return null;
  }
  const doc = commentRunAbove(source, lineStart, style);
  return doc === null && style === 'hash' ? separatedHashDoc(source, lineStart, declStart - lineStart) : doc;
}

/**
 * The words of a Ruby magic comment after its `#` (`frozen_string_literal: true`), as a regular
 * expression's source: neither documentation nor a chunk's text.
 */
export const RUBY_MAGIC_COMMENT = String.raw`(?:frozen_string_literal|encoding|coding|warn_indent|shareable_constant_value|typed)\s*:`;

/** A Ruby magic comment or a tool's directive: no documentation. */
const HASH_DIRECTIVE = new RegExp(String.raw`^#\s*(-\*-|${RUBY_MAGIC_COMMENT}|rubocop:|:nodoc:)`);

/**
 * A `#` run that ends one blank line above the declaration's line (`lineStart`), as Rack and many
 * Ruby code bases write a class's or method's doc. It counts when every line of the run has the
 * declaration's indentation, the run does not open the file (a header or license) and holds no
 * magic comment or directive (`# frozen_string_literal: true` above `module Rack`).
 */
function separatedHashDoc(source: string, lineStart: number, indent: number): DocComment | null {
  if (lineStart < 2) return null;
  const blankStart = source.lastIndexOf('\n', lineStart - 2) + 1;
  if (source.slice(blankStart, lineStart - 1).trim() !== '' || blankStart === 0) return null;
  const doc = commentRunAbove(source, blankStart, 'hash');
  if (doc === null || doc.start === 0) return null;
  for (const line of source.slice(doc.start, blankStart - 1).split('\n')) {
    const body = line.trimStart();
    if (line.length - body.length !== indent || HASH_DIRECTIVE.test(body)) return null;
  }
  return doc;
}

/** The run of comment lines of `style` that ends right above the line starting at `lineStart`. */
function commentRunAbove(source: string, below: number, style: LineStyle): DocComment | null {
  const lines: string[] = [];
  let docStart = -1;
  let lineStart = below;
  while (lineStart > 0) {
    const prevStart = source.lastIndexOf('\n', lineStart - 2) + 1;
    const line = source.slice(prevStart, lineStart - 1).trim();
    if (style === 'line-go') {
      if (!line.startsWith('//')) break;
      // `//go:generate` and friends are directives, not documentation.
      if (!/^\/\/[a-z]+:/.test(line)) lines.push(line.replace(/^\/\/ ?/, ''));
    } else if (style === 'c' || style === 'hash' || style === 'lua') {
      const marker = style === 'c' ? '//' : style === 'hash' ? '#' : '--';
      // A shebang or a Ruby/Python encoding line is not documentation.
      if (!line.startsWith(marker) || line.startsWith('#!')) break;
      lines.push(line.replace(/^(\/\/+|#+|-{2,}) ?/, ''));
    } else if (line.startsWith('///') && !line.startsWith('////')) {
      lines.push(line.replace(/^\/\/\/ ?/, ''));
    } else if (line.startsWith('#[') && lines.length === 0) {
      // attribute between the docs and the item
    } else {
      break;
    }
    if (!(style === 'line-rust' && line.startsWith('#['))) docStart = prevStart;
    lineStart = prevStart;
  }
  if (docStart === -1) return null;
  const text = capDoc(lines.reverse().join('\n'));
  return text === null ? null : { text, start: docStart };
}

/** Attributes that may sit between an Elixir `@doc` and its definition. */
const ELIXIR_BETWEEN = /^@(spec|impl|deprecated|since|decorate|dialyzer|compile)\b/;

/**
 * Elixir's `@doc "text"` or `@doc """` heredoc above a definition (`@spec` and `@impl` lines may
 * sit between), or a `#` comment run when there is none. `@doc false` hides the definition's doc.
 */
function elixirDocBefore(source: string, declStart: number): DocComment | null {
  let lineStart = source.lastIndexOf('\n', declStart - 1) + 1;
  for (let i = lineStart; i < declStart; i++) if (!isBlank(source.charCodeAt(i))) return null;
  const firstLine = lineStart;
  let scanStart = lineStart;
  while (lineStart > 0) {
    const prevStart = source.lastIndexOf('\n', lineStart - 2) + 1;
    const line = source.slice(prevStart, lineStart - 1).trim();
    if (ELIXIR_BETWEEN.test(line)) {
      lineStart = prevStart;
      scanStart = prevStart;
      continue;
    }
    const single = /^@doc\s+(~[sS])?"((?:[^"\\]|\\.)*)"$/.exec(line);
    if (single) {
      const text = capDoc((single[2] ?? '').replace(/\\(.)/g, '$1').trim());
      return text === null ? null : { text, start: prevStart };
    }
    if (/^@doc\s+false$/.test(line)) return null;
    if (line === '"""' || line === "'''") {
      // The heredoc's opening line: `@doc """` (or `~S"""`).
      const body: string[] = [];
      let at = prevStart;
      while (at > 0) {
        const openStart = source.lastIndexOf('\n', at - 2) + 1;
        const open = source.slice(openStart, at - 1).trim();
        if (/^@doc\s+(~[sS])?("""|''')$/.test(open)) {
          const text = capDoc(dedent(body.reverse()).join('\n').trim());
          return text === null ? null : { text, start: openStart };
        }
        if (/("""|''')$/.test(open)) return null;
        body.push(source.slice(openStart, at - 1));
        at = openStart;
      }
      return null;
    }
    break;
  }
  const comment = lineDocBefore(source, scanStart, 'hash');
  // No doc, but `@spec`/`@impl` lines above: they start the definition's text (an empty doc).
  if (comment === null && scanStart < firstLine) return { text: '', start: scanStart };
  return comment;
}

/** Removes the indentation common to the non-blank lines. */
function dedent(lines: string[]): string[] {
  let indent = Number.POSITIVE_INFINITY;
  for (const line of lines) {
    if (line.trim() !== '') indent = Math.min(indent, line.length - line.trimStart().length);
  }
  return indent === Number.POSITIVE_INFINITY ? lines : lines.map((line) => line.slice(indent).trimEnd());
}

/**
 * A line that is only an attribute macro: `NS_SWIFT_NAME(Greeting)`, `API_AVAILABLE(ios(13.0))`,
 * `NS_REFINED_FOR_SWIFT`, `Q_INVOKABLE`.
 */
const ATTRIBUTE_MACRO_LINE = /^[ \t]*[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+[ \t]*(?:\(.*\))?[ \t]*\r?$/;

/** Characters a C++ `template <…>` header may span (long default arguments, several lines). */
const MAX_TEMPLATE_HEADER = 2000;

/**
 * Where a C++ definition's text starts when `template <…>` headers come before it (on the lines
 * above or on its own line): at the first header's `template`; else `declStart`. The doc comment
 * is above the header, and the parser's definition node starts after it, so without this every
 * templated class and function lost its doc and left its header in a chunk of its own.
 */
function aboveTemplateHeader(source: string, declStart: number): number {
  let start = declStart;
  for (;;) {
    let i = start;
    while (i > 0 && /\s/.test(source[i - 1]!)) i--;
    if (source[i - 1] !== '>') return start;
    // Back to the `<` that opens the list; brackets inside parentheses (`enable_if_t<(N > 0)>`)
    // do not count, and a `;`, `{` or `}` means this `>` ends no template header.
    let angles = 0;
    let parens = 0;
    let j = i - 1;
    for (; j >= 0 && i - j < MAX_TEMPLATE_HEADER; j--) {
      const ch = source[j];
      if (ch === ')') parens++;
      else if (ch === '(') parens--;
      else if (ch === ';' || ch === '{' || ch === '}') return start;
      else if (parens === 0 && ch === '>') angles++;
      else if (parens === 0 && ch === '<' && --angles === 0) break;
    }
    if (angles !== 0 || j < 0) return start;
    let k = j;
    while (k > 0 && isBlank(source.charCodeAt(k - 1))) k--;
    if (k < 8 || source.slice(k - 8, k) !== 'template' || (k > 8 && isWordChar(source.charCodeAt(k - 9))))
      return start;
    start = k - 8;
  }
}

/**
 * Where a C-family declaration's doc comment is looked for: above the attribute macro lines
 * between the two (`/// Greets.` then `NS_SWIFT_NAME(Greeting)` then `@protocol EXGreeting`).
 * The declaration's own position when its line has text before it or no such macro line is above.
 */
function aboveAttributeMacros(source: string, declStart: number): number {
  let lineStart = source.lastIndexOf('\n', declStart - 1) + 1;
  for (let i = lineStart; i < declStart; i++) if (!isBlank(source.charCodeAt(i))) return declStart;
  let start = declStart;
  while (lineStart > 0) {
    const prevStart = source.lastIndexOf('\n', lineStart - 2) + 1;
    if (!ATTRIBUTE_MACRO_LINE.test(source.slice(prevStart, lineStart - 1))) break;
    start = prevStart;
    lineStart = prevStart;
  }
  return start;
}

/**
 * Finds the doc comment written in front of a declaration (all styles except docstrings). An
 * empty text means no doc, but attributes above the declaration that belong to it from `start`.
 */
export function docCommentBefore(source: string, declStart: number, style: DocStyle): DocComment | null {
  if (style === 'block') return blockDocBefore(source, declStart);
  if (style === 'elixir') return elixirDocBefore(source, declStart);
  if (style === 'docstring') return null;
  if (style === 'c') {
    // `template <…>` headers and attribute macros in either order (`template <typename T>` then
    // `JSON_HEDLEY_NON_NULL(1)` then the function).
    let start = declStart;
    for (let above = declStart; ; start = above) {
      above = aboveAttributeMacros(source, aboveTemplateHeader(source, start));
      if (above === start) break;
    }
    const doc = blockDocBefore(source, start, true) ?? lineDocBefore(source, start, style);
    // No doc, but a `template <…>` header or attribute macros: they start the definition's text.
    return doc ?? (start < declStart ? { text: '', start } : null);
  }
  return lineDocBefore(source, declStart, style);
}

/**
 * Cleans a Python docstring literal: drops the prefix letters and quotes, then removes the common
 * indentation of the lines after the first (like `inspect.cleandoc`).
 */
export function cleanDocstring(literal: string): string | null {
  const match = /^[rRuUbBfF]*("""|'''|"|')([\s\S]*?)\1?$/.exec(literal);
  const body = match?.[2] ?? literal;
  const lines = body.split('\n');
  let indent = Number.POSITIVE_INFINITY;
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i] ?? '';
    if (line.trim() === '') continue;
    indent = Math.min(indent, line.length - line.trimStart().length);
  }
  const cleaned = lines.map((line, i) =>
    i === 0 || indent === Number.POSITIVE_INFINITY ? line.trim() : line.slice(indent).trimEnd(),
  );
  return capDoc(cleaned.join('\n'));
}
