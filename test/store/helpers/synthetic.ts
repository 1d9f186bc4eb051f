import { createHash } from 'node:crypto';
import type { SymbolKind } from '../../../src/indexer/types.js';
import type { FileWrite } from '../../../src/store/types.js';

const WORDS = (
  'user account order item cart price total tax invoice payment card token session auth login logout ' +
  'config setting option value key map list set queue stack node tree graph edge path file dir stream ' +
  'buffer reader writer parser lexer token scanner builder factory manager service client server handler ' +
  'request response header body status code error result cache store index query search filter sort ' +
  'page limit offset cursor batch job task worker thread pool lock mutex event emitter listener callback ' +
  'timer retry backoff max min count size length width height color style theme view model controller ' +
  'route router middleware plugin module package import export load save read write open close start stop ' +
  'init create update delete get set fetch send receive parse format render validate transform convert ' +
  'encode decode hash sign verify compress extract merge split join flush sync async'
).split(' ');
const KINDS: SymbolKind[] = [
  'function',
  'method',
  'class',
  'variable',
  'constant',
  'interface',
  'field',
  'type',
];

/** Deterministic PRNG (mulberry32). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function randomName(rand: () => number): string {
  const n = 1 + Math.floor(rand() * 3.5);
  const words = Array.from({ length: n }, () => WORDS[Math.floor(rand() * WORDS.length)]!);
  const style = rand();
  const cap = (w: string) => w[0]!.toUpperCase() + w.slice(1);
  if (style < 0.5) return words[0]! + words.slice(1).map(cap).join('');
  if (style < 0.7) return words.map(cap).join('');
  if (style < 0.95) return words.join('_');
  return words.join('_').toUpperCase();
}

/** `files` synthetic file writes with `symbolsPerFile` symbols, 3x refs and a chunk per 3 symbols. */
export function syntheticFiles(
  seed: number,
  files: number,
  symbolsPerFile: number,
  prefix = 'src',
): FileWrite[] {
  const rand = prng(seed);
  const out: FileWrite[] = [];
  for (let f = 0; f < files; f++) {
    const depth = 1 + Math.floor(rand() * 3);
    const dir = Array.from({ length: depth }, () => WORDS[Math.floor(rand() * WORDS.length)]).join('/');
    const path = `${prefix}/${dir}/${randomName(rand)}_${f}.ts`;
    const symbols = [];
    const refs = [];
    const chunks = [];
    let body: string[] = [];
    for (let s = 0; s < symbolsPerFile; s++) {
      const name = randomName(rand);
      const kind = KINDS[Math.floor(rand() * KINDS.length)]!;
      const line = s * 10 + 1;
      symbols.push({
        name,
        kind,
        startLine: line,
        startCol: 0,
        endLine: line + 8,
        endCol: 1,
        container: rand() < 0.3 ? randomName(rand) : null,
        signature: `${kind} ${name}(a: number): void`,
        doc: rand() < 0.2 ? `Does ${name}.` : null,
        exported: rand() < 0.4,
      });
      for (let r = 0; r < 3; r++) {
        refs.push({
          name: randomName(rand),
          kind: 'call' as const,
          line: line + r + 1,
          col: 4,
          enclosing: name,
        });
      }
      body.push(
        `function ${name}(a: number) {`,
        `  return ${randomName(rand)}(a) + ${randomName(rand)}.value;`,
        '}',
      );
      if (s % 3 === 2 || s === symbolsPerFile - 1) {
        const content = body.join('\n');
        chunks.push({
          startLine: line,
          endLine: line + body.length - 1,
          symbol: name,
          kind: 'symbol' as const,
          context: '',
          content,
          hash: createHash('sha256').update(content).digest('hex'),
        });
        body = [];
      }
    }
    out.push({
      path,
      language: 'typescript',
      size: 1000,
      mtimeMs: 1,
      sha256: createHash('sha256').update(path).digest('hex'),
      status: 'indexed',
      extraction: {
        language: 'typescript',
        symbols,
        refs,
        imports: [{ source: './x', names: ['a', 'b'], line: 1 }],
        chunks,
      },
    });
  }
  return out;
}

/** Queries shaped like what people type: names, name parts, snake/camel variants, abbreviations. */
export function syntheticQueries(seed: number, n: number): string[] {
  const rand = prng(seed);
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const r = rand();
    if (r < 0.4) out.push(randomName(rand));
    else if (r < 0.6) out.push(WORDS[Math.floor(rand() * WORDS.length)]!);
    else if (r < 0.75) out.push(randomName(rand).slice(0, 3 + Math.floor(rand() * 5)));
    else if (r < 0.9) out.push(randomName(rand).toLowerCase().replace(/_/g, ''));
    else out.push(WORDS[Math.floor(rand() * WORDS.length)]!.replace(/[aeiou]/g, '').slice(0, 4) || 'usr');
  }
  return out;
}
