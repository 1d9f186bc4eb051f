/**
 * Repair of Swift that tree-sitter-swift 0.7.1 cannot parse: Swift 5.9-6 ownership and
 * concurrency keywords it does not know put the declaration around them (often the whole type)
 * under an ERROR node. They are blanked, character for character, so every offset stays that of
 * the original (see `./syntax-repair.ts` for how repaired text is used):
 *
 * - `nonisolated(unsafe) static var shared = …` -> `nonisolated` (which the grammar knows);
 * - a parameter's `sending`, `borrowing` or `consuming` (`_ value: sending T`, `this: borrowing
 *   JavaScriptRuntime`);
 * - the `consume` operator (`switch consume result {`);
 * - typed throws, `throws(Exception)` -> `throws`;
 * - conditional compilation lines (`#if os(iOS)`, `#else`, `#endif`): inside a type's body the
 *   grammar closes the type at the `#if`, and every member after it lost its container. Both
 *   branches are then read as code; where that does not parse (a branch that opens a type the
 *   other closes), the extractor keeps the original parse, which has less under ERROR.
 */

import { blank } from './syntax-repair.js';

const NONISOLATED_UNSAFE = /\bnonisolated\([ \t]*unsafe[ \t]*\)/g;
const PARAMETER_OWNERSHIP = /(:[ \t]*)(sending|borrowing|consuming)(?=[ \t]+[@A-Za-z_([])/g;
const TYPED_THROWS = /\bthrows\([^()\n]*\)/g;
const DIRECTIVE_LINE = /^[ \t]*#(?:if|elseif|else|endif)\b[^\n]*/gm;
const CONSUME_OPERATOR =
  /(?<=(?:^|[=(,\s])[ \t]*|\b(?:switch|return|let|var)[ \t]+)consume(?=[ \t]+[A-Za-z_])/gm;

/** The repaired text, or null when it has none of these. */
export function repairSwift(source: string): string | null {
  if (!/nonisolated\(|sending|borrowing|consum|#if|throws\(/.test(source)) return null;
  let out = source.replace(
    NONISOLATED_UNSAFE,
    (m) => `nonisolated${' '.repeat(m.length - 'nonisolated'.length)}`,
  );
  out = out.replace(PARAMETER_OWNERSHIP, (_m, colon: string, word: string) => colon + blank(word));
  out = out.replace(CONSUME_OPERATOR, blank);
  out = out.replace(TYPED_THROWS, (m) => `throws${' '.repeat(m.length - 'throws'.length)}`);
  if (out.includes('#if')) out = out.replace(DIRECTIVE_LINE, blank);
  return out === source ? null : out;
}
