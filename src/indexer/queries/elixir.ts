/**
 * Tags query for Elixir. Based on tree-sitter-elixir 0.3.5 `queries/tags.scm` (modules,
 * protocols, functions and macros, calls, pipes, aliases). Its `#any-of?` predicates are replaced
 * by `@callee` (a definition only when the callee is one of the rules' `definitionCallees`),
 * `@import.require` (`alias`, `import`, `require`, `use`) and the rules' `ignoredCalls` for the
 * special forms; the native runner evaluates no predicates. Extended with implementations
 * (`defimpl`), types and callbacks (`@type t :: …`), guards in heads (`def f(x) when …`), structs as
 * instantiations and a module's remote calls (`Repo.get`) as uses of the module. A field read
 * (`job.id`) is no call; a spec's function name (`@spec f(…) :: …`) is no reference.
 */
export const ELIXIR_QUERY = String.raw`
(call target: (identifier) @callee (arguments . (alias) @name)) @definition.module
(call target: (identifier) @callee (arguments . (call target: (identifier) @name))) @definition.function
(call target: (identifier) @callee (arguments . (binary_operator left: (call target: (identifier) @name) operator: "when"))) @definition.function
(call target: (identifier) @callee (arguments . (binary_operator left: (identifier) @name operator: "when"))) @definition.function
(call target: (identifier) @callee (arguments . (identifier) @name)) @definition.function
(unary_operator operator: "@" operand: (call target: (identifier) @callee (arguments . (binary_operator left: (identifier) @name operator: "::")))) @definition.type
(unary_operator operator: "@" operand: (call target: (identifier) @callee (arguments . (binary_operator left: (call target: (identifier) @name) operator: "::")))) @definition.type

(unary_operator operator: "@" operand: (call target: (identifier) @skip))
(unary_operator operator: "@" operand: (call target: (identifier) (arguments . (binary_operator left: (call target: (identifier) @skip) operator: "::"))))
(unary_operator operator: "@" operand: (identifier) @skip)

(call target: (identifier) @import.require (arguments . (alias) @import.source)) @import
(call target: (identifier) @import.require (arguments . (dot left: (alias) @import.source right: (tuple)))) @import
(tuple (alias) @import.name)

(struct (alias) @reference.new)
(call target: (dot left: (alias) @reference.type @ref.receiver right: (identifier) @reference.call))
(call target: (dot right: (identifier) @reference.call) (arguments))
(call target: (identifier) @reference.call)
(binary_operator operator: "|>" right: (identifier) @reference.call)
(alias) @reference.type
`;
