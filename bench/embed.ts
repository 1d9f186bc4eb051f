#!/usr/bin/env node
/**
 * `npm run bench -- embed [--limit N] [--models use-lite-v1,local-hash]`
 *
 * Embeds the Django corpus's embeddable chunks (headers and symbols, distinct contents: what a
 * worker embeds) with each model, in a model thread as a worker does, and reports:
 * - throughput (chunks/s) and the projected time to full coverage of the corpus;
 * - the process's peak RSS while embedding (what the worker's embedding adds);
 * - a save: one file's chunks with the model loaded (warm) and from a cold start (model load);
 * - semantic MRR by file on the held-out Django questions (`embed-questions.ts`), over the
 *   chunks embedded (all of them unless `--limit`, which takes every n-th chunk plus the chunks
 *   of the answer files).
 * Vectors are cached under `.bench-cache/embed-<model>.bin` by chunk hash, so a second run only
 * measures what is new; `--fresh` ignores the cache. Writes `bench/results/embed.json`.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { embeddingModelName } from '../src/embeddings/model.js';
import { createEmbeddingProvider, type EmbeddingProvider } from '../src/embeddings/provider.js';
import { CACHE, loadCorpus, REPO_ROOT } from './corpora.js';
import { type CorpusChunk, embeddableChunks } from './embed-chunks.js';
import { DJANGO_QUESTIONS } from './embed-questions.js';

interface Args {
  limit: number | null;
  models: string[];
  fresh: boolean;
}

function parseArgs(argv: string[]): Args {
  const at = (flag: string) => {
    const i = argv.indexOf(flag);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const limit = at('--limit');
  return {
    limit: limit === undefined ? null : Number(limit),
    models: (at('--models') ?? 'use-lite-v1,local-hash').split(','),
    fresh: argv.includes('--fresh'),
  };
}

function log(msg: string): void {
  process.stderr.write(`bench: ${msg}\n`);
}

/** Every n-th chunk plus all chunks of the answer files, when a limit is set. */
function pick(chunks: CorpusChunk[], limit: number | null): CorpusChunk[] {
  if (limit === null || limit >= chunks.length) return chunks;
  const answers = new Set(DJANGO_QUESTIONS.map(([, f]) => f));
  const step = Math.ceil(chunks.length / limit);
  return chunks.filter((c, i) => answers.has(c.file) || i % step === 0);
}

type VectorCache = Map<string, Float32Array>;

function readCache(path: string): VectorCache {
  const out: VectorCache = new Map();
  if (!existsSync(path)) return out;
  const buf = readFileSync(path);
  let at = 0;
  while (at < buf.length) {
    const hash = buf.subarray(at, at + 64).toString('latin1');
    const dims = buf.readUInt32LE(at + 64);
    const v = new Float32Array(dims);
    new Uint8Array(v.buffer).set(buf.subarray(at + 68, at + 68 + dims * 4));
    out.set(hash, v);
    at += 68 + dims * 4;
  }
  return out;
}

function writeCache(path: string, cache: VectorCache): void {
  const parts: Buffer[] = [];
  for (const [hash, v] of cache) {
    const head = Buffer.alloc(68);
    head.write(hash, 0, 'latin1');
    head.writeUInt32LE(v.length, 64);
    parts.push(head, Buffer.from(v.buffer, v.byteOffset, v.byteLength));
  }
  writeFileSync(path, Buffer.concat(parts));
}

function documentText(p: EmbeddingProvider, c: CorpusChunk): string {
  return p.documentText ? p.documentText({ ...c, path: c.file }) : c.content;
}

