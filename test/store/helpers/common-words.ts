import type { FileWrite } from '../../../src/store/types.js';
import { chunk, indexed } from './fixtures.js';

/** A deterministic pseudo-random generator (mulberry32). */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const FILLER = 'value result count index item node list entry state data buffer token'.split(' ');

/** A chunk text: `n` filler words with the given words mixed in `times` times each. */
function text(rand: () => number, n: number, words: Record<string, number>): string {
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(FILLER[Math.floor(rand() * FILLER.length)]!);
  for (const [w, times] of Object.entries(words))
    for (let i = 0; i < times; i++) out.splice(Math.floor(rand() * out.length), 0, w);
  const lines: string[] = [];
  for (let i = 0; i < out.length; i += 8) lines.push(out.slice(i, i + 8).join(' '));
  return lines.join('\n');
}

/** `files` files of `perFile` chunks; "internal" in about 70 % of chunks, "parser" in 40 %. */
export function corpus(seed: number, files: number, perFile: number, dir: string): FileWrite[] {
  const rand = rng(seed);
  const out: FileWrite[] = [];
  for (let f = 0; f < files; f++) {
    const py = f % 3 === 0;
    const chunks = [];
    for (let c = 0; c < perFile; c++) {
      const words: Record<string, number> = {};
      if (rand() < 0.7) words.internals = 1 + Math.floor(rand() * 6);
      if (rand() < 0.4) words.parser = 1 + Math.floor(rand() * 3);
      if (rand() < 0.05) words.rareword = 1;
      chunks.push(chunk(text(rand, 5 + Math.floor(rand() * 120), words), 1 + c * 200));
    }
    out.push(
      indexed(
        `${dir}/f${seed}_${f}.${py ? 'py' : 'ts'}`,
        { language: py ? 'python' : 'typescript', chunks },
        { language: py ? 'python' : 'typescript' },
      ),
    );
  }
  return out;
}
