/**
 * Tags query for Go. Based on tree-sitter-go 0.25.0 `queries/tags.scm`, extended so structs and
 * interfaces get their own kinds, methods carry their receiver type (`@receiver`, used as the
 * container), struct fields and interface methods are definitions, package-level `const`/`var`
 * are definitions (locals are not), embedding is inheritance and composite literals are
 * instantiations. A package-qualified type (`build.Context`, `&http.Client{}`, an embedded `sync.Mutex`) carries its package
 * as the receiver, so a use of another package's type is told from one of the scope's own.
 */
export const GO_QUERY = String.raw`
(function_declaration name: (identifier) @name) @definition.function
(method_declaration
  receiver: (parameter_list (parameter_declaration type: [
    (type_identifier) @receiver
    (pointer_type (type_identifier) @receiver)
    (generic_type type: (type_identifier) @receiver)
    (pointer_type (generic_type type: (type_identifier) @receiver))
  ]))
  name: (field_identifier) @name) @definition.method
(type_spec name: (type_identifier) @name type: (struct_type)) @definition.struct
(type_spec name: (type_identifier) @name type: (interface_type)) @definition.interface
(type_spec name: (type_identifier) @name) @definition.type
(type_alias name: (type_identifier) @name) @definition.type
(field_declaration_list (field_declaration name: (field_identifier) @name) @definition.field)
(interface_type (method_elem name: (field_identifier) @name) @definition.method)

(field_declaration_list (field_declaration !name type: [
  (type_identifier) @reference.inherit
  (pointer_type (type_identifier) @reference.inherit)
  (qualified_type package: (package_identifier) @ref.receiver name: (type_identifier) @reference.inherit)
]))
(interface_type (type_elem (type_identifier) @reference.inherit))
(interface_type (type_elem (qualified_type package: (package_identifier) @ref.receiver name: (type_identifier) @reference.inherit)))
(composite_literal type: (type_identifier) @reference.new)
(composite_literal type: (qualified_type package: (package_identifier) @ref.receiver name: (type_identifier) @reference.new))
(composite_literal type: (generic_type type: (type_identifier) @reference.new))
(call_expression function: (identifier) @reference.call)
(call_expression function: (selector_expression operand: (_) @ref.receiver field: (field_identifier) @reference.call))
(qualified_type package: (package_identifier) @ref.receiver name: (type_identifier) @reference.type)
(type_identifier) @reference.type

(import_spec path: (interpreted_string_literal) @import.source) @import
(import_spec name: (package_identifier) @import.name)
`;

/** Package-level `const`/`var`; run with `maxStartDepth: 1` so function locals never match. */
export const GO_TOP_LEVEL_QUERY = String.raw`
; Without the field name: tree-sitter yields only the first of \`a, b = 1, 2\` for \`name:\` here. The
; spec's direct identifiers are its names (values sit in an expression_list).
(const_declaration (const_spec (identifier) @name) @definition.constant)
(var_declaration (var_spec name: (identifier) @name) @definition.variable)
(var_declaration (var_spec_list (var_spec name: (identifier) @name) @definition.variable))
`;
