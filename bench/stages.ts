/**
 * Where the time of a cold index goes, stage by stage, in one process and one thread, on the same
 * files as the other figures: read, tree-sitter parse, the tags queries, the rest of the
 * extraction (definitions, references, imports, chunks), and the SQLite writes (batches of
 * `CODEINDEX_BATCH_SIZE`, default 200, into a fresh database). Each stage is shown as a multiple of
 * the parse time, which is what the parse floor measures: an indexer can only be as close to the
 * floor as everything after the parse is cheap.
 *
 * The extraction stages come from the extractor's own timings (`extractFile(..., timings)`); the
 * writes run afterwards, over all files, in batches.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readSourceFileSync } from '../src/discovery/index.js';
import { createExtractor, detectLanguage } from '../src/indexer/index.js';
import type { LanguageId } from '../src/indexer/types.js';
import { openIndexStore } from '../src/store/index.js';
import type { FileWrite } from '../src/store/types.js';
import type { Corpus } from './corpora.js';
import { round } from './lib/stats.js';

export interface StageResult {
  corpus: string;
  files: number;
  ms: { read: number; parse: number; query: number; extractRest: number; write: number };
  /** Each stage divided by the parse time. */
  vsParse: Record<keyof StageResult['ms'], number>;
}

export async function measureStages(corpus: Corpus, batchSize = 200): Promise<StageResult> {
  const texts: { rel: string; lang: LanguageId; text: string; size: number; mtimeMs: number; sha: string }[] =
    [];
  let t = performance.now();
  for (const rel of corpus.files) {
    const lang = detectLanguage(rel);
    if (lang === null) continue;
    const r = readSourceFileSync(join(corpus.root, rel), { maxBytes: Number.MAX_SAFE_INTEGER });
    if (r.ok) texts.push({ rel, lang, text: r.text, size: r.size, mtimeMs: r.mtimeMs, sha: r.sha256 });
  }
  const read = performance.now() - t;

  // Grammars and queries compiled and the JIT warm before the clock, as in a worker.
  const extractor = createExtractor();
  extractor.warmUp();

  // The extractor's own stage timings: the real code path, nothing run twice.
  const timings = { parse: 0, query: 0, rest: 0 };
  let n = 0;
  const writes: FileWrite[] = [];
  for (const f of texts) {
    writes.push({
      path: f.rel,
      language: f.lang,
      size: f.size,
      mtimeMs: f.mtimeMs,
      sha256: f.sha,
      status: 'indexed',
      extraction: extractor.extractFile(f.text, f.lang, timings),
    });
    // Trees are freed by finalizers, which run between event-loop turns.
    if (++n % 50 === 0) await new Promise((r) => setImmediate(r));
  }
  const { parse, query, rest } = timings;

  const dir = mkdtempSync(join(tmpdir(), 'codeindex-stages-'));
  const store = openIndexStore(join(dir, 'index.db'));
  t = performance.now();
  for (let i = 0; i < writes.length; i += batchSize)
    await store.writeBatch(corpus.root, writes.slice(i, i + batchSize));
  const write = performance.now() - t;
  await store.close();
  rmSync(dir, { recursive: true, force: true });

  const ms = { read, parse, query, extractRest: Math.max(0, rest), write };
  const vsParse = Object.fromEntries(Object.entries(ms).map(([k, v]) => [k, round(v / parse, 2)])) as Record<
    keyof typeof ms,
    number
  >;
  return {
    corpus: corpus.name,
    files: texts.length,
    ms: Object.fromEntries(Object.entries(ms).map(([k, v]) => [k, Math.round(v)])) as typeof ms,
    vsParse,
  };
}
