/**
 * Tags query for Dart. Based on @sengac/tree-sitter-dart 1.1.6 `queries/tags.scm` (classes,
 * methods, mixins, extensions, enums, type aliases, calls), rewritten for this extractor: the
 * grammar puts a function's body beside its signature rather than inside it, so patterns with a
 * body capture it as `@body` (the definition then spans signature and body); constructors
 * (named, factory, redirecting), getters and setters, fields, enum values, inheritance, mixins,
 * interfaces, instantiations, a capitalised receiver (`Backoff.compute`) as a use of its class,
 * and `import`/`export` directives with their `show` names.
 */
export const DART_QUERY = String.raw`
(class_definition name: (identifier) @name) @definition.class
(mixin_declaration (identifier) @name) @definition.class
(extension_declaration name: (identifier) @name) @definition.class
(enum_declaration name: (identifier) @name) @definition.enum
(enum_constant name: (identifier) @name) @definition.constant
(type_alias . (type_identifier) @name) @definition.type

((method_signature (constructor_signature (identifier) @name . parameters: (formal_parameter_list))) @definition.constructor . (function_body) @body)
((method_signature (factory_constructor_signature (identifier) @name . (formal_parameter_list))) @definition.constructor . (function_body) @body)
((method_signature (function_signature name: (identifier) @name)) @definition.method . (function_body) @body)
((method_signature (getter_signature name: (identifier) @name)) @definition.method . (function_body) @body)
((method_signature (setter_signature name: (identifier) @name)) @definition.method . (function_body) @body)
((function_signature name: (identifier) @name) @definition.function . (function_body) @body)
((getter_signature name: (identifier) @name) @definition.function . (function_body) @body)
((setter_signature name: (identifier) @name) @definition.function . (function_body) @body)
(declaration (constructor_signature (identifier) @name . parameters: (formal_parameter_list))) @definition.constructor
(declaration (factory_constructor_signature (identifier) @name . (formal_parameter_list))) @definition.constructor
(declaration (redirecting_factory_constructor_signature (identifier) @name . (formal_parameter_list))) @definition.constructor
(declaration (function_signature name: (identifier) @name)) @definition.method
(declaration (getter_signature name: (identifier) @name)) @definition.method
(declaration (setter_signature name: (identifier) @name)) @definition.method
(declaration (static_final_declaration_list (static_final_declaration . (identifier) @name))) @definition.field
(declaration (initialized_identifier_list (initialized_identifier . (identifier) @name))) @definition.field
(declaration (identifier_list (identifier) @name)) @definition.field

(superclass (type_identifier) @reference.inherit)
(mixins (type_identifier) @reference.inherit)
(interfaces (type_identifier) @reference.inherit)
(new_expression (type_identifier) @reference.new)
(const_object_expression (type_identifier) @reference.new)
((identifier) @reference.new.component . (selector (argument_part)))
((identifier) @reference.call . (selector (argument_part)))
([(identifier) (this) (super)] @ref.receiver . (selector (unconditional_assignable_selector (identifier) @reference.call)) . (selector (argument_part)))
([(identifier) (this)] @ref.receiver . (selector (conditional_assignable_selector (identifier) @reference.call)) . (selector (argument_part)))
((selector (unconditional_assignable_selector (identifier) @reference.call)) . (selector (argument_part)))
((selector (conditional_assignable_selector (identifier) @reference.call)) . (selector (argument_part)))
(cascade_section (cascade_selector (identifier) @reference.call) . (argument_part))
((identifier) @reference.type.component . (selector (unconditional_assignable_selector)))
(type_identifier) @reference.type

(import_or_export (library_import (import_specification (configurable_uri (uri (string_literal) @import.source))))) @import
(import_or_export (library_export (configurable_uri (uri (string_literal) @import.source)))) @import
(import_specification (combinator (identifier) @import.name))
`;

/** Module-level variables and constants; run with `maxStartDepth: 1`. */
export const DART_TOP_LEVEL_QUERY = String.raw`
(static_final_declaration_list (static_final_declaration . (identifier) @name) @definition.constant)
(initialized_identifier_list (initialized_identifier . (identifier) @name) @definition.variable)
`;
