/**
 * Repair of C and C++ source before parsing: tree-sitter-c (and -cpp) cannot parse a block
 * comment inside a multi-line `#define` (a comment before the line's trailing backslash), and puts the
 * macro and what follows under an ERROR node; nor does it know a library's export and inline
 * annotation macros (see {@link ANNOTATION_MACRO}). Both are blanked, character for character
 * (line breaks kept), so every offset stays that of the original (see `./syntax-repair.ts` for
 * how repaired text is used).
 */

import { blank } from './syntax-repair.js';

/** A `#define` line and the lines its trailing backslashes continue it onto. */
const CONTINUED_DEFINE = /^[ \t]*#[ \t]*define\b(?:[^\n]*\\\r?\n)+[^\n]*/gm;
const BLOCK_COMMENT = /\/\*[\s\S]*?\*\//g;

/** A line that ends with a backslash: the next line continues it (a `#define`'s body). */
const CONTINUED = /\\\r?$/;

/** A replacer for the patterns below: the first group kept, the second (a macro) blanked. */
function blankSecond(_m: string, kept: string, macro: string): string {
  return kept + blank(macro);
}

/**
 * A library's export or inline annotation macro in front of a declaration or a class name:
 * `class SPDLOG_API logger`, `SPDLOG_INLINE logger::logger(…)`, `GTEST_API_ void f()`,
 * `class Q_CORE_EXPORT QObject`, `CURL_EXTERN CURLcode curl_easy_perform(…)`. Such a macro expands
 * to an attribute or to nothing, but the grammar reads it as the class's name or the return type:
 * spdlog's `logger` class was lost (its members listed under the namespace) and every
 * out-of-class constructor read as functions named after its member initialisers. Also the
 * attribute macros named for what they say about a declaration (`Q_REQUIRED_RESULT`,
 * `Q_DECL_CONSTEXPR`, `Q_DECL_PURE_FUNCTION`, `FMT_FUNC`, `Q_INVOKABLE`,
 * `JSON_HEDLEY_WARN_UNUSED_RESULT`), with their arguments when called
 * (`QT_DEPRECATED_X("Use show()")`). Not on a preprocessor line (its own `#define`).
 */
