import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { callTool, testRedisUrl } from '../helpers/env.js';
import { waitFor } from '../helpers/wait.js';

/** `waitFor` with this suite's 15 s default deadline. */
export function eventually<T>(
  what: string,
  check: () => Promise<T | null | undefined | false>,
  timeoutMs = 15_000,
): Promise<T> {
  return waitFor(what, check, timeoutMs);
}

export interface Sym {
  name: string;
  kind: string;
  path: string;
  line: number;
}

/** Writes a file (and its parent folders). */
export function put(root: string, rel: string, text: string): void {
  const abs = join(root, rel);
  mkdirSync(dirname(abs), { recursive: true });
  writeFileSync(abs, text);
}

/** Paths (absolute) where `search_symbols` finds a symbol named exactly `name`. */
export async function symbolPaths(client: Client, name: string): Promise<string[]> {
  const r = await callTool<{ symbols: Sym[] }>(client, 'search_symbols', { query: name, limit: 50 });
  return r.symbols.filter((s) => s.name === name).map((s) => s.path);
}

/** Names in a file's outline, or null when the file is not indexed. */
export async function outlineNames(client: Client, absPath: string): Promise<string[] | null> {
  const r = await client.callTool({ name: 'get_file_outline', arguments: { path: absPath } });
  if (r.isError) return null;
  return ((r.structuredContent as { symbols: Sym[] }).symbols ?? []).map((s) => s.name);
}

/** The watcher notes of a root from index_status. */
export async function watchNotes(client: Client, root: string): Promise<Record<string, unknown> | undefined> {
  const r = await callTool<{ roots: { root: string; notes?: { watch?: Record<string, unknown> } }[] }>(
    client,
    'index_status',
    {},
  );
  return r.roots.find((x) => x.root === root)?.notes?.watch;
}

/** Job counts of the indexing queue of a prefix (finished records are kept for an hour). */
export async function indexingCounts(
  prefix: string,
): Promise<{ total: number; open: number; counts: Record<string, number> }> {
  const conn = new Redis(testRedisUrl(), { maxRetriesPerRequest: null });
  conn.on('error', () => {});
  const q = new Queue('indexing', { connection: conn, prefix });
  try {
    const counts = await q.getJobCounts(
      'active',
      'waiting',
      'prioritized',
      'delayed',
      'waiting-children',
      'completed',
      'failed',
    );
    const open =
      (counts.active ?? 0) +
      (counts.waiting ?? 0) +
      (counts.prioritized ?? 0) +
      (counts.delayed ?? 0) +
      (counts['waiting-children'] ?? 0);
    return { total: open + (counts.completed ?? 0) + (counts.failed ?? 0), open, counts };
  } finally {
    await q.close();
    conn.disconnect();
  }
}

/** Job names of every job the indexing queue of a prefix holds. */
export async function indexingJobNames(prefix: string): Promise<string[]> {
  const conn = new Redis(testRedisUrl(), { maxRetriesPerRequest: null });
  conn.on('error', () => {});
  const q = new Queue('indexing', { connection: conn, prefix });
  try {
    const jobs = await q.getJobs(
      ['active', 'waiting', 'prioritized', 'delayed', 'waiting-children', 'completed', 'failed'],
      0,
      100_000,
    );
    return jobs.map((j) => j.name);
  } finally {
    await q.close();
    conn.disconnect();
  }
}
