/**
 * Repair of shell scripts before parsing: tree-sitter-bash parses `[ … ]` as a test expression
 * and gives up on tests it does not know (`[ "$OP" "$L" ]`, an operator held in a variable), putting
 * the function around it and everything after it under an ERROR node. `[ … ]` in command
 * position is the `[` builtin, a command like any other: the repair writes its brackets as `:`
 * (the no-op builtin), one character for one, so the test parses as a plain command and every
 * offset stays that of the original (see `./syntax-repair.ts` for how repaired text is used; a
 * repaired text that parses worse is not used).
 */

/**
 * `[` where a command starts (line start, after `;`, `&&`, `||`, `|`, `!`, `if`, `elif`, `while`,
 * `until`, `then`, `do`, `else`), up to a `]` that ends the test on the same line. `[[ … ]]` is
 * left alone: the grammar knows it.
 */
const TEST_COMMAND =
  /((?:^|[;&|!({]|\b(?:if|elif|while|until|then|do|else))[ \t]*)\[([ \t][^\n]*?[ \t])\](?=[ \t]*(?:$|[;&|)}#]))/gm;

/** The repaired text, or null when the script has no `[ … ]` test. */
export function repairBash(source: string): string | null {
  if (!source.includes('[ ')) return null;
  let changed = false;
  const repaired = source.replace(TEST_COMMAND, (match, head: string, body: string) => {
    if (body.startsWith('[') || match.includes('[[')) return match;
    changed = true;
    return `${head}:${body}:`;
  });
  return changed ? repaired : null;
}
