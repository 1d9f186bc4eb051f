/**
 * Embeddings of a corpus's chunks for query benches that compare stores: computed once through
 * the real pipeline (a SQLite system with the local model and 2 workers, as `measureQueries`
 * does), then cached in `.bench-cache/<corpus>.vectors.{json,f32}` by chunk content hash, so each
 * store under test gets the same vectors through its own `upsertVectors` without embedding again.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { loadConfig } from '../../src/config/load.js';
import { indexDbPath } from '../../src/config/paths.js';
import type { IndexStore, VectorRow } from '../../src/store/index.js';
import { indexRepository } from '../cold.js';
import { CACHE, type Corpus } from '../corpora.js';
import { makeSystemEnv, startSystem, waitForQueueIdle } from './system.js';

export interface BenchVectors {
  model: string;
  dims: number;
  rows: VectorRow[];
}

/** The corpus's vectors with the local model: from the cache, else embedded now (minutes). */
export async function benchVectors(corpus: Corpus, log: (msg: string) => void): Promise<BenchVectors> {
  const metaFile = join(CACHE, `${corpus.name}.vectors.json`);
  const dataFile = join(CACHE, `${corpus.name}.vectors.f32`);
  if (existsSync(metaFile) && existsSync(dataFile)) {
    const meta = JSON.parse(readFileSync(metaFile, 'utf8')) as {
      model: string;
      dims: number;
      hashes: string[];
    };
    const data = readFileSync(dataFile);
    const all = new Float32Array(data.buffer, data.byteOffset, data.byteLength / 4);
    return {
      model: meta.model,
      dims: meta.dims,
      rows: meta.hashes.map((hash, i) => ({
        hash,
        vector: all.subarray(i * meta.dims, (i + 1) * meta.dims),
      })),
    };
  }
  log(`${corpus.name}: embedding every chunk with the local model (once; cached in ${dataFile})`);
  const sys = makeSystemEnv({ CODEINDEX_EMBEDDINGS: 'local' });
  const system = await startSystem(2, sys);
  try {
    await indexRepository(system, corpus.root);
    if (!(await waitForQueueIdle(system.tasks.queues.embeddings, 30 * 60_000)))
      throw new Error('embedding the corpus took more than 30 minutes');
  } finally {
    await system.close({ keepHome: true });
  }
  try {
    const cfg = loadConfig({}, { ...process.env, ...sys.env });
    const db = new Database(indexDbPath(cfg), { readonly: true });
    let rows: { hash: string; model: string; dims: number; vector: Buffer }[];
    try {
      rows = db.prepare('SELECT hash, model, dims, vector FROM vectors ORDER BY hash').all() as typeof rows;
    } finally {
      db.close();
    }
    const first = rows[0];
    if (first === undefined) throw new Error('the embedding pipeline wrote no vectors');
    const { model, dims } = first;
    const data = Buffer.concat(rows.map((r) => r.vector));
    writeFileSync(dataFile, data);
    writeFileSync(metaFile, JSON.stringify({ model, dims, hashes: rows.map((r) => r.hash) }));
    return benchVectors(corpus, log);
  } finally {
    rmSync(sys.tmp, { recursive: true, force: true });
  }
}

/** Writes the vectors into a store (in slices, as the embed jobs do); rows written. */
export async function loadVectorsInto(store: IndexStore, v: BenchVectors): Promise<number> {
  let n = 0;
  for (let i = 0; i < v.rows.length; i += 1000)
    n += await store.upsertVectors(v.model, v.dims, v.rows.slice(i, i + 1000));
  return n;
}
