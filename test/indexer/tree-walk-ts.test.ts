/**
 * The JavaScript-family tree walk (native/extract.c, one walker for the TypeScript, TSX and
 * JavaScript queries) against the tags queries it stands in for: per file, the same matches
 * (pattern, capture ids, node ranges), in the same order, from both queries, and the same
 * extraction (symbols, refs, imports, chunks) with the walk on and off. Every TypeScript and
 * JavaScript file under test/ (fixtures and the tests themselves), hand-written edge cases,
 * broken files (also through the repaired-text path, and TypeScript's syntax repair) and real
 * code: the sources of the npm packages this project depends on.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { filesWithExtension } from '../../bench/lib/py-files.js';
import { treeWalkerFor } from '../../src/indexer/extractor.js';
import { loadGrammar, tagsQuerySources } from '../../src/indexer/index.js';
import { createNativeRuntime, nativeExtract, type TreeWalker } from '../../src/indexer/native.js';
import { repairTypeScript } from '../../src/indexer/syntax-repair.js';
import type { CodeLanguageId } from '../../src/indexer/types.js';
import { breakText, matchRows, NO_ADDON, type Tally, walkComparison } from './tree-walk-compare.js';

const TEST_ROOT = fileURLToPath(new URL('../../../test/', import.meta.url));
const NODE_MODULES = fileURLToPath(new URL('../../../node_modules/', import.meta.url));

type JsLanguage = 'typescript' | 'tsx' | 'javascript';
const LANGUAGES: readonly JsLanguage[] = ['typescript', 'tsx', 'javascript'];
/** Patterns in each language's tree query, and in the top-level query they share. */
const TREE_PATTERNS: Record<JsLanguage, number> = { typescript: 41, tsx: 45, javascript: 27 };
const TOP_PATTERNS = 15;

const comparisons = Object.fromEntries(
  LANGUAGES.map((l) => [l, walkComparison(l, l satisfies TreeWalker)]),
) as Record<JsLanguage, ReturnType<typeof walkComparison>>;

/** The language a file is extracted as, by its name. */
function languageOf(path: string): JsLanguage | null {
  if (path.endsWith('.tsx')) return 'tsx';
  if (/\.[mc]?ts$/.test(path)) return 'typescript';
  if (/\.([mc]?js|jsx)$/.test(path)) return 'javascript';
  return null;
}

/** Shared by the three languages: plain JavaScript, valid TypeScript too. */
const COMMON_CASES: Record<string, string> = {
  functions: `function f(a, b) { return g(a) + h.i(b); }
function* gen() { yield 1; }
async function af() { await x(); }
const arrow = (x) => x * 2;
const fe = function named() {};
const ge = function* () {};
const gn = function* named() {};
let la = async () => {}, lb = 1;
var va = function () {}, vb;
const { destructured } = obj, [first] = list;
export const exported = () => 1;
export let exportedLet = function () {};
export var exportedVar = () => {};
export function declared() {}
export default function () {}
export default class {}
export default () => {};
const a = 1, b = 2, c = () => 3;
(function iife() {})();
new Foo();
new a.b.Bar(1);
new (getClass())();
a.b.c.d();
this.#priv();
super.method();
a?.b?.();
obj[key]();
tag\`template\`;
a.b\`template\`;
`,
  classes: `class A extends B {
  static #count = 0;
  field = 1;
  #priv = 2;
  handler = () => this.#priv;
  fe = function () {};
  get value() { return this.#priv; }
  set value(v) { this.#priv = v; }
  static create() { return new A(); }
  async *stream() {}
  #secret() {}
  [computed]() {}
  'quoted'() {}
  42() {}
  constructor() { super(); }
}
class C extends mixin(A, B) {}
class D extends ns.Base {}
const E = class Named extends A {};
const F = class {};
`,
  imports: `import def from 'a';
import * as ns from "b";
import { x, y as z, default as w } from './c';
import def2, { q } from 'd';
import def3, * as ns2 from 'e';
import 'side-effect';
import json from './data.json' with { type: 'json' };
export { x, z as zz };
export { default } from 'f';
export { a as b, c } from 'g';
export * from 'h';
export * as ns3 from 'i';
const lazy = import('j');
const lazy2 = import(\`k\`);
const lazy3 = import(name);
const esc = import('l\\u0041m');
const r = require('m');
const { r2 } = require("n");
var r3 = require('o'), r4 = require('p');
let r5 = require('q').default;
require('r');
require(\`s\`);
require('t' + u);
require(/* c */ 'v');
require();
function inner() { const local = require('w'); }
`,
  commonjs: `function Foo() {}
Foo.prototype.bar = function () {};
Foo.prototype.baz = () => {};
Foo.prototype.gen = function* () {};
a.b.c.d = function () {};
module.exports.handler = function () {};
exports.util = () => {};
exports.value = 1;
module.exports = { a, b };
Object.defineProperty(exports, '__esModule', { value: true });
x = function () {};
x.y = async () => {};
`,
  nesting: `export const api = {
  get: () => fetch(url).then((r) => r.json()),
  nested: { deeper: { fn() { return inner.call(this); } } },
};
if (cond) { const notTop = 1; function insideIf() {} }
for (const item of items) { process(item); }
switch (x) { case 1: { let y = () => 2; } }
label: for (;;) { break label; }
try { risky(); } catch (e) { handle(e); } finally { done(); }
`,
  unicode: `// ünïcödé 🎉
const naïve = 'naïve 🐍';
function Été(ça) { return ça.méthode('𝔘'); }
class Ça { #été = 1; ü() {} }
`,
  syntaxErrors: `function (
class {
  method( {
const = 1;
import { from 'x';
export const ok = () => 1;
let broken = require(;
Foo.prototype.bar = function ( {};
class Good { m() {} }
`,
  incomplete: 'function f(a, b',
  empty: '',
  onlyComment: '// nothing here\n/* nor here */\n',
  deepNesting: `const x = ${'('.repeat(200)}1${')'.repeat(200)};\nconst y = f(${'g('.repeat(100)}1${')'.repeat(100)});\nconst z = ${'[{a: '.repeat(50)}1${'}]'.repeat(50)};\n`,
};

