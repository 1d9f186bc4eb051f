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
 *
 * The templates of `macro_rules!` definitions are parsed the same way: regex's `define_builder!`
 * and `define_set!` write `RegexBuilder`, `RegexSet` and all their methods inside one, and were
 * invisible. Their metavariables (`$name`, `$crate`) are read as identifiers (`_name`: same
 * length, so offsets hold); definitions, references and imports spelled with one are dropped
 * ({@link keepTemplateCaptures}), so `pub mod $name { pub struct RegexBuilder … }` yields
 * `RegexBuilder` and its methods. A repetition (`$( … )*`) reads as its content once. A template
 * that still does not parse is tried one level down, as above.
 */
import type Parser from 'tree-sitter';
import type { RawExtraction } from './raw-captures.js';

/** How deep macro bodies and their token trees are followed. */
const MAX_DEPTH = 4;
/** Bytes re-parsed per file, as a multiple of the file's size. */
const MAX_REPARSE_FACTOR = 2;
/** Lines that look like an item-level macro with a body: `name! {`, `path::name! (`. */
const ITEM_MACRO_LINE = /^[ \t]*(?:#\[[^\n]*\]\s*)*[A-Za-z_][\w:]*![ \t]*[{(]/m;

interface Pending {
  tokenTree: Parser.SyntaxNode;
  depth: number;
  /** Inside a `macro_rules!` template: parsed with its metavariables read as identifiers. */
  template: boolean;
}

/** A macro body parsed on its own (see the module's doc). */
export interface MacroBodyTree {
  tree: Parser.Tree;
  /** From a `macro_rules!` template: its captures go through {@link keepTemplateCaptures}. */
  template: boolean;
}

/** Whether a Rust source has a line that looks like an item-level macro with a body. */
export function mayHaveItemMacros(source: string): boolean {
  return ITEM_MACRO_LINE.test(source);
}

/** Trees of the item-level macro bodies of a Rust file that parse as Rust (none when there are none). */
export function macroBodyTrees(parser: Parser, tree: Parser.Tree, source: string): MacroBodyTree[] {
  if (!mayHaveItemMacros(source)) return [];
  const pending: Pending[] = [];
  collectItemMacros(tree.rootNode, 0, pending, false);
  const out: MacroBodyTree[] = [];
  let budget = source.length * MAX_REPARSE_FACTOR;
  // The file with every metavariable read as an identifier, made on the first template.
  let templateSource: string | null = null;
  while (pending.length > 0) {
    const { tokenTree, depth, template } = pending.shift()!;
    const from = tokenTree.startIndex + 1;
    const to = tokenTree.endIndex - 1;
    if (to <= from || to - from > budget) continue;
    budget -= to - from;
    if (template) templateSource ??= templateText(tree, source);
    const body = parser.parse(template ? templateSource! : source, undefined, {
      includedRanges: [interiorRange(tokenTree)],
    }) as Parser.Tree | null;
    if (body === null) {
      // Past the parser's timeout: this body is left out, and the parser starts afresh.
      parser.reset();
      continue;
    }
    if (!body.rootNode.hasError) {
      out.push({ tree: body, template });
      if (depth + 1 < MAX_DEPTH) collectItemMacros(body.rootNode, depth + 1, pending, template);
    } else if (depth + 1 < MAX_DEPTH) {
      // Not items as a whole: its `{ … }` groups may be (the branches of `cfg_if!`).
      for (const child of tokenTree.namedChildren) {
        if (child.type === 'token_tree' && source.charCodeAt(child.startIndex) === 123 /* { */) {
          pending.push({ tokenTree: child, depth: depth + 1, template });
        }
      }
    }
  }
  return out;
}

/** A metavariable's `$` (`$name`, `$crate`; not a repetition's `$(`). */
const METAVARIABLE = /\$(?=[A-Za-z_])/g;

/**
 * The file as the templates of its `macro_rules!` definitions read once expanded, roughly, with
 * every offset kept: a repetition `$( … ),*` is its content once (the `$(` and the `),*` become
 * spaces), and a metavariable `$name` the identifier `_name`.
 */
function templateText(tree: Parser.Tree, source: string): string {
  const chars = source.split('');
  const blank = (from: number, to: number) => {
    for (let i = from; i < to; i++) if (chars[i] !== '\n') chars[i] = ' ';
  };
  for (const rep of tree.rootNode.descendantsOfType('token_repetition')) {
    const open = rep.children.find((c) => c.type === '(');
    const close = rep.children.findLast((c) => c.type === ')');
    if (open === undefined || close === undefined) continue;
    blank(rep.startIndex, open.endIndex);
    blank(close.startIndex, rep.endIndex);
  }
  return chars.join('').replace(METAVARIABLE, '_');
}

/**
 * Adds a template's captures to `into`, without the definitions, references, imports and impl
 * blocks a metavariable names (`pub mod $name`, `$regex_mod::Regex`, `use crate::$m::X`): in the
 * source they read `$name`, which is no name of the crate.
 */
export function keepTemplateCaptures(template: RawExtraction, into: RawExtraction, source: string): void {
  const named = (start: number) => source.charCodeAt(start) !== 36; /* $ */
  for (const d of template.definitions) if (named(d.nameStart)) into.definitions.push(d);
  for (const c of template.containers) if (!c.name.includes('$')) into.containers.push(c);
  for (const r of template.refs) if (named(r.start)) into.refs.push(r);
  for (const i of template.imports) if (!i.sourceText.includes('$')) into.imports.push(i);
  for (const n of template.importNames) if (named(n.start)) into.importNames.push(n);
  for (const k of template.skip) into.skip.add(k);
}

/**
 * Item-level macro invocations under `node` (a file, a module body, an impl or trait body), and
 * the templates of its `macro_rules!` definitions.
 */
function collectItemMacros(node: Parser.SyntaxNode, depth: number, out: Pending[], template: boolean): void {
  for (const child of node.namedChildren) {
    switch (child.type) {
      case 'macro_invocation': {
        const body = child.lastNamedChild;
        if (body !== null && body.type === 'token_tree') out.push({ tokenTree: body, depth, template });
        break;
      }
      case 'macro_definition':
        for (const rule of child.namedChildren) {
          const right = rule.type === 'macro_rule' ? rule.childForFieldName('right') : null;
          if (right !== null && right.type === 'token_tree')
            out.push({ tokenTree: right, depth, template: true });
        }
        break;
      case 'mod_item':
      case 'impl_item':
      case 'trait_item': {
        const body = child.childForFieldName('body');
        if (body !== null) collectItemMacros(body, depth, out, template);
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
