/**
 * Tags query for Swift. Based on tree-sitter-swift 0.7.1 `queries/tags.scm` (classes, protocols,
 * functions, properties, calls), extended with structs, enums and their cases, actors, extensions
 * (the extended type is a container), initialisers, protocol requirements, type aliases,
 * inheritance, type references and imports. The grammar uses one node type for class, struct,
 * enum, actor and extension declarations; the keyword decides the kind.
 */
export const SWIFT_QUERY = String.raw`
(class_declaration declaration_kind: "class" name: (type_identifier) @name) @definition.class
(class_declaration declaration_kind: "struct" name: (type_identifier) @name) @definition.struct
(class_declaration declaration_kind: "enum" name: (type_identifier) @name) @definition.enum
(class_declaration declaration_kind: "actor" name: (type_identifier) @name) @definition.class
(class_declaration declaration_kind: "extension" name: (user_type (type_identifier) @name)) @container
(class_declaration declaration_kind: "extension" name: (user_type (type_identifier) @reference.type))
(protocol_declaration name: (type_identifier) @name) @definition.interface
(function_declaration name: (simple_identifier) @name) @definition.function
(protocol_function_declaration name: (simple_identifier) @name) @definition.method
(init_declaration "init" @name) @definition.constructor
(deinit_declaration "deinit" @name) @definition.method
(subscript_declaration "subscript" @name) @definition.method
(property_declaration name: (pattern bound_identifier: (simple_identifier) @name)) @definition.property
(protocol_property_declaration name: (pattern bound_identifier: (simple_identifier) @name)) @definition.property
(enum_entry name: (simple_identifier) @name) @definition.constant
(typealias_declaration name: (type_identifier) @name) @definition.type
(associatedtype_declaration name: (type_identifier) @name) @definition.type

(type_parameter (type_identifier) @skip)
(inheritance_specifier inherits_from: (user_type (type_identifier) @reference.inherit))
(call_expression (simple_identifier) @reference.call)
(call_expression (navigation_expression target: (_) @ref.receiver suffix: (navigation_suffix suffix: (simple_identifier) @reference.call)))
(user_type (type_identifier) @reference.type)

(import_declaration (identifier) @import.source) @import
`;
