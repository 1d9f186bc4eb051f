import { createHash } from 'node:crypto';
/**
 * The pure extractor: source text in, symbols/refs/imports/chunks out. One parse and one pass of
 * each tags query per file (see `./raw-captures.ts`); everything else is arithmetic on offsets and
 * small slices of the source string.
 */
import Parser from 'tree-sitter';
import { createCaptureRoleCache } from './capture-names.js';
import { buildChunks } from './chunks.js';
import { implHeadRows, resolveDefinitions } from './definitions.js';
import { type LanguageRules, rulesFor } from './language-rules.js';
import { loadGrammar } from './languages.js';
import { createLineIndex } from './line-index.js';
import { keepTemplateCaptures, macroBodyTrees, mayHaveItemMacros } from './macro-bodies.js';
import {
  createNativeRuntime,
  isNativeParseTimeout,
  type NativeRuntime,
  nativeExtract,
  type TreeWalker,
  treeWalkEnabled,
} from './native.js';
import { tagsQuerySources } from './queries/index.js';
import {
  type CaptureQueries,
  collectCaptures,
  collectQueryMatches,
  emptyRawExtraction,
  QueryDeadlineError,
  type RawExtraction,
} from './raw-captures.js';
import { dedupeRefs, resolveImports, resolveRefs } from './references.js';
import { addComponent } from './sfc.js';
import { errorChars } from './syntax-repair.js';
import { buildTextChunks } from './text-chunks.js';
import {
  CODE_LANGUAGE_IDS,
  type CodeLanguageId,
  type FileExtraction,
  isTextLanguage,
  type LanguageId,
} from './types.js';

/** Extracts definitions, references, imports and chunks from source files. */
export interface Extractor {
  /**
   * Extracts one file. Syntax errors yield whatever tree-sitter recovered, and an input the
   * parser rejects yields an empty extraction. Throws only `ParseTimeoutError` (a parse past
   * `parseTimeoutMs`) and errors setting up a grammar.
   */
  /**
   * `path` (relative to the root) names what only the file's name says: a Vue or Svelte file is a
   * component named after it (see `addComponent` in `./sfc.ts`).
   */
  extractFile(source: string, language: LanguageId, timings?: ExtractTimings, path?: string): FileExtraction;
  /**
   * Loads every grammar, compiles every query and runs a small sample of each language through
   * the whole extraction, so the first real batch pays no start-up cost. Returns the time taken.
   */
  warmUp(): number;
}

export interface ExtractorOptions {
  /**
   * Use the native extractor when it is built and loads (default true). False: node-tree-sitter
   * only (the tests compare the two).
   */
  native?: boolean;
  /**
   * Longest a file's parse may take, in ms (0, the default: no limit). tree-sitter's error
   * recovery is quadratic on some broken inputs (300,000 unclosed brackets take minutes), so
   * workers set one: a parse past it is cancelled and `extractFile` throws `ParseTimeoutError`.
   */
  parseTimeoutMs?: number;
  /**
   * Let the native extractor use a language's tree walk instead of its tags queries, where one
   * exists (Python, Go, TypeScript, TSX, JavaScript). Default: on, unless CODEINDEX_TREE_WALK is 0 / off / false.
   */
  treeWalk?: boolean;
}

/**
 * Languages whose queries the native extractor can replace with a tree walk (same matches), with
 * the SHA-256 of the queries each walk mirrors (tree query, NUL, top-level query). A walk is
 * written against one text of its queries: when they change, the queries run until the walk is
 * updated and the fingerprint with it (test/indexer/tree-walk.test.ts fails meanwhile).
 */
