/**
 * The chunks of a corpus that get vectors (headers and symbols, distinct contents), extracted the
 * way a worker does: scan, tree-sitter extraction, chunking.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createExtractor, detectLanguage } from '../src/indexer/index.js';
import type { Corpus } from './corpora.js';

/** One embeddable chunk and the file it came from (relative to the corpus root). */
export interface CorpusChunk {
  file: string;
  symbol: string | null;
  content: string;
  hash: string;
}

/** Every distinct header and symbol chunk of the corpus, in file order. */
export function embeddableChunks(corpus: Corpus): CorpusChunk[] {
  const extractor = createExtractor({ parseTimeoutMs: 10_000 });
  const seen = new Set<string>();
  const out: CorpusChunk[] = [];
  for (const file of corpus.files) {
    const language = detectLanguage(file);
    if (language === null) continue;
    const x = extractor.extractFile(readFileSync(join(corpus.root, file), 'utf8'), language);
    for (const c of x.chunks) {
      if (c.kind === 'code' || seen.has(c.hash)) continue;
      seen.add(c.hash);
      out.push({ file, symbol: c.symbol, content: c.content, hash: c.hash });
    }
  }
  return out;
}
