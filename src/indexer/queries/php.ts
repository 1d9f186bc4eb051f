/**
 * Tags query for PHP. Based on tree-sitter-php 0.24.2 `queries/tags.scm` (classes, interfaces,
 * traits, functions, methods, calls, instantiations), extended with enums and their cases,
 * namespaces, class constants, properties, global constants, inheritance, trait use, type
 * references and `use` imports.
 */
export const PHP_QUERY = String.raw`
(namespace_definition name: (namespace_name) @name) @definition.namespace
(class_declaration name: (name) @name) @definition.class
(interface_declaration name: (name) @name) @definition.interface
(trait_declaration name: (name) @name) @definition.trait
(enum_declaration name: (name) @name) @definition.enum
(enum_case name: (name) @name) @definition.constant
(function_definition name: (name) @name) @definition.function
(method_declaration name: (name) @name) @definition.method
(const_declaration (const_element (name) @name)) @definition.constant
(property_declaration (property_element name: (variable_name (name) @name))) @definition.property
(property_promotion_parameter name: (variable_name (name) @name)) @definition.property
(function_call_expression function: (name) @callee arguments: (arguments . (argument (string (string_content) @name)))) @definition.constant

(base_clause (name) @reference.inherit)
(base_clause (qualified_name (name) @reference.inherit))
(class_interface_clause (name) @reference.inherit)
(class_interface_clause (qualified_name (name) @reference.inherit))
(use_declaration (name) @reference.inherit)
(use_declaration (qualified_name (name) @reference.inherit))
(object_creation_expression (name) @reference.new)
(object_creation_expression (qualified_name (name) @reference.new))
(function_call_expression function: (name) @reference.call)
(function_call_expression function: (qualified_name (name) @reference.call))
(member_call_expression object: (_) @ref.receiver name: (name) @reference.call)
(member_call_expression name: (name) @reference.call)
(nullsafe_member_call_expression object: (_) @ref.receiver name: (name) @reference.call)
(nullsafe_member_call_expression name: (name) @reference.call)
(scoped_call_expression scope: (_) @ref.receiver name: (name) @reference.call)
(scoped_call_expression name: (name) @reference.call)
(scoped_call_expression scope: (name) @reference.type)
(named_type (name) @reference.type)
(named_type (qualified_name (name) @reference.type))

(namespace_use_declaration (namespace_use_clause (qualified_name) @import.source)) @import
(namespace_use_declaration (namespace_use_clause . (name) @import.source) .) @import
(namespace_use_declaration (namespace_name) @import.source body: (namespace_use_group)) @import
(namespace_use_group (namespace_use_clause . (name) @import.name))
(namespace_use_group (namespace_use_clause (qualified_name) @import.name))
`;