const TREE_WALKERS: Partial<Record<CodeLanguageId, { walker: TreeWalker; queries: string }>> = {
  python: { walker: 'python', queries: '3023bcb1b7fe4784944b9079f079bafd1b3e2bf733bbe56c152b2930d55d355e' },
  go: { walker: 'go', queries: '196c28b037812d0164bc7d29a0691b944748de9bf3dde3a4d7cf3fad05134627' },
  typescript: {
    walker: 'typescript',
    queries: 'c4db8d08363f30ebc049884ba3c5e8037dd2ea09be720f254d3b4dc62dcda9c1',
  },
  tsx: { walker: 'tsx', queries: '8776810ace8643b82fb91960dc3761a7ee9c9272a92ad56927c7f05af02920f5' },
  // Single-file components run TypeScript's grammar and queries on their script blocks.
  vue: { walker: 'typescript', queries: 'c4db8d08363f30ebc049884ba3c5e8037dd2ea09be720f254d3b4dc62dcda9c1' },
  svelte: {
    walker: 'typescript',
    queries: 'c4db8d08363f30ebc049884ba3c5e8037dd2ea09be720f254d3b4dc62dcda9c1',
  },
  javascript: {
    walker: 'javascript',
    queries: 'aaff627e48be6c81143f00f5478d6bd8bfc5b21ba3deda122c96467fabca7171',
  },
};

/** The tree walk that may stand in for a language's queries, or null (queries run). */
export function treeWalkerFor(
  language: CodeLanguageId,
  sources: { tree: string; topLevel: string },
): TreeWalker | null {
  const w = TREE_WALKERS[language];
  if (w === undefined) return null;
  const sha = createHash('sha256').update(sources.tree).update('\0').update(sources.topLevel).digest('hex');
  return sha === w.queries ? w.walker : null;
}

/** A file whose parse ran past the extractor's `parseTimeoutMs`. */
export class ParseTimeoutError extends Error {
  readonly code = 'PARSE_TIMEOUT';
  constructor(readonly timeoutMs: number) {
    super(
      `tree-sitter took longer than ${timeoutMs} ms on this file (parse and tags queries; it is very slow on ` +
        'some syntax, such as thousands of nested or unclosed brackets); exclude the file or raise CODEINDEX_PARSE_TIMEOUT_MS',
    );
  }
}

/** Milliseconds spent per stage, added to by `extractFile` when given (for the benchmarks). */
export interface ExtractTimings {
  parse: number;
  /** The tags queries. */
  query: number;
  /** Everything after the queries: definitions, references, imports, chunks. */
  rest: number;
}

