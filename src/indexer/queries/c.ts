/**
 * Tags queries for C and C++. Based on tree-sitter-c 0.24.1 and tree-sitter-cpp 0.23.4
 * `queries/tags.scm` (functions, structs, unions, enums, typedefs, classes), extended with macros,
 * enumerators, struct and union members, variables, prototypes, namespaces, aliases, methods
 * defined outside their class (`Shape::area`, the class is the `@receiver`), inheritance,
 * instantiations and includes.
 *
 * Variables are captured wherever they are declared: the extractor drops those inside function
 * bodies, and declarations inside `#ifndef` header guards are not direct children of the root.
 */

/** Declarators shared by both languages: each nesting the grammar produces is its own pattern. */
const C_COMMON = String.raw`
(function_definition declarator: (function_declarator declarator: (identifier) @name)) @definition.function
(function_definition declarator: (pointer_declarator declarator: (function_declarator declarator: (identifier) @name))) @definition.function
(function_definition declarator: (pointer_declarator declarator: (pointer_declarator declarator: (function_declarator declarator: (identifier) @name)))) @definition.function
(declaration declarator: (function_declarator declarator: (identifier) @name)) @definition.function
(declaration declarator: (pointer_declarator declarator: (function_declarator declarator: (identifier) @name))) @definition.function
(struct_specifier name: (type_identifier) @name body: (field_declaration_list)) @definition.struct
(union_specifier name: (type_identifier) @name body: (field_declaration_list)) @definition.struct
(enum_specifier name: (type_identifier) @name body: (enumerator_list)) @definition.enum
(enumerator name: (identifier) @name) @definition.constant
(field_declaration declarator: (field_identifier) @name) @definition.field
(field_declaration declarator: (pointer_declarator declarator: (field_identifier) @name)) @definition.field
(field_declaration declarator: (pointer_declarator declarator: (pointer_declarator declarator: (field_identifier) @name))) @definition.field
(field_declaration declarator: (array_declarator declarator: (field_identifier) @name)) @definition.field
(field_declaration declarator: (pointer_declarator declarator: (array_declarator declarator: (field_identifier) @name))) @definition.field
(field_declaration declarator: (array_declarator declarator: (array_declarator declarator: (field_identifier) @name))) @definition.field
(field_declaration declarator: (function_declarator declarator: (parenthesized_declarator (pointer_declarator declarator: (field_identifier) @name)))) @definition.field
(field_declaration declarator: (pointer_declarator declarator: (function_declarator declarator: (parenthesized_declarator (pointer_declarator declarator: (field_identifier) @name))))) @definition.field
(type_definition declarator: (type_identifier) @name) @definition.type
(type_definition declarator: (pointer_declarator declarator: (type_identifier) @name)) @definition.type
(type_definition declarator: (array_declarator declarator: (type_identifier) @name)) @definition.type
(type_definition declarator: (function_declarator declarator: (type_identifier) @name)) @definition.type
; \`typedef void (APIENTRYP PFNPROC)(int)\`: a calling-convention macro the grammar cannot place.
(type_definition declarator: (function_declarator declarator: (parenthesized_declarator (type_identifier) @name .))) @definition.type
(type_definition declarator: (function_declarator declarator: (parenthesized_declarator (pointer_declarator declarator: (type_identifier) @name)))) @definition.type
(type_definition declarator: (pointer_declarator declarator: (function_declarator declarator: (parenthesized_declarator (pointer_declarator declarator: (type_identifier) @name))))) @definition.type
(preproc_def name: (identifier) @name) @definition.constant
(preproc_function_def name: (identifier) @name) @definition.function
(declaration declarator: (identifier) @name) @definition.variable
(declaration declarator: (init_declarator declarator: (identifier) @name)) @definition.variable
(declaration declarator: (pointer_declarator declarator: (identifier) @name)) @definition.variable
(declaration declarator: (init_declarator declarator: (pointer_declarator declarator: (identifier) @name))) @definition.variable
(declaration declarator: (array_declarator declarator: (identifier) @name)) @definition.variable
(declaration declarator: (init_declarator declarator: (array_declarator declarator: (identifier) @name))) @definition.variable
(declaration declarator: (pointer_declarator declarator: (array_declarator declarator: (identifier) @name))) @definition.variable
(declaration declarator: (init_declarator declarator: (pointer_declarator declarator: (array_declarator declarator: (identifier) @name)))) @definition.variable
(declaration declarator: (init_declarator declarator: (array_declarator declarator: (array_declarator declarator: (identifier) @name)))) @definition.variable
(declaration declarator: (pointer_declarator declarator: (pointer_declarator declarator: (identifier) @name))) @definition.variable
(declaration declarator: (init_declarator declarator: (pointer_declarator declarator: (pointer_declarator declarator: (identifier) @name)))) @definition.variable
(declaration declarator: (init_declarator declarator: (parenthesized_declarator (pointer_declarator declarator: (identifier) @name)))) @definition.variable
(declaration declarator: (function_declarator declarator: (parenthesized_declarator (pointer_declarator declarator: (identifier) @name)))) @definition.variable
(declaration declarator: (pointer_declarator declarator: (function_declarator declarator: (parenthesized_declarator (pointer_declarator declarator: (identifier) @name))))) @definition.variable
(declaration declarator: (init_declarator declarator: (function_declarator declarator: (parenthesized_declarator (pointer_declarator declarator: (identifier) @name))))) @definition.variable

(call_expression function: (identifier) @reference.call)
(call_expression function: (field_expression argument: _ @ref.receiver field: (field_identifier) @reference.call))
(type_identifier) @reference.type

(preproc_include path: (_) @import.source) @import
`;

