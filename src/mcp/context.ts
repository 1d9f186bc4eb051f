import { statSync } from 'node:fs';
import type { Config } from '../config/schema.js';
import type { Logger } from '../log.js';
import type { TaskClient } from '../queue/task-client.js';
import { type IndexedFile, type IndexStore, type RootRow, recordedMtime } from '../store/types.js';

/** What every tool needs. Built by `createCodeindexServer`; tests can build their own. */
export interface ToolContext {
  cfg: Config;
  log: Logger;
  /** The read-only index; throws NOT_INDEXED until a first index exists. */
  store(): IndexStore;
  /** The producer; throws REDIS_UNAVAILABLE when Redis cannot be reached. */
  tasks(): Promise<TaskClient>;
  /** Roots the client may touch: CODEINDEX_ROOTS plus the client's MCP roots, else the cwd. */
  allowedRoots(): Promise<string[]>;
  /** Called when a root was (re)indexed through this server, e.g. to start watching it. */
  onRootIndexed?(root: string): void;
  /** Called when cleanup removed a root (stop watching it). */
  onRootRemoved?(root: string): void;
  /** Per-root notes for index_status (watcher state, pending changes). */
  rootNotes?(root: string): Record<string, unknown>;
}

/**
 * The store for one tool call, reading the roots once: the scope check and the staleness check
 * both need them, and on PostgreSQL each read is a round trip.
 */
export function rootsOnce(store: IndexStore): IndexStore {
  let roots: Promise<RootRow[]> | undefined;
  const listRoots = () => (roots ??= store.listRoots());
  // A proxy, not a copy: a store can itself be a proxy whose methods are not own properties.
  return new Proxy(store, { get: (t, key) => (key === 'listRoots' ? listRoots : Reflect.get(t, key)) });
}

/** A result to check: its absolute path, and its file as indexed when the hit carries it. */
export type StaleCandidate = string | { path: string; indexed?: IndexedFile | undefined };

/**
 * Whether each file changed on disk after it was indexed (`stale: true` in results), as a lookup
 * over these results' paths (any other path is not stale). A missing file is stale too. Hits that
 * carry their file's indexed size and mtime are compared with the disk directly; the others' file
 * states are read with one index lookup per root (a round trip each on PostgreSQL).
 */
export async function staleChecker(
  store: IndexStore,
  candidates: Iterable<StaleCandidate>,
): Promise<(absPath: string) => boolean> {
  const known = new Map<string, IndexedFile>();
  const unknown = new Set<string>();
  for (const c of candidates) {
    if (typeof c !== 'string' && c.indexed !== undefined) known.set(c.path, c.indexed);
    else unknown.add(typeof c === 'string' ? c : c.path);
  }
  const stale = new Set<string>();
  for (const [absPath, st] of known) if (isStale(st, absPath)) stale.add(absPath);
  const lookup = [...unknown].filter((p) => !known.has(p));
  if (lookup.length > 0) {
    // The longest root containing a path owns it (roots can nest).
    const roots = (await store.listRoots()).map((r) => r.path).sort((a, b) => b.length - a.length);
    const byRoot = new Map<string, string[]>();
    for (const absPath of lookup) {
      const root = roots.find((r) => absPath.startsWith(`${r}/`));
      if (root === undefined) continue;
      const list = byRoot.get(root) ?? [];
      list.push(absPath);
      byRoot.set(root, list);
    }
    await Promise.all(
      [...byRoot].map(async ([root, absPaths]) => {
        const states = await store.getFileStates(
          root,
          absPaths.map((p) => p.slice(root.length + 1)),
        );
        for (const absPath of absPaths) {
          const st = states.get(absPath.slice(root.length + 1));
          if (isStale(st, absPath)) stale.add(absPath);
        }
      }),
    );
  }
  return (absPath) => stale.has(absPath);
}

function isStale(st: IndexedFile | undefined, absPath: string): boolean {
  try {
    const s = statSync(absPath);
    // A file marked for extraction again (a newer extractor) is stale only if it changed too.
    return !st || st.size !== s.size || recordedMtime(st.mtimeMs) !== s.mtimeMs;
  } catch {
    return true;
  }
}
