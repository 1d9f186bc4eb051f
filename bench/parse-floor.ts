/**
 * The parsing floor: read and tree-sitter-parse exactly the given files, and nothing else, split
 * across N processes. No tags queries, no extraction, no SQLite, no queue. Children start and load
 * tree-sitter before the clock starts (like a ready worker pool); the wall time runs from 'go' to
 * the last child's "done". Files are split by size (largest first onto the least loaded child),
 * which is the best case for the floor.
 *
 * Two parsers, the same tree-sitter runtime and grammars: `native` (the native extractor's
 * parse-only call, `src/indexer/native.ts`: the whole file handed to tree-sitter as one UTF-16
 * buffer) and `node` (node-tree-sitter's `parser.parse(text)`, which feeds the text through a JS
 * callback chunk by chunk and is about 20 % slower). The bench takes the faster of the two as the
 * floor, so building the addon cannot flatter the ratio.
 *
 * As a script (`node dist/bench/parse-floor.js <listfile> [processes] [native|node]`) it prints JSON.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import Parser from 'tree-sitter';
import { detectLanguage, loadGrammar, tagsQuerySources } from '../src/indexer/index.js';
import { createNativeRuntime, type NativeRuntime, nativeParse } from '../src/indexer/native.js';
import { CODE_LANGUAGE_IDS, type CodeLanguageId, isTextLanguage } from '../src/indexer/types.js';

/** Which parse the floor runs. */
export type FloorParser = 'native' | 'node';

const SELF = fileURLToPath(import.meta.url);

export interface ParseFloorResult {
  processes: number;
  parser: FloorParser;
  files: number;
  bytes: number;
  wallMs: number;
  /** User + system CPU time of all children between 'go' and 'done'. */
  cpuMs: number;
  /** Per child: files parsed, ms busy, CPU ms. */
  children: { files: number; ms: number; cpuMs: number }[];
  errors: number;
}

type ToChild = { type: 'go'; files: string[] };
type FromChild =
  | { type: 'ready' }
  | { type: 'done'; files: number; bytes: number; ms: number; cpuMs: number; errors: number };

/** Splits files into `n` lists of about equal total size. */
export function splitBySize(files: readonly string[], n: number): string[][] {
  const sized = files.map((f) => ({ f, size: statSync(f).size })).sort((a, b) => b.size - a.size);
  const parts = Array.from({ length: n }, () => ({ files: [] as string[], size: 0 }));
  for (const { f, size } of sized) {
    const min = parts.reduce((a, b) => (b.size < a.size ? b : a));
    min.files.push(f);
    min.size += size;
  }
  return parts.map((p) => p.files);
}

/** Reads and parses `absFiles` with `processes` child processes. */
export async function runParseFloor(
  absFiles: readonly string[],
  processes: number,
  parser: FloorParser = 'node',
): Promise<ParseFloorResult> {
  const parts = splitBySize(absFiles, processes);
  const children: ChildProcess[] = parts.map(() =>
    fork(SELF, ['--child', parser], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv: [] }),
  );
  const once = (c: ChildProcess, type: FromChild['type']) =>
    new Promise<FromChild>((resolve, reject) => {
      const onMsg = (m: FromChild) => {
        if (m.type === type) {
          c.off('message', onMsg);
          resolve(m);
        }
      };
      c.on('message', onMsg);
      c.once('exit', (code) => reject(new Error(`parse-floor child exited with ${code}`)));
    });
  try {
    await Promise.all(children.map((c) => once(c, 'ready')));
    const t0 = performance.now();
    const dones = children.map((c, i) => {
      const p = once(c, 'done');
      c.send({ type: 'go', files: parts[i] ?? [] } satisfies ToChild);
      return p;
    });
    const results = (await Promise.all(dones)) as Extract<FromChild, { type: 'done' }>[];
    const wallMs = performance.now() - t0;
    return {
      processes,
      parser,
      files: results.reduce((a, r) => a + r.files, 0),
      bytes: results.reduce((a, r) => a + r.bytes, 0),
      wallMs,
      cpuMs: results.reduce((a, r) => a + r.cpuMs, 0),
      children: results.map((r) => ({ files: r.files, ms: r.ms, cpuMs: r.cpuMs })),
      errors: results.reduce((a, r) => a + r.errors, 0),
    };
  } finally {
    for (const c of children) {
      c.removeAllListeners('exit');
      c.kill();
    }
  }
}

function childMain(parser: FloorParser): void {
  const parsers = new Map<CodeLanguageId, Parser>();
  const parserFor = (lang: CodeLanguageId): Parser => {
    let p = parsers.get(lang);
    if (!p) {
      p = new Parser();
      p.setLanguage(loadGrammar(lang));
      parsers.set(lang, p);
    }
    return p;
  };
  const natives = new Map<CodeLanguageId, NativeRuntime>();
  const nativeFor = (lang: CodeLanguageId): NativeRuntime => {
    let r = natives.get(lang);
    if (!r) {
      const sources = tagsQuerySources(lang);
      const created = createNativeRuntime(loadGrammar(lang), sources.tree, sources.topLevel);
      if (created === null) throw new Error('the native extractor is not available');
      r = created;
      natives.set(lang, r);
    }
    return r;
  };
  const parse = (lang: CodeLanguageId, text: string): void => {
    if (parser === 'native') nativeParse(nativeFor(lang), text);
    else if (!parserFor(lang).parse(text).rootNode) throw new Error('no tree');
  };
  // Parsers (and native runtimes) are set up before 'ready', like a warm worker's.
  for (const lang of CODE_LANGUAGE_IDS) {
    if (parser === 'native') nativeFor(lang);
    else parserFor(lang);
  }
  process.on('message', (m: ToChild) => {
    if (m.type !== 'go') return;
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    let bytes = 0;
    let errors = 0;
    for (const f of m.files) {
      const lang = detectLanguage(f);
      // Text-only files have no parse (the index only chunks them).
      if (!lang || isTextLanguage(lang)) continue;
      try {
        const text = readFileSync(f, 'utf8');
        bytes += Buffer.byteLength(text);
        parse(lang, text);
      } catch {
        errors++;
      }
    }
    const cpu = process.cpuUsage(cpu0);
    process.send?.({
      type: 'done',
      files: m.files.length,
      bytes,
      ms: performance.now() - t0,
      cpuMs: (cpu.user + cpu.system) / 1000,
      errors,
    } satisfies FromChild);
  });
  process.send?.({ type: 'ready' } satisfies FromChild);
}

const isMain = process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1];
if (isMain && process.argv.includes('--child'))
  childMain(process.argv.includes('native') ? 'native' : 'node');
else if (isMain) {
  const list = process.argv[2];
  if (!list) {
    process.stderr.write('usage: node dist/bench/parse-floor.js <listfile> [processes]\n');
    process.exit(2);
  }
  const files = readFileSync(list, 'utf8').split('\n').filter(Boolean);
  const parser: FloorParser = process.argv[4] === 'native' ? 'native' : 'node';
  runParseFloor(files, Number(process.argv[3] ?? 1), parser).then((r) => {
    process.stdout.write(`${JSON.stringify(r)}\n`);
  });
}