/** TypeScript (and TSX) only. */
const TS_CASES: Record<string, string> = {
  tsDeclarations: `export interface Shape<T extends object = {}> extends Base, Other<T> {
  readonly kind: string;
  area(): number;
  optional?(x: T): void;
  [key: string]: unknown;
  new (x: number): Shape<T>;
  <U>(u: U): U;
}
export type Alias<K> = Map<K, Array<Shape<K>>>;
type Fn = (a: A, b: B) => C;
type Cond<T> = T extends string ? S : never;
type Mapped = { [P in keyof T]?: T[P] };
export enum Color { Red, Green = 'g', Blue = 1 << 2, 'Quoted', }
const enum Flags { A = 1, B = A | 2 }
declare enum Ambient {}
namespace NS { export const x = 1; namespace Inner { function f() {} } }
module Legacy { export class K {} }
declare module 'ambient' { export function g(): void; }
declare module Outer.Inner {}
declare global { interface Window { extra: Extra } }
declare function overloaded(a: string): string;
declare function overloaded(a: number): number;
declare const declared: Declared;
declare let declaredLet: Thing;
declare var declaredVar: Thing;
function generic<T, U extends T>(t: T): U { return t as U; }
export function over(a: string): void;
export function over(a: number): void;
export function over(a: unknown) {}
let v = <T>(x: T) => x;
let s = x satisfies Shape<X>;
let n = x!.y!.z();
`,
  tsClasses: `@Component({ selector: 'x' })
export abstract class Base<T> extends Parent<T> implements I, J<K>, ns.L {
  @Input() name: string;
  @Output() change = new EventEmitter<string>();
  private readonly map = new Map<string, T>();
  protected static count?: number;
  declare typed: Typed;
  accessor auto = 1;
  override handler = (e: Event): void => {};
  fe = function (this: Base<T>) {};
  #priv!: Priv;
  abstract area(): number;
  protected abstract get size(): number;
  abstract set size(v: number);
  constructor(private readonly dep: Dep, @Inject(TOKEN) public other: Other) { super(); }
  get value(): T { return this.#priv as T; }
  set value(v: T) {}
  method<U>(this: Base<T>, u: U): U { return u; }
  method2(): void;
  method2(x?: number): void {}
  @HostListener('click', ['$event']) onClick(e: MouseEvent) {}
  static { init(); }
}
class Impl implements Iface {}
class Ext extends Base<number> implements A.B<C> {}
abstract class Plain {}
const Expr = class extends Base<string> {};
export default class Default {}
export default abstract class AbstractDefault {}
`,
  variance: `export interface Effect<out A, in E = never, in out R = never> { readonly _A: A }
export const map: {
  <A, B>(f: (a: A) => B): <E, R>(self: Effect<A, E, R>) => Effect<B, E, R>
  <A, E, R, B>(self: Effect<A, E, R>, f: (a: A) => B): Effect<B, E, R>
} = dual(2, (self, f) => flatMap(self, (a) => succeed(f(a))))
`,
  typeImports: `import type { A, B } from './types';
import { type C, D } from './mixed';
import fs = require('fs');
import Alias = NS.Inner;
export type { E } from './e';
export = thing;
export as namespace Lib;
const dyn = await import('./dyn');
type Lazy = typeof import('./lazy');
let x: import('./inline').T;
`,
};

