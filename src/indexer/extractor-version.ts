/**
 * The version of what the extractor takes from a file. Bump it with any change to the queries,
 * the language rules or the chunker that changes the output for source that did not change: an
 * index records the version its files were extracted with, and one made by an older extractor
 * marks every file as changed when it is opened (`syncExtractorVersion` in the store), so the
 * next run re-extracts it.
 *
 * 1: everything before the version was recorded. 2: Lua functions on nested tables, Ruby
 * accessors and `alias_method`, C function-pointer members and macros with comments, C++
 * methods under deep qualified names, shell `[ … ]` tests, call receivers. 3: definitions that
 * end with their line break (C's `#define`) end on their own last line. 4: calls with no receiver
 * in languages where they are never a method's are marked (`ExtractedRef.receiver` `''`), and
 * literal receivers name their built-in class (`'{}'.format` -> `str`). 5: a namespace or module
 * declared as a one-line statement (`namespace X;`, `mod x;`) is no chunk of its own; Ruby and
 * PHP calls carry their receiver; a Lua name bound to another name (`local find = string.find`)
 * is no definition; C and C++ export and inline annotation macros (`class SPDLOG_API logger`)
 * are read past, and a function declared in a function's body is none; a definition made by a
 * call (`attr_reader :a, :b`) has the call's line as its signature. 6: Objective-C (a `.h` with
 * `@interface` and the like is no longer C); a doc comment above attribute macro lines
 * (`NS_SWIFT_NAME(X)`) is found; Objective-C's `@property` lines are no decorators, and `@end`
 * or a bare macro name (`NS_ASSUME_NONNULL_END`) makes no code chunk; an editor modeline
 * (`-*- shell-script -*-`, `vim: ft=sh`) decides a file's language; shell extended globs, `=~`
 * regexes and trim patterns with brackets are repaired before parsing; Kotlin's and Swift's locals
 * in a property's getter or initialiser are no members; a Kotlin primary constructor after
 * annotation lines is repaired onto the class line; Swift's `nonisolated(unsafe)`, `sending`,
 * `borrowing`, `consume`, typed `throws(E)` and `#if` lines are repaired before parsing, and
 * Objective-C's `#if` lines inside a class or protocol. 7: C and C++ lines that are only a macro
 * above a declaration (`NLOHMANN_BASIC_JSON_TPL_DECLARATION`, `Q_OBJECT`, `Q_PROPERTY(…)`) or that
 * stand for an access specifier (`Q_SIGNALS:`, `public Q_SLOTS:`) are read past, and more
 * attribute macros in front of a declaration (`Q_REQUIRED_RESULT`, `QT_DEPRECATED_X("…")`) or after
 * its parameters (`size() const Q_DECL_PURE_FUNCTION;`); `JSON_TRY`/`JSON_CATCH(…)` read as `try` and
 * `catch`; the `#if`/`#endif` lines of a group with no `#else` in the middle of a declaration or
 * around `extern "C" {` (`#ifdef __cplusplus`) are blanked, and so are glibc's `__BEGIN_DECLS` and
 * `__THROW`, a macro after a class's name (`U_FINAL`) and one in a function pointer typedef
 * (`APIENTRYP`) or around a return type (`GL_APICALL GLuint GL_APIENTRY f(…)`); a signature ends
 * before a line continuation's backslash. 8: a JavaScript or TypeScript name bound to a whole
 * `require(…)` call (`const fs = require('fs')`) is an import, no definition, and CommonJS imports
 * carry the names they bind (`const { a, b: c } = require('m')` takes `a` and `b`); Vue and
 * Svelte components are read (their script blocks, and the components their markup renders). 9: a
 * method call on a variable or field keeps the receiver's name as a hint (`~call`, `~this.bridge`).
 * 10: a use of an import's alias is a use of the name imported (`from m import Model as M`,
 * `import { Queue as Q }`, `use App\User as U;`, `using Json = A.JsonConvert;`, `import a.B as C`,
 * `const { a: b } = require('m')`), and PHP's `use A\B as C;` and C#'s `using C = A.B;` no longer
 * read the alias `C` as a second import. Calls carry their receiver in C# (a capitalised one as a
 * hint, `~Context`: C# names properties like classes), C and C++ (`this->f()`, `sink->log()`, the
 * scope of `details::registry::instance()` as its class; calls through nested scopes are read),
 * Kotlin, Swift and Scala (`this.add()`, `call.resolve()`, `Foo.bar()`, `"x".trim()`), Dart (`x.f()`,
 * not a chain), Lua (`utils.split()` names the table `utils`; `self:f()` and `obj:f()` read as
 * method calls), Go (`DefaultClient.Do()`: a hint by name; `c.Do()` in `func (c *Client)`: `Client`;
 * the tree walk emits them as the query does) and Elixir (`MyApp.Repo.insert()` names `Repo`).
 * `super` and `base` are no receiver hint, and a receiver and its call on different lines
 * (`x?\n.f()`) are one. 11: a Go type written with its package (`build.Context`, `&http.Client{}`)
 * carries the package as a receiver hint (`~build`), in the queries and in the tree walk. 12: so do
 * Go's embedded types of another package (`struct { sync.Mutex }`, `interface { io.Reader }`).
 * 13: a C++ catch macro with no block after it is a whole catch clause (spdlog's
 * `SPDLOG_LOGGER_CATCH(loc)` after `SPDLOG_TRY { … }`), read as `catch(...){}`: the class around it
 * was lost (`logger`'s members read as functions of the namespace).
 * 14: the templates of Rust `macro_rules!` definitions are read as items (regex's `RegexBuilder`
 * and `RegexSet` are written inside `define_builder!` and `define_set!`), without the names their
 * metavariables spell.
 * 15: a method with a body in a trait or interface longer than a chunk gets a chunk of its own, as
 * a class's methods do (Laravel's 2,140-line `ValidatesAttributes` trait was windows named for
 * the trait).
 * 16: a JavaScript function assigned to a property of an object at the top level (`res.send =
 * function send()`, `app.use = …`) is a method of that object; `exports.x` stays a function.
 * 17: a capitalised name after leading underscores counts as capitalised (Python's private
 * `_CountingAttr.cls_counter` is a use of `_CountingAttr`); Rust's turbofish calls
 * (`m.get_one::<u8>(id)`, `parse::<T>()`) are calls, and a capitalised path anywhere
 * (`ErrorKind::ArgumentConflict =>`, `Policy::Lru` as a value) a use of its type; a file's header
 * chunk reaches an import past its first definition only over one-line definitions (an import
 * under `if __name__ == "__main__":` stretched it over the module's constants and functions), and
 * a license notice at the top of a file is in no chunk; a C++ class template's out-of-class member
 * (`basic_memory_buffer<T, SIZE, Allocator>::grow`) belongs to `basic_memory_buffer`.
 * 18: a `#` comment run one blank line above a Ruby or shell definition, at its indentation, is
 * its doc (Rack writes most class and method docs that way): the definition's chunk starts there
 * instead of the comment being a chunk of its own; a visibility label alone between members
 * (Ruby's `private`, C++'s `public:`) is no chunk; a C++ definition's doc comment is looked for
 * above its `template <…>` header and attribute macros, which start its chunk (nlohmann/json:
 * documented definitions 323 -> 476 of 1,162, chunks 1,943 -> 1,458); the comment, decorator
 * and attribute lines right above a definition open its chunk (Python's `@app.route(…)`, Rust's
 * `#[derive(Clone)]`, a `// what this does` line), where they ended the previous chunk, made a
 * chunk of their own or were in none; a one-line chunk joins the chunk before it (see
 * `mergeSmall` in `./chunks.ts`), and code between a class's members carries the class's name;
 * a method of a Rust trait implementation carries the `impl Trait for Type` head in its context;
 * a window of a long definition starts where a statement at its body's level does within the
 * overlap (not inside a member's doc comment), and the first reaches the definition's own line
 * after a long doc comment; a class whose head line says only its name (`class Thor`) gets no
 * chunk of its own when its members have theirs, as `module Rack` did not; a header of only
 * directives (`# frozen_string_literal: true`, `'use strict'`, `<?php`) is no chunk.
 * 19: the methods of a Rust blanket implementation (`impl<F: FnMut(T)> Predicate for F`) belong to
 * the trait (`Predicate.call`), not to a type named after the type parameter (`F.call`); a comma
 * expression in a C++ `decltype(…)` (`-> decltype(to_json(j, v), void())`) no longer breaks the
 * parse (nlohmann/json's `adl_serializer` lost its struct and a member, and gained a `void`);
 * Rust `impl` heads are in no chunk when their methods have chunks; a `/**` comment one blank line
 * above a definition at its indentation is its doc (express and koa write every JSDoc so), unless
 * it opens the file or is an overview (`@module`, a copyright); a named function expression that
 * is the whole value of an assignment (`Layer.prototype.handle_request = function handle(…)`) is
 * no second symbol; a section banner (`// Subrouter -----`) makes no chunk of its own; a header
 * cut by the size cap ends at a blank line; a long definition's last window takes up to three
 * rows past its size rather than leaving them to a window of their own.
 * 20: a TypeScript type alias of an object type is read whole, as an interface (its method
 * signatures were chunks of their own, its last members a code chunk); a named function
 * expression of the same name anywhere in a constant's or variable's value (`export const flow =
 * Object.assign(function flow(…) {…})`, `forwardRef(function Input(…) {…})`) is no second symbol,
 * and its body is a function's (mobx's `flow` was a one-line chunk over `flow.flow`); an object
 * literal's opening line alone (`const arrayTraps = {`) is no chunk when its members have theirs.
 */
export const EXTRACTOR_VERSION = 20;
