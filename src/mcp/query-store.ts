import { existsSync } from 'node:fs';
import { indexDbPath } from '../config/paths.js';
import type { Config } from '../config/schema.js';
import { CodeindexError } from '../errors.js';
import type { Logger } from '../log.js';
import { allowedRootsFile } from '../queue/allowed-roots.js';
import { JOBS } from '../queue/names.js';
import type { TaskClient } from '../queue/task-client.js';
import { rebuildingError, recentQuarantine } from '../store/corruption.js';
import { guardedStore } from '../store/guarded.js';
import { openIndexStore, openStore } from '../store/index.js';
import type { IndexStore } from '../store/types.js';

/** The read-only index of a query process, opened on first use. */
export interface QueryStore {
  /** The store; throws NOT_INDEXED (or a rebuild message) until there is an index. */
  get(): IndexStore;
  close(): Promise<void>;
}

/**
 * Opens the index the query tools read, once, on first use. PostgreSQL: a pool (the server answers
 * NOT_INDEXED itself). SQLite: a read connection that sets a damaged file aside and queues its
 * roots for a rebuild (see guardedStore); before a first index, NOT_INDEXED.
 */
export function queryStore(
  cfg: Config,
  log: Logger,
  tasks: () => Promise<TaskClient>,
  /** What NOT_INDEXED tells the caller to do. */
  howToIndex = 'call index_repository with the project folder first',
): QueryStore {
  let store: IndexStore | null = null;
  return {
    get() {
      if (store) return store;
      if (cfg.databaseUrl !== undefined) {
        store = openStore(cfg, { readonly: true, cacheRoots: true });
        return store;
      }
      const path = indexDbPath(cfg);
      if (!existsSync(path)) {
        const moved = recentQuarantine(path);
        if (moved) throw rebuildingError(moved);
        throw new CodeindexError('NOT_INDEXED', `nothing is indexed yet: ${howToIndex}`);
      }
      store = guardedStore(path, () => openIndexStore(path, { readonly: true }), {
        allowedRootsFile: allowedRootsFile(cfg),
        log: (m) => log.warn(m),
        rebuild: (roots) => {
          store = null;
          void tasks()
            .then(async (t) => {
              for (const root of roots)
                await t.enqueue(JOBS.indexRepository, { root, force: true, priority: 'normal' });
            })
            .catch((e) => log.warn('could not queue the rebuild of a damaged index', { error: String(e) }));
        },
      });
      return store;
    },
    async close() {
      await store?.close();
      store = null;
    },
  };
}