const ANNOTATION_MACRO =
  /^([^#\n]*?(?:^|[\s(,;{}]))([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*_(?:API|EXPORTS?|IMPORT|INLINE|VISIBLE|VISIBILITY|EXTERN|DLL|DECL|PUBLIC|HIDDEN|LOCAL|DEPRECATED(?:_[A-Z0-9]+)*|NODISCARD|RESULT|CONSTEXPR|NOEXCEPT|NOTHROW|INVOKABLE|NORETURN|FUNC(?:TION)?)_?(?:[ \t]*\((?:[^()\n]|\([^()\n]*\))*\))?)(?=[ \t]+[A-Za-z_~:])/gm;

/**
 * A line that is only a macro, by name or called with arguments on that line, above a declaration:
 * nlohmann/json's `NLOHMANN_BASIC_JSON_TPL_DECLARATION` (a template head) above `class basic_json`,
 * `JSON_HEDLEY_CONST` above a method, `NLOHMANN_JSON_NAMESPACE_BEGIN`, Qt's `Q_OBJECT` and
 * `Q_PROPERTY(…)` in a class, `G_BEGIN_DECLS`, glibc's `__BEGIN_DECLS`. The grammar reads such a
 * name as a type and the declaration after it as its declarator, or gives up: json.hpp's whole
 * `basic_json` class was one ERROR node. Also a macro that stands for an access specifier
 * (`JSON_PRIVATE_UNLESS_TESTED:`, Qt's `Q_SIGNALS:`) or follows one (`public Q_SLOTS:`).
 *
 * A bare name only where the next line that is not blank, a comment or a preprocessor line starts a
 * declaration (a name, `~`, `[[`, `::`) that is not a call (a name with a lowercase letter and
 * `(`): `SIZE_T` above `compute(int n)` is a return type, and `LAST_VALUE` above `};` or
 * `| FLAG` is part of an enum or an expression. A macro may also come last in its file
 * (`QT_END_NAMESPACE` above `#endif`), and one called with arguments last in its block
 * (`Q_DISABLE_COPY(QDialog)` above `};`). A name with a colon is blanked
 * wherever it is (in C it may be a goto label, which defines nothing either).
 */
const MACRO_LINE_START =
  /^[ \t]*(?:(?:public|protected|private)[ \t]+)?_*[A-Z][A-Z0-9]*_[A-Z0-9_]*[ \t]*(?:\(|:|\/\/|\r?$)/m;
const MACRO_ALONE =
  /^([ \t]*(?:(?:public|protected|private)[ \t]+)?)(_*[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)([ \t]*(?:\((?:[^()\n]|\((?:[^()\n]|\([^()\n]*\))*\))*\)|:))?[ \t]*(?:\/\/.*)?\r?$/;
const SKIPPED_LINE = /^[ \t]*(?:$|\r$|\/\/|\/\*|\*|#)/;
const DECLARATION_START = /^[ \t]*(?:[A-Za-z_~]|\[\[|::)(?![\w:~]*[a-z][\w:~]*[ \t]*\()/;
const BLOCK_END = /^[ \t]*\}/;

function blankMacroLines(text: string): string {
  if (!MACRO_LINE_START.test(text)) return text;
  const lines = text.split('\n');
  let changed = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const m = MACRO_ALONE.exec(line);
    // A line that a backslash continues is part of a `#define`'s body.
    if (m === null || (i > 0 && CONTINUED.test(lines[i - 1]!))) continue;
    const before = m[1]!;
    const macro = m[2]! + (m[3] ?? '');
    const colon = macro.endsWith(':');
    if (before.trim() !== '' && !colon) continue;
    if (!colon) {
      let j = i + 1;
      while (j < lines.length && SKIPPED_LINE.test(lines[j]!)) {
        // A block comment's lines need not start with `*` (nlohmann's `/*!` … `@brief` … `*/`).
        if (/^[ \t]*\/\*/.test(lines[j]!)) while (j < lines.length - 1 && !lines[j]!.includes('*/')) j++;
        j++;
      }
      const next = lines[j] ?? '';
      const called = m[3] !== undefined;
      const last = j === lines.length;
      if (!last && !DECLARATION_START.test(next) && !(called && BLOCK_END.test(next))) continue;
    }
    // `public Q_SLOTS:` keeps its colon; `Q_SIGNALS:` alone goes whole.
    const gone = before.trim() === '' ? macro : m[2]!;
    lines[i] = before + blank(gone) + line.slice(before.length + gone.length);
    changed = true;
  }
  return changed ? lines.join('\n') : text;
}

/**
 * An attribute macro after a function's parameters, before its `;`, body or `= 0`:
 * `qsizetype size() const noexcept Q_DECL_PURE_FUNCTION;`, `void f() Q_DECL_OVERRIDE;`. After a
 * closing parenthesis (or `const`, `noexcept`, `override`, `final` after one) a name in capitals
 * can only be a macro there; so can a name with two leading underscores, reserved to the C library
 * (glibc's `extern void *dlopen (…) __THROWNL;`, or `__THROW __attribute_pure__;` on the line after
 * the parameters); one with arguments (`__nonnull ((1))`) stays.
 */
const TRAILING_MACRO =
  /^([^#\n]*\)(?:[ \t]+(?:const|noexcept|override|final))*(?:[ \t]+|[ \t]*\r?\n[ \t]+))((?:[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+|__[A-Za-z][A-Za-z0-9_]*)(?:[ \t]+(?:[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+|__[A-Za-z][A-Za-z0-9_]*))*)(?=[ \t]*(?:[;{=]|\r?$))/gm;

/**
 * Exceptions behind macros, for builds without them: `JSON_TRY {` / `JSON_CATCH(...) {}`
 * (nlohmann/json), `QT_TRY` / `QT_CATCH(…)`, `FMT_TRY` / `FMT_CATCH(x)`. Read as `try` and `catch`
 * (each padded to the macro's length); a block after an unknown name is an error the grammar
 * recovers from badly in a long class (json.hpp's `basic_json` was one ERROR node from there on).
 * Not on a preprocessor line (the macros' own `#define`).
 */
const TRY_MACRO = /^(?![ \t]*#)([^\n]*?)\b([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*_TRY)\b(?=[ \t]*(?:\{|\/\/|\r?$))/gm;
const CATCH_MACRO =
  /^(?![ \t]*#)([^\n]*?)\b([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*_CATCH)([ \t]*\((?:[^()\n]|\([^()\n]*\))*\))(?=([ \t]*(?:\/\/[^\n]*)?\r?\n?[ \t]*\{)?)/gm;

/**
 * A catch macro with no block after it is a whole catch clause (spdlog's
 * `SPDLOG_LOGGER_CATCH(loc)`, two `catch` blocks with bodies): read as `catch(...){}`, padded, where
 * that fits; else as `catch` before its parenthesis, like one with a block.
 */
function catchFor(_m: string, before: string, name: string, args: string, block: string | undefined): string {
  const whole = name + args;
  const clause = 'catch(...){}';
  if (block === undefined && whole.length >= clause.length)
    return before + clause + ' '.repeat(whole.length - clause.length);
  return `${before}catch${' '.repeat(name.length - 'catch'.length)}${args}`;
}

/** `try` or `catch` in place of a macro of that meaning, padded to its length. */
function keywordFor(keyword: string) {
  return (_m: string, before: string, name: string) =>
    before + keyword + ' '.repeat(name.length - keyword.length);
}

/**
 * The `#if` and `#endif` lines of a conditional group with no `#elif` or `#else`, blanked: the
 * grammar reads a group as a unit, so one in the middle of a declaration splits it (nlohmann's
 * `template <…>` / `#if defined(JSON_HAS_CPP_14)` / `constexpr` / `#endif` / `auto get() const`,
 * a template argument list with an `#if` around one argument) and it recovers badly: json.hpp's
 * `basic_json` class was one ERROR node. The group's lines are kept, as if its condition held.
 * Also an `#ifdef __cplusplus` group wherever it is: one opens `extern "C" {` and another closes
 * it, and the grammar cannot pair them. A group with alternatives (where both branches may open
 * the same block), `#if 0`, and a group between declarations (header guards, feature tests) are
 * left as they are, so most files need no repair (a repaired file with errors is parsed twice).
 */
const CONDITIONAL = /^[ \t]*#[ \t]*(if|ifdef|ifndef|elif|else|endif)\b/;

/**
 * Whether the line before line `i` (blank lines, comments and other directives skipped) leaves a
 * declaration or an expression open: it does not end with `;`, `{`, `}`, `:` or a comment's end.
 */
function insideDeclaration(lines: readonly string[], i: number): boolean {
  for (let j = i - 1; j >= 0; j--) {
    const line = lines[j]!.replace(/\/\/.*$/, '').trimEnd();
    if (line === '' || /^[ \t]*#/.test(line)) continue;
    return !/[;{}:]$|\*\/$|^[ \t]*\*/.test(line) && !/^[ \t]*\/\*/.test(line);
  }
  return false;
}

function blankSimpleConditionals(text: string): string {
  if (!text.includes('#')) return text;
  const lines = text.split('\n');
  const open: { start: number; alternatives: boolean }[] = [];
  let changed = false;
  for (let i = 0; i < lines.length; i++) {
    const directive = CONDITIONAL.exec(lines[i]!)?.[1];
    if (directive === undefined) continue;
    if (directive.startsWith('if')) {
      // `#if 0` is a comment in effect, and a continued `#if` line is left whole.
      const skip =
        /^[ \t]*#[ \t]*if[ \t]+0\b/.test(lines[i]!) ||
        CONTINUED.test(lines[i]!) ||
        !(insideDeclaration(lines, i) || /\b__cplusplus\b/.test(lines[i]!));
      open.push({ start: i, alternatives: skip });
    } else if (directive === 'endif') {
      const group = open.pop();
      if (group === undefined || group.alternatives) continue;
      lines[group.start] = blank(lines[group.start]!);
      lines[i] = blank(lines[i]!);
      changed = true;
    } else {
      const group = open.at(-1);
      if (group !== undefined) group.alternatives = true;
    }
  }
  return changed ? lines.join('\n') : text;
}

/**
 * A macro after a class's name, where only `final`, a base list or the body can come: ICU's
 * `class U_I18N_API RegexPattern U_FINAL : public UObject`.
 */
const AFTER_CLASS_NAME =
  /^([^#\n]*\b(?:class|struct)[ \t]+[A-Za-z_]\w*[ \t]+)([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)(?=[ \t]*(?::|\{|\r?$))/gm;

/**
 * A calling-convention macro inside a function pointer's declarator: OpenGL's `typedef void
 * (APIENTRYP PFNGLCULLFACEPROC) (GLenum mode);`, `typedef BOOL (WINAPI *LPFN_X)(…)`. A name in
 * capitals before the declarator's own name, in parentheses followed by a parameter list, can only
 * be a macro there (`APIENTRYP` stands for `APIENTRY *`; without it the typedef names a function
 * type, under the same name).
 */
const DECLARATOR_MACRO =
  /^([ \t]*typedef\b[^;\n]*?\([ \t]*)([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*)(?=[ \t]+\*?[ \t]*[A-Za-z_]\w*[ \t]*\)[ \t]*\()/gm;

/**
 * An export macro, a return type and a calling-convention macro in a row before a function's name
 * (on its line or the next): OpenGL's `GL_APICALL GLuint GL_APIENTRY glCreateProgram (void);`,
 * ICU's `U_CAPI int32_t U_EXPORT2` / `u_strlen(const UChar *s);`. A declaration has one type, so
 * the names in capitals on either side of it can only be macros; both are blanked.
 */
const MACRO_TYPE_MACRO =
  /^([ \t]*)([A-Z][A-Z0-9_]*[A-Z0-9])([ \t]+(?:const[ \t]+)?[A-Za-z_]\w*[ \t*&]+)([A-Z][A-Z0-9_]*[A-Z0-9])(?=(?:[ \t]+|[ \t]*\r?\n[ \t]*)[A-Za-z_]\w*[ \t]*\()/gm;

/**
 * A comma expression in `decltype(…)`, the trailing return type of SFINAE templates
 * (`-> decltype(::nlohmann::to_json(j, val), void())`): the grammar takes one expression there,
 * and recovers badly: nlohmann/json's `adl_serializer` lost its struct and its `to_json`, and
 * `void()` read as a method named `void`. Each comma at the parentheses' own level (not inside a
 * call's arguments or a template's `<…>`) is read as `+`, which keeps it one expression.
 */
function decltypeCommas(text: string): string {
  const at = /\bdecltype[ \t]*\(/g;
  let out: string[] | null = null;
  for (let m = at.exec(text); m !== null; m = at.exec(text)) {
    let depth = 1;
    let angle = 0;
    let i = m.index + m[0].length;
    for (; i < text.length && depth > 0; i++) {
      const ch = text[i];
      if (ch === '(' || ch === '[' || ch === '{') depth++;
      else if (ch === ')' || ch === ']' || ch === '}') depth--;
      else if (depth === 1 && ch === '<' && /\w/.test(text[i - 1] ?? '')) angle++;
      else if (depth === 1 && ch === '>' && angle > 0) angle--;
      else if (ch === ';') break;
      else if (ch === ',' && depth === 1 && angle === 0) {
        out ??= text.split('');
        out[i] = '+';
      }
    }
    at.lastIndex = i;
  }
  return out === null ? text : out.join('');
}

/** The repaired text, or null when it has none of these problems. */
export function repairC(source: string): string | null {
  let out = source;
  if (source.includes('decltype')) out = decltypeCommas(out);
  if (source.includes('/*') && source.includes('define')) {
    out = out.replace(CONTINUED_DEFINE, (macro) => macro.replace(BLOCK_COMMENT, blank));
  }
  // One macro per match: a second in a row (`Q_REQUIRED_RESULT Q_DECL_CONSTEXPR inline`) needs
  // another pass.
  for (let pass = 0; pass < 3; pass++) {
    const next = out.replace(ANNOTATION_MACRO, blankSecond);
    if (next === out) break;
    out = next;
  }
  if (out.includes('_TRY')) out = out.replace(TRY_MACRO, keywordFor('try')).replace(CATCH_MACRO, catchFor);
  out = blankMacroLines(out);
  out = out.replace(
    MACRO_TYPE_MACRO,
    (_m, indent: string, exported: string, type: string, convention: string) =>
      indent + blank(exported) + type + blank(convention),
  );
  out = out.replace(AFTER_CLASS_NAME, blankSecond);
  if (out.includes('typedef')) out = out.replace(DECLARATOR_MACRO, blankSecond);
  out = blankSimpleConditionals(out);
  out = out.replace(TRAILING_MACRO, blankSecond);
  return out === source ? null : out;
}

/**
 * A line that is only an Apple-style macro, with or without arguments and a closing `;`:
 * `NS_ASSUME_NONNULL_BEGIN`, `NS_SWIFT_NAME(WorkletsProvider)` above a declaration,
 * `    NS_SWIFT_NAME(isSerializable(runtimePointer:valuePointer:));` after a method's parameters,
 * `API_AVAILABLE(ios(13.0))`. They expand to attributes or nothing; tree-sitter-objc reads them as
 * the type of a declaration that swallows the `@protocol` or `@interface` after it.
 */
const MACRO_LINE =
  /^([ \t]*)([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+(?:[ \t]*\((?:[^()\n]|\((?:[^()\n]|\([^()\n]*\))*\))*\))?)(?=[ \t]*;?[ \t]*\r?$)/gm;

/**
 * `typedef NS_ENUM(NSInteger, RNSDirection) {` (also `NS_OPTIONS`, `NS_CLOSED_ENUM`,
 * `NS_ERROR_ENUM`, `CF_ENUM`, `CF_OPTIONS`): an enum the grammar cannot parse, rewritten in place as
 * `enum RNSDirection {` padded with spaces.
 */
const ENUM_MACRO =
  /\btypedef([ \t]+)((?:NS_(?:ENUM|OPTIONS|CLOSED_ENUM|ERROR_ENUM)|CF_(?:ENUM|OPTIONS))[ \t]*\([^,()\n]*,[ \t]*)(\w+)([ \t]*\))/g;

/**
 * From `@interface`, `@implementation` or `@protocol` to its `@end`: inside, a conditional
 * compilation line (`#if defined(__cplusplus)` around a protocol list or a C++ member) splits the
 * declaration, and the grammar loses the class (react-native-screens' `RNSModule.h` read as a
 * variable `NSObject`).
 */
const OBJC_BLOCK = /^[ \t]*@(?:interface|implementation|protocol)\b[\s\S]*?^[ \t]*@end\b/gm;
const DIRECTIVE_LINE = /^[ \t]*#[ \t]*(?:if|ifdef|ifndef|elif|else|endif)\b[^\n]*/gm;

/**
 * Objective-C: C's repairs, Apple's macro lines blanked, `NS_ENUM` typedefs made plain enums, and
 * the `#if` lines inside a class or protocol blanked (both branches are then read; where that does
 * not parse, the extractor keeps the original parse).
 */
export function repairObjC(source: string): string | null {
  let out = repairC(source) ?? source;
  if (out.includes('_ENUM') || out.includes('_OPTIONS'))
    out = out.replace(
      ENUM_MACRO,
      (_m, space: string, call: string, name: string, close: string) =>
        `${' '.repeat(7 + space.length)}enum${' '.repeat(call.length - 4)}${name}${' '.repeat(close.length)}`,
    );
  out = out.replace(MACRO_LINE, blankSecond);
  if (out.includes('#')) out = out.replace(OBJC_BLOCK, (block) => block.replace(DIRECTIVE_LINE, blank));
  return out === source ? null : out;
}