/** A few lines per language that exercise definitions, references, imports and chunks. */
export const WARM_UP_SAMPLES: Readonly<Record<CodeLanguageId, string>> = {
  typescript: [
    "import { b } from './b';",
    'export interface I { x: number }',
    'export class C implements I { x = 1; m(): I { return new C(); } }',
    'export const f = (a: I) => b(a);',
  ].join('\n'),
  tsx: ["import { B } from './b';", 'export function App(p: { n: string }) { return <B n={p.n} />; }'].join(
    '\n',
  ),
  javascript: [
    "const x = require('x');",
    'class A extends B { m() { return x.y(new A()); } }',
    'export function f(a) { return a; }',
  ].join('\n'),
  python: [
    'import os',
    'from a import b',
    '',
    'class C(B):',
    '    """Doc."""',
    '    def m(self):',
    '        return b(os.sep)',
    '',
    'X = 1',
  ].join('\n'),
  go: [
    'package p',
    'import "fmt"',
    'type T struct{ A int }',
    'func (t *T) M() string { return fmt.Sprint(t.A) }',
    'const C = 1',
  ].join('\n'),
  rust: [
    'use std::io;',
    'pub struct S { a: i32 }',
    'impl S { pub fn m(&self) -> io::Result<()> { Ok(()) } }',
    'pub const C: i32 = 1;',
    // An item macro: such files take the node-tree-sitter path, so it is warmed up too.
    'cfg_x! { pub fn w() {} }',
  ].join('\n'),
  java: [
    'package p;',
    'import java.util.List;',
    'public class C extends B implements I { int f; void m() { List.of(new C()); } }',
  ].join('\n'),
  c: [
    '#include <stdio.h>',
    'struct s { int a; };',
    'static int f(struct s *p) { return printf("%d", p->a); }',
  ].join('\n'),
  cpp: [
    '#include <vector>',
    'namespace n {',
    'class C : public B { public: int m() const; };',
    'int C::m() const { return f(new C()); }',
    '}',
  ].join('\n'),
  objc: [
    '#import "b.h"',
    '@interface C : B',
    '- (int)m:(int)a;',
    '@end',
    '@implementation C',
    '- (int)m:(int)a { return [self f:a]; }',
    '@end',
  ].join('\n'),
  csharp: [
    'using System;',
    'namespace N {',
    '  public class C : B { public int M() { return F(new C()); } }',
    '}',
  ].join('\n'),
  ruby: ["require 'json'", 'module M', '  class C < B', '    def m(a) = JSON.parse(a)', '  end', 'end'].join(
    '\n',
  ),
  php: ['<?php', 'use A\\B;', 'class C extends B { public function m() { return f(new C()); } }'].join('\n'),
  kotlin: ['import a.B', 'class C : B() {', '    fun m(): Int = f(C())', '}'].join('\n'),
  swift: ['import Foundation', 'class C: B {', '    func m() -> Int { return f(C()) }', '}'].join('\n'),
  scala: ['import a.B', 'class C extends B {', '  def m(): Int = f(new C())', '}'].join('\n'),
  bash: ['source ./lib.sh', 'X=1', 'f() {', '  echo "$X"', '}'].join('\n'),
  lua: ['local m = require("m")', 'local M = {}', 'function M.f(a) return m.g(a) end', 'return M'].join('\n'),
  elixir: ['defmodule A.B do', '  alias A.C', '  def f(x) when is_integer(x), do: C.g(x) |> h()', 'end'].join(
    '\n',
  ),
  dart: ["import 'a.dart';", 'class C extends B {', '  int m(int a) { return f(C(a)); }', '}'].join('\n'),
  vue: [
    '<template><B :n="n" @click="m" /></template>',
    '<script setup lang="ts">',
    "import B from './B.vue';",
    'const n = 1;',
    'function m(): number { return f(new C()); }',
    '</script>',
  ].join('\n'),
  svelte: [
    '<script lang="ts">',
    "  import B from './B.svelte';",
    '  export let n = 1;',
    '  function m() { return f(n); }',
    '</script>',
    '<B {n} on:click={m} />',
  ].join('\n'),
};

const NO_CALLEES: ReadonlySet<string> = new Set();

/** The pattern number of references from markup (`LanguageRules.markupRefs`): after every query's. */
const MARKUP_PATTERN = 1_000_000;

/** Runs of each sample in `warmUp`: enough for V8 to optimise the hot extraction functions. */
const WARM_UP_RUNS = 20;

/** Parser, compiled query and rules for one language, built on first use and then reused. */
interface LanguageRuntime {
  rules: LanguageRules;
  roleOf: CaptureQueries['roleOf'];
  importCallees: CaptureQueries['importCallees'];
  definitionCallees: CaptureQueries['definitionCallees'];
  /** The native extractor for this language; null when it is not available. */
  native: NativeRuntime | null;
  /**
   * node-tree-sitter's parser and compiled queries, built on first use: with the native extractor
   * only Rust files with item macros need them, and compiling the queries twice per language
   * would double a worker's warm-up.
   */
  js: () => CaptureQueries & { parser: Parser };
}

/** node-tree-sitter's parse under the parser's timeout (set in `runtimeFor`). */
function parseOrTimeOut(parser: Parser, text: string, timeoutMs: number): Parser.Tree {
  const tree = parser.parse(text) as Parser.Tree | null;
  if (tree) return tree;
  // A cancelled parse would otherwise be resumed by the next one.
  parser.reset();
  throw new ParseTimeoutError(timeoutMs);
}

