import { statSync } from 'node:fs';
import type { Config } from '../config/schema.js';
import type { Logger } from '../log.js';
import type { TaskClient } from '../queue/task-client.js';
import type { IndexStore } from '../store/types.js';

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
 * Whether each of `paths` changed on disk after it was indexed (`stale: true` in results), as a
 * lookup over those paths (any other path is not stale). A missing file is stale too. Looks at
 * each distinct path once.
 */
export async function staleChecker(
  store: IndexStore,
  paths: Iterable<string>,
): Promise<(absPath: string) => boolean> {
  const distinct = [...new Set(paths)];
  const stale = new Set<string>();
  if (distinct.length > 0) {
    const roots = (await store.listRoots()).map((r) => r.path);
    await Promise.all(
      distinct.map(async (absPath) => {
        if (await isStale(store, roots, absPath)) stale.add(absPath);
      }),
    );
  }
  return (absPath) => stale.has(absPath);
}

async function isStale(store: IndexStore, roots: readonly string[], absPath: string): Promise<boolean> {
  const root = roots.filter((r) => absPath.startsWith(`${r}/`)).sort((a, b) => b.length - a.length)[0];
  if (!root) return false;
  const st = await store.getFileState(root, absPath.slice(root.length + 1));
  try {
    const s = statSync(absPath);
    return !st || st.size !== s.size || st.mtimeMs !== s.mtimeMs;
  } catch {
    return true;
  }
}
