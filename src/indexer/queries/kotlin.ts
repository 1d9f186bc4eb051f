/**
 * Tags query for Kotlin (@tree-sitter-grammars/tree-sitter-kotlin 1.1.0, which ships no tags
 * query): classes, interfaces, enum classes and entries, objects, companion objects, functions,
 * extension functions (the receiver type is the container), properties, class parameters that are
 * properties, type aliases, inheritance, calls, type references and imports.
 */
export const KOTLIN_QUERY = String.raw`
(class_declaration "interface" name: (identifier) @name) @definition.interface
(class_declaration (modifiers (class_modifier "enum")) name: (identifier) @name) @definition.enum
(class_declaration name: (identifier) @name) @definition.class
(object_declaration name: (identifier) @name) @definition.class
(companion_object name: (identifier) @name) @definition.class
; An unnamed companion is called \`Companion\` (the rules rename the keyword).
(companion_object !name "companion" @name) @definition.class
(enum_entry (identifier) @name) @definition.constant
(function_declaration (user_type . (identifier) @receiver) . name: (identifier) @name) @definition.function
(function_declaration (nullable_type (user_type . (identifier) @receiver)) . name: (identifier) @name) @definition.function
(function_declaration name: (identifier) @name) @definition.function
(secondary_constructor "constructor" @name) @definition.constructor
(property_declaration (variable_declaration (identifier) @name)) @definition.property
(property_declaration (multi_variable_declaration (variable_declaration (identifier) @name))) @definition.property
(class_parameter ["val" "var"] (identifier) @name) @definition.property
(type_alias type: (identifier) @name) @definition.type

(type_parameter (identifier) @skip)
(delegation_specifier (user_type (identifier) @reference.inherit))
(delegation_specifier (constructor_invocation (user_type (identifier) @reference.inherit)))
(delegation_specifier (explicit_delegation (user_type (identifier) @reference.inherit)))
(call_expression (identifier) @reference.call)
(call_expression (navigation_expression . (_) @ref.receiver (identifier) @reference.call .))
(user_type (identifier) @reference.type)

(import (qualified_identifier) @import.source) @import
`;
