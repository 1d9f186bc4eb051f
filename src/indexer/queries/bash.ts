/**
 * Tags query for Bash (tree-sitter-bash 0.25.1 ships none): functions, variables assigned or
 * declared at any level outside functions (`readonly`, `export`, `declare`), command calls, and
 * `source`/`.` as imports.
 */
export const BASH_QUERY = String.raw`
(function_definition name: (word) @name) @definition.function
(declaration_command (variable_assignment name: (variable_name) @name)) @definition.variable
(declaration_command (variable_name) @name) @definition.variable
(variable_assignment name: (variable_name) @name) @definition.variable

(command name: (command_name (word) @import.require) . argument: [(word) (string) (raw_string) (concatenation)] @import.source) @import
(command name: (command_name (word) @reference.call))
`;
