/**
 * Tags query for Scala. Based on tree-sitter-scala 0.24.0 `queries/tags.scm` (classes, traits,
 * objects, functions, vals, vars, types, calls), extended with enums and their cases, given
 * instances, class parameters, inheritance, instantiations, type references and imports.
 */
export const SCALA_QUERY = String.raw`
(class_definition name: (identifier) @name) @definition.class
(trait_definition name: (identifier) @name) @definition.trait
(object_definition name: (identifier) @name) @definition.module
(enum_definition name: (identifier) @name) @definition.enum
(simple_enum_case name: (identifier) @name) @definition.constant
(full_enum_case name: (identifier) @name) @definition.class
(given_definition name: (identifier) @name) @definition.variable
(function_definition name: (identifier) @name) @definition.function
(function_declaration name: (identifier) @name) @definition.function
(val_definition pattern: (identifier) @name) @definition.constant
(val_definition pattern: (tuple_pattern (identifier) @name)) @definition.constant
(var_definition pattern: (identifier) @name) @definition.variable
(val_declaration name: (identifier) @name) @definition.constant
(var_declaration name: (identifier) @name) @definition.variable
(type_definition name: (type_identifier) @name) @definition.type
(class_parameters (class_parameter name: (identifier) @name) @definition.field)

(type_parameters name: (identifier) @skip)
(extends_clause type: (type_identifier) @reference.inherit)
(extends_clause type: (generic_type type: (type_identifier) @reference.inherit))
(instance_expression (type_identifier) @reference.new)
(instance_expression (generic_type type: (type_identifier) @reference.new))
(call_expression function: (identifier) @reference.call)
(call_expression function: (field_expression value: _ @ref.receiver field: (identifier) @reference.call))
(call_expression function: (generic_function function: (identifier) @reference.call))
(call_expression function: (generic_function function: (field_expression value: _ @ref.receiver field: (identifier) @reference.call)))
(type_identifier) @reference.type

(import_declaration) @import.source @import
`;
