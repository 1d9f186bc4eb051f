/**
 * Tags query for Python. Based on tree-sitter-python 0.25.0 `queries/tags.scm` (module-level
 * assignments, classes, functions, calls), extended with docstrings, class attributes, `type`
 * aliases, decorators, inheritance, type annotations and imports. Whether a function is a method,
 * and whether an assignment is a constant, is decided by the extractor from context and naming.
 */
export const PYTHON_QUERY = String.raw`
(class_definition name: (identifier) @name body: (block . (expression_statement (string) @doc)?)) @definition.class
(function_definition name: (identifier) @name body: (block . (expression_statement (string) @doc)?)) @definition.function
(type_alias_statement left: (type (identifier) @name)) @definition.type
(class_definition body: (block (expression_statement (assignment left: (identifier) @name) @definition.field)))
; Module-level assignments inside \`if\`/\`elif\`/\`else\` and \`try\`/\`except\`/\`else\`/\`finally\` blocks
; (\`try: import colorama; HAS_COLORAMA = True except ImportError: HAS_COLORAMA = False\`).
(module (if_statement consequence: (block (expression_statement (assignment left: (identifier) @name) @definition.constant))))
(module (if_statement alternative: (_ (block (expression_statement (assignment left: (identifier) @name) @definition.constant)))))
(module (try_statement (block (expression_statement (assignment left: (identifier) @name) @definition.constant))))
(module (try_statement (_ (block (expression_statement (assignment left: (identifier) @name) @definition.constant)))))

(class_definition superclasses: (argument_list (identifier) @reference.inherit))
(class_definition superclasses: (argument_list (attribute attribute: (identifier) @reference.inherit)))
(decorator (identifier) @reference.call)
(decorator (call function: (identifier) @reference.call))
(call function: (identifier) @reference.call)
(call function: (attribute object: (_) @ref.receiver attribute: (identifier) @reference.call))
(attribute object: (identifier) @reference.type.component)
(type (identifier) @reference.type)
(generic_type (identifier) @reference.type)

(import_statement name: (dotted_name) @import.source) @import
(import_statement name: (aliased_import name: (dotted_name) @import.source)) @import
(import_from_statement module_name: (_) @import.source) @import
(import_from_statement name: (dotted_name) @import.name)
(import_from_statement name: (aliased_import name: (dotted_name) @import.name))
(import_from_statement (wildcard_import) @import.name)
`;

/** Module-level assignments; run with `maxStartDepth: 1` so only top-level statements match. */
export const PYTHON_TOP_LEVEL_QUERY = String.raw`
(expression_statement (assignment left: (identifier) @name) @definition.constant)
`;
