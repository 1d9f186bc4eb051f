/**
 * TypeScript additions. Like tree-sitter-typescript 0.23.2, whose `queries/tags.scm` only adds
 * TypeScript patterns on top of JavaScript's, the TypeScript and TSX queries are
 * `JS_COMMON_QUERY + TS_QUERY` (TSX also adds `JSX_QUERY`). Extended with enums, enum members, type
 * aliases, namespaces, class properties, interface members, inheritance and all type references.
 */
export const TS_QUERY = String.raw`
; Specific patterns first: for the same name node the earliest pattern wins.
(public_field_definition name: [(property_identifier) (private_property_identifier)] @name value: [(arrow_function) (function_expression)]) @definition.method
(public_field_definition name: [(property_identifier) (private_property_identifier)] @name) @definition.property

(function_signature name: (identifier) @name) @definition.function
(method_signature name: [(property_identifier) (private_property_identifier)] @name) @definition.method
(abstract_method_signature name: [(property_identifier) (private_property_identifier)] @name) @definition.method
(property_signature name: [(property_identifier) (private_property_identifier)] @name) @definition.property
(abstract_class_declaration name: (type_identifier) @name) @definition.class
(interface_declaration name: (type_identifier) @name) @definition.interface
(type_alias_declaration name: (type_identifier) @name) @definition.type
(enum_declaration name: (identifier) @name) @definition.enum
(enum_body name: (property_identifier) @name @definition.constant)
(enum_body (enum_assignment name: (property_identifier) @name) @definition.constant)
(internal_module name: (identifier) @name) @definition.namespace
(module name: (identifier) @name) @definition.module

; Type parameter declarations are not references.
(type_parameter name: (type_identifier) @skip)

(extends_clause value: (identifier) @reference.inherit)
(extends_clause value: (member_expression property: (property_identifier) @reference.inherit))
(implements_clause (type_identifier) @reference.inherit)
(implements_clause (generic_type name: (type_identifier) @reference.inherit))
(extends_type_clause type: (type_identifier) @reference.inherit)
(extends_type_clause type: (generic_type name: (type_identifier) @reference.inherit))
(type_identifier) @reference.type
`;