/** C: the shared patterns only. */
export const C_QUERY = C_COMMON;

/**
 * Out-of-class method definitions: `Shape::area` up to `a::b::c::D::m` (the innermost scope is
 * the `@receiver`), returning a value, a pointer or a reference, named by an identifier, a
 * destructor or an operator: one pattern per combination, since a query cannot nest recursively.
 */
function qualifiedMethodPatterns(): string {
  const out: string[] = [];
  for (const wrap of ['', 'pointer_declarator declarator: ', 'reference_declarator ']) {
    for (let depth = 1; depth <= 4; depth++) {
      for (const name of ['identifier', 'destructor_name', 'operator_name']) {
        let qualified = `(qualified_identifier scope: (_) @receiver name: (${name}) @name)`;
        for (let d = 1; d < depth; d++) qualified = `(qualified_identifier name: ${qualified})`;
        const declarator = `(function_declarator declarator: ${qualified})`;
        out.push(
          `(function_definition declarator: ${wrap === '' ? declarator : `(${wrap}${declarator})`}) @definition.method`,
        );
      }
    }
  }
  return out.join('\n');
}

/** C++ patterns after the out-of-class methods. */
const CPP_REST = String.raw`
(function_definition declarator: (function_declarator declarator: (field_identifier) @name)) @definition.method
(function_definition declarator: (pointer_declarator declarator: (function_declarator declarator: (field_identifier) @name))) @definition.method
(function_definition declarator: (reference_declarator (function_declarator declarator: (field_identifier) @name))) @definition.method
(function_definition declarator: (reference_declarator (function_declarator declarator: (identifier) @name))) @definition.function
(function_definition declarator: (function_declarator declarator: (destructor_name) @name)) @definition.method
(function_definition declarator: (function_declarator declarator: (operator_name) @name)) @definition.method
(field_declaration declarator: (function_declarator declarator: (field_identifier) @name)) @definition.method
(field_declaration declarator: (pointer_declarator declarator: (function_declarator declarator: (field_identifier) @name))) @definition.method
(field_declaration declarator: (reference_declarator (function_declarator declarator: (field_identifier) @name))) @definition.method
(declaration declarator: (function_declarator declarator: (destructor_name) @name)) @definition.method
(class_specifier name: (type_identifier) @name body: (field_declaration_list)) @definition.class
(class_specifier name: (template_type name: (type_identifier) @name) body: (field_declaration_list)) @definition.class
(struct_specifier name: (template_type name: (type_identifier) @name) body: (field_declaration_list)) @definition.struct
(namespace_definition name: (namespace_identifier) @name) @definition.namespace
; \`namespace a::b::c {}\`: c is the namespace its members live in; a and b are definitions of their
; own (one identifier long, so they contain nothing).
(namespace_definition name: (nested_namespace_specifier (namespace_identifier) (namespace_identifier) @name .)) @definition.namespace
(namespace_definition name: (nested_namespace_specifier (nested_namespace_specifier (namespace_identifier) (namespace_identifier) @name .))) @definition.namespace
(namespace_definition name: (nested_namespace_specifier (nested_namespace_specifier (nested_namespace_specifier (namespace_identifier) (namespace_identifier) @name .)))) @definition.namespace
(nested_namespace_specifier . (namespace_identifier) @name @definition.namespace)
(alias_declaration name: (type_identifier) @name) @definition.type
(field_declaration declarator: (reference_declarator (field_identifier) @name)) @definition.field
(declaration declarator: (reference_declarator (identifier) @name)) @definition.variable
(declaration declarator: (init_declarator declarator: (reference_declarator (identifier) @name))) @definition.variable

(type_parameter_declaration (type_identifier) @skip)
(base_class_clause (type_identifier) @reference.inherit)
(base_class_clause (qualified_identifier name: (type_identifier) @reference.inherit))
(base_class_clause (template_type name: (type_identifier) @reference.inherit))
(new_expression type: (type_identifier) @reference.new)
(new_expression type: (template_type name: (type_identifier) @reference.new))
(new_expression type: (qualified_identifier name: (type_identifier) @reference.new))
(call_expression function: (qualified_identifier scope: _ @ref.receiver name: (identifier) @reference.call))
(call_expression function: (qualified_identifier scope: _ @ref.receiver name: (template_function name: (identifier) @reference.call)))
(call_expression function: (qualified_identifier name: (qualified_identifier scope: _ @ref.receiver name: (identifier) @reference.call)))
(call_expression function: (qualified_identifier name: (qualified_identifier name: (qualified_identifier scope: _ @ref.receiver name: (identifier) @reference.call))))
(call_expression function: (qualified_identifier name: (identifier) @reference.call))
(call_expression function: (template_function name: (identifier) @reference.call))
(call_expression function: (field_expression argument: _ @ref.receiver field: (template_method name: (field_identifier) @reference.call)))
(using_declaration "namespace" (_) @import.source) @import
${C_COMMON}`;

/**
 * C++: classes, namespaces, methods, templates and the rest on top of the shared patterns. A
 * method defined outside its class (`Shape::area`, `web::json::value::parse`, also returning a
 * pointer or a reference, also a destructor or an operator) has one pattern per nesting depth of
 * its qualified name, up to four; the innermost scope is the `@receiver`.
 */
export const CPP_QUERY = `\n${qualifiedMethodPatterns()}${CPP_REST}`;
