/**
 * Tags query for C#. Based on tree-sitter-c-sharp 0.23.5 `queries/tags.scm` (classes, interfaces,
 * methods, calls, instantiations, inheritance), extended with structs, enums and their members,
 * records, delegates, namespaces, constructors, properties, fields, events, local functions, type
 * references and `using` directives.
 */
export const CSHARP_QUERY = String.raw`
(class_declaration name: (identifier) @name) @definition.class
(interface_declaration name: (identifier) @name) @definition.interface
(struct_declaration name: (identifier) @name) @definition.struct
(enum_declaration name: (identifier) @name) @definition.enum
(record_declaration name: (identifier) @name) @definition.class
(delegate_declaration name: (identifier) @name) @definition.type
(namespace_declaration name: (_) @name) @definition.namespace
(file_scoped_namespace_declaration name: (_) @name) @definition.namespace
(method_declaration name: (identifier) @name) @definition.method
(constructor_declaration name: (identifier) @name) @definition.constructor
(destructor_declaration name: (identifier) @name) @definition.method
(local_function_statement name: (identifier) @name) @definition.function
(property_declaration name: (identifier) @name) @definition.property
(event_declaration name: (identifier) @name) @definition.field
(field_declaration (variable_declaration (variable_declarator name: (identifier) @name))) @definition.field
(event_field_declaration (variable_declaration (variable_declarator name: (identifier) @name))) @definition.field
(enum_member_declaration name: (identifier) @name) @definition.constant

(type_parameter name: (identifier) @skip)
(base_list (identifier) @reference.inherit)
(base_list (generic_name (identifier) @reference.inherit))
(base_list (qualified_name name: (identifier) @reference.inherit))
(object_creation_expression type: (identifier) @reference.new)
(object_creation_expression type: (generic_name (identifier) @reference.new))
(object_creation_expression type: (qualified_name name: (identifier) @reference.new))
(invocation_expression function: (identifier) @reference.call)
(invocation_expression function: (generic_name (identifier) @reference.call))
(invocation_expression function: (member_access_expression expression: _ @ref.receiver name: (identifier) @reference.call))
(invocation_expression function: (member_access_expression expression: _ @ref.receiver name: (generic_name (identifier) @reference.call)))
(invocation_expression function: (conditional_access_expression condition: _ @ref.receiver (member_binding_expression name: (identifier) @reference.call)))
(invocation_expression function: (conditional_access_expression condition: _ @ref.receiver (member_binding_expression name: (generic_name (identifier) @reference.call))))
(attribute name: (identifier) @reference.type)
(variable_declaration type: (identifier) @reference.type)
(parameter type: (identifier) @reference.type)
(method_declaration returns: (identifier) @reference.type)
(property_declaration type: (identifier) @reference.type)
(generic_name (identifier) @reference.type)
(type_argument_list (identifier) @reference.type)

(using_directive !name (identifier) @import.source) @import
(using_directive (qualified_name) @import.source) @import
`;
