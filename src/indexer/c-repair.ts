/**
 * Repair of C and C++ source before parsing: tree-sitter-c (and -cpp) cannot parse a block
 * comment inside a multi-line `#define` (a comment before the line's trailing backslash), and puts the
 * macro and what follows under an ERROR node. Comments inside a `#define`'s continued lines are
 * blanked, character for character (line breaks kept), so every offset stays that of the
 * original (see `./syntax-repair.ts` for how repaired text is used).
 */

/** A `#define` line and the lines its trailing backslashes continue it onto. */
const CONTINUED_DEFINE = /^[ \t]*#[ \t]*define\b(?:[^\n]*\\\r?\n)+[^\n]*/gm;
const BLOCK_COMMENT = /\/\*[\s\S]*?\*\//g;

/** The repaired text, or null when no continued macro holds a block comment. */
export function repairC(source: string): string | null {
  if (!source.includes('/*') || !source.includes('define')) return null;
  let changed = false;
  const repaired = source.replace(CONTINUED_DEFINE, (macro) =>
    macro.replace(BLOCK_COMMENT, (comment) => {
      changed = true;
      return comment.replace(/[^\r\n]/g, ' ');
    }),
  );
  return changed ? repaired : null;
}