/** Mean reciprocal rank of the answer file among files ordered by their best chunk. */
async function mrrByFile(p: EmbeddingProvider, chunks: CorpusChunk[], vectors: Float32Array[]) {
  const queries = await p.embed(
    DJANGO_QUESTIONS.map(([q]) => q),
    'query',
  );
  let rr = 0;
  const lines: string[] = [];
  DJANGO_QUESTIONS.forEach(([question, file], qi) => {
    const q = queries[qi]!;
    const scored = chunks.map((c, i) => ({
      file: c.file,
      score: vectors[i]!.reduce((s, x, k) => s + x * q[k]!, 0),
    }));
    scored.sort((a, b) => b.score - a.score);
    const files: string[] = [];
    for (const s of scored) if (!files.includes(s.file)) files.push(s.file);
    const rank = files.indexOf(file) + 1;
    rr += rank > 0 ? 1 / rank : 0;
    lines.push(`${rank} ${question} -> ${files.slice(0, 2).join(', ')}`);
  });
  return { mrr: rr / DJANGO_QUESTIONS.length, lines };
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  const corpus = await loadCorpus('django');
  const all = embeddableChunks(corpus);
  const chunks = pick(all, args.limit);
  log(`django: ${all.length} embeddable chunks, measuring ${chunks.length}`);
  mkdirSync(CACHE, { recursive: true });
  const results: Record<string, unknown>[] = [];
  for (const requested of args.models) {
    const model = embeddingModelName({ provider: 'local', model: requested });
    const p = createEmbeddingProvider({ provider: 'local', model });
    const cachePath = join(CACHE, `embed-${model.replace(/[^\w.-]/g, '_')}.bin`);
    const cache = args.fresh ? new Map<string, Float32Array>() : readCache(cachePath);

    // A save, cold: the first batch pays for loading the model in its thread.
    const saveFile = 'utils/text.py';
    const saveChunks = all.filter((c) => c.file === saveFile);
    let t0 = performance.now();
    await p.embed(
      saveChunks.slice(0, 5).map((c) => documentText(p, c)),
      'document',
    );
    const saveColdMs = performance.now() - t0;
    t0 = performance.now();
    await p.embed(
      saveChunks.map((c) => documentText(p, c)),
      'document',
    );
    const saveWarmMs = performance.now() - t0;

    const todo = chunks.filter((c) => !cache.has(c.hash));
    let peakRss = process.memoryUsage().rss;
    const timer = setInterval(() => {
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
    }, 250);
    t0 = performance.now();
    for (let i = 0; i < todo.length; i += 256) {
      const slice = todo.slice(i, i + 256);
      const vs = await p.embed(
        slice.map((c) => documentText(p, c)),
        'document',
      );
      slice.forEach((c, j) => {
        cache.set(c.hash, vs[j]!);
      });
      if (i % 1024 === 0 && i > 0) {
        log(`${model}: ${i}/${todo.length} (${((i / (performance.now() - t0)) * 1000).toFixed(1)}/s)`);
        writeCache(cachePath, cache);
      }
    }
    const embedMs = performance.now() - t0;
    clearInterval(timer);
    writeCache(cachePath, cache);
    const rate = todo.length > 0 ? todo.length / (embedMs / 1000) : null;
    const relevance = await mrrByFile(
      p,
      chunks,
      chunks.map((c) => cache.get(c.hash)!),
    );
    await p.close?.();
    const r = {
      model,
      chunks: chunks.length,
      embeddedNow: todo.length,
      chunksPerSecond: rate === null ? null : Number(rate.toFixed(1)),
      projectedFullCoverageMin: rate === null ? null : Number((all.length / rate / 60).toFixed(1)),
      peakRssMb: Math.round(peakRss / 1e6),
      saveColdMs: Math.round(saveColdMs),
      saveWarmMs: Math.round(saveWarmMs),
      saveChunks: saveChunks.length,
      mrrByFile: Number(relevance.mrr.toFixed(3)),
    };
    results.push(r);
    log(`${model} MRR by file ${r.mrrByFile}\n  ${relevance.lines.join('\n  ')}`);
  }
  const rows = results.map(
    (r) =>
      `| ${r.model} | ${r.chunks} | ${r.chunksPerSecond ?? 'cached'} | ${r.projectedFullCoverageMin ?? '-'} | ${r.peakRssMb} | ${r.saveColdMs} / ${r.saveWarmMs} (${r.saveChunks} chunks) | ${r.mrrByFile} |`,
  );
  process.stdout.write(
    [
      `Django: ${all.length} embeddable chunks; ${DJANGO_QUESTIONS.length} held-out questions.`,
      '',
      '| model | chunks | chunks/s | full coverage (min, projected) | peak RSS MB | save: cold / warm ms | MRR by file |',
      '|---|---|---|---|---|---|---|',
      ...rows,
      '',
    ].join('\n'),
  );
  const dir = join(REPO_ROOT, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'embed.json'),
    JSON.stringify({ startedAt: new Date().toISOString(), corpusChunks: all.length, results }, null, 2),
  );
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`bench embed failed: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  },
);
