/**
 * Tags query for Objective-C (tree-sitter-objc 3.0.2, which ships highlights but no tags query).
 * The grammar extends tree-sitter-c, so the C patterns (functions, structs, enums, typedefs,
 * macros, variables, includes) apply unchanged. On top of them:
 * - classes (`@interface X : Y`) and implementations (`@implementation X`, a class definition as
 *   ctags reads it: where the methods' code is);
 * - categories and class extensions (`@interface X (Cat)`, `@interface X ()`, `@implementation X
 *   (Cat)`) as containers of their class's methods;
 * - protocols, properties, and methods named by their selector's first keyword (`- (void)
 *   updateProps:(id)p withOldProps:(id)o` is `updateProps`; the signature keeps the whole selector);
 * - messages (`[obj updateProps:p withOldProps:o]` calls `updateProps`), `@selector(reset)` (a
 *   keyword selector, `@selector(greet:)`, has no name node in this grammar), superclasses and
 *   adopted protocols, and `@import`.
 */
import { C_QUERY } from './c.js';

const OBJC_ONLY = String.raw`
(class_interface . (identifier) @name "(") @container
(class_interface . (identifier) @name) @definition.class
(class_implementation . (identifier) @name "(") @container
(class_implementation . (identifier) @name) @definition.class
(protocol_declaration . (identifier) @name) @definition.interface
(method_declaration (method_type) . (identifier) @name) @definition.method
(method_declaration . (identifier) @name) @definition.method
(method_definition (method_type) . (identifier) @name) @definition.method
(method_definition . (identifier) @name) @definition.method
(property_declaration (struct_declaration (struct_declarator (identifier) @name))) @definition.property
(property_declaration (struct_declaration (struct_declarator (pointer_declarator declarator: (identifier) @name)))) @definition.property
(property_declaration (struct_declaration (struct_declarator (pointer_declarator declarator: (pointer_declarator declarator: (identifier) @name))))) @definition.property
(property_declaration (struct_declaration (struct_declarator (function_declarator declarator: (parenthesized_declarator (block_pointer_declarator declarator: (identifier) @name)))))) @definition.property

(class_interface superclass: (identifier) @reference.inherit)
(class_interface (parameterized_arguments (type_name (type_identifier) @reference.inherit)))
(protocol_reference_list (identifier) @reference.inherit)
(message_expression receiver: (_) @ref.receiver . method: (identifier) @reference.call)
(message_expression receiver: (identifier) @reference.type.component)
(selector_expression . (identifier) @reference.call)

(module_import path: (_) @import.source) @import
`;

/** Objective-C: its own patterns first (a pattern listed earlier wins a shared name), then C's. */
export const OBJC_QUERY = OBJC_ONLY + C_QUERY;
