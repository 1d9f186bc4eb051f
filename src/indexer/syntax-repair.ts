/**
 * Second chances for TypeScript that tree-sitter-typescript 0.23 cannot parse. Two common forms
 * put whole files largely under ERROR nodes (effect's `Effect.ts`, `Stream.ts`, `Channel.ts`:
 * 11 % of the bytes of the TypeScript corpus in `bench/`; about 1,000 of its top-level exported
 * declarations were lost):
 *
 * - variance annotations on type parameters (`interface Effect<out A, in R>`, TS 4.7);
 * - overloaded call signatures on their own lines without semicolons (`const map: { <A, B>(…):
 *   … \n <A, B>(…): … }`, the "dual" API style): the grammar reads the `<` that starts the next
 *   line as type arguments of the type that ends the previous one; TypeScript does not, after a
 *   line break.
 *
 * The repair rewrites the source without moving a single character: the variance keywords become
 * spaces, and the last indentation character before such a `<` becomes `;`. Offsets, lines and
 * columns stay those of the original, so the repaired tree's captures are sliced from the
 * original text. When the repair changes anything, the extractor parses the repaired text; if
 * that still has errors it parses the original too and keeps the tree with less under ERROR
 * nodes. On the TypeScript corpus 312 of 2,983 files change, 286 of them then parse cleanly, and
 * parsing is faster than parsing the originals (error recovery over a 0.9 MB file is slow).
 */
import type Parser from 'tree-sitter';

/** `<out A`, `, in B`, `<in out C`: the variance keywords of a type parameter. */
const VARIANCE = /([<,][ \t\r\n]*)((?:in|out)[ \t\r\n]+(?:out[ \t\r\n]+)?)(?=[A-Za-z_$])/g;
/** A line whose first non-blank character is `<`, with at least one blank before it. */
const LINE_STARTING_WITH_LT = /\n([ \t]+)</g;
/** Characters a type can end with. */
const TYPE_END = /[\w$>)\]}'"`?]/;

/**
 * `text` with every character but line breaks turned into a space: what each language's repair
 * writes over what its grammar cannot parse, so that every offset stays that of the original.
 */
export function blank(text: string): string {
  return text.replace(/[^\r\n]/g, ' ');
}

/** The repaired text, or null when nothing in it matches a known problem. */
export function repairTypeScript(source: string, tsx: boolean): string | null {
  let out = source.replace(VARIANCE, (_m, pre: string, kw: string) => pre + blank(kw));
  // In TSX a line starting with `<` is JSX.
  if (!tsx) {
    const base = out;
    out = base.replace(LINE_STARTING_WITH_LT, (m, ws: string, offset: number) => {
      const i = previousCodeChar(base, offset - 1);
      return i >= 0 && TYPE_END.test(base[i]!) ? `\n${ws.slice(0, -1)};<` : m;
    });
  }
  return out === source ? null : out;
}

/** Index of the last character at or before `i` that is not blank or inside a comment. */
function previousCodeChar(text: string, i: number): number {
  for (;;) {
    while (i >= 0 && /\s/.test(text[i]!)) i--;
    if (i >= 1 && text[i] === '/' && text[i - 1] === '*') {
      const open = text.lastIndexOf('/*', i - 2);
      if (open < 0) return -1;
      i = open - 1;
      continue;
    }
    const lineStart = text.lastIndexOf('\n', i) + 1;
    if (/^[ \t]*\/\//.test(text.slice(lineStart, i + 1))) {
      i = lineStart - 1;
      continue;
    }
    return i;
  }
}

/** Characters covered by ERROR nodes (outermost ones), walking only subtrees that hold errors. */
export function errorChars(tree: Parser.Tree): number {
  let n = 0;
  const walk = (node: Parser.SyntaxNode): void => {
    if (node.type === 'ERROR') {
      n += node.endIndex - node.startIndex;
      return;
    }
    if (!node.hasError) return;
    for (const child of node.children) walk(child);
  };
  walk(tree.rootNode);
  return n;
}
