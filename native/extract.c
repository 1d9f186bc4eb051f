/*
 * codeindex_native: parse a source string and run the tags queries over the tree in one native
 * call, handing back every match as flat numbers.
 *
 * node-tree-sitter's Query.matches() builds a JS array entry and a JS string per capture and
 * marshals every captured node; on a cold index that marshalling costs about as much as the
 * query cursor itself. Here a match is five integers in a Uint32Array, and the capture names are
 * read once per query (captureNames). The tree-sitter runtime is the one vendored by the
 * `tree-sitter` npm package (same version as the JS binding), compiled into this addon; the
 * grammars are the same `tree-sitter-<lang>` addons, passed in as their `language` external.
 *
 * Offsets are UTF-16 code units, like node-tree-sitter's startIndex / endIndex: the text is
 * parsed as UTF-16LE, so a byte offset divided by two is a JS string index.
 *
 * Tree walks: for Python, Go and the JavaScript family (TypeScript, TSX, JavaScript) the query
 * cursor can be skipped. Its cost is per node visited, whatever the number of patterns (about
 * 0.57x the parse on a cold index); a hand-written walk with one
 * TSTreeCursor pass emits the same matches, in the same order, with the same pattern indices and
 * capture ids (looked up by name in the compiled queries, so both share the capture tables). The
 * queries stay the reference and the fallback: a walker whose node types, fields or captures do
 * not resolve is not used, and test/indexer/tree-walk*.test.ts compare both on corpora.
 *
 * Exports:
 *   createRuntime(language, treeQuery, topLevelQuery, walker?) -> runtime (external)
 *     walker: "python", "go", "typescript", "tsx" or "javascript" to use that walk instead of the
 *     queries (when it resolves).
 *   captureNames(runtime, which) -> string[]          which: 0 tree query, 1 top-level query
 *   walker(runtime) -> string | null                  the walk in use, null: the queries run
 *   extract(runtime, text, original, timeoutMs) -> [top | null, tree, usedOriginal, parseMs]
 *     Parses `text`; when `original` is a string and the tree of `text` has errors, parses
 *     `original` too and keeps the tree with fewer bytes under ERROR nodes (the syntax repair).
 *     Each query's result is a Uint32Array: [M, C, pattern x M, capStart x (M + 1),
 *     captureId x C, start x C, end x C]. parseMs: time spent parsing (for the stage figures).
 *   parse(runtime, text, timeoutMs) -> boolean (hasError); the parse alone, for the parse floor.
 *   trimHeap() -> boolean | null: glibc's malloc_trim(0), which hands the free memory of every
 *     malloc arena back to the system (true: some was); null where the C library is not glibc.
 *   With timeoutMs > 0, parses and queries that run past it are cancelled: error code PARSE_TIMEOUT
 *   (a walk is linear and not cancelled, but one that ends past the deadline throws the same).
 */
#define NAPI_VERSION 8
#include <node_api.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <tree_sitter/api.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

