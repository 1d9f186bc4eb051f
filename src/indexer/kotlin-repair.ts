/**
 * A second chance for Kotlin that @tree-sitter-grammars/tree-sitter-kotlin 1.1.0 cannot parse:
 * a primary constructor with modifiers or annotations on the line after the class name
 *
 *     public class Page
 *     private constructor(private val id: Int) { … }
 *
 * (common in Android code) puts the class and everything after it under ERROR nodes. The repair
 * turns the line break before the constructor into a space: one character for one, so every
 * offset stays that of the original (see `./syntax-repair.ts` for how repaired text is used).
 */

/**
 * `class Name<T>` at the end of a line, then `[modifiers] [@Annotations] constructor(` on the next
 * line, or modifiers and annotations over several lines before it (react-native's
 * `public class ReadableMapBuffer` / `@DoNotStrip` / `private constructor(`).
 */
const CONSTRUCTOR_ON_NEXT_LINE =
  /(\b(?:class|object)[ \t]+\w+(?:<[^>\n]*>)?[ \t]*)((?:\r?\n[ \t]*(?:(?:private|internal|protected|public)[ \t]+|@\w+(?:\([^)\n]*\))?[ \t]*)*)+)(?=constructor[ \t]*\()/g;

/** The repaired text, or null when nothing in it matches. */
export function repairKotlin(source: string): string | null {
  if (!source.includes('constructor')) return null;
  let changed = false;
  const repaired = source.replace(CONSTRUCTOR_ON_NEXT_LINE, (_match, head: string, between: string) => {
    changed = true;
    return head + between.replace(/[\r\n]/g, ' ');
  });
  return changed ? repaired : null;
}
