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
 * Whether the file changed on disk after it was indexed (`stale: true` in results).
 * A missing file is stale too. Looks at each distinct path once.
 */
export function staleChecker(store: IndexStore) {
  const cache = new Map<string, boolean>();
  const roots = store.listRoots().map((r) => r.path);
  return (absPath: string): boolean => {
    const hit = cache.get(absPath);
    if (hit !== undefined) return hit;
    let stale = false;
    const root = roots.filter((r) => absPath.startsWith(`${r}/`)).sort((a, b) => b.length - a.length)[0];
    if (root) {
      const st = store.getFileState(root, absPath.slice(root.length + 1));
      try {
        const s = statSync(absPath);
        stale = !st || st.size !== s.size || st.mtimeMs !== s.mtimeMs;
      } catch {
        stale = true;
      }
    }
    cache.set(absPath, stale);
    return stale;
  };
}
