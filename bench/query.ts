/**
 * Query latency (p50/p95/p99) of search_symbols, get_file_outline and search_code (text and
 * hybrid), in-process against the read-only store and over MCP stdio against a real
 * `codeindex serve`. Queries are sampled from the index itself (deterministic seed): exact symbol
 * names, 3-5 character prefixes, snake/camel/lower-case variants (fuzzy), real file paths, and
 * words from identifiers for full-text and hybrid search.
 */
import { rmSync } from 'node:fs';
import Database from 'better-sqlite3';
import { loadConfig } from '../src/config/load.js';
import { indexDbPath } from '../src/config/paths.js';
import { createCodeSearch } from '../src/mcp/code-search.js';
import { indexLocation, openIndexAt } from '../src/store/index.js';
import { indexRepository } from './cold.js';
import type { Corpus } from './corpora.js';
import { startMcpServer } from './lib/mcp.js';
import { type LatencySummary, summarize } from './lib/stats.js';
import { deletePrefix, makeSystemEnv, startSystem, waitForQueueIdle } from './lib/system.js';

export type QueryKind =
  | 'search_symbols'
  | 'find_references'
  | 'get_file_outline'
  | 'search_code:text'
  | 'search_code:hybrid';

export interface QueryResult {
  corpus: string;
  queriesPerKind: number;
  embeddingsReady: boolean;
  inProcess: Record<QueryKind, LatencySummary>;
  mcp: Record<QueryKind, LatencySummary>;
  /** How many queries returned at least one hit (sanity: queries are realistic). */
  nonEmpty: Record<QueryKind, number>;
}

/** Mulberry32: a small seeded PRNG, so every run asks the same questions. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pickN<T>(xs: readonly T[], n: number, rand: () => number): T[] {
  const out: T[] = [];
  for (let i = 0; i < n && xs.length > 0; i++) out.push(xs[Math.floor(rand() * xs.length)]!);
  return out;
}

function words(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .split(/[^A-Za-z0-9]+/)
    .filter((w) => w.length > 1)
    .map((w) => w.toLowerCase());
}

function fuzzyVariant(name: string, rand: () => number): string {
  const ws = words(name);
  if (ws.length < 2) return name.toLowerCase();
  const r = rand();
  if (r < 0.33) return ws.join('_'); // camelCase → snake_case
  if (r < 0.66)
    return (
      ws[0] +
      ws
        .slice(1)
        .map((w) => w[0]!.toUpperCase() + w.slice(1))
        .join('')
    ); // snake → camel
  return ws.join(''); // all lower, no separators
}

export interface QuerySet {
  symbols: string[];
  /** Exact names of symbols (find_references). */
  references: string[];
  outlines: string[];
  text: string[];
  hybrid: string[];
}

/** Samples realistic queries from an index database. */
export function sampleQueries(dbPath: string, root: string, n: number, seed = 42): QuerySet {
  const db = new Database(dbPath, { readonly: true });
  try {
    const names = (
      db.prepare('SELECT DISTINCT name FROM symbols WHERE length(name) >= 4 ORDER BY name').all() as {
        name: string;
      }[]
    ).map((r) => r.name);
    const paths = (
      db
        .prepare("SELECT path FROM files WHERE status = 'indexed' AND symbol_count > 0 ORDER BY path")
        .all() as {
        path: string;
      }[]
    ).map((r) => `${root}/${r.path}`);
    const rand = rng(seed);
    const third = Math.ceil(n / 3);
    const exact = pickN(names, third, rand);
    const prefixes = pickN(names, third, rand).map((s) => s.slice(0, 3 + Math.floor(rand() * 3)));
    const fuzzy = pickN(
      names.filter((s) => words(s).length >= 2),
      n - 2 * third,
      rand,
    ).map((s) => fuzzyVariant(s, rand));
    const symbols = [...exact, ...prefixes, ...fuzzy];
    const multi = names.filter((s) => words(s).length >= 2);
    const text = pickN(names, n, rand).map((s, i) => (i % 2 === 0 ? s : (words(s)[0] ?? s)));
    const hybrid = pickN(multi, n, rand).map((s) => words(s).join(' '));
    // Drawn last, so the other lists stay the questions earlier runs asked.
    const outlines = pickN(paths, n, rand);
    return { symbols, references: pickN(names, n, rand), outlines, text, hybrid };
  } finally {
    db.close();
  }
}

