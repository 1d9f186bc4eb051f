/**
 * Tags query fragments for the JavaScript family. Based on tree-sitter-javascript 0.25.0
 * `queries/tags.scm`, rewritten to the capture convention in `./index.ts` and extended with
 * module-level constants/variables, class fields, imports/exports and JSX component references.
 * Upstream predicates (`#strip!`, `#select-adjacent!`, `#not-match?`) are dropped: the node binding
 * evaluates them in JavaScript per match, and the extractor does the same work more cheaply.
 */

/**
 * Top-level statements, valid in the JavaScript, TypeScript and TSX grammars alike. This query runs
 * with `maxStartDepth: 1`, so it only sees direct children of the program: module-level constants
 * and variables (never locals) without a pattern rooted at `program` staying in progress over the
 * whole file, which costs about a sixth of the query time.
 */
export const JS_TOP_LEVEL_QUERY = String.raw`
; Functions held in variables come first so they win over the constant/variable patterns below,
; which match the same declarator.
(lexical_declaration (variable_declarator name: (identifier) @name value: [(arrow_function) (function_expression) (generator_function)]) @definition.function)
(export_statement declaration: (lexical_declaration (variable_declarator name: (identifier) @name value: [(arrow_function) (function_expression) (generator_function)]) @definition.function))
(variable_declaration (variable_declarator name: (identifier) @name value: [(arrow_function) (function_expression) (generator_function)]) @definition.function)
(export_statement declaration: (variable_declaration (variable_declarator name: (identifier) @name value: [(arrow_function) (function_expression) (generator_function)]) @definition.function))

(lexical_declaration "const" (variable_declarator name: (identifier) @name) @definition.constant)
(export_statement declaration: (lexical_declaration "const" (variable_declarator name: (identifier) @name) @definition.constant))
(lexical_declaration "let" (variable_declarator name: (identifier) @name) @definition.variable)
(export_statement declaration: (lexical_declaration "let" (variable_declarator name: (identifier) @name) @definition.variable))
(variable_declaration (variable_declarator name: (identifier) @name) @definition.variable)
(export_statement declaration: (variable_declaration (variable_declarator name: (identifier) @name) @definition.variable))

; Prototype methods: Foo.prototype.bar = function () {} is the method bar of Foo. The extractor
; keeps the match only when the receiver ends in \`.prototype\` (\`module.exports.bar = ...\` is left
; to the next pattern).
(expression_statement (assignment_expression left: (member_expression object: (member_expression object: (identifier) property: (property_identifier)) @receiver property: (property_identifier) @name) right: [(arrow_function) (function_expression)]) @definition.method)
; CommonJS: exports.foo = function () {}
(expression_statement (assignment_expression left: (member_expression property: (property_identifier) @name) right: [(arrow_function) (function_expression)]) @definition.function)

; CommonJS imports at top level (const x = require('x'), require('x')). Lazy requires inside
; functions are not imports here: matching every call with a string argument would cost a
; capture per call.
(lexical_declaration (variable_declarator value: (call_expression function: (identifier) @import.require arguments: (arguments . (string (string_fragment) @import.source))))) @import
(variable_declaration (variable_declarator value: (call_expression function: (identifier) @import.require arguments: (arguments . (string (string_fragment) @import.source))))) @import
(expression_statement (call_expression function: (identifier) @import.require arguments: (arguments . (string (string_fragment) @import.source)))) @import
`;

/** Patterns valid in the JavaScript, TypeScript and TSX grammars alike, run over the whole tree. */
export const JS_COMMON_QUERY = String.raw`
(function_declaration name: (identifier) @name) @definition.function
(generator_function_declaration name: (identifier) @name) @definition.function
(function_expression name: (identifier) @name) @definition.function
(generator_function name: (identifier) @name) @definition.function
(class_declaration name: (_) @name) @definition.class
(class name: (_) @name) @definition.class
(method_definition name: [(property_identifier) (private_property_identifier)] @name) @definition.method

(new_expression constructor: (identifier) @reference.new)
(new_expression constructor: (member_expression property: (property_identifier) @reference.new))
(call_expression function: (identifier) @reference.call)
(call_expression function: (member_expression object: (_) @ref.receiver property: [(property_identifier) (private_property_identifier)] @reference.call))
(member_expression object: (identifier) @reference.type.component)

(import_statement source: (string (string_fragment) @import.source)) @import
(import_clause (identifier) @import.name)
(import_specifier name: (identifier) @import.name)
(namespace_import (identifier) @import.name)
(export_statement source: (string (string_fragment) @import.source)) @import
(export_specifier name: (identifier) @import.name)
(call_expression function: (import) arguments: (arguments . (string (string_fragment) @import.source))) @import
`;

/** Patterns that only exist in the JavaScript grammar (TypeScript renamed these nodes). */
export const JS_ONLY_QUERY = String.raw`
(class_heritage (identifier) @reference.inherit)
(class_heritage (member_expression property: (property_identifier) @reference.inherit))
(field_definition property: [(property_identifier) (private_property_identifier)] @name value: [(arrow_function) (function_expression)]) @definition.method
(field_definition property: [(property_identifier) (private_property_identifier)] @name) @definition.property
`;

/**
 * JSX element names (JavaScript and TSX grammars only). The `.component` suffix tells the extractor to
 * keep only capitalised names: lower-case tags are intrinsic elements (`div`), not calls.
 */
export const JSX_QUERY = String.raw`
(jsx_opening_element name: (identifier) @reference.call.component)
(jsx_self_closing_element name: (identifier) @reference.call.component)
(jsx_opening_element name: (member_expression property: (property_identifier) @reference.call.component))
(jsx_self_closing_element name: (member_expression property: (property_identifier) @reference.call.component))
`;
