/**
 * Tags query for Java. Based on tree-sitter-java 0.23.5 `queries/tags.scm` (classes, interfaces,
 * methods, calls, instantiations, superclasses), extended with enums, enum constants, records and
 * their components, annotation types, constructors, fields and interface constants, type
 * references, annotations and imports.
 */
export const JAVA_QUERY = String.raw`
(class_declaration name: (identifier) @name) @definition.class
(interface_declaration name: (identifier) @name) @definition.interface
(annotation_type_declaration name: (identifier) @name) @definition.interface
(enum_declaration name: (identifier) @name) @definition.enum
(record_declaration name: (identifier) @name) @definition.class
(record_declaration parameters: (formal_parameters (formal_parameter name: (identifier) @name) @definition.field))
(method_declaration name: (identifier) @name) @definition.method
(constructor_declaration name: (identifier) @name) @definition.constructor
(compact_constructor_declaration name: (identifier) @name) @definition.constructor
(annotation_type_element_declaration name: (identifier) @name) @definition.method
(field_declaration declarator: (variable_declarator name: (identifier) @name)) @definition.field
(constant_declaration declarator: (variable_declarator name: (identifier) @name)) @definition.constant
(enum_constant name: (identifier) @name) @definition.constant

(type_parameter (type_identifier) @skip)

(superclass (type_identifier) @reference.inherit)
(superclass (generic_type (type_identifier) @reference.inherit))
(type_list (type_identifier) @reference.inherit)
(type_list (generic_type (type_identifier) @reference.inherit))
(object_creation_expression type: (type_identifier) @reference.new)
(object_creation_expression type: (generic_type (type_identifier) @reference.new))
(method_invocation object: (_) @ref.receiver name: (identifier) @reference.call)
(method_invocation name: (identifier) @reference.call)
(method_invocation object: (identifier) @reference.type.component)
(field_access object: (identifier) @reference.type.component)
(marker_annotation name: (identifier) @reference.type)
(annotation name: (identifier) @reference.type)
(type_identifier) @reference.type

(import_declaration (scoped_identifier) @import.source) @import
`;
