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
 * Exports:
 *   createRuntime(language, treeQuery, topLevelQuery) -> runtime (external)
 *   captureNames(runtime, which) -> string[]          which: 0 tree query, 1 top-level query
 *   extract(runtime, text, original, timeoutMs) -> [top | null, tree, usedOriginal, parseMs]
 *     Parses `text`; when `original` is a string and the tree of `text` has errors, parses
 *     `original` too and keeps the tree with fewer bytes under ERROR nodes (the syntax repair).
 *     Each query's result is a Uint32Array: [M, C, pattern x M, capStart x (M + 1),
 *     captureId x C, start x C, end x C]. parseMs: time spent parsing (for the stage figures).
 *   parse(runtime, text, timeoutMs) -> boolean (hasError); the parse alone, for the parse floor.
 *   With timeoutMs > 0, parses and queries that run past it are cancelled: error code PARSE_TIMEOUT.
 */
#define NAPI_VERSION 8
#include <node_api.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <tree_sitter/api.h>

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

typedef struct {
  const TSLanguage *language;
  TSParser *parser;
  TSQueryCursor *cursor;
  TSQuery *tree_query;
  TSQuery *top_query; /* NULL when the language has no top-level query */
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

static napi_value create_runtime(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 3) {
    napi_throw_type_error(env, NULL, "createRuntime(language, treeQuery, topLevelQuery)");
    return NULL;
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

/* Runs one query over the tree; the result layout is described at the top of the file. */
static napi_value run_query(napi_env env, Runtime *rt, TSQuery *query, TSNode root, uint32_t max_start_depth,
                            double deadline) {
  Vec patterns = {0}, cap_start = {0}, ids = {0}, starts = {0}, ends = {0};
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
  int ok = vec_push(&cap_start, 0);
  while (ok && ts_query_cursor_next_match(rt->cursor, &match)) {
    ok = vec_push(&patterns, match.pattern_index);
    for (uint16_t i = 0; ok && i < match.capture_count; i++) {
      const TSQueryCapture *capture = &match.captures[i];
      ok = vec_push(&ids, capture->index) && vec_push(&starts, ts_node_start_byte(capture->node) / 2) &&
           vec_push(&ends, ts_node_end_byte(capture->node) / 2);
    }
    ok = ok && vec_push(&cap_start, (uint32_t)ids.len);
  }
  napi_value out = NULL;
  if (ok && deadline > 0 && now_ns() > deadline) {
    napi_throw_error(env, "PARSE_TIMEOUT", "running the tags queries took past the deadline");
  } else if (ok) {
    size_t m = patterns.len, c = ids.len;
    size_t total = 2 + m + (m + 1) + 3 * c;
    void *raw = NULL;
    napi_value buffer;
    if (napi_create_arraybuffer(env, total * sizeof(uint32_t), &raw, &buffer) == napi_ok &&
        napi_create_typedarray(env, napi_uint32_array, total, buffer, 0, &out) == napi_ok) {
      uint32_t *p = raw;
      *p++ = (uint32_t)m;
      *p++ = (uint32_t)c;
      if (m > 0) memcpy(p, patterns.data, m * sizeof(uint32_t));
      p += m;
      memcpy(p, cap_start.data, (m + 1) * sizeof(uint32_t));
      p += m + 1;
      if (c > 0) {
        memcpy(p, ids.data, c * sizeof(uint32_t));
        memcpy(p + c, starts.data, c * sizeof(uint32_t));
        memcpy(p + 2 * c, ends.data, c * sizeof(uint32_t));
      }
    } else {
      out = NULL;
      throw_last(env, "napi_create_typedarray");
    }
  } else {
    napi_throw_error(env, NULL, "out of memory");
  }
  vec_free(&patterns);
  vec_free(&cap_start);
  vec_free(&ids);
  vec_free(&starts);
  vec_free(&ends);
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

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"createRuntime", NULL, create_runtime, NULL, NULL, NULL, napi_enumerable, NULL},
      {"captureNames", NULL, capture_names, NULL, NULL, NULL, napi_enumerable, NULL},
      {"extract", NULL, extract, NULL, NULL, NULL, napi_enumerable, NULL},
      {"parse", NULL, parse_only, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  if (napi_define_properties(env, exports, sizeof props / sizeof *props, props) != napi_ok) return NULL;
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
