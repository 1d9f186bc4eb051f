/**
 * Repair of shell scripts before parsing (extended globs and `=~` regexes: see below).
 * tree-sitter-bash parses `[ … ]` as a test expression
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

/**
 * An extended glob (`shopt -s extglob`) inside a word: `$dir/!($_backup_glob|README)`,
 * `*@(solaris|aix)*`, `${host%]?(:+([0-9]))}`, the case pattern `--!(no-*)@(file|path)*)`. The
 * grammar reads its parentheses as a subshell or an array and fails the whole function. The
 * operator follows `/`, `*`, `]`, `}`, `:`, `=`, `|` or `-`; `@(` and `!(` may also follow a blank
 * or `)`, and `*(`, `+(`, `?(` a blank when a bracket class comes next (`*([[:blank:]])`).
 * Arithmetic's `a+(b)` and `(x)*(y)` follow a word or a parenthesis, and are left alone.
 */
const EXTGLOB =
  /(?:(?<=[/*\]}:=|-])[?*+@!]|(?<=[\s)])[@!]|(?<=\s)[?*+](?=\(\[))\((?:[^()\n]|\((?:[^()\n]|\([^()\n]*\))*\))*\)/g;

/**
 * The right side of `=~` in `[[ … ]]` when it is unquoted and holds parentheses or brackets:
 * `[[ $cur =~ ^(\$(\{[!#]?)?)([A-Za-z0-9_]*)$ ]]`, also on the next line after `=~ \`. The grammar parses some such regexes and gives up
 * on others.
 */
const REGEX_OPERAND = /(=~[ \t]+(?:\\\r?\n[ \t]*)?)([^\s"'][^\n]*?)(?=[ \t]+\]\])/g;

/**
 * The pattern of `${name#pat}`, `${name%%pat}` and the like when it holds brackets, parentheses
 * or `<`: `${option2%%[<{().[]*}`, `${host#[}`. The grammar reads them as the start of a nested
 * construct and fails the function.
 */
const TRIM_PATTERN =
  /(\$\{[A-Za-z_]\w*(?:\[[^\]\n]*\])?(?:##?|%%?))([^}\n$"'`]*[[\](){<>][^}\n$"'`]*)(?=\})/g;

/** Each character but line breaks as `_`: a plain word of the same length. */
const asWord = (text: string): string => text.replace(/[^\r\n]/g, '_');

/**
 * The repaired text, or null when the script has no `[ … ]` test, extended glob or `=~` regex to
 * repair.
 */
export function repairBash(source: string): string | null {
  let out = source;
  if (source.includes('[ ')) {
    out = out.replace(TEST_COMMAND, (match, head: string, body: string) => {
      if (body.startsWith('[') || match.includes('[[')) return match;
      return `${head}:${body}:`;
    });
  }
  if (source.includes('(')) out = out.replace(EXTGLOB, (glob) => `${glob[0]}${asWord(glob.slice(1))}`);
  if (source.includes('=~'))
    // The line continuation after `=~` becomes a blank: the grammar takes a line break inside
    // `[[ … ]]`, but not a backslash before it.
    out = out.replace(REGEX_OPERAND, (_m, op: string, regex: string) =>
      (/[()[\]{}|]/.test(regex) ? op + asWord(regex) : op + regex).replace(/\\(?=\r?\n)/, ' '),
    );
  if (source.includes('${'))
    out = out.replace(
      TRIM_PATTERN,
      (_m, head: string, pattern: string) => head + pattern.replace(/[[\](){}<>]/g, '_'),
    );
  return out === source ? null : out;
}
