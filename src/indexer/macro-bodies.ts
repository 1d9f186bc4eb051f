/**
 * Rust items written inside item-level macro invocations. tree-sitter keeps a macro's body as an
 * opaque token tree, so everything in `cfg_rt! { pub struct JoinHandle<T> { … } impl … }` (tokio
 * wraps most of its API this way) or in the branches of `cfg_if! { if #[cfg(unix)] { … } else
 * { … } }` would be invisible: no symbols, no references, no chunks. Such bodies are parsed again
 * on their own with tree-sitter's included ranges, which keeps every offset and position of the
 * original file, so their captures merge with the file's as if the macro were not there.
 *
 * A body is used only when it parses without errors (`lazy_static!`'s `static ref X: T = …;` does:
 * the grammar knows it). Otherwise its brace-delimited token trees are tried one level down (the
 * branches of `cfg_if!`); anything else (`bitflags!`, DSLs) is left alone. Nested item-level macros
 * are followed too, within a depth and a byte budget, so no file costs more than a few extra parses.
 */
import type Parser from 'tree-sitter';

/** How deep macro bodies and their token trees are followed. */
const MAX_DEPTH = 4;
/** Bytes re-parsed per file, as a multiple of the file's size. */
const MAX_REPARSE_FACTOR = 2;
/** Lines that look like an item-level macro with a body: `name! {`, `path::name! (`. */
const ITEM_MACRO_LINE = /^[ \t]*(?:#\[[^\n]*\]\s*)*[A-Za-z_][\w:]*![ \t]*[{(]/m;

interface Pending {
  tokenTree: Parser.SyntaxNode;
  depth: number;
}

/** Whether a Rust source has a line that looks like an item-level macro with a body. */
export function mayHaveItemMacros(source: string): boolean {
  return ITEM_MACRO_LINE.test(source);
}

/** Trees of the item-level macro bodies of a Rust file that parse as Rust (none when there are none). */
export function macroBodyTrees(parser: Parser, tree: Parser.Tree, source: string): Parser.Tree[] {
  if (!mayHaveItemMacros(source)) return [];
  const pending: Pending[] = [];
  collectItemMacros(tree.rootNode, 0, pending);
  const out: Parser.Tree[] = [];
  let budget = source.length * MAX_REPARSE_FACTOR;
  while (pending.length > 0) {
    const { tokenTree, depth } = pending.shift()!;
    const from = tokenTree.startIndex + 1;
    const to = tokenTree.endIndex - 1;
    if (to <= from || to - from > budget) continue;
    budget -= to - from;
    const body = parser.parse(source, undefined, {
      includedRanges: [interiorRange(tokenTree)],
    }) as Parser.Tree | null;
    if (body === null) {
      // Past the parser's timeout: this body is left out, and the parser starts afresh.
      parser.reset();
      continue;
    }
    if (!body.rootNode.hasError) {
      out.push(body);
      if (depth + 1 < MAX_DEPTH) collectItemMacros(body.rootNode, depth + 1, pending);
    } else if (depth + 1 < MAX_DEPTH) {
      // Not items as a whole: its `{ … }` groups may be (the branches of `cfg_if!`).
      for (const child of tokenTree.namedChildren) {
        if (child.type === 'token_tree' && source.charCodeAt(child.startIndex) === 123 /* { */) {
          pending.push({ tokenTree: child, depth: depth + 1 });
        }
      }
    }
  }
  return out;
}

/** Item-level macro invocations under `node` (a file, a module body, an impl or trait body). */
function collectItemMacros(node: Parser.SyntaxNode, depth: number, out: Pending[]): void {
  for (const child of node.namedChildren) {
    switch (child.type) {
      case 'macro_invocation': {
        const body = child.lastNamedChild;
        if (body !== null && body.type === 'token_tree') out.push({ tokenTree: body, depth });
        break;
      }
      case 'mod_item':
      case 'impl_item':
      case 'trait_item': {
        const body = child.childForFieldName('body');
        if (body !== null) collectItemMacros(body, depth, out);
        break;
      }
    }
  }
}

/** The range inside a token tree's delimiters. */
function interiorRange(tokenTree: Parser.SyntaxNode): Parser.Range {
  const start = tokenTree.startPosition;
  const end = tokenTree.endPosition;
  return {
    startIndex: tokenTree.startIndex + 1,
    endIndex: tokenTree.endIndex - 1,
    startPosition: { row: start.row, column: start.column + 1 },
    endPosition: { row: end.row, column: Math.max(0, end.column - 1) },
  };
}
