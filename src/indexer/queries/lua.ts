/**
 * Tags query for Lua. Based on @tree-sitter-grammars/tree-sitter-lua 0.4.1 `queries/tags.scm`
 * (functions, methods, calls), extended with local functions, functions assigned to variables and
 * table fields (`M.run = function() end`), module tables and their fields, globals and
 * `require`/`dofile` imports. `Queue.new` and `Queue:push` name the table as their container, `Date.Format:parse` the
 * path `Date.Format`.
 */
export const LUA_QUERY = String.raw`
(function_declaration name: (dot_index_expression table: (identifier) @receiver field: (identifier) @name)) @definition.function
(function_declaration name: (method_index_expression table: (identifier) @receiver method: (identifier) @name)) @definition.method
(function_declaration name: (dot_index_expression table: (dot_index_expression) @receiver.path field: (identifier) @name)) @definition.function
(function_declaration name: (method_index_expression table: (dot_index_expression) @receiver.path method: (identifier) @name)) @definition.method
(function_declaration name: (identifier) @name) @definition.function
(field name: (identifier) @name value: (function_definition)) @definition.function

(function_call name: (identifier) @import.require arguments: (arguments . (string content: (string_content) @import.source))) @import
(function_call name: (identifier) @reference.call)
(function_call name: (dot_index_expression table: _ @ref.receiver field: (identifier) @reference.call))
(function_call name: (method_index_expression table: _ @ref.receiver method: (identifier) @reference.call))
`;

/**
 * Values that make a module-level name a definition of its own. A name bound to another name
 * (`local find = string.find`, `local pairs, type = pairs, type`, `local List =
 * utils.stdmt.List`) is an alias: a file of penlight opens with a dozen of them, and they filled
 * its outline, `search_symbols` and `repo_map`.
 */
const LUA_VALUES =
  '(table_constructor) (string) (number) (true) (false) (nil) (binary_expression) (unary_expression) (function_call) (parenthesized_expression)';

/**
 * Module-level functions assigned to names, tables and variables; run with `maxStartDepth: 1` so
 * function locals never match. Function values come first: the first pattern on a name wins.
 */
export const LUA_TOP_LEVEL_QUERY = String.raw`
(variable_declaration (assignment_statement (variable_list . name: (identifier) @name) (expression_list . value: (function_definition))) @definition.function)
(assignment_statement (variable_list . name: (identifier) @name) (expression_list . value: (function_definition))) @definition.function
(assignment_statement (variable_list . name: (dot_index_expression table: (identifier) @receiver field: (identifier) @name)) (expression_list . value: (function_definition))) @definition.function
(assignment_statement (variable_list . name: (dot_index_expression table: (dot_index_expression) @receiver.path field: (identifier) @name)) (expression_list . value: (function_definition))) @definition.function
(variable_declaration (assignment_statement (variable_list . name: (identifier) @name) (expression_list . value: [${LUA_VALUES}])) @definition.variable)
(assignment_statement (variable_list . name: (identifier) @name) (expression_list . value: [${LUA_VALUES}])) @definition.variable
(assignment_statement (variable_list . name: (dot_index_expression table: (identifier) @receiver field: (identifier) @name))) @definition.field
`;