/** A grammar or query that does not load: a programming error, never hidden as an empty file. */
class GrammarSetupError extends Error {
  constructor(language: LanguageId, cause: unknown) {
    super(`tree-sitter setup for ${language} failed: ${(cause as Error)?.message ?? cause}`, { cause });
  }
}

function emptyExtraction(language: LanguageId): FileExtraction {
  return { language, symbols: [], refs: [], imports: [], chunks: [] };
}

function extractWith(
  runtime: LanguageRuntime,
  source: string,
  language: LanguageId,
  timings: ExtractTimings | undefined,
  parseTimeoutMs: number,
): FileExtraction {
  const t0 = timings === undefined ? 0 : performance.now();
  // Syntax the grammar does not know (TypeScript variance annotations, ...) is repaired first,
  // keeping every offset: such files parse cleanly, where the original would send tree-sitter
  // into slow error recovery. A repaired text that still has errors is checked against the
  // original, and the tree with less under ERROR nodes is kept.
  const repaired = runtime.rules.repair?.(source) ?? null;
  let raw: RawExtraction;
  let parseMs = 0;
  // Rust item macros need the tree itself (their bodies are parsed again): JS path.
  if (runtime.native !== null && !(runtime.rules.macroBodies && mayHaveItemMacros(source))) {
    // Parse and queries are one native call, which reports the parse's share.
    let result: ReturnType<typeof nativeExtract>;
    try {
      result = nativeExtract(
        runtime.native,
        repaired ?? source,
        repaired === null ? null : source,
        parseTimeoutMs,
      );
    } catch (err) {
      throw isNativeParseTimeout(err) ? new ParseTimeoutError(parseTimeoutMs) : err;
    }
    const { top, tree } = result;
    parseMs = result.parseMs;
    raw = emptyRawExtraction();
    collectQueryMatches(runtime, top, tree, source, raw);
  } else {
    const js = runtime.js();
    const deadline = parseTimeoutMs > 0 ? performance.now() + parseTimeoutMs : 0;
    let tree = parseOrTimeOut(js.parser, repaired ?? source, parseTimeoutMs);
    if (repaired !== null && tree.rootNode.hasError) {
      const plain = parseOrTimeOut(js.parser, source, parseTimeoutMs);
      if (errorChars(plain) <= errorChars(tree)) tree = plain;
    }
    if (timings !== undefined) parseMs = performance.now() - t0;
    try {
      raw = collectCaptures(js, tree, source, undefined, deadline);
      if (runtime.rules.macroBodies) {
        // Rust items inside item-level macros (`cfg_rt! { … }`): parsed on their own, offsets intact.
        for (const body of macroBodyTrees(js.parser, tree, source)) {
          if (body.template)
            keepTemplateCaptures(collectCaptures(js, body.tree, source, undefined, deadline), raw, source);
          else collectCaptures(js, body.tree, source, raw, deadline);
        }
      }
    } catch (err) {
      throw err instanceof QueryDeadlineError ? new ParseTimeoutError(parseTimeoutMs) : err;
    }
  }
  const t2 = timings === undefined ? 0 : performance.now();
  const lines = createLineIndex(source);
  const { symbols, scopes, candidates, nameStarts } = resolveDefinitions(raw, source, lines, runtime.rules);
  for (const r of runtime.rules.markupRefs?.(source) ?? [])
    raw.refs.push({
      kind: 'call',
      pattern: MARKUP_PATTERN,
      start: r.start,
      end: r.end,
      receiverStart: -1,
      receiverEnd: -1,
      ...(r.name === undefined ? {} : { name: r.name }),
    });
  const refs = dedupeRefs(raw, nameStarts, source, language, runtime.rules);
  const { imports, importRefs, lastTopLevelRow, aliases } = resolveImports(
    raw,
    source,
    runtime.rules,
    lines,
    scopes,
  );
  const out: FileExtraction = {
    language,
    symbols,
    refs: resolveRefs(refs, importRefs, scopes, source, lines, runtime.rules, aliases),
    imports,
    chunks: buildChunks(
      source,
      lines,
      candidates,
      lastTopLevelRow,
      language === 'rust' ? implHeadRows(source, lines, scopes, candidates) : undefined,
    ),
  };
  if (timings !== undefined) {
    timings.parse += parseMs;
    timings.query += t2 - t0 - parseMs;
    timings.rest += performance.now() - t2;
  }
  return out;
}

