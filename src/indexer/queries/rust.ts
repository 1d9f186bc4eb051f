/**
 * Tags query for Rust. Based on tree-sitter-rust 0.24.0 `queries/tags.scm`, with kinds that say
 * what a thing is (struct, enum, trait, type instead of upstream's "class"), plus enum variants,
 * struct fields, associated types, consts/statics outside function bodies, `impl` blocks as
 * containers (`@container`: methods are named `Type.method`), trait implementations and bounds as
 * inheritance, struct literals as instantiations, and `use`/`extern crate` imports.
 */
export const RUST_QUERY = String.raw`
(struct_item name: (type_identifier) @name) @definition.struct
(union_item name: (type_identifier) @name) @definition.struct
(enum_item name: (type_identifier) @name) @definition.enum
(enum_variant name: (identifier) @name) @definition.constant
(type_item name: (type_identifier) @name) @definition.type
(associated_type name: (type_identifier) @name) @definition.type
(trait_item name: (type_identifier) @name) @definition.trait
(function_item name: (identifier) @name) @definition.function
(function_signature_item name: (identifier) @name) @definition.method
(mod_item name: (identifier) @name) @definition.module
(macro_definition name: (identifier) @name) @definition.function
(declaration_list (const_item name: (identifier) @name) @definition.constant)
(declaration_list (static_item name: (identifier) @name) @definition.variable)
(field_declaration_list (field_declaration name: (field_identifier) @name) @definition.field)
(impl_item type: [
  (type_identifier) @name
  (generic_type type: (type_identifier) @name)
  (scoped_type_identifier name: (type_identifier) @name)
]) @container

(type_parameter name: (type_identifier) @skip)

(impl_item trait: (type_identifier) @reference.inherit)
(impl_item trait: (generic_type type: (type_identifier) @reference.inherit))
(impl_item trait: (scoped_type_identifier name: (type_identifier) @reference.inherit))
(trait_item bounds: (trait_bounds (type_identifier) @reference.inherit))
(struct_expression name: (type_identifier) @reference.new)
(struct_expression name: (scoped_type_identifier name: (type_identifier) @reference.new))
(call_expression function: (identifier) @reference.call)
(call_expression function: (field_expression value: (_) @ref.receiver field: (field_identifier) @reference.call))
(call_expression function: (scoped_identifier path: (_) @ref.receiver name: (identifier) @reference.call))
(macro_invocation macro: (identifier) @reference.call)
; Turbofish calls: parse::<u8>(s), m.get_one::<u8>(id), Foo::bar::<T>().
(call_expression function: (generic_function function: (identifier) @reference.call))
(call_expression function: (generic_function function: (field_expression value: (_) @ref.receiver field: (field_identifier) @reference.call)))
(call_expression function: (generic_function function: (scoped_identifier path: (_) @ref.receiver name: (identifier) @reference.call)))
; Type::function(), Type::Variant (a value or a pattern): the path is a type when capitalised
; (module paths are lower case).
(scoped_identifier path: (identifier) @reference.type.component)
(type_identifier) @reference.type

(use_declaration argument: (_) @import.source) @import
(extern_crate_declaration name: (identifier) @import.source) @import
`;

/** Crate-level `const`/`static`; run with `maxStartDepth: 1` (those in impls/mods are in the main query). */
export const RUST_TOP_LEVEL_QUERY = String.raw`
(const_item name: (identifier) @name) @definition.constant
(static_item name: (identifier) @name) @definition.variable
`;
