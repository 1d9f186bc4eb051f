import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  CODE_LANGUAGE_IDS,
  createExtractor,
  detectLanguage,
  loadGrammar,
  tagsQuerySources,
} from '../../src/indexer/index.js';
import {
  createNativeRuntime,
  NATIVE_DISABLED_REASON,
  type NativeRuntime,
  nativeExtract,
  nativeParse,
  nativeStatus,
} from '../../src/indexer/native.js';
import type { LanguageId } from '../../src/indexer/types.js';
import { FIXTURES } from './helpers.js';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));

function sourceFiles(dir: string, limit: number, out: string[] = []): string[] {
  for (const name of readdirSync(dir).sort()) {
    if (out.length >= limit) break;
    const p = join(dir, name);
    const st = statSync(p);
    if (st.isDirectory()) sourceFiles(p, limit, out);
    else if (detectLanguage(p) !== null && st.size < 300_000) out.push(p);
  }
  return out;
}

/** Turned off for this run on purpose (the tests that need the addon are skipped, not failed). */
const OFF = nativeStatus().reason === NATIVE_DISABLED_REASON ? 'CODEINDEX_NATIVE=0' : false;

const native = createExtractor();
const js = createExtractor({ native: false });

function assertSame(text: string, language: LanguageId, label: string): void {
  assert.deepEqual(native.extractFile(text, language), js.extractFile(text, language), label);
}

describe('native extractor', () => {
  it('is built and loads in this checkout (npm ci builds it)', { skip: OFF }, () => {
    const status = nativeStatus();
    assert.equal(status.loaded, true, `not loaded: ${status.reason}`);
    assert.match(status.path ?? '', /build\/Release\/codeindex_native\.node$/);
  });

  it('extracts exactly what node-tree-sitter extracts: fixtures of every language', () => {
    const files = sourceFiles(fileURLToPath(FIXTURES), 1000);
    const languages = new Set(files.map((f) => detectLanguage(f)));
    for (const language of CODE_LANGUAGE_IDS)
      assert.ok(languages.has(language), `fixtures cover ${language}`);
    for (const f of files) assertSame(readFileSync(f, 'utf8'), detectLanguage(f)!, f);
  });

  it('extracts exactly what node-tree-sitter extracts: real packages in node_modules', () => {
    const dirs = ['zod', 'bullmq/dist/esm', 'typescript/lib', 'express/lib', 'ioredis/built'];
    const files = dirs.flatMap((d) => sourceFiles(join(REPO, 'node_modules', d), 80));
    assert.ok(files.length >= 150, `${files.length} files`);
    let symbols = 0;
    for (const f of files) {
      const text = readFileSync(f, 'utf8');
      const language = detectLanguage(f)!;
      assertSame(text, language, f);
      symbols += native.extractFile(text, language).symbols.length;
    }
    assert.ok(symbols > 1000, `${symbols} symbols`);
  });

  it('keeps the syntax repair: repaired text, and the original when the repair still has errors', () => {
    const repairs = [
      'export interface Effect<out A, in out E = never> {\n  readonly a: A\n}\n',
      'export const f: {\n  <A>(a: A): A\n  <A, B>(a: A, b: B): A\n} = dual(2, impl)\n',
      // Still broken after the repair: the tree with fewer ERROR characters wins.
      'export interface X<in out T> { a: T }\nconst = = = ;\nexport function ok(): number { return 1 }\n',
      'class A<out T> { m(): T {} }\n<<<<<<< HEAD\nlet x = 1\n',
    ];
    for (const text of repairs) assertSame(text, 'typescript', text);
    const kept = native.extractFile(repairs[2]!, 'typescript');
    assert.deepEqual(
      kept.symbols.filter((s) => s.kind !== 'property').map((s) => s.name),
      ['X', 'ok'],
    );
  });

  it('agrees on odd text: empty, NUL, lone surrogates, astral characters, CRLF, broken syntax', () => {
    const odd = [
      '',
      '\0\0\0',
      'function f() { return "\uD800"; }\nfunction g() {}',
      'const 𝒳 = 1; function h𝒴() { return 𝒳 }',
      'def f():\r\n    return 1\r\n\r\nclass C:\r\n    pass\r\n',
      'func ( { [ } ) package',
      'fn main( { let x = ; }\nstruct S;',
    ];
    const languages: LanguageId[] = ['javascript', 'python', 'go', 'rust', 'typescript', 'java', 'tsx'];
    for (const text of odd)
      for (const language of languages) assertSame(text, language, `${language}: ${text}`);
  });

  it('Rust files with item macros take the tree path and still agree', () => {
    const text =
      'macro_rules! m { () => {} }\ncfg_rt! {\n    pub struct Handle { a: u8 }\n    impl Handle { pub fn new() -> Self { Handle { a: 0 } } }\n}\n';
    assertSame(text, 'rust', 'macro bodies');
    // Handle and new live inside the macro body: found only by re-parsing it.
    const names = native.extractFile(text, 'rust').symbols.map((s) => s.name);
    assert.ok(names.includes('Handle') && names.includes('new'), names.join(', '));
  });

  it('refuses a query it cannot run faithfully, and bad arguments, with clear errors', { skip: OFF }, () => {
    const grammar = loadGrammar('python');
    // Predicates are evaluated by node-tree-sitter, not here: no native runtime, the JS path is used.
    assert.equal(createNativeRuntime(grammar, '((identifier) @x (#eq? @x "self"))', ''), null);
    assert.equal(createNativeRuntime(grammar, '(no_such_node) @x', ''), null);
    const sources = tagsQuerySources('python');
    const rt = createNativeRuntime(grammar, sources.tree, sources.topLevel);
    assert.ok(rt !== null);
    assert.equal(nativeParse(rt, 'def f(:\n'), true, 'a tree with errors');
    assert.equal(nativeParse(rt, 'def f():\n    pass\n'), false);
    assert.throws(() => nativeParse(rt, 42 as unknown as string), /expected a string/);
    // Any other external (here the grammar's own) is refused, not read as a runtime.
    const foreign = { ...rt, handle: (grammar as unknown as { language: NativeRuntime['handle'] }).language };
    assert.throws(() => nativeParse(foreign, 'x = 1'), /expected a runtime from createRuntime/);
    const { top, tree } = nativeExtract(rt, 'def f():\n    pass\n', null);
    assert.ok(top !== null);
    assert.ok(tree.patterns.length > 0);
    assert.equal(tree.capStart.length, tree.patterns.length + 1);
    const defs = Array.from(tree.captures, (id) => tree.names[id]).filter((n) => n === 'name');
    assert.ok(defs.length >= 1, 'the function name is captured');
  });

  it('CODEINDEX_NATIVE=0 turns it off for the process, with the reason', () => {
    const script = `import('${join(REPO, 'dist/src/indexer/native.js')}').then((m) => console.log(JSON.stringify(m.nativeStatus())))`;
    const r = spawnSync(process.execPath, ['-e', script], {
      env: { ...process.env, CODEINDEX_NATIVE: '0' },
      encoding: 'utf8',
    });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), { loaded: false, reason: 'disabled by CODEINDEX_NATIVE' });
  });
});
