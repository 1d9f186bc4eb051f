#!/usr/bin/env node
/**
 * `npm run bench -- embed-live [--workers 2] [--saves 3]`
 *
 * The embedding figures of the real pipeline, where `bench embed` measures the model alone:
 * worker processes index the Django corpus with the default local model configured, then embed it
 * through the embeddings queue. Reports:
 * - time from the start of indexing to full vector coverage, and its ratio to the cold index time
 *   of the same run (the baseline);
 * - each worker's peak RSS while indexing and embedding;
 * - a save: a new function appended to a file, `index-file` queued as the watcher queues it, and
 *   the time until every chunk of the file has a vector (model warm).
 * Writes `bench/results/embed-live.json`.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { indexDbPath } from '../src/config/paths.js';
import { embeddingModelName } from '../src/embeddings/model.js';
import { openIndexStore } from '../src/store/index.js';
import { indexRepository, pickEditableFile } from './cold.js';
import { loadCorpus, REPO_ROOT } from './corpora.js';
import { startMemorySampler } from './lib/proc.js';
import { round } from './lib/stats.js';
import { makeSystemEnv, startSystem } from './lib/system.js';

function arg(argv: string[], flag: string, fallback: number): number {
  const i = argv.indexOf(flag);
  return i >= 0 ? Number(argv[i + 1]) : fallback;
}

function log(msg: string): void {
  process.stderr.write(`bench: ${msg}\n`);
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const workers = arg(argv, '--workers', 2);
  const saves = arg(argv, '--saves', 3);
  const corpus = await loadCorpus('django');
  const system = await startSystem(workers, makeSystemEnv({ CODEINDEX_EMBEDDINGS: 'local' }));
  const model = embeddingModelName(system.cfg.embeddings);
  const pids = () => (system.pool?.status() ?? []).map((s) => s.pid).filter((p): p is number => p !== null);
  const sampler = startMemorySampler(pids, 250);
  try {
    const t0 = Date.now();
    const cold = await indexRepository(system, corpus.root);
    log(
      `indexed ${cold.summary.files_indexed} files in ${(cold.ms / 1000).toFixed(1)} s; embedding with ${model}`,
    );
    const store = openIndexStore(indexDbPath(system.cfg), { readonly: true });
    const covered = async (timeoutMs: number, pollMs: number): Promise<{ at: number; embedded: number }> => {
      const end = Date.now() + timeoutMs;
      let last = 0;
      for (;;) {
        const c = await store.vectorCoverage(corpus.root, model);
        if (c.pending === 0 && c.embedded > 0) return { at: Date.now(), embedded: c.embedded };
        if (Date.now() - last > 30_000) {
          log(`coverage ${c.embedded}/${c.embedded + c.pending}`);
          last = Date.now();
        }
        if (Date.now() > end) throw new Error(`coverage still ${c.embedded}/${c.embedded + c.pending}`);
        await sleep(pollMs);
      }
    };
    const full = await covered(60 * 60_000, 1000);
    const coverageMs = full.at - t0;
    log(`full coverage (${full.embedded} chunks) ${(coverageMs / 1000).toFixed(0)} s after the start`);

    const rel = pickEditableFile(corpus);
    const abs = join(corpus.root, rel);
    const original = readFileSync(abs);
    const saveMs: number[] = [];
    try {
      for (let i = 0; i < saves; i++) {
        const added = `\n\ndef bench_saved_helper_${i}_${Date.now()}(value):\n    """Returns the value with surrounding whitespace removed, for the save benchmark."""\n    return str(value).strip()\n`;
        writeFileSync(abs, Buffer.concat([original, Buffer.from(added)]));
        const t = Date.now();
        const id = await system.tasks.enqueue(
          'index-file',
          { root: corpus.root, path: rel },
          { priority: 'high' },
        );
        const { info } = await system.waitForTask(id, 10);
        if (info.state !== 'SUCCESS') throw new Error(`index-file ended ${info.state}: ${info.error ?? ''}`);
        const done = await covered(120_000, 20);
        saveMs.push(done.at - t);
      }
    } finally {
      writeFileSync(abs, original);
    }
    await store.close();
    const peaks = sampler.stop();
    const result = {
      corpus: corpus.name,
      files: cold.summary.files_indexed,
      chunks: cold.summary.chunks,
      embedded: full.embedded,
      model,
      workers,
      coldIndexMs: cold.ms,
      fullCoverageMs: coverageMs,
      coverageVsCold: round(coverageMs / cold.ms, 1),
      chunksPerSec: round(full.embedded / ((full.at - t0 - cold.ms) / 1000), 1),
      saveToVectorMs: saveMs,
      workerPeakRssMb: [...peaks.values()].map((m) => round(m, 0)),
    };
    const md = [
      '| figure | value | target |',
      '| --- | --- | --- |',
      `| full coverage, ${result.embedded} chunks, ${workers} workers | ${(coverageMs / 60_000).toFixed(1)} min (${result.coverageVsCold}× the cold index, ${result.chunksPerSec} chunks/s) | ≤ 15 min |`,
      `| a save's chunks embedded | ${saveMs.map((ms) => `${(ms / 1000).toFixed(2)} s`).join(', ')} | ≤ 5 s |`,
      `| worker peak RSS | ${result.workerPeakRssMb.join(', ')} MB | ≤ 500 MB |`,
    ].join('\n');
    process.stdout.write(`${md}\n`);
    mkdirSync(join(REPO_ROOT, 'bench', 'results'), { recursive: true });
    writeFileSync(
      join(REPO_ROOT, 'bench', 'results', 'embed-live.json'),
      `${JSON.stringify(result, null, 2)}\n`,
    );
  } finally {
    sampler.stop();
    await system.close();
  }
}

main().catch((err) => {
  process.stderr.write(`bench: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