/* Monotonic nanoseconds (wall clock on Windows), for the parse time that extract() reports. */
static double now_ns(void) {
  struct timespec ts;
#ifdef _WIN32
  timespec_get(&ts, TIME_UTC);
#else
  clock_gettime(CLOCK_MONOTONIC, &ts);
#endif
  return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

typedef struct TreeWalkerKind TreeWalkerKind;

typedef struct {
  const TSLanguage *language;
  TSParser *parser;
  TSQueryCursor *cursor;
  TSQuery *tree_query;
  TSQuery *top_query; /* NULL when the language has no top-level query */
  /* The tree walk in use and its resolved names; NULL: the queries run (none asked for, or it did not resolve). */
  const TreeWalkerKind *walk_kind;
  void *walker;
} Runtime;

/* Marks the externals createRuntime() returns, so no other external is taken for a runtime. */
static const napi_type_tag RUNTIME_TAG = {0x636f6465696e6465ULL, 0x78206e6174697665ULL};

typedef struct {
  uint32_t *data;
  size_t len;
  size_t cap;
} Vec;

static int vec_push(Vec *v, uint32_t x) {
  if (v->len == v->cap) {
    size_t cap = v->cap == 0 ? 256 : v->cap * 2;
    uint32_t *data = realloc(v->data, cap * sizeof(uint32_t));
    if (data == NULL) return 0;
    v->data = data;
    v->cap = cap;
  }
  v->data[v->len++] = x;
  return 1;
}

static void vec_free(Vec *v) {
  free(v->data);
  v->data = NULL;
  v->len = v->cap = 0;
}

#define CHECK(env, call)                                   \
  do {                                                     \
    if ((call) != napi_ok) {                               \
      throw_last(env, #call);                              \
      return NULL;                                         \
    }                                                      \
  } while (0)

static void throw_last(napi_env env, const char *what) {
  bool pending = false;
  napi_is_exception_pending(env, &pending);
  if (pending) return;
  const napi_extended_error_info *info = NULL;
  napi_get_last_error_info(env, &info);
  napi_throw_error(env, NULL, info != NULL && info->error_message != NULL ? info->error_message : what);
}

static void runtime_free(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  Runtime *rt = data;
  if (rt == NULL) return;
  if (rt->tree_query != NULL) ts_query_delete(rt->tree_query);
  if (rt->top_query != NULL) ts_query_delete(rt->top_query);
  if (rt->cursor != NULL) ts_query_cursor_delete(rt->cursor);
  free(rt->walker);
  if (rt->parser != NULL) ts_parser_delete(rt->parser);
  free(rt);
}

/* A string argument as UTF-8 (for query sources), malloc'd; NULL after throwing. */
static char *utf8_arg(napi_env env, napi_value value, size_t *len) {
  size_t n = 0;
  if (napi_get_value_string_utf8(env, value, NULL, 0, &n) != napi_ok) {
    napi_throw_type_error(env, NULL, "expected a string");
    return NULL;
  }
  char *buf = malloc(n + 1);
  if (buf == NULL) {
    napi_throw_error(env, NULL, "out of memory");
    return NULL;
  }
  napi_get_value_string_utf8(env, value, buf, n + 1, &n);
  *len = n;
  return buf;
}

/* A string argument as UTF-16 code units, malloc'd; NULL after throwing. */
static uint16_t *utf16_arg(napi_env env, napi_value value, size_t *len) {
  size_t n = 0;
  if (napi_get_value_string_utf16(env, value, NULL, 0, &n) != napi_ok) {
    napi_throw_type_error(env, NULL, "expected a string");
    return NULL;
  }
  uint16_t *buf = malloc((n + 1) * sizeof(uint16_t));
  if (buf == NULL) {
    napi_throw_error(env, NULL, "out of memory");
    return NULL;
  }
  napi_get_value_string_utf16(env, value, (char16_t *)buf, n + 1, &n);
  *len = n;
  return buf;
}

static const char *QUERY_ERRORS[] = {"none", "syntax", "node type", "field", "capture", "structure", "language"};

/* Compiles a query; a query with predicates is refused (they would be ignored here). */
static TSQuery *compile_query(napi_env env, const TSLanguage *language, napi_value source) {
  size_t len = 0;
  char *text = utf8_arg(env, source, &len);
  if (text == NULL) return NULL;
  uint32_t offset = 0;
  TSQueryError error = TSQueryErrorNone;
  TSQuery *query = ts_query_new(language, text, (uint32_t)len, &offset, &error);
  free(text);
  if (query == NULL) {
    char message[128];
    snprintf(message, sizeof message, "query error (%s) at offset %u",
             (unsigned)error < sizeof QUERY_ERRORS / sizeof *QUERY_ERRORS ? QUERY_ERRORS[error] : "?", offset);
    napi_throw_error(env, NULL, message);
    return NULL;
  }
  uint32_t patterns = ts_query_pattern_count(query);
  for (uint32_t i = 0; i < patterns; i++) {
    uint32_t steps = 0;
    ts_query_predicates_for_pattern(query, i, &steps);
    if (steps != 0) {
      ts_query_delete(query);
      napi_throw_error(env, NULL, "query has predicates, which the native runner does not evaluate");
      return NULL;
    }
  }
  return query;
}

/* ---- Tree walkers: the tags queries of one language, hand-written as a single tree walk. ---- */

/*
 * Where a walker's match completes, for putting matches in the query cursor's order: the match
 * is due when the walk enters this node (`before`: just before entering it, for a match the
 * cursor finishes while leaving nodes). Looked up by node id (the address of the node's slot in
 * its parent, unique per position in a tree).
 */
typedef struct {
  const void *id;
  uint32_t match;
  uint32_t before;
} Pending;

typedef struct {
  Pending *slots;
  uint32_t cap, count;
} PendingTable;

static inline uint32_t pending_hash(const void *id, uint32_t cap) {
  uint64_t x = (uint64_t)(uintptr_t)id;
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  return (uint32_t)x & (cap - 1);
}

static int pending_put(PendingTable *t, Pending p) {
  if ((t->count + 1) * 2 > t->cap) {
    uint32_t cap = t->cap == 0 ? 256 : t->cap * 2;
    Pending *slots = calloc(cap, sizeof(Pending));
    if (slots == NULL) return 0;
    for (uint32_t i = 0; i < t->cap; i++) {
      if (t->slots[i].id == NULL) continue;
      uint32_t h = pending_hash(t->slots[i].id, cap);
      while (slots[h].id != NULL) h = (h + 1) & (cap - 1);
      slots[h] = t->slots[i];
    }
    free(t->slots);
    t->slots = slots;
    t->cap = cap;
  }
  uint32_t h = pending_hash(p.id, t->cap);
  while (t->slots[h].id != NULL) h = (h + 1) & (t->cap - 1);
  t->slots[h] = p;
  t->count++;
  return 1;
}

/* The matches of one query, built up in the flat layout described at the top of the file. */
typedef struct {
  Vec patterns, cap_start, ids, starts, ends;
  int ok;
  /* Walker only (pending != NULL): per match, the depth of its root and its completion key. */
  PendingTable *pending;
  Vec depths, keys;
  uint32_t depth; /* the depth of the root of the matches being added */
  TSNode last;    /* the last node captured */
} Matches;

static void matches_init(Matches *m) {
  memset(m, 0, sizeof *m);
  m->ok = vec_push(&m->cap_start, 0);
}

static void matches_free(Matches *m) {
  vec_free(&m->patterns);
  vec_free(&m->cap_start);
  vec_free(&m->ids);
  vec_free(&m->starts);
  vec_free(&m->ends);
  vec_free(&m->depths);
  vec_free(&m->keys);
}

static inline void match_begin(Matches *m, uint32_t pattern) { m->ok = m->ok && vec_push(&m->patterns, pattern); }

static inline void match_capture(Matches *m, uint32_t id, TSNode node) {
  m->ok = m->ok && vec_push(&m->ids, id) && vec_push(&m->starts, ts_node_start_byte(node) / 2) &&
          vec_push(&m->ends, ts_node_end_byte(node) / 2);
  m->last = node;
}

/* Ends a match that completes when the walk enters `done` (or just before, or at the end: null). */
static inline void match_end_at(Matches *m, TSNode done, bool before) {
  m->ok = m->ok && vec_push(&m->cap_start, (uint32_t)m->ids.len);
  if (m->pending == NULL) return;
  uint32_t match = (uint32_t)m->depths.len;
  m->ok = m->ok && vec_push(&m->depths, m->depth) && vec_push(&m->keys, UINT32_MAX);
  if (!ts_node_is_null(done)) m->ok = m->ok && pending_put(m->pending, (Pending){done.id, match, before});
}

/* Ends a match whose completion key is known (it completes on the node being entered). */
static inline void match_end_keyed(Matches *m, uint32_t key) {
  m->ok = m->ok && vec_push(&m->cap_start, (uint32_t)m->ids.len) && vec_push(&m->depths, m->depth) &&
          vec_push(&m->keys, key);
}

/* Ends a match that completes on its last capture (the last step of every pattern but one). */
static inline void match_end(Matches *m) { match_end_at(m, m->last, false); }

/* A capture id by name in a compiled query; false when the query has no such capture. */
static bool capture_id(const TSQuery *query, const char *name, uint32_t *out) {
  uint32_t count = ts_query_capture_count(query);
  for (uint32_t i = 0; i < count; i++) {
    uint32_t len = 0;
    const char *s = ts_query_capture_name_for_id(query, i, &len);
    if (len == strlen(name) && memcmp(s, name, len) == 0) {
      *out = i;
      return true;
    }
  }
  return false;
}

/*
 * Resolves a walker's names when its runtime is created: node types (named), fields, and capture
 * ids in a compiled query. False when one does not resolve (the grammar or the queries are not the
 * ones the walker was written for).
 */
static bool resolve_symbols(const TSLanguage *language, const char *const *names, int count, TSSymbol *out) {
  for (int i = 0; i < count; i++) {
    out[i] = ts_language_symbol_for_name(language, names[i], (uint32_t)strlen(names[i]), true);
    if (out[i] == 0) return false;
  }
  return true;
}

/*
 * Marks the symbols whose children's fields a walk reads (`parents` index `sym`); a symbol equal
 * to `absent` is one the grammar lacks and is skipped. False when a symbol is out of range.
 */
static bool mark_field_parents(bool *field_parent, uint32_t symbols, const TSSymbol *sym, const int *parents,
                               size_t count, TSSymbol absent) {
  for (size_t i = 0; i < count; i++) {
    TSSymbol s = sym[parents[i]];
    if (s == absent) continue;
    if (s >= symbols) return false;
    field_parent[s] = true;
  }
  return true;
}

static bool resolve_fields(const TSLanguage *language, const char *const *names, int count, TSFieldId *out) {
  for (int i = 0; i < count; i++) {
    out[i] = ts_language_field_id_for_name(language, names[i], (uint32_t)strlen(names[i]));
    if (out[i] == 0) return false;
  }
  return true;
}

static bool resolve_captures(const TSQuery *query, const char *const *names, int count, uint32_t *out) {
  for (int i = 0; i < count; i++)
    if (!capture_id(query, names[i], &out[i])) return false;
  return true;
}

/* Child iteration over visible children, with a cursor per nesting level (reused per file). */
#define WALK_LEVELS 6
typedef struct {
  TSTreeCursor c[WALK_LEVELS];
} Kids;

static inline bool kid_first(Kids *k, int level, TSNode node) {
  ts_tree_cursor_reset(&k->c[level], node);
  return ts_tree_cursor_goto_first_child(&k->c[level]);
}
static inline bool kid_next(Kids *k, int level) { return ts_tree_cursor_goto_next_sibling(&k->c[level]); }
static inline TSNode kid_node(Kids *k, int level) { return ts_tree_cursor_current_node(&k->c[level]); }
static inline TSFieldId kid_field(Kids *k, int level) { return ts_tree_cursor_current_field_id(&k->c[level]); }

/* `(_)`: any named node but ERROR. */
static inline bool is_wildcard(TSNode node) {
  return ts_node_is_named(node) && ts_node_symbol(node) != (TSSymbol)-1;
}

/* A node on the walk's path from the root. */
typedef struct {
  TSNode node;
  TSSymbol sym;
  TSFieldId field; /* only for the nodes whose field a pattern checks */
  bool has_object; /* an attribute: `object` holds its `object:` child, a named node */
  TSNode object;
} Frame;

/* Makes room for path[depth]; false when out of memory. */
static bool path_reserve(Frame **path, uint32_t *cap, uint32_t depth) {
  if (depth < *cap) return true;
  uint32_t grown_cap = *cap == 0 ? 64 : *cap * 2;
  Frame *grown = realloc(*path, grown_cap * sizeof(Frame));
  if (grown == NULL) return false;
  *path = grown;
  *cap = grown_cap;
  return true;
}

/* Moves a pre-order walk to the next node (keeping `depth`); false at the end of the tree. */
static inline bool walk_next(TSTreeCursor *cursor, uint32_t *depth) {
  if (ts_tree_cursor_goto_first_child(cursor)) {
    (*depth)++;
    return true;
  }
  while (!ts_tree_cursor_goto_next_sibling(cursor)) {
    if (!ts_tree_cursor_goto_parent(cursor)) return false;
    (*depth)--;
  }
  return true;
}

/* One match whose captures are given in order, completing on the node being entered. */
static inline void match_add(Matches *m, uint32_t pattern, uint32_t cap1, TSNode node1, uint32_t cap2, TSNode node2,
                             bool two) {
  match_begin(m, pattern);
  match_capture(m, cap1, node1);
  if (two) match_capture(m, cap2, node2);
  match_end(m);
}

/*
 * The Python walker: what PYTHON_QUERY (23 patterns) and PYTHON_TOP_LEVEL_QUERY
 * (src/indexer/queries/python.ts) match, found in one pass over the tree. Node types, fields and
 * capture ids are resolved by name when the runtime is created; a name that does not resolve
 * means no walker (the queries run). test/indexer/tree-walk.test.ts compares both on a corpus.
 *
 * Query semantics kept here: a child pattern matches a direct (visible) child; a field
 * constraint is the child's field; sibling patterns match children in order; `.` makes the child
 * the parent's first named child (a comment counts); `(_)` is any named node but ERROR; every
 * combination of matching children is a match of its own; an optional capture that can match
 * gives only the matches with it (the query cursor drops the shorter match), else one without.
 */
enum {
  PY_MODULE, PY_CLASS, PY_FUNCTION, PY_IDENTIFIER, PY_BLOCK, PY_EXPR_STMT, PY_STRING, PY_TYPE_ALIAS,
  PY_TYPE, PY_ASSIGNMENT, PY_IF, PY_TRY, PY_ARGUMENT_LIST, PY_ATTRIBUTE, PY_DECORATOR, PY_CALL,
  PY_GENERIC_TYPE, PY_IMPORT, PY_IMPORT_FROM, PY_DOTTED_NAME, PY_ALIASED_IMPORT, PY_WILDCARD_IMPORT,
  PY_SYMBOL_COUNT
};
static const char *PY_SYMBOLS[PY_SYMBOL_COUNT] = {
    "module", "class_definition", "function_definition", "identifier", "block", "expression_statement",
    "string", "type_alias_statement", "type", "assignment", "if_statement", "try_statement",
    "argument_list", "attribute", "decorator", "call", "generic_type", "import_statement",
    "import_from_statement", "dotted_name", "aliased_import", "wildcard_import"};

enum {
  PF_NAME, PF_BODY, PF_LEFT, PF_CONSEQUENCE, PF_ALTERNATIVE, PF_SUPERCLASSES, PF_FUNCTION, PF_OBJECT,
  PF_ATTRIBUTE, PF_MODULE_NAME, PY_FIELD_COUNT
};
static const char *PY_FIELDS[PY_FIELD_COUNT] = {"name",     "body",     "left",   "consequence", "alternative",
                                                "superclasses", "function", "object", "attribute", "module_name"};

enum {
  PC_DEF_CLASS, PC_NAME, PC_DOC, PC_DEF_FUNCTION, PC_DEF_TYPE, PC_DEF_FIELD, PC_DEF_CONSTANT, PC_REF_INHERIT,
  PC_REF_CALL, PC_REF_RECEIVER, PC_REF_TYPE_COMPONENT, PC_REF_TYPE, PC_IMPORT_SOURCE, PC_IMPORT, PC_IMPORT_NAME,
  PY_CAPTURE_COUNT
};
static const char *PY_CAPTURES[PY_CAPTURE_COUNT] = {
    "definition.class",    "name",          "doc",           "definition.function", "definition.type",
    "definition.field",    "definition.constant", "reference.inherit", "reference.call", "ref.receiver",
    "reference.type.component", "reference.type", "import.source", "import", "import.name"};

/* Pattern indices in PYTHON_QUERY. */
enum {
  PP_CLASS, PP_FUNCTION, PP_TYPE_ALIAS, PP_FIELD, PP_IF_CONSEQUENCE, PP_IF_ALTERNATIVE, PP_TRY_BODY, PP_TRY_CLAUSE,
  PP_INHERIT, PP_INHERIT_ATTRIBUTE, PP_DECORATOR, PP_DECORATOR_CALL, PP_CALL, PP_METHOD_CALL, PP_TYPE_COMPONENT,
  PP_TYPE, PP_GENERIC_TYPE, PP_IMPORT, PP_IMPORT_ALIASED, PP_IMPORT_FROM, PP_IMPORT_FROM_NAME,
  PP_IMPORT_FROM_ALIASED, PP_IMPORT_FROM_WILDCARD, PY_PATTERN_COUNT
};

typedef struct {
  TSSymbol sym[PY_SYMBOL_COUNT];
  TSFieldId field[PY_FIELD_COUNT];
  uint32_t cap[PY_CAPTURE_COUNT];
  uint32_t top_constant, top_name; /* capture ids of the top-level query */
} PythonWalker;

/* The walker for these queries, or NULL when a node type, field or capture does not resolve. */
static void *python_walker_new(const TSLanguage *language, const TSQuery *tree, const TSQuery *top) {
  if (tree == NULL || top == NULL || ts_query_pattern_count(tree) != PY_PATTERN_COUNT ||
      ts_query_pattern_count(top) != 1)
    return NULL;
  PythonWalker *w = calloc(1, sizeof *w);
  if (w == NULL) return NULL;
  bool ok = resolve_symbols(language, PY_SYMBOLS, PY_SYMBOL_COUNT, w->sym) &&
            resolve_fields(language, PY_FIELDS, PY_FIELD_COUNT, w->field) &&
            resolve_captures(tree, PY_CAPTURES, PY_CAPTURE_COUNT, w->cap);
  ok = ok && capture_id(top, "definition.constant", &w->top_constant) && capture_id(top, "name", &w->top_name);
  if (!ok) {
    free(w);
    return NULL;
  }
  return w;
}

/*
 * `(expression_statement (assignment left: (identifier) @name) @cap)` for every child of `block`
 * (level: the first free cursor level).
 */
static void py_assignments(const PythonWalker *w, Kids *k, int level, TSNode block, Matches *m, uint32_t pattern,
                           uint32_t cap) {
  if (!kid_first(k, level, block)) return;
  do {
    TSNode stmt = kid_node(k, level);
    if (ts_node_symbol(stmt) != w->sym[PY_EXPR_STMT]) continue;
    if (!kid_first(k, level + 1, stmt)) continue;
    do {
      TSNode assignment = kid_node(k, level + 1);
      if (ts_node_symbol(assignment) != w->sym[PY_ASSIGNMENT]) continue;
      if (!kid_first(k, level + 2, assignment)) continue;
      do {
        if (kid_field(k, level + 2) != w->field[PF_LEFT]) continue;
        TSNode left = kid_node(k, level + 2);
        if (ts_node_symbol(left) != w->sym[PY_IDENTIFIER]) continue;
        match_begin(m, pattern);
        match_capture(m, cap, stmt);
        match_capture(m, w->cap[PC_NAME], left);
        match_end(m);
      } while (kid_next(k, level + 2));
    } while (kid_next(k, level + 1));
  } while (kid_next(k, level));
}

/*
 * Where the query cursor finishes a match whose optional `(block . (expression_statement
 * (string) @doc)?)` did not match: where its attempt at the doc fails. That is on entering the
 * block's first named child when it is no expression_statement (or the block's last child, when
 * only anonymous ones come before), or the statement's last child; when the block (or the
 * statement) has no children, on the next node entered after it, or while leaving the
 * definition's parent (`before` the node entered next; null: at the end of the tree).
 */
static TSNode py_docless_done(const PythonWalker *w, Kids *k, int level, TSNode definition, TSNode block,
                              bool *before) {
  *before = false;
  TSNode empty = block;
  if (kid_first(k, level, block)) {
    TSNode last;
    do {
      last = kid_node(k, level);
      if (ts_node_symbol(last) == w->sym[PY_EXPR_STMT]) {
        if (!kid_first(k, level + 1, last)) break;
        TSNode child;
        do child = kid_node(k, level + 1);
        while (kid_next(k, level + 1));
        return child;
      }
      if (ts_node_is_named(last)) return last;
    } while (kid_next(k, level));
    if (ts_node_symbol(last) != w->sym[PY_EXPR_STMT]) return last;
    empty = last;
  }
  /* Nothing entered inside `empty`: the next node entered after it within the definition. */
  for (TSNode n = empty;; n = ts_node_parent(n)) {
    TSNode next = ts_node_next_sibling(n);
    if (!ts_node_is_null(next)) return next;
    if (ts_node_eq(n, definition) || ts_node_is_null(n)) break;
  }
  /* Else while leaving the definition's parent, before whatever is entered next. */
  *before = true;
  for (TSNode n = ts_node_parent(definition); !ts_node_is_null(n); n = ts_node_parent(n)) {
    TSNode next = ts_node_next_sibling(n);
    if (!ts_node_is_null(next)) return next;
  }
  return (TSNode){{0, 0, 0, 0}, NULL, NULL};
}

/*
 * `(<definition> name: (identifier) @name body: (block . (expression_statement (string) @doc)?)) @def`
 * on `node` (cursor levels 0-2).
 */
static void py_definition(const PythonWalker *w, Kids *k, TSNode node, Matches *m, uint32_t pattern, uint32_t cap) {
  if (!kid_first(k, 0, node)) return;
  do {
    if (kid_field(k, 0) != w->field[PF_NAME]) continue;
    TSNode name = kid_node(k, 0);
    if (ts_node_symbol(name) != w->sym[PY_IDENTIFIER]) continue;
    /* A body after the name: the rest of this cursor's siblings, on level 1 from the parent. */
    if (!kid_first(k, 1, node)) continue;
    bool after = false;
    do {
      TSNode body = kid_node(k, 1);
      if (!after) {
        after = ts_node_eq(body, name);
        continue;
      }
      if (kid_field(k, 1) != w->field[PF_BODY] || ts_node_symbol(body) != w->sym[PY_BLOCK]) continue;
      bool doc = false;
      TSNode first = ts_node_named_child(body, 0);
      if (!ts_node_is_null(first) && ts_node_symbol(first) == w->sym[PY_EXPR_STMT] && kid_first(k, 2, first)) {
        do {
          TSNode s = kid_node(k, 2);
          if (ts_node_symbol(s) != w->sym[PY_STRING]) continue;
          doc = true;
          match_begin(m, pattern);
          match_capture(m, cap, node);
          match_capture(m, w->cap[PC_NAME], name);
          match_capture(m, w->cap[PC_DOC], s);
          match_end(m);
        } while (kid_next(k, 2));
      }
      if (!doc) {
        match_begin(m, pattern);
        match_capture(m, cap, node);
        match_capture(m, w->cap[PC_NAME], name);
        bool before = false;
        TSNode done = m->pending == NULL ? name : py_docless_done(w, k, 2, node, body, &before);
        match_end_at(m, done, before);
      }
    } while (kid_next(k, 1));
  } while (kid_next(k, 0));
}

/* One match of a single-capture reference pattern, completing on the node entered (key). */
static inline void py_ref(Matches *m, uint32_t pattern, uint32_t root_depth, uint32_t cap, TSNode node, uint32_t key) {
  m->depth = root_depth;
  match_begin(m, pattern);
  match_capture(m, cap, node);
  match_end_keyed(m, key);
}

/*
 * The patterns whose last step is an identifier with its pattern's root at most three levels up
 * (superclasses, decorators, calls, attributes, types), checked on entering the identifier at
 * `path[d]`: no walk over the children of each call and attribute.
 */
static void py_identifier(const PythonWalker *w, const Frame *path, uint32_t d, Matches *m, uint32_t key) {
  if (d == 0) return;
  const TSSymbol *S = w->sym;
  const TSFieldId *F = w->field;
  const uint32_t *C = w->cap;
  const Frame *x = &path[d], *p = &path[d - 1];
  const Frame *g = d >= 2 ? &path[d - 2] : NULL;
  const Frame *gg = d >= 3 ? &path[d - 3] : NULL;
  TSSymbol ps = p->sym;
  if (ps == S[PY_ARGUMENT_LIST]) {
    /* (class_definition superclasses: (argument_list (identifier) @reference.inherit)) */
    if (p->field == F[PF_SUPERCLASSES] && g != NULL && g->sym == S[PY_CLASS])
      py_ref(m, PP_INHERIT, d - 2, C[PC_REF_INHERIT], x->node, key);
  } else if (ps == S[PY_ATTRIBUTE]) {
    if (x->field == F[PF_ATTRIBUTE]) {
      /* (class_definition superclasses: (argument_list (attribute attribute: (identifier) @reference.inherit))) */
      if (g != NULL && g->sym == S[PY_ARGUMENT_LIST] && g->field == F[PF_SUPERCLASSES] && gg != NULL &&
          gg->sym == S[PY_CLASS])
        py_ref(m, PP_INHERIT_ATTRIBUTE, d - 3, C[PC_REF_INHERIT], x->node, key);
      /* (call function: (attribute object: (_) @ref.receiver attribute: (identifier) @reference.call)) */
      if (p->field == F[PF_FUNCTION] && p->has_object && g != NULL && g->sym == S[PY_CALL]) {
        m->depth = d - 2;
        match_begin(m, PP_METHOD_CALL);
        match_capture(m, C[PC_REF_RECEIVER], p->object);
        match_capture(m, C[PC_REF_CALL], x->node);
        match_end_keyed(m, key);
      }
    } else if (x->field == F[PF_OBJECT]) {
      /* (attribute object: (identifier) @reference.type.component) */
      py_ref(m, PP_TYPE_COMPONENT, d - 1, C[PC_REF_TYPE_COMPONENT], x->node, key);
    }
  } else if (ps == S[PY_DECORATOR]) {
    py_ref(m, PP_DECORATOR, d - 1, C[PC_REF_CALL], x->node, key);
  } else if (ps == S[PY_CALL]) {
    if (x->field == F[PF_FUNCTION]) {
      /* (decorator (call function: (identifier) @reference.call)), then (call function: (identifier) @reference.call) */
      if (g != NULL && g->sym == S[PY_DECORATOR]) py_ref(m, PP_DECORATOR_CALL, d - 2, C[PC_REF_CALL], x->node, key);
      py_ref(m, PP_CALL, d - 1, C[PC_REF_CALL], x->node, key);
    }
  } else if (ps == S[PY_TYPE]) {
    py_ref(m, PP_TYPE, d - 1, C[PC_REF_TYPE], x->node, key);
  } else if (ps == S[PY_GENERIC_TYPE]) {
    py_ref(m, PP_GENERIC_TYPE, d - 1, C[PC_REF_TYPE], x->node, key);
  }
}

/* Patterns rooted at one node (cursor levels 0-4); `parent`: its parent (null at the root). */
static void py_node(const PythonWalker *w, Kids *k, TSNode node, TSNode parent, uint32_t depth, Matches *m) {
  TSSymbol sym = ts_node_symbol(node);
  m->depth = depth;
  const TSSymbol *S = w->sym;
  const TSFieldId *F = w->field;
  const uint32_t *C = w->cap;
  if (sym == S[PY_CLASS]) {
    py_definition(w, k, node, m, PP_CLASS, C[PC_DEF_CLASS]);
    if (!kid_first(k, 0, node)) return;
    do {
      TSFieldId f = kid_field(k, 0);
      TSNode child = kid_node(k, 0);
      TSSymbol cs = ts_node_symbol(child);
      if (f == F[PF_BODY] && cs == S[PY_BLOCK]) {
        py_assignments(w, k, 1, child, m, PP_FIELD, C[PC_DEF_FIELD]);
      }
    } while (kid_next(k, 0));
  } else if (sym == S[PY_FUNCTION]) {
    py_definition(w, k, node, m, PP_FUNCTION, C[PC_DEF_FUNCTION]);
  } else if (sym == S[PY_TYPE_ALIAS]) {
    if (!kid_first(k, 0, node)) return;
    do {
      TSNode left = kid_node(k, 0);
      if (kid_field(k, 0) != F[PF_LEFT] || ts_node_symbol(left) != S[PY_TYPE] || !kid_first(k, 1, left)) continue;
      do {
        TSNode id = kid_node(k, 1);
        if (ts_node_symbol(id) != S[PY_IDENTIFIER]) continue;
        match_begin(m, PP_TYPE_ALIAS);
        match_capture(m, C[PC_DEF_TYPE], node);
        match_capture(m, C[PC_NAME], id);
        match_end(m);
      } while (kid_next(k, 1));
    } while (kid_next(k, 0));
  } else if (sym == S[PY_IF] || sym == S[PY_TRY]) {
    if (ts_node_is_null(parent) || ts_node_symbol(parent) != S[PY_MODULE]) return;
    bool is_if = sym == S[PY_IF];
    m->depth = depth - 1; /* these patterns are rooted at the module */
    /* (module (if_statement consequence: (block ...))) / (module (try_statement (block ...))) */
    if (kid_first(k, 0, node)) {
      do {
        TSNode child = kid_node(k, 0);
        if (ts_node_symbol(child) != S[PY_BLOCK] || (is_if && kid_field(k, 0) != F[PF_CONSEQUENCE])) continue;
        py_assignments(w, k, 1, child, m, is_if ? PP_IF_CONSEQUENCE : PP_TRY_BODY, C[PC_DEF_CONSTANT]);
      } while (kid_next(k, 0));
    }
    /* (module (if_statement alternative: (_ (block ...)))) / (module (try_statement (_ (block ...)))) */
    if (kid_first(k, 0, node)) {
      do {
        TSNode clause = kid_node(k, 0);
        if (!is_wildcard(clause) || (is_if && kid_field(k, 0) != F[PF_ALTERNATIVE]) || !kid_first(k, 1, clause))
          continue;
        do {
          TSNode block = kid_node(k, 1);
          if (ts_node_symbol(block) != S[PY_BLOCK]) continue;
          py_assignments(w, k, 2, block, m, is_if ? PP_IF_ALTERNATIVE : PP_TRY_CLAUSE, C[PC_DEF_CONSTANT]);
        } while (kid_next(k, 1));
      } while (kid_next(k, 0));
    }
  } else if (sym == S[PY_IMPORT]) {
    /* Children in order: the cursor finishes their matches in that order. */
    if (!kid_first(k, 0, node)) return;
    do {
      TSNode name = kid_node(k, 0);
      if (kid_field(k, 0) != F[PF_NAME]) continue;
      TSSymbol ns = ts_node_symbol(name);
      if (ns == S[PY_DOTTED_NAME]) {
        match_begin(m, PP_IMPORT);
        match_capture(m, C[PC_IMPORT], node);
        match_capture(m, C[PC_IMPORT_SOURCE], name);
        match_end(m);
      } else if (ns == S[PY_ALIASED_IMPORT] && kid_first(k, 1, name)) {
        do {
          TSNode dotted = kid_node(k, 1);
          if (kid_field(k, 1) == F[PF_NAME] && ts_node_symbol(dotted) == S[PY_DOTTED_NAME]) {
            match_begin(m, PP_IMPORT_ALIASED);
            match_capture(m, C[PC_IMPORT], node);
            match_capture(m, C[PC_IMPORT_SOURCE], dotted);
            match_end(m);
          }
        } while (kid_next(k, 1));
      }
    } while (kid_next(k, 0));
  } else if (sym == S[PY_IMPORT_FROM]) {
    if (!kid_first(k, 0, node)) return;
    do {
      TSNode child = kid_node(k, 0);
      TSFieldId f = kid_field(k, 0);
      TSSymbol cs = ts_node_symbol(child);
      if (f == F[PF_MODULE_NAME] && is_wildcard(child)) {
        match_begin(m, PP_IMPORT_FROM);
        match_capture(m, C[PC_IMPORT], node);
        match_capture(m, C[PC_IMPORT_SOURCE], child);
        match_end(m);
      }
      if (f == F[PF_NAME] && cs == S[PY_DOTTED_NAME]) {
        match_begin(m, PP_IMPORT_FROM_NAME);
        match_capture(m, C[PC_IMPORT_NAME], child);
        match_end(m);
      }
      if (f == F[PF_NAME] && cs == S[PY_ALIASED_IMPORT] && kid_first(k, 1, child)) {
        do {
          TSNode dotted = kid_node(k, 1);
          if (kid_field(k, 1) == F[PF_NAME] && ts_node_symbol(dotted) == S[PY_DOTTED_NAME]) {
            match_begin(m, PP_IMPORT_FROM_ALIASED);
            match_capture(m, C[PC_IMPORT_NAME], dotted);
            match_end(m);
          }
        } while (kid_next(k, 1));
      }
      if (cs == S[PY_WILDCARD_IMPORT]) {
        match_begin(m, PP_IMPORT_FROM_WILDCARD);
        match_capture(m, C[PC_IMPORT_NAME], child);
        match_end(m);
      }
    } while (kid_next(k, 0));
  }
}

/* The order of two walker matches: completion, then root depth, then pattern, then as found. */
typedef struct {
  uint32_t key, depth, pattern, index;
} MatchOrder;

static int match_order_cmp(const void *pa, const void *pb) {
  const MatchOrder *a = pa, *b = pb;
  if (a->key != b->key) return a->key < b->key ? -1 : 1;
  if (a->depth != b->depth) return a->depth < b->depth ? -1 : 1;
  if (a->pattern != b->pattern) return a->pattern < b->pattern ? -1 : 1;
  return a->index < b->index ? -1 : a->index > b->index;
}

/* Puts the matches in the query cursor's order (by `keys` and `depths`); false when out of memory. */
static bool matches_sort(Matches *m) {
  size_t n = m->patterns.len;
  if (n < 2) return true;
  MatchOrder *order = malloc(n * sizeof *order);
  Matches sorted;
  matches_init(&sorted);
  if (order == NULL) return false;
  for (size_t i = 0; i < n; i++)
    order[i] = (MatchOrder){m->keys.data[i], m->depths.data[i], m->patterns.data[i], (uint32_t)i};
  qsort(order, n, sizeof *order, match_order_cmp);
  for (size_t i = 0; i < n && sorted.ok; i++) {
    uint32_t at = order[i].index;
    sorted.ok = vec_push(&sorted.patterns, m->patterns.data[at]);
    for (uint32_t c = m->cap_start.data[at]; sorted.ok && c < m->cap_start.data[at + 1]; c++) {
      sorted.ok = vec_push(&sorted.ids, m->ids.data[c]) && vec_push(&sorted.starts, m->starts.data[c]) &&
                  vec_push(&sorted.ends, m->ends.data[c]);
    }
    sorted.ok = sorted.ok && vec_push(&sorted.cap_start, (uint32_t)sorted.ids.len);
  }
  free(order);
  if (!sorted.ok) {
    matches_free(&sorted);
    return false;
  }
  matches_free(m);
  *m = sorted;
  return true;
}

/*
 * Walks the whole tree once: the tree query's matches into `tree`, the top-level query's (its
 * pattern rooted at a child of the root) into `top`. Matches come out in the query cursor's
 * order: the cursor finishes a match on entering the node of its last step, and orders the
 * matches it finishes on one node by the depth of their root, then by pattern. The walk notes
 * each match's completion node, numbers the nodes as it enters them, and sorts at the end.
 * Patterns that end on an identifier near their root are checked on the identifier, against the
 * path from the root (the walk's own frames); the others from their root node, looking down.
 */
static void python_walk(const void *walker, TSNode root, Matches *top, Matches *tree) {
  const PythonWalker *w = walker;
  Kids k;
  for (int i = 0; i < WALK_LEVELS; i++) k.c[i] = ts_tree_cursor_new(root);
  TSTreeCursor cursor = ts_tree_cursor_new(root);
  TSNode none = {{0, 0, 0, 0}, NULL, NULL};
  PendingTable pending = {NULL, 0, 0};
  tree->pending = &pending;
  Frame *path = NULL;
  uint32_t path_cap = 0;
  uint32_t depth = 0, entered = 0;
  for (;;) {
    TSNode node = ts_tree_cursor_current_node(&cursor);
    if (depth == 1 && ts_node_symbol(node) == w->sym[PY_EXPR_STMT]) {
      /* (expression_statement (assignment left: (identifier) @name) @definition.constant), depth <= 1 */
      if (kid_first(&k, 0, node)) {
        do {
          TSNode assignment = kid_node(&k, 0);
          if (ts_node_symbol(assignment) != w->sym[PY_ASSIGNMENT] || !kid_first(&k, 1, assignment)) continue;
          do {
            TSNode left = kid_node(&k, 1);
            if (kid_field(&k, 1) != w->field[PF_LEFT] || ts_node_symbol(left) != w->sym[PY_IDENTIFIER]) continue;
            match_begin(top, 0);
            match_capture(top, w->top_constant, node);
            match_capture(top, w->top_name, left);
            match_end(top);
          } while (kid_next(&k, 1));
        } while (kid_next(&k, 0));
      }
    }
    /* The path from the root, with the fields the identifier patterns check. */
    if (!path_reserve(&path, &path_cap, depth)) {
      tree->ok = 0;
      break;
    }
    TSSymbol sym = ts_node_symbol(node);
    Frame *parent = depth > 0 ? &path[depth - 1] : NULL;
    bool under_field = parent != NULL && (parent->sym == w->sym[PY_CALL] || parent->sym == w->sym[PY_ATTRIBUTE]);
    TSFieldId field = under_field || sym == w->sym[PY_ATTRIBUTE] || sym == w->sym[PY_ARGUMENT_LIST]
                          ? ts_tree_cursor_current_field_id(&cursor)
                          : 0;
    path[depth] = (Frame){node, sym, field, false, none};
    if (under_field && parent->sym == w->sym[PY_ATTRIBUTE] && field == w->field[PF_OBJECT] && is_wildcard(node)) {
      parent->has_object = true;
      parent->object = node;
    }
    if (sym == w->sym[PY_IDENTIFIER]) py_identifier(w, path, depth, tree, entered * 2 + 1);
    /* Only the root can be a `module`, so only its children have it as parent. */
    else py_node(w, &k, node, depth == 1 ? root : none, depth, tree);
    /* The matches that complete on entering this node (or just before). */
    if (pending.count > 0) {
      for (uint32_t h = pending_hash(node.id, pending.cap); pending.slots[h].id != NULL; h = (h + 1) & (pending.cap - 1)) {
        const Pending *p = &pending.slots[h];
        if (p->id == node.id) tree->keys.data[p->match] = entered * 2 + (p->before ? 0 : 1);
      }
    }
    entered++;
    if (!walk_next(&cursor, &depth)) break;
  }
  ts_tree_cursor_delete(&cursor);
  for (int i = 0; i < WALK_LEVELS; i++) ts_tree_cursor_delete(&k.c[i]);
  free(pending.slots);
  free(path);
  tree->pending = NULL;
  if (tree->ok && !matches_sort(tree)) tree->ok = 0;
}

/*
 * The Go walker: what GO_QUERY (19 patterns) and GO_TOP_LEVEL_QUERY (3 patterns)
 * (src/indexer/queries/go.ts) match, in one pass over the tree, resolved by name like the Python
 * walker. Every Go pattern completes on a node its walk enters: the last step's node, which is a
 * capture in all but the struct and interface patterns (there it is the `struct_type` or
 * `interface_type`). So each match is found on entering that node, checking the path from the
 * root (the walk's frames) upwards, and looking down only for the method receivers and the type
 * name of a struct or interface, which come before the node in the same parent. The matches of one
 * node come out in the query cursor's order (root depth, shallowest first, then pattern), so the
 * whole list is in its order without sorting: the patterns completing on one node are exclusive
 * at each root depth.
 */
enum {
  GO_IDENTIFIER, GO_FIELD_IDENTIFIER, GO_TYPE_IDENTIFIER, GO_PACKAGE_IDENTIFIER, GO_STRING_LITERAL,
  GO_FUNCTION, GO_METHOD, GO_PARAMETER_LIST, GO_PARAMETER, GO_POINTER_TYPE, GO_GENERIC_TYPE, GO_TYPE_SPEC,
  GO_STRUCT_TYPE, GO_INTERFACE_TYPE, GO_TYPE_ALIAS, GO_FIELD_LIST, GO_FIELD, GO_METHOD_ELEM, GO_TYPE_ELEM,
  GO_QUALIFIED_TYPE, GO_COMPOSITE_LITERAL, GO_CALL, GO_SELECTOR, GO_IMPORT_SPEC, GO_CONST_DECLARATION,
  GO_CONST_SPEC, GO_VAR_DECLARATION, GO_VAR_SPEC, GO_VAR_SPEC_LIST, GO_SYMBOL_COUNT
};
static const char *GO_SYMBOLS[GO_SYMBOL_COUNT] = {
    "identifier", "field_identifier", "type_identifier", "package_identifier", "interpreted_string_literal",
    "function_declaration", "method_declaration", "parameter_list", "parameter_declaration", "pointer_type",
    "generic_type", "type_spec", "struct_type", "interface_type", "type_alias", "field_declaration_list",
    "field_declaration", "method_elem", "type_elem", "qualified_type", "composite_literal", "call_expression",
    "selector_expression", "import_spec", "const_declaration", "const_spec", "var_declaration", "var_spec",
    "var_spec_list"};

/* The parents whose children's fields a pattern checks (the walk reads a node's field only there). */
static const int GO_FIELD_PARENTS[] = {GO_FUNCTION,  GO_METHOD,         GO_TYPE_SPEC,        GO_TYPE_ALIAS,
                                       GO_FIELD,     GO_METHOD_ELEM,    GO_QUALIFIED_TYPE,   GO_COMPOSITE_LITERAL,
                                       GO_GENERIC_TYPE, GO_CALL,        GO_SELECTOR,         GO_IMPORT_SPEC,
                                       GO_VAR_SPEC};

enum { GF_NAME, GF_RECEIVER, GF_TYPE, GF_FUNCTION, GF_FIELD, GF_PATH, GF_OPERAND, GF_PACKAGE, GO_FIELD_COUNT };
static const char *GO_FIELDS[GO_FIELD_COUNT] = {"name",  "receiver", "type",    "function",
                                                "field", "path",     "operand", "package"};

enum {
  GC_DEF_FUNCTION, GC_NAME, GC_DEF_METHOD, GC_RECEIVER, GC_DEF_STRUCT, GC_DEF_INTERFACE, GC_DEF_TYPE, GC_DEF_FIELD,
  GC_REF_INHERIT, GC_REF_NEW, GC_REF_CALL, GC_REF_TYPE, GC_IMPORT_SOURCE, GC_IMPORT, GC_IMPORT_NAME,
  GC_REF_RECEIVER, GO_CAPTURE_COUNT
};
static const char *GO_CAPTURES[GO_CAPTURE_COUNT] = {
    "definition.function", "name",          "definition.method", "receiver",       "definition.struct",
    "definition.interface", "definition.type", "definition.field", "reference.inherit", "reference.new",
    "reference.call",      "reference.type", "import.source",     "import",         "import.name",
    "ref.receiver"};

enum { GT_DEF_CONSTANT, GT_NAME, GT_DEF_VARIABLE, GO_TOP_CAPTURE_COUNT };
static const char *GO_TOP_CAPTURES[GO_TOP_CAPTURE_COUNT] = {"definition.constant", "name", "definition.variable"};

/* Pattern indices in GO_QUERY and GO_TOP_LEVEL_QUERY. */
enum {
  GP_FUNCTION, GP_METHOD, GP_STRUCT, GP_INTERFACE, GP_TYPE_SPEC, GP_TYPE_ALIAS, GP_FIELD, GP_INTERFACE_METHOD,
  GP_EMBEDDED, GP_INTERFACE_EMBEDDED, GP_INTERFACE_EMBEDDED_QUALIFIED, GP_NEW, GP_NEW_QUALIFIED, GP_NEW_GENERIC,
  GP_CALL, GP_METHOD_CALL, GP_TYPE_QUALIFIED, GP_TYPE, GP_IMPORT, GP_IMPORT_NAME, GO_PATTERN_COUNT
};
enum { GT_CONST, GT_VAR, GT_VAR_LIST, GO_TOP_PATTERN_COUNT };

typedef struct {
  TSSymbol sym[GO_SYMBOL_COUNT];
  TSFieldId field[GO_FIELD_COUNT];
  uint32_t cap[GO_CAPTURE_COUNT];
  uint32_t top_cap[GO_TOP_CAPTURE_COUNT];
  uint32_t symbol_count;
  bool field_parent[]; /* per symbol: the fields of its children are read */
} GoWalker;

static void *go_walker_new(const TSLanguage *language, const TSQuery *tree, const TSQuery *top) {
  if (tree == NULL || top == NULL || ts_query_pattern_count(tree) != GO_PATTERN_COUNT ||
      ts_query_pattern_count(top) != GO_TOP_PATTERN_COUNT)
    return NULL;
  uint32_t symbols = ts_language_symbol_count(language);
  GoWalker *w = calloc(1, sizeof *w + symbols * sizeof(bool));
  if (w == NULL) return NULL;
  w->symbol_count = symbols;
  bool ok = resolve_symbols(language, GO_SYMBOLS, GO_SYMBOL_COUNT, w->sym) &&
            resolve_fields(language, GO_FIELDS, GO_FIELD_COUNT, w->field) &&
            resolve_captures(tree, GO_CAPTURES, GO_CAPTURE_COUNT, w->cap) &&
            resolve_captures(top, GO_TOP_CAPTURES, GO_TOP_CAPTURE_COUNT, w->top_cap);
  /* resolve_symbols never yields 0, so nothing is skipped here. */
  ok = ok && mark_field_parents(w->field_parent, symbols, w->sym, GO_FIELD_PARENTS,
                                sizeof GO_FIELD_PARENTS / sizeof *GO_FIELD_PARENTS, 0);
  if (!ok) {
    free(w);
    return NULL;
  }
  return w;
}

/* A `qualified_type`'s `package: (package_identifier)`; a null node when it has none. */
static TSNode go_package_of(const GoWalker *w, TSNode qualified) {
  TSNode package = ts_node_child_by_field_id(qualified, w->field[GF_PACKAGE]);
  if (!ts_node_is_null(package) && ts_node_symbol(package) == w->sym[GO_PACKAGE_IDENTIFIER]) return package;
  TSNode none = {{0, 0, 0, 0}, NULL, NULL};
  return none;
}

/* One match of the method pattern: the method, one of its receiver types, its name. */
static void go_method_match(const GoWalker *w, Matches *m, TSNode method, TSNode receiver, TSNode name) {
  match_begin(m, GP_METHOD);
  match_capture(m, w->cap[GC_DEF_METHOD], method);
  match_capture(m, w->cap[GC_RECEIVER], receiver);
  match_capture(m, w->cap[GC_NAME], name);
  match_end(m);
}

/* `(generic_type type: (type_identifier) @receiver)`: the receivers under `generic` (cursor `level`). */
static void go_generic_receivers(const GoWalker *w, Kids *k, int level, TSNode generic, TSNode method, TSNode name,
                                 Matches *m) {
  if (!kid_first(k, level, generic)) return;
  do {
    TSNode t = kid_node(k, level);
    if (ts_node_symbol(t) == w->sym[GO_TYPE_IDENTIFIER] && kid_field(k, level) == w->field[GF_TYPE])
      go_method_match(w, m, method, t, name);
  } while (kid_next(k, level));
}

/*
 * `(method_declaration receiver: (parameter_list (parameter_declaration type: [...])) name: ...)`
 * on entering the method's name (cursor levels 0-4). The receiver comes before the name. The
 * query cursor keeps one state per alternative of `type: [...]`, in their order, so the matches
 * of one parameter come alternative by alternative, each in child order.
 */
static void go_method(const GoWalker *w, Kids *k, TSNode method, TSNode name, Matches *m) {
  const TSSymbol *S = w->sym;
  if (!kid_first(k, 0, method)) return;
  do {
    TSNode list = kid_node(k, 0);
    if (ts_node_eq(list, name)) break;
    if (kid_field(k, 0) != w->field[GF_RECEIVER] || ts_node_symbol(list) != S[GO_PARAMETER_LIST] ||
        !kid_first(k, 1, list))
      continue;
    do {
      TSNode param = kid_node(k, 1);
      if (ts_node_symbol(param) != S[GO_PARAMETER]) continue;
      for (int alt = 0; alt < 4; alt++) {
        if (!kid_first(k, 2, param)) break;
        do {
          if (kid_field(k, 2) != w->field[GF_TYPE]) continue;
          TSNode type = kid_node(k, 2);
          TSSymbol ts = ts_node_symbol(type);
          if (alt == 0 && ts == S[GO_TYPE_IDENTIFIER]) {
            /* (type_identifier) @receiver */
            go_method_match(w, m, method, type, name);
          } else if (alt == 2 && ts == S[GO_GENERIC_TYPE]) {
            /* (generic_type type: (type_identifier) @receiver) */
            go_generic_receivers(w, k, 3, type, method, name, m);
          } else if ((alt == 1 || alt == 3) && ts == S[GO_POINTER_TYPE] && kid_first(k, 3, type)) {
            /* (pointer_type (type_identifier) @receiver), (pointer_type (generic_type type: (type_identifier) @receiver)) */
            do {
              TSNode inner = kid_node(k, 3);
              TSSymbol is = ts_node_symbol(inner);
              if (alt == 1 && is == S[GO_TYPE_IDENTIFIER]) go_method_match(w, m, method, inner, name);
              if (alt == 3 && is == S[GO_GENERIC_TYPE]) go_generic_receivers(w, k, 4, inner, method, name, m);
            } while (kid_next(k, 3));
          }
        } while (kid_next(k, 2));
      }
    } while (kid_next(k, 1));
  } while (kid_next(k, 0));
}

/* `(field_declaration_list (field_declaration !name type: ...))`: `decl` is an embedded field of a struct. */
static inline bool go_embedded(const GoWalker *w, const Frame *decl, const Frame *list) {
  return decl->sym == w->sym[GO_FIELD] && list->sym == w->sym[GO_FIELD_LIST] &&
         ts_node_is_null(ts_node_child_by_field_id(decl->node, w->field[GF_NAME]));
}

/*
 * The matches that complete on entering `path[d]` (cursor levels 0-4 for the look-downs), in the
 * query cursor's order: patterns rooted higher up first (the `d - 3` group, then `d - 2`, `d - 1`,
 * `d`). Top-level matches go to `top` (their roots are children of the root).
 */
static void go_node(const GoWalker *w, Kids *k, const Frame *path, uint32_t d, Matches *top, Matches *m) {
  if (d == 0) return;
  const TSSymbol *S = w->sym;
  const TSFieldId *F = w->field;
  const uint32_t *C = w->cap;
  const Frame *x = &path[d], *p = &path[d - 1];
  const Frame *g = d >= 2 ? &path[d - 2] : NULL;
  const Frame *gg = d >= 3 ? &path[d - 3] : NULL;
  TSSymbol xs = x->sym, ps = p->sym;
  TSNode none = {{0, 0, 0, 0}, NULL, NULL};
  if (xs == S[GO_TYPE_IDENTIFIER]) {
    if (gg != NULL) {
      /* (field_declaration_list (field_declaration !name type: (pointer_type (type_identifier) @reference.inherit))) */
      if (ps == S[GO_POINTER_TYPE] && p->field == F[GF_TYPE] && go_embedded(w, g, gg))
        match_add(m, GP_EMBEDDED, C[GC_REF_INHERIT], x->node, 0, none, false);
      else if (ps == S[GO_QUALIFIED_TYPE] && x->field == F[GF_NAME]) {
        TSNode package = go_package_of(w, p->node);
        if (!ts_node_is_null(package)) {
          /* (field_declaration_list (field_declaration !name type: (qualified_type package: (package_identifier)
           *  @ref.receiver name: (type_identifier) @reference.inherit))) */
          if (p->field == F[GF_TYPE] && go_embedded(w, g, gg))
            match_add(m, GP_EMBEDDED, C[GC_REF_RECEIVER], package, C[GC_REF_INHERIT], x->node, true);
          /* (interface_type (type_elem (qualified_type package: (package_identifier) @ref.receiver
           *  name: (type_identifier) @reference.inherit))) */
          else if (g->sym == S[GO_TYPE_ELEM] && gg->sym == S[GO_INTERFACE_TYPE])
            match_add(m, GP_INTERFACE_EMBEDDED_QUALIFIED, C[GC_REF_RECEIVER], package, C[GC_REF_INHERIT],
                      x->node, true);
        }
      }
    }
    if (g != NULL) {
      if (ps == S[GO_FIELD]) {
        /* (field_declaration_list (field_declaration !name type: (type_identifier) @reference.inherit)) */
        if (x->field == F[GF_TYPE] && go_embedded(w, p, g))
          match_add(m, GP_EMBEDDED, C[GC_REF_INHERIT], x->node, 0, none, false);
      } else if (ps == S[GO_TYPE_ELEM]) {
        /* (interface_type (type_elem (type_identifier) @reference.inherit)) */
        if (g->sym == S[GO_INTERFACE_TYPE])
          match_add(m, GP_INTERFACE_EMBEDDED, C[GC_REF_INHERIT], x->node, 0, none, false);
      } else if (g->sym == S[GO_COMPOSITE_LITERAL] && p->field == F[GF_TYPE]) {
        /* (composite_literal type: (qualified_type package: (package_identifier) @ref.receiver
         *  name: (type_identifier) @reference.new)) */
        if (ps == S[GO_QUALIFIED_TYPE] && x->field == F[GF_NAME]) {
          TSNode package = go_package_of(w, p->node);
          if (!ts_node_is_null(package))
            match_add(m, GP_NEW_QUALIFIED, C[GC_REF_RECEIVER], package, C[GC_REF_NEW], x->node, true);
        }
        /* (composite_literal type: (generic_type type: (type_identifier) @reference.new)) */
        else if (ps == S[GO_GENERIC_TYPE] && x->field == F[GF_TYPE])
          match_add(m, GP_NEW_GENERIC, C[GC_REF_NEW], x->node, 0, none, false);
      }
    }
    if (ps == S[GO_TYPE_SPEC]) {
      /* (type_spec name: (type_identifier) @name) @definition.type */
      if (x->field == F[GF_NAME]) match_add(m, GP_TYPE_SPEC, C[GC_DEF_TYPE], p->node, C[GC_NAME], x->node, true);
    } else if (ps == S[GO_TYPE_ALIAS]) {
      /* (type_alias name: (type_identifier) @name) @definition.type */
      if (x->field == F[GF_NAME]) match_add(m, GP_TYPE_ALIAS, C[GC_DEF_TYPE], p->node, C[GC_NAME], x->node, true);
    } else if (ps == S[GO_COMPOSITE_LITERAL]) {
      /* (composite_literal type: (type_identifier) @reference.new) */
      if (x->field == F[GF_TYPE]) match_add(m, GP_NEW, C[GC_REF_NEW], x->node, 0, none, false);
    }
    /* (qualified_type package: (package_identifier) @ref.receiver name: (type_identifier) @reference.type) */
    if (ps == S[GO_QUALIFIED_TYPE] && x->field == F[GF_NAME]) {
      TSNode package = go_package_of(w, p->node);
      if (!ts_node_is_null(package))
        match_add(m, GP_TYPE_QUALIFIED, C[GC_REF_RECEIVER], package, C[GC_REF_TYPE], x->node, true);
    }
    /* (type_identifier) @reference.type */
    match_add(m, GP_TYPE, C[GC_REF_TYPE], x->node, 0, none, false);
  } else if (xs == S[GO_IDENTIFIER]) {
    if (ps == S[GO_FUNCTION]) {
      /* (function_declaration name: (identifier) @name) @definition.function */
      if (x->field == F[GF_NAME])
        match_add(m, GP_FUNCTION, C[GC_DEF_FUNCTION], p->node, C[GC_NAME], x->node, true);
    } else if (ps == S[GO_CALL]) {
      /* (call_expression function: (identifier) @reference.call) */
      if (x->field == F[GF_FUNCTION]) match_add(m, GP_CALL, C[GC_REF_CALL], x->node, 0, none, false);
    } else if (d == 3 && ps == S[GO_CONST_SPEC]) {
      /* Top level: (const_declaration (const_spec (identifier) @name) @definition.constant) */
      if (g->sym == S[GO_CONST_DECLARATION])
        match_add(top, GT_CONST, w->top_cap[GT_DEF_CONSTANT], p->node, w->top_cap[GT_NAME], x->node, true);
    } else if ((d == 3 || d == 4) && ps == S[GO_VAR_SPEC] && x->field == F[GF_NAME]) {
      /* Top level: (var_declaration (var_spec name: (identifier) @name) @definition.variable), and in a var_spec_list */
      if (d == 3 && g->sym == S[GO_VAR_DECLARATION])
        match_add(top, GT_VAR, w->top_cap[GT_DEF_VARIABLE], p->node, w->top_cap[GT_NAME], x->node, true);
      else if (d == 4 && g->sym == S[GO_VAR_SPEC_LIST] && gg->sym == S[GO_VAR_DECLARATION])
        match_add(top, GT_VAR_LIST, w->top_cap[GT_DEF_VARIABLE], p->node, w->top_cap[GT_NAME], x->node, true);
    }
  } else if (xs == S[GO_FIELD_IDENTIFIER]) {
    if (ps == S[GO_METHOD]) {
      if (x->field == F[GF_NAME]) go_method(w, k, p->node, x->node, m);
    } else if (g == NULL) {
      return;
    } else if (ps == S[GO_FIELD]) {
      /* (field_declaration_list (field_declaration name: (field_identifier) @name) @definition.field) */
      if (x->field == F[GF_NAME] && g->sym == S[GO_FIELD_LIST])
        match_add(m, GP_FIELD, C[GC_DEF_FIELD], p->node, C[GC_NAME], x->node, true);
    } else if (ps == S[GO_METHOD_ELEM]) {
      /* (interface_type (method_elem name: (field_identifier) @name) @definition.method) */
      if (x->field == F[GF_NAME] && g->sym == S[GO_INTERFACE_TYPE])
        match_add(m, GP_INTERFACE_METHOD, C[GC_DEF_METHOD], p->node, C[GC_NAME], x->node, true);
    } else if (ps == S[GO_SELECTOR]) {
      /* (call_expression function: (selector_expression operand: (_) @ref.receiver field: (field_identifier) @reference.call)) */
      if (x->field == F[GF_FIELD] && p->field == F[GF_FUNCTION] && g->sym == S[GO_CALL]) {
        TSNode operand = ts_node_child_by_field_id(p->node, F[GF_OPERAND]);
        if (!ts_node_is_null(operand) && ts_node_is_named(operand))
          match_add(m, GP_METHOD_CALL, C[GC_REF_RECEIVER], operand, C[GC_REF_CALL], x->node, true);
      }
    }
  } else if (xs == S[GO_STRUCT_TYPE] || xs == S[GO_INTERFACE_TYPE]) {
    /* (type_spec name: (type_identifier) @name type: (struct_type)) @definition.struct, and interface_type */
    if (ps != S[GO_TYPE_SPEC] || x->field != F[GF_TYPE] || !kid_first(k, 0, p->node)) return;
    bool is_struct = xs == S[GO_STRUCT_TYPE];
    do {
      TSNode name = kid_node(k, 0);
      if (ts_node_eq(name, x->node)) break;
      if (kid_field(k, 0) == F[GF_NAME] && ts_node_symbol(name) == S[GO_TYPE_IDENTIFIER])
        match_add(m, is_struct ? GP_STRUCT : GP_INTERFACE, C[is_struct ? GC_DEF_STRUCT : GC_DEF_INTERFACE], p->node,
                  C[GC_NAME], name, true);
    } while (kid_next(k, 0));
  } else if (ps == S[GO_IMPORT_SPEC]) {
    /* (import_spec path: (interpreted_string_literal) @import.source) @import */
    if (xs == S[GO_STRING_LITERAL] && x->field == F[GF_PATH])
      match_add(m, GP_IMPORT, C[GC_IMPORT], p->node, C[GC_IMPORT_SOURCE], x->node, true);
    /* (import_spec name: (package_identifier) @import.name) */
    else if (xs == S[GO_PACKAGE_IDENTIFIER] && x->field == F[GF_NAME])
      match_add(m, GP_IMPORT_NAME, C[GC_IMPORT_NAME], x->node, 0, none, false);
  }
}

/* What a name-resolved walk does on entering a node: `path[0..depth]` is the way down to it. */
typedef void (*FrameVisit)(const void *walker, Kids *k, const Frame *path, uint32_t depth, Matches *top,
                           Matches *tree);

/*
 * Walks the whole tree once for the Go and JavaScript-family walkers, keeping the path from the
 * root (each frame's node, symbol and field; a child's field is read only under a parent whose
 * fields a pattern looks at, `field_parent`) and calling `visit` on entering every node.
 */
static void walk_frames(const void *walker, uint32_t symbol_count, const bool *field_parent, FrameVisit visit,
                        TSNode root, Matches *top, Matches *tree) {
  Kids k;
  for (int i = 0; i < WALK_LEVELS; i++) k.c[i] = ts_tree_cursor_new(root);
  TSTreeCursor cursor = ts_tree_cursor_new(root);
  TSNode none = {{0, 0, 0, 0}, NULL, NULL};
  Frame *path = NULL;
  uint32_t path_cap = 0, depth = 0;
  do {
    if (!path_reserve(&path, &path_cap, depth)) {
      tree->ok = 0;
      break;
    }
    TSNode node = ts_tree_cursor_current_node(&cursor);
    TSSymbol parent = depth > 0 ? path[depth - 1].sym : 0;
    TSFieldId field =
        depth > 0 && parent < symbol_count && field_parent[parent] ? ts_tree_cursor_current_field_id(&cursor) : 0;
    path[depth] = (Frame){node, ts_node_symbol(node), field, false, none};
    visit(walker, &k, path, depth, top, tree);
  } while (walk_next(&cursor, &depth));
  ts_tree_cursor_delete(&cursor);
  for (int i = 0; i < WALK_LEVELS; i++) ts_tree_cursor_delete(&k.c[i]);
  free(path);
}

static void go_visit(const void *walker, Kids *k, const Frame *path, uint32_t depth, Matches *top, Matches *tree) {
  go_node(walker, k, path, depth, top, tree);
}

/* Walks the whole tree once (see go_node); the matches come out in the query cursor's order. */
static void go_walk(const void *walker, TSNode root, Matches *top, Matches *tree) {
  const GoWalker *w = walker;
  walk_frames(w, w->symbol_count, w->field_parent, go_visit, root, top, tree);
}

/*
 * The JavaScript-family walker: what the TypeScript, TSX and JavaScript tags queries
 * (src/indexer/queries/typescript.ts, javascript.ts) match, in one pass over the tree, resolved
 * by name like the Go walker. The tree query of each grammar is made of fragments (TypeScript:
 * TS_QUERY + JS_COMMON_QUERY, TSX: the same + JSX_QUERY, JavaScript: JS_ONLY_QUERY +
 * JS_COMMON_QUERY + JSX_QUERY); one walker serves the three, with each fragment's pattern indices
 * offset by what comes before it. The top-level query (JS_TOP_LEVEL_QUERY) is the same for all.
 *
 * As in Go, every pattern completes on a node the walk enters: the node of its last step (a
 * capture, or the function value of a declarator, field or assignment). Each match is found on
 * entering that node, from the path to the root, looking down only at the siblings that come
 * before it in a pattern (a declarator's name before its value, a member call's object, the
 * `import` callee, `const` / `let`). The patterns that complete on one node are exclusive at each
 * root depth, and the walk emits them shallowest root first, so the matches come out in the
 * query cursor's order without sorting.
 */
enum {
  /* Common to the three grammars. */
  JS_IDENTIFIER, JS_PROPERTY_IDENTIFIER, JS_PRIVATE_PROPERTY_IDENTIFIER, JS_STRING, JS_STRING_FRAGMENT,
  JS_ARROW_FUNCTION, JS_FUNCTION_EXPRESSION, JS_GENERATOR_FUNCTION, JS_FUNCTION_DECLARATION,
  JS_GENERATOR_FUNCTION_DECLARATION, JS_CLASS_DECLARATION, JS_CLASS, JS_METHOD_DEFINITION, JS_NEW_EXPRESSION,
  JS_CALL_EXPRESSION, JS_MEMBER_EXPRESSION, JS_IMPORT_STATEMENT, JS_IMPORT_CLAUSE, JS_IMPORT_SPECIFIER,
  JS_NAMESPACE_IMPORT, JS_EXPORT_STATEMENT, JS_EXPORT_SPECIFIER, JS_IMPORT, JS_ARGUMENTS, JS_LEXICAL_DECLARATION,
  JS_VARIABLE_DECLARATION, JS_VARIABLE_DECLARATOR, JS_EXPRESSION_STATEMENT, JS_ASSIGNMENT_EXPRESSION,
  /* Anonymous: the keywords of `(lexical_declaration "const" ...)` and `"let"`. */
  JS_CONST, JS_LET,
  /* TypeScript (and TSX) only. */
  JS_TYPE_IDENTIFIER, JS_PUBLIC_FIELD_DEFINITION, JS_FUNCTION_SIGNATURE, JS_METHOD_SIGNATURE,
  JS_ABSTRACT_METHOD_SIGNATURE, JS_PROPERTY_SIGNATURE, JS_ABSTRACT_CLASS_DECLARATION, JS_INTERFACE_DECLARATION,
  JS_TYPE_ALIAS_DECLARATION, JS_ENUM_DECLARATION, JS_ENUM_BODY, JS_ENUM_ASSIGNMENT, JS_INTERNAL_MODULE, JS_MODULE,
  JS_TYPE_PARAMETER, JS_EXTENDS_CLAUSE, JS_IMPLEMENTS_CLAUSE, JS_GENERIC_TYPE, JS_EXTENDS_TYPE_CLAUSE,
  /* JavaScript only. */
  JS_CLASS_HERITAGE, JS_FIELD_DEFINITION,
  /* JSX (JavaScript and TSX). */
  JS_JSX_OPENING_ELEMENT, JS_JSX_SELF_CLOSING_ELEMENT,
  JS_SYMBOL_COUNT
};
static const char *JS_SYMBOLS[JS_SYMBOL_COUNT] = {
    "identifier", "property_identifier", "private_property_identifier", "string", "string_fragment",
    "arrow_function", "function_expression", "generator_function", "function_declaration",
    "generator_function_declaration", "class_declaration", "class", "method_definition", "new_expression",
    "call_expression", "member_expression", "import_statement", "import_clause", "import_specifier",
    "namespace_import", "export_statement", "export_specifier", "import", "arguments", "lexical_declaration",
    "variable_declaration", "variable_declarator", "expression_statement", "assignment_expression", "const", "let",
    "type_identifier", "public_field_definition", "function_signature", "method_signature",
    "abstract_method_signature", "property_signature", "abstract_class_declaration", "interface_declaration",
    "type_alias_declaration", "enum_declaration", "enum_body", "enum_assignment", "internal_module", "module",
    "type_parameter", "extends_clause", "implements_clause", "generic_type", "extends_type_clause",
    "class_heritage", "field_definition", "jsx_opening_element", "jsx_self_closing_element"};

/* The query fragments a grammar's tree query is made of (a walker's dialect is a set of them). */
enum { JSQ_TS = 1, JSQ_JS_ONLY = 2, JSQ_JSX = 4 };

/* The fragment each symbol belongs to (0: all three grammars). */
static int js_symbol_fragment(int i) {
  if (i >= JS_JSX_OPENING_ELEMENT) return JSQ_JSX;
  if (i >= JS_CLASS_HERITAGE) return JSQ_JS_ONLY;
  if (i >= JS_TYPE_IDENTIFIER) return JSQ_TS;
  return 0;
}

/* The parents whose children's fields a pattern checks (the walk reads a node's field only there). */
static const int JS_FIELD_PARENTS[] = {
    JS_PUBLIC_FIELD_DEFINITION, JS_FIELD_DEFINITION, JS_FUNCTION_SIGNATURE, JS_METHOD_SIGNATURE,
    JS_ABSTRACT_METHOD_SIGNATURE, JS_PROPERTY_SIGNATURE, JS_ABSTRACT_CLASS_DECLARATION, JS_INTERFACE_DECLARATION,
    JS_TYPE_ALIAS_DECLARATION, JS_ENUM_DECLARATION, JS_ENUM_BODY, JS_ENUM_ASSIGNMENT, JS_INTERNAL_MODULE,
    JS_MODULE, JS_TYPE_PARAMETER, JS_EXTENDS_CLAUSE, JS_EXTENDS_TYPE_CLAUSE, JS_GENERIC_TYPE,
    JS_FUNCTION_DECLARATION, JS_GENERATOR_FUNCTION_DECLARATION, JS_FUNCTION_EXPRESSION, JS_GENERATOR_FUNCTION,
    JS_CLASS_DECLARATION, JS_CLASS, JS_METHOD_DEFINITION, JS_NEW_EXPRESSION, JS_CALL_EXPRESSION,
    JS_MEMBER_EXPRESSION, JS_IMPORT_SPECIFIER, JS_EXPORT_SPECIFIER, JS_IMPORT_STATEMENT, JS_EXPORT_STATEMENT,
    JS_JSX_OPENING_ELEMENT, JS_JSX_SELF_CLOSING_ELEMENT, JS_VARIABLE_DECLARATOR, JS_ASSIGNMENT_EXPRESSION};

enum {
  JF_NAME, JF_VALUE, JF_CONSTRUCTOR, JF_FUNCTION, JF_OBJECT, JF_PROPERTY, JF_SOURCE, JF_ARGUMENTS, JF_LEFT,
  JF_RIGHT, JF_DECLARATION, JF_TYPE, JS_FIELD_COUNT
};
static const char *JS_FIELDS[JS_FIELD_COUNT] = {"name",      "value", "constructor", "function",
                                                "object",    "property", "source", "arguments",
                                                "left",      "right", "declaration", "type"};
/* Fields that only the TypeScript grammars have (JF_TYPE onwards). */
#define JS_FIELD_COUNT_COMMON JF_TYPE

enum {
  JC_NAME, JC_DEF_FUNCTION, JC_DEF_CLASS, JC_DEF_METHOD, JC_REF_NEW, JC_REF_CALL, JC_REF_RECEIVER,
  JC_REF_TYPE_COMPONENT, JC_IMPORT_SOURCE, JC_IMPORT, JC_IMPORT_NAME, JC_DEF_PROPERTY, JC_REF_INHERIT,
  JC_DEF_INTERFACE, JC_DEF_TYPE, JC_DEF_ENUM, JC_DEF_CONSTANT, JC_DEF_NAMESPACE, JC_DEF_MODULE, JC_SKIP,
  JC_REF_TYPE, JC_REF_CALL_COMPONENT, JS_CAPTURE_COUNT
};
static const char *JS_CAPTURES[JS_CAPTURE_COUNT] = {
    "name", "definition.function", "definition.class", "definition.method", "reference.new", "reference.call",
    "ref.receiver", "reference.type.component", "import.source", "import", "import.name", "definition.property",
    "reference.inherit", "definition.interface", "definition.type", "definition.enum", "definition.constant",
    "definition.namespace", "definition.module", "skip", "reference.type", "reference.call.component"};

/* The fragments a capture occurs in (0: JS_COMMON_QUERY, in all three). */
static int js_capture_fragments(int i) {
  if (i == JC_REF_CALL_COMPONENT) return JSQ_JSX;
  if (i == JC_DEF_PROPERTY || i == JC_REF_INHERIT) return JSQ_TS | JSQ_JS_ONLY;
  if (i > JC_REF_INHERIT) return JSQ_TS;
  return 0;
}

enum {
  JT_NAME, JT_DEF_FUNCTION, JT_DEF_CONSTANT, JT_DEF_VARIABLE, JT_RECEIVER, JT_DEF_METHOD, JT_IMPORT_REQUIRE,
  JT_IMPORT_SOURCE, JT_IMPORT, JS_TOP_CAPTURE_COUNT
};
static const char *JS_TOP_CAPTURES[JS_TOP_CAPTURE_COUNT] = {
    "name",     "definition.function", "definition.constant", "definition.variable", "receiver",
    "definition.method", "import.require", "import.source", "import"};

/*
 * The patterns, by fragment, in their order there. A pattern's index in a tree query is its index
 * in its fragment plus the patterns of the fragments before it (JsWalker.pattern).
 */
enum {
  /* TS_QUERY */
  JP_TS_FIELD_METHOD, JP_TS_FIELD_PROPERTY, JP_TS_FUNCTION_SIGNATURE, JP_TS_METHOD_SIGNATURE,
  JP_TS_ABSTRACT_METHOD_SIGNATURE, JP_TS_PROPERTY_SIGNATURE, JP_TS_ABSTRACT_CLASS, JP_TS_INTERFACE,
  JP_TS_TYPE_ALIAS, JP_TS_ENUM, JP_TS_ENUM_MEMBER, JP_TS_ENUM_ASSIGNMENT, JP_TS_NAMESPACE, JP_TS_MODULE,
  JP_TS_TYPE_PARAMETER, JP_TS_EXTENDS, JP_TS_EXTENDS_MEMBER, JP_TS_IMPLEMENTS, JP_TS_IMPLEMENTS_GENERIC,
  JP_TS_EXTENDS_TYPE, JP_TS_EXTENDS_TYPE_GENERIC, JP_TS_TYPE, JP_TS_END,
  /* JS_COMMON_QUERY */
  JP_FUNCTION = JP_TS_END, JP_GENERATOR_DECLARATION, JP_FUNCTION_EXPRESSION, JP_GENERATOR_FUNCTION,
  JP_CLASS_DECLARATION, JP_CLASS, JP_METHOD, JP_NEW, JP_NEW_MEMBER, JP_CALL, JP_METHOD_CALL, JP_TYPE_COMPONENT,
  JP_IMPORT, JP_IMPORT_CLAUSE, JP_IMPORT_SPECIFIER, JP_NAMESPACE_IMPORT, JP_EXPORT_FROM, JP_EXPORT_SPECIFIER,
  JP_DYNAMIC_IMPORT, JP_COMMON_END,
  /* JSX_QUERY */
  JP_JSX_OPENING = JP_COMMON_END, JP_JSX_SELF_CLOSING, JP_JSX_OPENING_MEMBER, JP_JSX_SELF_CLOSING_MEMBER,
  JP_JSX_END,
  /* JS_ONLY_QUERY */
  JP_JS_HERITAGE = JP_JSX_END, JP_JS_HERITAGE_MEMBER, JP_JS_FIELD_METHOD, JP_JS_FIELD_PROPERTY, JS_PATTERN_COUNT
};
#define JP_TS_COUNT (JP_TS_END)
#define JP_COMMON_COUNT (JP_COMMON_END - JP_TS_END)
#define JP_JSX_COUNT (JP_JSX_END - JP_COMMON_END)
#define JP_JS_ONLY_COUNT (JS_PATTERN_COUNT - JP_JSX_END)

/* Pattern indices in JS_TOP_LEVEL_QUERY. */
enum {
  JT_LET_FUNCTION, JT_EXPORT_LET_FUNCTION, JT_VAR_FUNCTION, JT_EXPORT_VAR_FUNCTION, JT_CONST, JT_EXPORT_CONST,
  JT_LET, JT_EXPORT_LET, JT_VAR, JT_EXPORT_VAR, JT_PROTOTYPE_METHOD, JT_EXPORTS_FUNCTION, JT_REQUIRE_LET,
  JT_REQUIRE_VAR, JT_REQUIRE_CALL, JS_TOP_PATTERN_COUNT
};

typedef struct {
  TSSymbol sym[JS_SYMBOL_COUNT];
  TSFieldId field[JS_FIELD_COUNT];
  uint32_t cap[JS_CAPTURE_COUNT];
  uint32_t top_cap[JS_TOP_CAPTURE_COUNT];
  uint32_t pattern[JS_PATTERN_COUNT]; /* index in the tree query, per pattern of the fragments */
  uint32_t symbol_count;
  bool field_parent[]; /* per symbol: the fields of its children are read */
} JsWalker;

/* Never a node's symbol or a child's field: what names of a fragment the query lacks stand for. */
#define JS_NO_SYMBOL ((TSSymbol)0)
#define JS_NO_FIELD ((TSFieldId)0xffff)

static void *js_walker_new(const TSLanguage *language, const TSQuery *tree, const TSQuery *top, int fragments) {
  uint32_t count = (fragments & JSQ_TS ? JP_TS_COUNT : 0) + JP_COMMON_COUNT + (fragments & JSQ_JSX ? JP_JSX_COUNT : 0) +
                   (fragments & JSQ_JS_ONLY ? JP_JS_ONLY_COUNT : 0);
  if (tree == NULL || top == NULL || ts_query_pattern_count(tree) != count ||
      ts_query_pattern_count(top) != JS_TOP_PATTERN_COUNT)
    return NULL;
  uint32_t symbols = ts_language_symbol_count(language);
  JsWalker *w = calloc(1, sizeof *w + symbols * sizeof(bool));
  if (w == NULL) return NULL;
  w->symbol_count = symbols;
  bool ok = true;
  for (int i = 0; ok && i < JS_SYMBOL_COUNT; i++) {
    int fragment = js_symbol_fragment(i);
    if (fragment != 0 && !(fragments & fragment)) {
      w->sym[i] = JS_NO_SYMBOL;
      continue;
    }
    bool named = i != JS_CONST && i != JS_LET;
    w->sym[i] = ts_language_symbol_for_name(language, JS_SYMBOLS[i], (uint32_t)strlen(JS_SYMBOLS[i]), named);
    ok = w->sym[i] != 0;
  }
  for (int i = 0; ok && i < JS_FIELD_COUNT; i++) {
    if (i >= JS_FIELD_COUNT_COMMON && !(fragments & JSQ_TS)) {
      w->field[i] = JS_NO_FIELD;
      continue;
    }
    w->field[i] = ts_language_field_id_for_name(language, JS_FIELDS[i], (uint32_t)strlen(JS_FIELDS[i]));
    ok = w->field[i] != 0;
  }
  for (int i = 0; ok && i < JS_CAPTURE_COUNT; i++) {
    int in = js_capture_fragments(i);
    if (in != 0 && !(fragments & in)) continue;
    ok = capture_id(tree, JS_CAPTURES[i], &w->cap[i]);
  }
  ok = ok && resolve_captures(top, JS_TOP_CAPTURES, JS_TOP_CAPTURE_COUNT, w->top_cap);
  /* Pattern indices: JavaScript is JS_ONLY + COMMON + JSX, TypeScript TS + COMMON (+ JSX for TSX). */
  uint32_t at = 0;
  if (fragments & JSQ_JS_ONLY)
    for (int i = JP_JSX_END; i < JS_PATTERN_COUNT; i++) w->pattern[i] = at++;
  if (fragments & JSQ_TS)
    for (int i = 0; i < JP_TS_END; i++) w->pattern[i] = at++;
  for (int i = JP_TS_END; i < JP_COMMON_END; i++) w->pattern[i] = at++;
  if (fragments & JSQ_JSX)
    for (int i = JP_COMMON_END; i < JP_JSX_END; i++) w->pattern[i] = at++;
  ok = ok && mark_field_parents(w->field_parent, symbols, w->sym, JS_FIELD_PARENTS,
                                sizeof JS_FIELD_PARENTS / sizeof *JS_FIELD_PARENTS, JS_NO_SYMBOL);
  if (!ok) {
    free(w);
    return NULL;
  }
  return w;
}

static void *typescript_walker_new(const TSLanguage *language, const TSQuery *tree, const TSQuery *top) {
  return js_walker_new(language, tree, top, JSQ_TS);
}
static void *tsx_walker_new(const TSLanguage *language, const TSQuery *tree, const TSQuery *top) {
  return js_walker_new(language, tree, top, JSQ_TS | JSQ_JSX);
}
static void *javascript_walker_new(const TSLanguage *language, const TSQuery *tree, const TSQuery *top) {
  return js_walker_new(language, tree, top, JSQ_JS_ONLY | JSQ_JSX);
}

/* A match of a tree query pattern (by its fragment index) with one or two captures. */
static inline void js_add(const JsWalker *w, Matches *m, int pattern, uint32_t cap1, TSNode node1, uint32_t cap2,
                          TSNode node2, bool two) {
  match_add(m, w->pattern[pattern], cap1, node1, cap2, node2, two);
}

/* Whether `parent` has a child with symbol `sym` before `child` (cursor `level`). */
static bool js_symbol_before(Kids *k, int level, TSNode parent, TSNode child, TSSymbol sym) {
  if (!kid_first(k, level, parent)) return false;
  do {
    TSNode n = kid_node(k, level);
    if (ts_node_eq(n, child)) return false;
    if (ts_node_symbol(n) == sym) return true;
  } while (kid_next(k, level));
  return false;
}

/*
 * `(<parent> <field>: [(property_identifier) (private_property_identifier)] @name value: [...]) @def`
 * completing on `value` (cursor level 0): one match per name before it.
 */
static void js_field_function(const JsWalker *w, Kids *k, const Frame *p, TSNode value, Matches *m, int pattern,
                              TSFieldId field) {
  if (!kid_first(k, 0, p->node)) return;
  do {
    TSNode name = kid_node(k, 0);
    if (ts_node_eq(name, value)) break;
    TSSymbol s = ts_node_symbol(name);
    if (kid_field(k, 0) == field &&
        (s == w->sym[JS_PROPERTY_IDENTIFIER] || s == w->sym[JS_PRIVATE_PROPERTY_IDENTIFIER]))
      js_add(w, m, pattern, w->cap[JC_DEF_METHOD], p->node, w->cap[JC_NAME], name, true);
  } while (kid_next(k, 0));
}

/*
 * The declaration a top-level declarator at `path[d - 1]` belongs to, when the pattern's root is a
 * child of the root: `path[1]` itself, or `path[2]` as the `declaration:` of an export_statement
 * at `path[1]`. Null when neither.
 */
static const Frame *js_top_declaration(const JsWalker *w, const Frame *path, uint32_t d, bool *exported) {
  if (d == 3) {
    *exported = false;
    return &path[1];
  }
  if (d == 4 && path[1].sym == w->sym[JS_EXPORT_STATEMENT] && path[2].field == w->field[JF_DECLARATION]) {
    *exported = true;
    return &path[2];
  }
  return NULL;
}

/*
 * `... arguments: (arguments . (string (string_fragment) @import.source))` with `x` the fragment:
 * the string is the first named child of an `arguments:` of the call at `path[d - 3]`.
 */
static inline bool js_first_string_argument(const JsWalker *w, const Frame *path, uint32_t d) {
  return d >= 3 && path[d - 1].sym == w->sym[JS_STRING] && path[d - 2].sym == w->sym[JS_ARGUMENTS] &&
         path[d - 2].field == w->field[JF_ARGUMENTS] && path[d - 3].sym == w->sym[JS_CALL_EXPRESSION] &&
         ts_node_eq(ts_node_named_child(path[d - 2].node, 0), path[d - 1].node);
}

/*
 * The top-level query's matches completing on entering `path[d]` (its patterns are rooted at a
 * child of the root), in pattern order.
 */
static void js_top_node(const JsWalker *w, Kids *k, const Frame *path, uint32_t d, Matches *top) {
  const TSSymbol *S = w->sym;
  const TSFieldId *F = w->field;
  const uint32_t *C = w->top_cap;
  const Frame *x = &path[d], *p = &path[d - 1];
  TSSymbol xs = x->sym;
  if (xs == S[JS_IDENTIFIER]) {
    /* (lexical_declaration "const" (variable_declarator name: (identifier) @name) @definition.constant), "let", var */
    bool exported = false;
    if (p->sym != S[JS_VARIABLE_DECLARATOR] || x->field != F[JF_NAME]) return;
    const Frame *decl = js_top_declaration(w, path, d, &exported);
    if (decl == NULL) return;
    if (decl->sym == S[JS_LEXICAL_DECLARATION]) {
      if (js_symbol_before(k, 0, decl->node, p->node, S[JS_CONST]))
        match_add(top, exported ? JT_EXPORT_CONST : JT_CONST, C[JT_DEF_CONSTANT], p->node, C[JT_NAME], x->node, true);
      if (js_symbol_before(k, 0, decl->node, p->node, S[JS_LET]))
        match_add(top, exported ? JT_EXPORT_LET : JT_LET, C[JT_DEF_VARIABLE], p->node, C[JT_NAME], x->node, true);
    } else if (decl->sym == S[JS_VARIABLE_DECLARATION]) {
      match_add(top, exported ? JT_EXPORT_VAR : JT_VAR, C[JT_DEF_VARIABLE], p->node, C[JT_NAME], x->node, true);
    }
  } else if (xs == S[JS_ARROW_FUNCTION] || xs == S[JS_FUNCTION_EXPRESSION] || xs == S[JS_GENERATOR_FUNCTION]) {
    if (p->sym == S[JS_VARIABLE_DECLARATOR] && x->field == F[JF_VALUE]) {
      /* (lexical_declaration (variable_declarator name: (identifier) @name value: [...]) @definition.function), var, exported */
      bool exported = false;
      const Frame *decl = js_top_declaration(w, path, d, &exported);
      if (decl == NULL) return;
      uint32_t pattern;
      if (decl->sym == S[JS_LEXICAL_DECLARATION])
        pattern = exported ? JT_EXPORT_LET_FUNCTION : JT_LET_FUNCTION;
      else if (decl->sym == S[JS_VARIABLE_DECLARATION])
        pattern = exported ? JT_EXPORT_VAR_FUNCTION : JT_VAR_FUNCTION;
      else
        return;
      if (!kid_first(k, 0, p->node)) return;
      do {
        TSNode name = kid_node(k, 0);
        if (ts_node_eq(name, x->node)) break;
        if (kid_field(k, 0) == F[JF_NAME] && ts_node_symbol(name) == S[JS_IDENTIFIER])
          match_add(top, pattern, C[JT_DEF_FUNCTION], p->node, C[JT_NAME], name, true);
      } while (kid_next(k, 0));
    } else if (d == 3 && xs != S[JS_GENERATOR_FUNCTION] && p->sym == S[JS_ASSIGNMENT_EXPRESSION] &&
               x->field == F[JF_RIGHT] && path[1].sym == S[JS_EXPRESSION_STATEMENT]) {
      /*
       * (expression_statement (assignment_expression left: (member_expression object: (member_expression
       * object: (identifier) property: (property_identifier)) @receiver property: (property_identifier) @name)
       * right: [...]) @definition.method), then the same with any `left: (member_expression property: ...)`.
       */
      for (int pass = 0; pass < 2; pass++) {
        if (!kid_first(k, 0, p->node)) return;
        do {
          TSNode left = kid_node(k, 0);
          if (ts_node_eq(left, x->node)) break;
          if (kid_field(k, 0) != F[JF_LEFT] || ts_node_symbol(left) != S[JS_MEMBER_EXPRESSION] ||
              !kid_first(k, 1, left))
            continue;
          do {
            TSNode child = kid_node(k, 1);
            TSFieldId f = kid_field(k, 1);
            TSSymbol cs = ts_node_symbol(child);
            if (pass == 1) {
              if (f == F[JF_PROPERTY] && cs == S[JS_PROPERTY_IDENTIFIER])
                match_add(top, JT_EXPORTS_FUNCTION, C[JT_DEF_FUNCTION], p->node, C[JT_NAME], child, true);
              continue;
            }
            if (f != F[JF_OBJECT] || cs != S[JS_MEMBER_EXPRESSION] || !kid_first(k, 2, child)) continue;
            /* The receiver: `object: (identifier)`, then a `property: (property_identifier)`. */
            bool object = false, receiver = false;
            do {
              TSFieldId g = kid_field(k, 2);
              TSSymbol s = ts_node_symbol(kid_node(k, 2));
              if (g == F[JF_OBJECT] && s == S[JS_IDENTIFIER]) object = true;
              else if (object && g == F[JF_PROPERTY] && s == S[JS_PROPERTY_IDENTIFIER]) receiver = true;
            } while (!receiver && kid_next(k, 2));
            if (!receiver) continue;
            /* The names: each `property: (property_identifier)` after the receiver. */
            if (!kid_first(k, 2, left)) continue;
            bool after = false;
            do {
              TSNode name = kid_node(k, 2);
              if (!after) {
                after = ts_node_eq(name, child);
                continue;
              }
              if (kid_field(k, 2) == F[JF_PROPERTY] && ts_node_symbol(name) == S[JS_PROPERTY_IDENTIFIER]) {
                match_begin(top, JT_PROTOTYPE_METHOD);
                match_capture(top, C[JT_DEF_METHOD], p->node);
                match_capture(top, C[JT_RECEIVER], child);
                match_capture(top, C[JT_NAME], name);
                match_end(top);
              }
            } while (kid_next(k, 2));
          } while (kid_next(k, 1));
        } while (kid_next(k, 0));
      }
    }
  } else if (xs == S[JS_STRING_FRAGMENT] && (d == 5 || d == 6) && js_first_string_argument(w, path, d)) {
    /* (lexical_declaration (variable_declarator value: (call_expression function: (identifier) @import.require arguments: ...))) @import */
    const Frame *call = &path[d - 3];
    uint32_t pattern;
    if (d == 6 && call->field == F[JF_VALUE] && path[2].sym == S[JS_VARIABLE_DECLARATOR] &&
        (path[1].sym == S[JS_LEXICAL_DECLARATION] || path[1].sym == S[JS_VARIABLE_DECLARATION]))
      pattern = path[1].sym == S[JS_LEXICAL_DECLARATION] ? JT_REQUIRE_LET : JT_REQUIRE_VAR;
    /* (expression_statement (call_expression function: (identifier) @import.require arguments: ...)) @import */
    else if (d == 5 && path[1].sym == S[JS_EXPRESSION_STATEMENT])
      pattern = JT_REQUIRE_CALL;
    else
      return;
    if (!kid_first(k, 0, call->node)) return;
    do {
      TSNode callee = kid_node(k, 0);
      if (ts_node_eq(callee, path[d - 2].node)) break;
      if (kid_field(k, 0) == F[JF_FUNCTION] && ts_node_symbol(callee) == S[JS_IDENTIFIER]) {
        match_begin(top, pattern);
        match_capture(top, C[JT_IMPORT], path[1].node);
        match_capture(top, C[JT_IMPORT_REQUIRE], callee);
        match_capture(top, C[JT_IMPORT_SOURCE], x->node);
        match_end(top);
      }
    } while (kid_next(k, 0));
  }
}

/*
 * The tree query's matches completing on entering `path[d]` (cursor levels 0-1 for the
 * look-downs), in the query cursor's order: patterns rooted higher up first (`d - 3`, then `d - 2`,
 * `d - 1`, `d`); at each root depth at most one pattern can complete on a node.
 */
static void js_node(const JsWalker *w, Kids *k, const Frame *path, uint32_t d, Matches *m) {
  if (d == 0) return;
  const TSSymbol *S = w->sym;
  const TSFieldId *F = w->field;
  const uint32_t *C = w->cap;
  const Frame *x = &path[d], *p = &path[d - 1];
  const Frame *g = d >= 2 ? &path[d - 2] : NULL;
  TSSymbol xs = x->sym, ps = p->sym;
  TSFieldId xf = x->field;
  TSNode none = {{0, 0, 0, 0}, NULL, NULL};
  /* (class_declaration name: (_) @name) @definition.class, (class name: (_) @name) (the only pattern on a class name but its type) */
  if (xf == F[JF_NAME] && (ps == S[JS_CLASS_DECLARATION] || ps == S[JS_CLASS]) && is_wildcard(x->node)) {
    js_add(w, m, ps == S[JS_CLASS] ? JP_CLASS : JP_CLASS_DECLARATION, C[JC_DEF_CLASS], p->node, C[JC_NAME], x->node,
           true);
    /* (type_identifier) @reference.type */
    if (xs == S[JS_TYPE_IDENTIFIER]) js_add(w, m, JP_TS_TYPE, C[JC_REF_TYPE], x->node, 0, none, false);
    return;
  }
  if (xs == S[JS_IDENTIFIER]) {
    if (xf == F[JF_NAME]) {
      int pattern = -1, cap = JC_DEF_FUNCTION;
      if (ps == S[JS_FUNCTION_DECLARATION]) pattern = JP_FUNCTION;
      else if (ps == S[JS_GENERATOR_FUNCTION_DECLARATION]) pattern = JP_GENERATOR_DECLARATION;
      else if (ps == S[JS_FUNCTION_EXPRESSION]) pattern = JP_FUNCTION_EXPRESSION;
      else if (ps == S[JS_GENERATOR_FUNCTION]) pattern = JP_GENERATOR_FUNCTION;
      else if (ps == S[JS_FUNCTION_SIGNATURE]) pattern = JP_TS_FUNCTION_SIGNATURE;
      else if (ps == S[JS_ENUM_DECLARATION]) pattern = JP_TS_ENUM, cap = JC_DEF_ENUM;
      else if (ps == S[JS_INTERNAL_MODULE]) pattern = JP_TS_NAMESPACE, cap = JC_DEF_NAMESPACE;
      else if (ps == S[JS_MODULE]) pattern = JP_TS_MODULE, cap = JC_DEF_MODULE;
      if (pattern >= 0) {
        js_add(w, m, pattern, C[cap], p->node, C[JC_NAME], x->node, true);
        return;
      }
      /* (import_specifier name: (identifier) @import.name), export_specifier, JSX element names */
      if (ps == S[JS_IMPORT_SPECIFIER]) pattern = JP_IMPORT_SPECIFIER, cap = JC_IMPORT_NAME;
      else if (ps == S[JS_EXPORT_SPECIFIER]) pattern = JP_EXPORT_SPECIFIER, cap = JC_IMPORT_NAME;
      else if (ps == S[JS_JSX_OPENING_ELEMENT]) pattern = JP_JSX_OPENING, cap = JC_REF_CALL_COMPONENT;
      else if (ps == S[JS_JSX_SELF_CLOSING_ELEMENT]) pattern = JP_JSX_SELF_CLOSING, cap = JC_REF_CALL_COMPONENT;
      if (pattern >= 0) js_add(w, m, pattern, C[cap], x->node, 0, none, false);
      return;
    }
    int pattern = -1, cap = 0;
    if (ps == S[JS_EXTENDS_CLAUSE]) {
      /* (extends_clause value: (identifier) @reference.inherit) */
      if (xf == F[JF_VALUE]) pattern = JP_TS_EXTENDS, cap = JC_REF_INHERIT;
    } else if (ps == S[JS_NEW_EXPRESSION]) {
      /* (new_expression constructor: (identifier) @reference.new) */
      if (xf == F[JF_CONSTRUCTOR]) pattern = JP_NEW, cap = JC_REF_NEW;
    } else if (ps == S[JS_CALL_EXPRESSION]) {
      /* (call_expression function: (identifier) @reference.call) */
      if (xf == F[JF_FUNCTION]) pattern = JP_CALL, cap = JC_REF_CALL;
    } else if (ps == S[JS_MEMBER_EXPRESSION]) {
      /* (member_expression object: (identifier) @reference.type.component) */
      if (xf == F[JF_OBJECT]) pattern = JP_TYPE_COMPONENT, cap = JC_REF_TYPE_COMPONENT;
    } else if (ps == S[JS_IMPORT_CLAUSE]) {
      pattern = JP_IMPORT_CLAUSE, cap = JC_IMPORT_NAME;
    } else if (ps == S[JS_NAMESPACE_IMPORT]) {
      pattern = JP_NAMESPACE_IMPORT, cap = JC_IMPORT_NAME;
    } else if (ps == S[JS_CLASS_HERITAGE]) {
      pattern = JP_JS_HERITAGE, cap = JC_REF_INHERIT;
    }
    if (pattern >= 0) js_add(w, m, pattern, C[cap], x->node, 0, none, false);
  } else if (xs == S[JS_PROPERTY_IDENTIFIER] || xs == S[JS_PRIVATE_PROPERTY_IDENTIFIER]) {
    bool pi = xs == S[JS_PROPERTY_IDENTIFIER];
    if (g != NULL && ps == S[JS_MEMBER_EXPRESSION] && xf == F[JF_PROPERTY]) {
      TSSymbol gs = g->sym;
      TSFieldId pf = p->field;
      if (gs == S[JS_CALL_EXPRESSION]) {
        /* (call_expression function: (member_expression object: (_) @ref.receiver property: [...] @reference.call)) */
        if (pf != F[JF_FUNCTION] || !kid_first(k, 0, p->node)) return;
        do {
          TSNode object = kid_node(k, 0);
          if (ts_node_eq(object, x->node)) break;
          if (kid_field(k, 0) == F[JF_OBJECT] && is_wildcard(object))
            js_add(w, m, JP_METHOD_CALL, C[JC_REF_RECEIVER], object, C[JC_REF_CALL], x->node, true);
        } while (kid_next(k, 0));
      } else if (!pi) {
        return;
      } else if (gs == S[JS_EXTENDS_CLAUSE]) {
        /* (extends_clause value: (member_expression property: (property_identifier) @reference.inherit)) */
        if (pf == F[JF_VALUE]) js_add(w, m, JP_TS_EXTENDS_MEMBER, C[JC_REF_INHERIT], x->node, 0, none, false);
      } else if (gs == S[JS_NEW_EXPRESSION]) {
        /* (new_expression constructor: (member_expression property: (property_identifier) @reference.new)) */
        if (pf == F[JF_CONSTRUCTOR]) js_add(w, m, JP_NEW_MEMBER, C[JC_REF_NEW], x->node, 0, none, false);
      } else if (gs == S[JS_JSX_OPENING_ELEMENT] || gs == S[JS_JSX_SELF_CLOSING_ELEMENT]) {
        /* (jsx_opening_element name: (member_expression property: (property_identifier) @reference.call.component)) */
        if (pf == F[JF_NAME])
          js_add(w, m, gs == S[JS_JSX_OPENING_ELEMENT] ? JP_JSX_OPENING_MEMBER : JP_JSX_SELF_CLOSING_MEMBER,
                 C[JC_REF_CALL_COMPONENT], x->node, 0, none, false);
      } else if (gs == S[JS_CLASS_HERITAGE]) {
        /* (class_heritage (member_expression property: (property_identifier) @reference.inherit)) */
        js_add(w, m, JP_JS_HERITAGE_MEMBER, C[JC_REF_INHERIT], x->node, 0, none, false);
      }
      return;
    }
    if (xf == F[JF_NAME]) {
      int pattern = -1, cap = JC_DEF_METHOD;
      if (ps == S[JS_METHOD_DEFINITION]) pattern = JP_METHOD;
      else if (ps == S[JS_PUBLIC_FIELD_DEFINITION]) pattern = JP_TS_FIELD_PROPERTY, cap = JC_DEF_PROPERTY;
      else if (ps == S[JS_METHOD_SIGNATURE]) pattern = JP_TS_METHOD_SIGNATURE;
      else if (ps == S[JS_ABSTRACT_METHOD_SIGNATURE]) pattern = JP_TS_ABSTRACT_METHOD_SIGNATURE;
      else if (ps == S[JS_PROPERTY_SIGNATURE]) pattern = JP_TS_PROPERTY_SIGNATURE, cap = JC_DEF_PROPERTY;
      if (pattern >= 0) {
        js_add(w, m, pattern, C[cap], p->node, C[JC_NAME], x->node, true);
      } else if (pi && ps == S[JS_ENUM_BODY]) {
        /* (enum_body name: (property_identifier) @name @definition.constant) */
        js_add(w, m, JP_TS_ENUM_MEMBER, C[JC_NAME], x->node, C[JC_DEF_CONSTANT], x->node, true);
      } else if (pi && ps == S[JS_ENUM_ASSIGNMENT] && g != NULL && g->sym == S[JS_ENUM_BODY]) {
        /* (enum_body (enum_assignment name: (property_identifier) @name) @definition.constant) */
        js_add(w, m, JP_TS_ENUM_ASSIGNMENT, C[JC_DEF_CONSTANT], p->node, C[JC_NAME], x->node, true);
      }
    } else if (xf == F[JF_PROPERTY] && ps == S[JS_FIELD_DEFINITION]) {
      /* (field_definition property: [...] @name) @definition.property */
      js_add(w, m, JP_JS_FIELD_PROPERTY, C[JC_DEF_PROPERTY], p->node, C[JC_NAME], x->node, true);
    }
  } else if (xs == S[JS_TYPE_IDENTIFIER]) {
    if (g != NULL && ps == S[JS_GENERIC_TYPE] && xf == F[JF_NAME]) {
      /* (implements_clause (generic_type name: (type_identifier) @reference.inherit)), extends_type_clause type: */
      if (g->sym == S[JS_IMPLEMENTS_CLAUSE])
        js_add(w, m, JP_TS_IMPLEMENTS_GENERIC, C[JC_REF_INHERIT], x->node, 0, none, false);
      else if (g->sym == S[JS_EXTENDS_TYPE_CLAUSE] && p->field == F[JF_TYPE])
        js_add(w, m, JP_TS_EXTENDS_TYPE_GENERIC, C[JC_REF_INHERIT], x->node, 0, none, false);
    } else if (ps == S[JS_IMPLEMENTS_CLAUSE]) {
      /* (implements_clause (type_identifier) @reference.inherit) */
      js_add(w, m, JP_TS_IMPLEMENTS, C[JC_REF_INHERIT], x->node, 0, none, false);
    } else if (ps == S[JS_EXTENDS_TYPE_CLAUSE]) {
      /* (extends_type_clause type: (type_identifier) @reference.inherit) */
      if (xf == F[JF_TYPE]) js_add(w, m, JP_TS_EXTENDS_TYPE, C[JC_REF_INHERIT], x->node, 0, none, false);
    } else if (xf == F[JF_NAME]) {
      int pattern = -1, cap = 0;
      if (ps == S[JS_ABSTRACT_CLASS_DECLARATION]) pattern = JP_TS_ABSTRACT_CLASS, cap = JC_DEF_CLASS;
      else if (ps == S[JS_INTERFACE_DECLARATION]) pattern = JP_TS_INTERFACE, cap = JC_DEF_INTERFACE;
      else if (ps == S[JS_TYPE_ALIAS_DECLARATION]) pattern = JP_TS_TYPE_ALIAS, cap = JC_DEF_TYPE;
      if (pattern >= 0) js_add(w, m, pattern, C[cap], p->node, C[JC_NAME], x->node, true);
      /* (type_parameter name: (type_identifier) @skip) */
      else if (ps == S[JS_TYPE_PARAMETER]) js_add(w, m, JP_TS_TYPE_PARAMETER, C[JC_SKIP], x->node, 0, none, false);
    }
    /* (type_identifier) @reference.type */
    js_add(w, m, JP_TS_TYPE, C[JC_REF_TYPE], x->node, 0, none, false);
  } else if (xs == S[JS_ARROW_FUNCTION] || xs == S[JS_FUNCTION_EXPRESSION]) {
    /* (public_field_definition name: [...] @name value: [(arrow_function) (function_expression)]) @definition.method */
    if (xf != F[JF_VALUE]) return;
    if (ps == S[JS_PUBLIC_FIELD_DEFINITION]) js_field_function(w, k, p, x->node, m, JP_TS_FIELD_METHOD, F[JF_NAME]);
    /* (field_definition property: [...] @name value: [...]) @definition.method */
    else if (ps == S[JS_FIELD_DEFINITION])
      js_field_function(w, k, p, x->node, m, JP_JS_FIELD_METHOD, F[JF_PROPERTY]);
  } else if (xs == S[JS_STRING_FRAGMENT] && g != NULL && ps == S[JS_STRING]) {
    /* (call_expression function: (import) arguments: (arguments . (string (string_fragment) @import.source))) @import */
    if (js_first_string_argument(w, path, d)) {
      const Frame *call = &path[d - 3];
      if (js_symbol_before(k, 0, call->node, g->node, S[JS_IMPORT]) && kid_field(k, 0) == F[JF_FUNCTION])
        js_add(w, m, JP_DYNAMIC_IMPORT, C[JC_IMPORT], call->node, C[JC_IMPORT_SOURCE], x->node, true);
      return;
    }
    /* (import_statement source: (string (string_fragment) @import.source)) @import, export_statement */
    if (p->field != F[JF_SOURCE]) return;
    if (g->sym == S[JS_IMPORT_STATEMENT])
      js_add(w, m, JP_IMPORT, C[JC_IMPORT], g->node, C[JC_IMPORT_SOURCE], x->node, true);
    else if (g->sym == S[JS_EXPORT_STATEMENT])
      js_add(w, m, JP_EXPORT_FROM, C[JC_IMPORT], g->node, C[JC_IMPORT_SOURCE], x->node, true);
  }
}

static void js_visit(const void *walker, Kids *k, const Frame *path, uint32_t depth, Matches *top, Matches *tree) {
  if (depth >= 3 && depth <= 6) js_top_node(walker, k, path, depth, top);
  js_node(walker, k, path, depth, tree);
}

/* Walks the whole tree once (see js_node and js_top_node); the matches come out in the query cursor's order. */
static void js_walk(const void *walker, TSNode root, Matches *top, Matches *tree) {
  const JsWalker *w = walker;
  walk_frames(w, w->symbol_count, w->field_parent, js_visit, root, top, tree);
}

/* The tree walks createRuntime() knows, by name. */
struct TreeWalkerKind {
  const char *name;
  /* The walker's resolved names (malloc'd), or NULL when they do not resolve for these queries. */
  void *(*create)(const TSLanguage *language, const TSQuery *tree, const TSQuery *top);
  /* The tree query's matches into `tree`, the top-level query's into `top`, in the cursor's order. */
  void (*walk)(const void *walker, TSNode root, Matches *top, Matches *tree);
};

static const TreeWalkerKind TREE_WALKERS[] = {
    {"python", python_walker_new, python_walk},
    {"go", go_walker_new, go_walk},
    {"typescript", typescript_walker_new, js_walk},
    {"tsx", tsx_walker_new, js_walk},
    {"javascript", javascript_walker_new, js_walk},
};

static napi_value create_runtime(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 3) {
    napi_throw_type_error(env, NULL, "createRuntime(language, treeQuery, topLevelQuery, walker?)");
    return NULL;
  }
  /* The tree walker asked for: a name, or none (undefined / null / ""). */
  char walker[16] = "";
  const TreeWalkerKind *kind = NULL;
  if (argc > 3) {
    napi_valuetype walker_type;
    CHECK(env, napi_typeof(env, argv[3], &walker_type));
    if (walker_type == napi_string) {
      size_t n = 0;
      CHECK(env, napi_get_value_string_utf8(env, argv[3], walker, sizeof walker, &n));
      for (size_t i = 0; n > 0 && i < sizeof TREE_WALKERS / sizeof *TREE_WALKERS; i++)
        if (strcmp(walker, TREE_WALKERS[i].name) == 0) kind = &TREE_WALKERS[i];
      if (n > 0 && kind == NULL) {
        napi_throw_type_error(env, NULL, "unknown tree walker");
        return NULL;
      }
    } else if (walker_type != napi_undefined && walker_type != napi_null) {
      napi_throw_type_error(env, NULL, "walker must be a string");
      return NULL;
    }
  }
  napi_value lang = argv[0];
  napi_valuetype type;
  CHECK(env, napi_typeof(env, lang, &type));
  if (type == napi_object) {
    CHECK(env, napi_get_named_property(env, lang, "language", &lang));
    CHECK(env, napi_typeof(env, lang, &type));
  }
  if (type != napi_external) {
    napi_throw_type_error(env, NULL, "language must be a tree-sitter grammar");
    return NULL;
  }
  void *ptr = NULL;
  CHECK(env, napi_get_value_external(env, lang, &ptr));
  const TSLanguage *language = ptr;
  uint32_t abi = language == NULL ? 0 : ts_language_abi_version(language);
  if (abi < TREE_SITTER_MIN_COMPATIBLE_LANGUAGE_VERSION || abi > TREE_SITTER_LANGUAGE_VERSION) {
    napi_throw_range_error(env, NULL, "grammar ABI version not supported by the native runtime");
    return NULL;
  }

  Runtime *rt = calloc(1, sizeof(Runtime));
  if (rt == NULL) {
    napi_throw_error(env, NULL, "out of memory");
    return NULL;
  }
  rt->language = language;
  rt->parser = ts_parser_new();
  rt->cursor = ts_query_cursor_new();
  if (rt->parser == NULL || rt->cursor == NULL || !ts_parser_set_language(rt->parser, language)) {
    runtime_free(env, rt, NULL);
    napi_throw_error(env, NULL, "could not set up the parser");
    return NULL;
  }
  rt->tree_query = compile_query(env, language, argv[1]);
  if (rt->tree_query == NULL) {
    runtime_free(env, rt, NULL);
    return NULL;
  }
  size_t top_len = 0;
  CHECK(env, napi_get_value_string_utf8(env, argv[2], NULL, 0, &top_len));
  if (top_len > 0) {
    rt->top_query = compile_query(env, language, argv[2]);
    if (rt->top_query == NULL) {
      runtime_free(env, rt, NULL);
      return NULL;
    }
  }
  if (kind != NULL) {
    /* NULL when a node type, field or capture does not resolve: the queries run instead. */
    rt->walker = kind->create(language, rt->tree_query, rt->top_query);
    if (rt->walker != NULL) rt->walk_kind = kind;
  }
  napi_value out;
  if (napi_create_external(env, rt, runtime_free, NULL, &out) != napi_ok) {
    runtime_free(env, rt, NULL);
    throw_last(env, "napi_create_external");
    return NULL;
  }
  CHECK(env, napi_type_tag_object(env, out, &RUNTIME_TAG));
  return out;
}

static Runtime *runtime_arg(napi_env env, napi_value value) {
  napi_valuetype type;
  void *ptr = NULL;
  bool tagged = false;
  if (napi_typeof(env, value, &type) != napi_ok || type != napi_external ||
      napi_check_object_type_tag(env, value, &RUNTIME_TAG, &tagged) != napi_ok || !tagged ||
      napi_get_value_external(env, value, &ptr) != napi_ok || ptr == NULL) {
    napi_throw_type_error(env, NULL, "expected a runtime from createRuntime()");
    return NULL;
  }
  return ptr;
}

static napi_value capture_names(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  Runtime *rt = argc < 1 ? NULL : runtime_arg(env, argv[0]);
  if (rt == NULL) return NULL;
  int32_t which = 0;
  if (argc > 1) CHECK(env, napi_get_value_int32(env, argv[1], &which));
  TSQuery *query = which == 1 ? rt->top_query : rt->tree_query;
  napi_value out;
  CHECK(env, napi_create_array(env, &out));
  if (query == NULL) return out;
  uint32_t count = ts_query_capture_count(query);
  for (uint32_t i = 0; i < count; i++) {
    uint32_t len = 0;
    const char *name = ts_query_capture_name_for_id(query, i, &len);
    napi_value s;
    CHECK(env, napi_create_string_utf8(env, name, len, &s));
    CHECK(env, napi_set_element(env, out, i, s));
  }
  return out;
}

/* The tree walker the runtime uses, or null when its queries run. */
static napi_value walker_name(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  Runtime *rt = argc < 1 ? NULL : runtime_arg(env, argv[0]);
  if (rt == NULL) return NULL;
  napi_value out;
  if (rt->walk_kind != NULL) {
    CHECK(env, napi_create_string_utf8(env, rt->walk_kind->name, NAPI_AUTO_LENGTH, &out));
  } else {
    CHECK(env, napi_get_null(env, &out));
  }
  return out;
}

/* The text being parsed, handed to tree-sitter in one piece. */
typedef struct {
  const char *bytes;
  uint32_t length;
} Utf16Text;

static const char *read_text(void *payload, uint32_t byte_index, TSPoint position, uint32_t *bytes_read) {
  (void)position;
  const Utf16Text *text = payload;
  if (byte_index >= text->length) {
    *bytes_read = 0;
    return "";
  }
  *bytes_read = text->length - byte_index;
  return text->bytes + byte_index;
}

/* Cancels the parse once the deadline (monotonic ns) has passed; checked every 100 parser steps. */
static bool past_deadline(TSParseState *state) {
  return now_ns() > *(const double *)state->payload;
}

/*
 * Parses UTF-16 text; NULL after throwing. With a deadline (monotonic ns, 0: none) the parse is
 * cancelled once it has passed, and the error thrown has code PARSE_TIMEOUT.
 */
static TSTree *parse_utf16(napi_env env, Runtime *rt, napi_value value, double deadline) {
  size_t len = 0;
  uint16_t *buf = utf16_arg(env, value, &len);
  if (buf == NULL) return NULL;
  if (len > UINT32_MAX / 2) {
    free(buf);
    napi_throw_range_error(env, NULL, "text too large to parse");
    return NULL;
  }
  ts_parser_reset(rt->parser);
  Utf16Text text = {(const char *)buf, (uint32_t)(len * 2)};
  TSInput input = {&text, read_text, TSInputEncodingUTF16LE, NULL};
  TSParseOptions options = {&deadline, deadline > 0 ? past_deadline : NULL};
  TSTree *tree = ts_parser_parse_with_options(rt->parser, NULL, input, options);
  free(buf);
  if (tree == NULL) {
    /* A cancelled parse would otherwise be resumed by the next one. */
    ts_parser_reset(rt->parser);
    if (deadline > 0 && now_ns() > deadline) {
      napi_throw_error(env, "PARSE_TIMEOUT", "parsing took past the deadline");
    } else {
      napi_throw_error(env, NULL, "tree-sitter returned no tree");
    }
  }
  return tree;
}

/* An optional timeout argument in milliseconds (0: none); false after throwing. */
static bool timeout_arg(napi_env env, size_t argc, napi_value *argv, size_t at, double *out) {
  *out = 0;
  if (argc <= at) return true;
  napi_valuetype type;
  if (napi_typeof(env, argv[at], &type) != napi_ok) return false;
  if (type == napi_undefined || type == napi_null) return true;
  if (type != napi_number || napi_get_value_double(env, argv[at], out) != napi_ok || !(*out >= 0)) {
    napi_throw_type_error(env, NULL, "timeoutMs must be a number >= 0");
    return false;
  }
  return true;
}

/* Bytes under the outermost ERROR nodes, walking only subtrees that hold errors. */
static uint32_t error_bytes(TSNode root) {
  uint32_t n = 0;
  TSTreeCursor cursor = ts_tree_cursor_new(root);
  for (;;) {
    TSNode node = ts_tree_cursor_current_node(&cursor);
    if (ts_node_is_error(node)) {
      n += ts_node_end_byte(node) - ts_node_start_byte(node);
    } else if (ts_node_has_error(node) && ts_tree_cursor_goto_first_child(&cursor)) {
      continue;
    }
    for (;;) {
      if (ts_tree_cursor_goto_next_sibling(&cursor)) break;
      if (!ts_tree_cursor_goto_parent(&cursor)) {
        ts_tree_cursor_delete(&cursor);
        return n;
      }
    }
  }
}

/* The matches as a Uint32Array (layout at the top of the file); NULL after throwing. */
static napi_value matches_to_array(napi_env env, Matches *mt) {
  if (!mt->ok) {
    napi_throw_error(env, NULL, "out of memory");
    return NULL;
  }
  napi_value out = NULL;
  size_t m = mt->patterns.len, c = mt->ids.len;
  size_t total = 2 + m + (m + 1) + 3 * c;
  void *raw = NULL;
  napi_value buffer;
  if (napi_create_arraybuffer(env, total * sizeof(uint32_t), &raw, &buffer) != napi_ok ||
      napi_create_typedarray(env, napi_uint32_array, total, buffer, 0, &out) != napi_ok) {
    throw_last(env, "napi_create_typedarray");
    return NULL;
  }
  uint32_t *p = raw;
  *p++ = (uint32_t)m;
  *p++ = (uint32_t)c;
  if (m > 0) memcpy(p, mt->patterns.data, m * sizeof(uint32_t));
  p += m;
  memcpy(p, mt->cap_start.data, (m + 1) * sizeof(uint32_t));
  p += m + 1;
  if (c > 0) {
    memcpy(p, mt->ids.data, c * sizeof(uint32_t));
    memcpy(p + c, mt->starts.data, c * sizeof(uint32_t));
    memcpy(p + 2 * c, mt->ends.data, c * sizeof(uint32_t));
  }
  return out;
}

/* Runs one query over the tree; the result layout is described at the top of the file. */
static napi_value run_query(napi_env env, Runtime *rt, TSQuery *query, TSNode root, uint32_t max_start_depth,
                            double deadline) {
  Matches mt;
  matches_init(&mt);
  ts_query_cursor_set_max_start_depth(rt->cursor, max_start_depth);
  /*
   * The query cursor has its own quadratic case (deeply nested trees: 20,000 nested brackets take
   * 0.7 s, 300,000 minutes), so it shares the parse's deadline. Its timeout (deprecated in 0.25 in
   * favour of a progress callback, which would cost a node lookup per step) ends the matches
   * early; the deadline check after the loop turns that into an error.
   */
  if (deadline > 0) {
    double left_us = (deadline - now_ns()) / 1e3;
    if (left_us < 1) left_us = 1;
    ts_query_cursor_set_timeout_micros(rt->cursor, (uint64_t)left_us);
  } else {
    ts_query_cursor_set_timeout_micros(rt->cursor, 0);
  }
  ts_query_cursor_exec(rt->cursor, query, root);
  TSQueryMatch match;
  while (mt.ok && ts_query_cursor_next_match(rt->cursor, &match)) {
    match_begin(&mt, match.pattern_index);
    for (uint16_t i = 0; i < match.capture_count; i++) match_capture(&mt, match.captures[i].index, match.captures[i].node);
    match_end(&mt);
  }
  napi_value out = NULL;
  if (mt.ok && deadline > 0 && now_ns() > deadline) {
    napi_throw_error(env, "PARSE_TIMEOUT", "running the tags queries took past the deadline");
  } else {
    out = matches_to_array(env, &mt);
  }
  matches_free(&mt);
  return out;
}

static napi_value extract(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  Runtime *rt = argc < 2 ? NULL : runtime_arg(env, argv[0]);
  if (rt == NULL) return NULL;
  double timeout_ms = 0;
  if (!timeout_arg(env, argc, argv, 3, &timeout_ms)) return NULL;
  double t0 = now_ns();
  /* One budget for the whole file: its parses and both queries. */
  double deadline = timeout_ms > 0 ? t0 + timeout_ms * 1e6 : 0;
  TSTree *tree = parse_utf16(env, rt, argv[1], deadline);
  if (tree == NULL) return NULL;
  bool used_original = false;
  napi_valuetype original_type = napi_undefined;
  if (argc > 2) napi_typeof(env, argv[2], &original_type);
  if (original_type == napi_string && ts_node_has_error(ts_tree_root_node(tree))) {
    TSTree *plain = parse_utf16(env, rt, argv[2], deadline);
    if (plain == NULL) {
      ts_tree_delete(tree);
      return NULL;
    }
    if (error_bytes(ts_tree_root_node(plain)) <= error_bytes(ts_tree_root_node(tree))) {
      ts_tree_delete(tree);
      tree = plain;
      used_original = true;
    } else {
      ts_tree_delete(plain);
    }
  }
  double parse_ms = (now_ns() - t0) / 1e6;
  TSNode root = ts_tree_root_node(tree);
  napi_value top = NULL, whole = NULL, flag, ms, out;
  if (rt->walk_kind != NULL) {
    Matches top_matches, tree_matches;
    matches_init(&top_matches);
    matches_init(&tree_matches);
    rt->walk_kind->walk(rt->walker, root, &top_matches, &tree_matches);
    ts_tree_delete(tree);
    if (deadline > 0 && now_ns() > deadline) {
      napi_throw_error(env, "PARSE_TIMEOUT", "walking the tree took past the deadline");
    } else {
      top = matches_to_array(env, &top_matches);
      whole = top == NULL ? NULL : matches_to_array(env, &tree_matches);
    }
    matches_free(&top_matches);
    matches_free(&tree_matches);
    if (whole == NULL) return NULL;
  } else {
    if (rt->top_query != NULL) {
      top = run_query(env, rt, rt->top_query, root, 1, deadline);
      if (top == NULL) {
        ts_tree_delete(tree);
        return NULL;
      }
    } else if (napi_get_null(env, &top) != napi_ok) {
      ts_tree_delete(tree);
      throw_last(env, "napi_get_null");
      return NULL;
    }
    whole = run_query(env, rt, rt->tree_query, root, UINT32_MAX, deadline);
    ts_tree_delete(tree);
    if (whole == NULL) return NULL;
  }
  CHECK(env, napi_get_boolean(env, used_original, &flag));
  CHECK(env, napi_create_double(env, parse_ms, &ms));
  CHECK(env, napi_create_array_with_length(env, 4, &out));
  CHECK(env, napi_set_element(env, out, 0, top));
  CHECK(env, napi_set_element(env, out, 1, whole));
  CHECK(env, napi_set_element(env, out, 2, flag));
  CHECK(env, napi_set_element(env, out, 3, ms));
  return out;
}

static napi_value parse_only(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  Runtime *rt = argc < 2 ? NULL : runtime_arg(env, argv[0]);
  if (rt == NULL) return NULL;
  double timeout_ms = 0;
  if (!timeout_arg(env, argc, argv, 2, &timeout_ms)) return NULL;
  TSTree *tree = parse_utf16(env, rt, argv[1], timeout_ms > 0 ? now_ns() + timeout_ms * 1e6 : 0);
  if (tree == NULL) return NULL;
  bool has_error = ts_node_has_error(ts_tree_root_node(tree));
  ts_tree_delete(tree);
  napi_value out;
  CHECK(env, napi_get_boolean(env, has_error, &out));
  return out;
}

/*
 * glibc keeps what the process freed in its arenas (one per thread that allocated), and gives
 * back only the top of each: a worker that had indexed 13,000 files and was embedding held 657 MB,
 * of which malloc_trim returned 274 MB at once.
 */
static napi_value trim_heap(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value out;
#ifdef __GLIBC__
  CHECK(env, napi_get_boolean(env, malloc_trim(0) != 0, &out));
#else
  CHECK(env, napi_get_null(env, &out));
#endif
  return out;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"createRuntime", NULL, create_runtime, NULL, NULL, NULL, napi_enumerable, NULL},
      {"captureNames", NULL, capture_names, NULL, NULL, NULL, napi_enumerable, NULL},
      {"walker", NULL, walker_name, NULL, NULL, NULL, napi_enumerable, NULL},
      {"extract", NULL, extract, NULL, NULL, NULL, napi_enumerable, NULL},
      {"parse", NULL, parse_only, NULL, NULL, NULL, napi_enumerable, NULL},
      {"trimHeap", NULL, trim_heap, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  if (napi_define_properties(env, exports, sizeof props / sizeof *props, props) != napi_ok) return NULL;
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