/**
 * Creates an extractor. It keeps one Parser and one compiled tags query per language, created on
 * first use: compiling a query costs tens of milliseconds, parsing a typical file much less.
 * Not safe for concurrent use from several threads (one per worker process is the intent).
 */
export function createExtractor(options: ExtractorOptions = {}): Extractor {
  const useNative = options.native ?? true;
  const treeWalk = options.treeWalk ?? treeWalkEnabled();
  const parseTimeoutMs = Math.max(0, options.parseTimeoutMs ?? 0);
  const runtimes = new Map<CodeLanguageId, LanguageRuntime>();
  const runtimeFor = (language: CodeLanguageId): LanguageRuntime => {
    let runtime = runtimes.get(language);
    if (runtime === undefined) {
      const grammar = loadGrammar(language);
      const sources = tagsQuerySources(language);
      const roleOf = createCaptureRoleCache();
      const rules = rulesFor(language);
      let js: (CaptureQueries & { parser: Parser }) | undefined;
      const buildJs = () => {
        if (js === undefined) {
          try {
            const parser = new Parser();
            parser.setLanguage(grammar);
            // Whole microseconds; 0 leaves the parse unbounded.
            parser.setTimeoutMicros(Math.min(0xffffffff, Math.round(parseTimeoutMs * 1000)));
            js = {
              parser,
              query: new Parser.Query(grammar, sources.tree),
              topLevelQuery: sources.topLevel === '' ? null : new Parser.Query(grammar, sources.topLevel),
              roleOf,
              importCallees: rules.importCallees,
              definitionCallees: rules.definitionCallees ?? NO_CALLEES,
            };
          } catch (err) {
            throw new GrammarSetupError(language, err);
          }
        }
        return js;
      };
      const walker = treeWalk ? treeWalkerFor(language, sources) : null;
      const native = useNative
        ? createNativeRuntime(grammar, sources.tree, sources.topLevel, walker ?? null)
        : null;
      // Without the native extractor every file needs them: compiled now, so problems surface here.
      if (native === null) buildJs();
      runtime = {
        rules,
        roleOf,
        importCallees: rules.importCallees,
        definitionCallees: rules.definitionCallees ?? NO_CALLEES,
        native,
        js: buildJs,
      };
      runtimes.set(language, runtime);
    }
    return runtime;
  };
  return {
    extractFile(source, language, timings, path) {
      // Text-only formats have no grammar: chunks for full-text search only.
      if (isTextLanguage(language)) {
        return { language, symbols: [], refs: [], imports: [], chunks: buildTextChunks(source, language) };
      }
      // Grammar or query problems are programming errors and should surface, so only the
      // per-file work is guarded.
      const runtime = runtimeFor(language);
      try {
        const out = extractWith(runtime, source, language, timings, parseTimeoutMs);
        if (path !== undefined && (language === 'vue' || language === 'svelte'))
          addComponent(out, path, source, language);
        return out;
      } catch (err) {
        // Both are worth a line in the index (a failed file with its reason), not an empty file.
        if (err instanceof GrammarSetupError || err instanceof ParseTimeoutError) throw err;
        return emptyExtraction(language);
      }
    },
    warmUp() {
      const t0 = performance.now();
      for (let i = 0; i < WARM_UP_RUNS; i++) {
        for (const language of CODE_LANGUAGE_IDS) this.extractFile(WARM_UP_SAMPLES[language], language);
      }
      return performance.now() - t0;
    },
  };
}