/** JSX (TSX and JavaScript). */
const JSX_CASES: Record<string, string> = {
  components: `import React from 'react';
export const App = ({ items }) => (
  <Layout title="x">
    <Header.Title>{items.length}</Header.Title>
    <div className="a"><span>{label}</span></div>
    {items.map((i) => <Item key={i.id} {...i} onClick={() => select(i)} />)}
    <ns:tag />
    <a.b.C />
    <>fragment</>
    <Deep.Nested.Component prop={<Inner />} />
  </Layout>
);
function Legacy() { return React.createElement(Foo, null); }
`,
};

/** The edge cases of a language: common, TypeScript's (not in JavaScript), JSX (not in TypeScript). */
function edgeCases(language: JsLanguage): Record<string, string> {
  return {
    ...COMMON_CASES,
    ...(language === 'javascript' ? {} : TS_CASES),
    ...(language === 'typescript' ? {} : JSX_CASES),
  };
}

/** The TypeScript and JavaScript files under `dir`, with the language each is extracted as. */
function jsFiles(dir: string): { path: string; language: JsLanguage }[] {
  const out: { path: string; language: JsLanguage }[] = [];
  for (const ext of ['.ts', '.tsx', '.mts', '.cts', '.js', '.jsx', '.mjs', '.cjs']) {
    for (const path of filesWithExtension(dir, ext)) {
      const language = languageOf(path);
      if (language !== null) out.push({ path, language });
    }
  }
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

describe('typescript, tsx and javascript tree walk', () => {
  it('is the walk the extractor uses for exactly the queries it mirrors', () => {
    for (const language of LANGUAGES) {
      const sources = tagsQuerySources(language);
      assert.equal(treeWalkerFor(language, sources), language);
      assert.equal(
        treeWalkerFor(language, { ...sources, tree: sources.tree.replace('@name', '@name ') }),
        null,
        language,
      );
      assert.equal(
        treeWalkerFor(language, { ...sources, topLevel: `${sources.topLevel}\n` }),
        null,
        language,
      );
    }
    // Each fingerprint is its own language's: TSX's queries are not TypeScript's.
    assert.equal(treeWalkerFor('typescript', tagsQuerySources('tsx')), null);
    assert.equal(treeWalkerFor('javascript', tagsQuerySources('typescript')), null);
  });

  it('is used when its names resolve, else the queries run', { skip: NO_ADDON }, () => {
    for (const language of LANGUAGES) {
      const { sources, walk, queries } = comparisons[language];
      assert.equal(walk?.walker, language);
      assert.equal(queries?.walker, null);
      const grammar = loadGrammar(language);
      assert.equal(
        createNativeRuntime(grammar, '(identifier) @name', sources.topLevel, language)?.walker,
        null,
      );
      assert.equal(createNativeRuntime(grammar, sources.tree, '', language)?.walker, null);
    }
    // A walker for other query fragments does not take these: TypeScript's for TSX's queries
    // (no JSX patterns), TSX's for TypeScript's, TypeScript's on the JavaScript grammar.
    const tsx = tagsQuerySources('tsx');
    const ts = tagsQuerySources('typescript');
    const js = tagsQuerySources('javascript');
    assert.equal(createNativeRuntime(loadGrammar('tsx'), tsx.tree, tsx.topLevel, 'typescript')?.walker, null);
    assert.equal(createNativeRuntime(loadGrammar('typescript'), ts.tree, ts.topLevel, 'tsx')?.walker, null);
    assert.equal(
      createNativeRuntime(loadGrammar('javascript'), js.tree, js.topLevel, 'typescript')?.walker,
      null,
    );
    assert.equal(createNativeRuntime(loadGrammar('javascript'), js.tree, js.topLevel, 'go')?.walker, null);
  });

  it('orders the matches of one node as the query cursor does', { skip: NO_ADDON }, () => {
    const { walk, queries } = comparisons.typescript;
    const text = 'class A implements I<T> {}\n';
    const span = (s: string, from = 0) => `${text.indexOf(s, from)}-${text.indexOf(s, from) + s.length}`;
    // On a class name, the class (rooted at its parent) before the type reference (rooted at
    // the name); on `I`, the implements pattern (rooted two levels up) before the reference.
    const rows = matchRows(nativeExtract(walk!, text, null).tree);
    assert.deepEqual(rows, [
      `26 definition.class#4:${span('class A implements I<T> {}')} name#0:${span('A')}`,
      `21 reference.type#13:${span('A')}`,
      `18 reference.inherit#12:${span('I')}`,
      `21 reference.type#13:${span('I')}`,
      `21 reference.type#13:${span('T')}`,
    ]);
    assert.deepEqual(rows, matchRows(nativeExtract(queries!, text, null).tree));
  });

  for (const language of LANGUAGES) {
    it(`${language}: matches the queries on the files under test/ and the edge cases`, {
      skip: NO_ADDON,
    }, (t) => {
      const { walk, assertSameMatches, checkFile } = comparisons[language];
      const tally: Tally = { files: 0, matches: 0 };
      const files = jsFiles(TEST_ROOT).filter((f) => f.language === language);
      assert.ok(
        files.length >= (language === 'tsx' ? 1 : 3),
        `${language} files under test/: ${files.length}`,
      );
      const texts = files.map((f) => readFileSync(f.path, 'utf8'));
      for (const [i, f] of files.entries()) checkFile(texts[i]!, f.path, tally);
      const cases = edgeCases(language);
      for (const [name, text] of Object.entries(cases)) {
        checkFile(text, name, tally);
        const broken = breakText(text, 3);
        checkFile(broken, `${name} (broken)`, tally);
        // The repaired-text path: a text with errors checked against its original.
        assertSameMatches(broken, text, `${name} (repaired path)`, tally);
        assertSameMatches(text, broken, `${name} (repaired path, reversed)`, tally);
      }
      if (language !== 'javascript') {
        // TypeScript's syntax repair: the repaired text, with the original as the second chance.
        const original = cases.variance!;
        const repaired = repairTypeScript(original, language === 'tsx');
        assert.ok(repaired !== null && repaired !== original);
        assertSameMatches(repaired, original, 'variance (syntax repair)', tally);
      }
      // Every pattern of both queries is exercised by these texts.
      const seen = new Set<string>();
      for (const text of [...texts, ...Object.values(cases)]) {
        const r = nativeExtract(walk!, text, null);
        for (const p of Array.from(r.tree.patterns)) seen.add(`tree ${p}`);
        for (const p of Array.from(r.top?.patterns ?? [])) seen.add(`top ${p}`);
      }
      assert.equal(
        seen.size,
        TREE_PATTERNS[language] + TOP_PATTERNS,
        `patterns seen: ${[...seen].sort().join(', ')}`,
      );
      assert.ok(tally.matches > 1000, `matches compared: ${tally.matches}`);
      t.diagnostic(`texts ${tally.files}, matches ${tally.matches}: the same, in the same order`);
    });
  }

  /** Real code present wherever `npm ci` ran: the sources of some dependencies. */
  const PACKAGES = [
    'typescript/lib',
    'bullmq/dist',
    'ioredis/built',
    'zod',
    '@modelcontextprotocol/sdk/dist',
    'tree-sitter-typescript/bindings',
  ];
  const dirs = PACKAGES.map((p) => join(NODE_MODULES, p)).filter((d) => existsSync(d));
  const skip = NO_ADDON || (dirs.length === 0 ? `none of ${PACKAGES.join(', ')} in ${NODE_MODULES}` : false);
  it('matches the queries on npm packages, whole and broken', { skip, timeout: 900_000 }, (t) => {
    const tally: Record<CodeLanguageId, Tally> = {} as Record<CodeLanguageId, Tally>;
    let i = 0;
    for (const dir of dirs) {
      for (const { path, language } of jsFiles(dir)) {
        // typescript/lib's compiler bundles (tsc.js, typescript.js: 9 MB each) are left out for time.
        if (dir.endsWith('typescript/lib') && language === 'javascript') continue;
        const { checkFile, assertSameMatches } = comparisons[language];
        tally[language] ??= { files: 0, matches: 0 };
        const text = readFileSync(path, 'utf8');
        checkFile(text, path, tally[language]);
        // Every fifth TypeScript file also as TSX (no .tsx here: its grammar, on real code).
        if (language === 'typescript' && i % 5 === 0) {
          tally.tsx ??= { files: 0, matches: 0 };
          comparisons.tsx.checkFile(text, `${path} (as tsx)`, tally.tsx);
        }
        // Every fifth file also broken, alone and through the repaired-text path.
        if (i++ % 5 === 0) {
          const broken = breakText(text, i);
          checkFile(broken, `${path} (broken)`, tally[language]);
          assertSameMatches(broken, text, `${path} (repaired path)`, tally[language]);
        }
      }
    }
    const total = Object.values(tally).reduce((n, x) => n + x.files, 0);
    assert.ok(total > 500, `texts compared: ${total}`);
    for (const [language, x] of Object.entries(tally))
      t.diagnostic(`${language}: texts ${x.files}, matches ${x.matches}: the same, in the same order`);
  });
});
