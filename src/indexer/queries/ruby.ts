/**
 * Tags query for Ruby. Based on tree-sitter-ruby 0.23.1 `queries/tags.scm` (classes, modules,
 * methods, singleton methods, calls), extended with constants, `attr_*` accessors (each symbol a
 * property), `alias` and `alias_method` (the new name a method), inheritance, constant receivers
 * as type references, call receivers and `require`/`require_relative` imports. Whether a call is
 * an accessor or an import is decided from the callee's name (no query predicates: the native
 * runner does not evaluate them).
 */
export const RUBY_QUERY = String.raw`
(class name: (constant) @name) @definition.class
(class name: (scope_resolution name: (constant) @name)) @definition.class
(module name: (constant) @name) @definition.module
(module name: (scope_resolution name: (constant) @name)) @definition.module
(method name: (_) @name) @definition.method
(singleton_method name: (_) @name) @definition.method
(alias name: (_) @name) @definition.method
(call method: (identifier) @callee arguments: (argument_list . (simple_symbol) @name @definition.property))
(call method: (identifier) @callee arguments: (argument_list (simple_symbol) (simple_symbol) @name @definition.field))
(assignment left: (constant) @name) @definition.constant
(assignment left: (scope_resolution name: (constant) @name)) @definition.constant

(superclass (constant) @reference.inherit)
(superclass (scope_resolution name: (constant) @reference.inherit))
(call receiver: (constant) @reference.type)
(call receiver: (_) @ref.receiver method: (identifier) @reference.call)
(call method: (identifier) @reference.call)
(scope_resolution name: (constant) @reference.type)

(call method: (identifier) @import.require arguments: (argument_list . (string (string_content) @import.source))) @import
`;