async function measure(
  qs: readonly string[],
  run: (q: string) => Promise<number> | number,
): Promise<{ summary: LatencySummary; nonEmpty: number }> {
  for (const q of qs.slice(0, 10)) await run(q); // warm caches and JIT
  const samples: number[] = [];
  let nonEmpty = 0;
  for (const q of qs) {
    const t0 = performance.now();
    const hits = await run(q);
    samples.push(performance.now() - t0);
    if (hits > 0) nonEmpty++;
  }
  return { summary: summarize(samples), nonEmpty };
}

export interface QueryTimings {
  inProcess: Record<QueryKind, LatencySummary>;
  mcp: Record<QueryKind, LatencySummary>;
  nonEmpty: Record<QueryKind, number>;
}

/**
 * Times every kind of query on the index of a system's environment (SQLite file or PostgreSQL
 * database, whichever `env` configures): in-process through the store and code search, then over
 * MCP stdio against a real `codeindex serve --workers 0` with the tools' defaults.
 */
export async function timeQueries(
  env: Record<string, string>,
  root: string,
  qs: QuerySet,
): Promise<QueryTimings> {
  const cfg = loadConfig({}, { ...process.env, ...env });
  const kinds: [QueryKind, string[]][] = [
    ['search_symbols', qs.symbols],
    ['find_references', qs.references],
    ['get_file_outline', qs.outlines],
    ['search_code:text', qs.text],
    ['search_code:hybrid', qs.hybrid],
  ];

  // In-process: the same store calls the tools make, without the protocol.
  const store = openIndexAt(indexLocation(cfg), { readonly: true });
  const search = createCodeSearch(cfg, () => store);
  const inProcess = {} as Record<QueryKind, LatencySummary>;
  const nonEmpty = {} as Record<QueryKind, number>;
  try {
    for (const [kind, list] of kinds) {
      const run = async (q: string): Promise<number> => {
        if (kind === 'search_symbols')
          return (await store.searchSymbols({ query: q, limit: 20 })).hits.length;
        if (kind === 'find_references')
          return (await store.findReferences({ symbol: q, limit: 30, offset: 0 })).hits.length;
        if (kind === 'get_file_outline') return (await store.fileOutline(q))?.length ?? 0;
        const mode = kind === 'search_code:text' ? 'text' : 'hybrid';
        return (await search.search({ query: q, mode, limit: 10, offset: 0 })).hits.length;
      };
      const m = await measure(list, run);
      inProcess[kind] = m.summary;
      nonEmpty[kind] = m.nonEmpty;
    }
  } finally {
    await store.close();
  }

  // Over MCP stdio: a real server process, tool defaults.
  const server = await startMcpServer({ ...env, CODEINDEX_ROOTS: root }, ['--workers', '0']);
  const mcp = {} as Record<QueryKind, LatencySummary>;
  try {
    for (const [kind, list] of kinds) {
      const run = async (q: string): Promise<number> => {
        if (kind === 'search_symbols')
          return ((await server.call('search_symbols', { query: q })).symbols as unknown[]).length;
        if (kind === 'find_references')
          return ((await server.call('find_references', { symbol: q })).references as unknown[]).length;
        if (kind === 'get_file_outline')
          return ((await server.call('get_file_outline', { path: q })).symbols as unknown[]).length;
        const mode = kind === 'search_code:text' ? 'text' : 'hybrid';
        return ((await server.call('search_code', { query: q, mode })).results as unknown[]).length;
      };
      mcp[kind] = (await measure(list, run)).summary;
    }
  } finally {
    await server.close();
  }
  return { inProcess, mcp, nonEmpty };
}

export async function measureQueries(corpus: Corpus, n: number): Promise<QueryResult> {
  const sys = makeSystemEnv({ CODEINDEX_EMBEDDINGS: 'local' });
  const system = await startSystem(2, sys);
  let embeddingsReady = false;
  try {
    await indexRepository(system, corpus.root);
    embeddingsReady = await waitForQueueIdle(system.tasks.queues.embeddings, 15 * 60_000);
  } finally {
    await system.close({ keepHome: true });
  }
  try {
    const cfg = loadConfig({}, { ...process.env, ...sys.env });
    const qs = sampleQueries(indexDbPath(cfg), corpus.root, n);
    try {
      const t = await timeQueries(sys.env, corpus.root, qs);
      return { corpus: corpus.name, queriesPerKind: n, embeddingsReady, ...t };
    } finally {
      // The server's queues write their `<prefix>:<queue>:meta` keys again after system.close().
      await deletePrefix(sys.prefix);
    }
  } finally {
    rmSync(sys.tmp, { recursive: true, force: true });
  }
}
