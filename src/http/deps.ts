import type { Config } from '../config/schema.js';
import type { Logger } from '../log.js';
import type { CodeSearch } from '../mcp/code-search.js';
import type { ToolContext } from '../mcp/context.js';
import type { TaskClient } from '../queue/task-client.js';
import type { IndexStore } from '../store/types.js';

/** What the HTTP app needs. Built by `startHttpServer`; tests can build their own. */
export interface HttpAppDeps {
  cfg: Config;
  log: Logger;
  version: string;
  /** Resolves the Redis URL on first use (MCP sessions open their own connections with it). */
  redisUrl: () => Promise<string>;
  /** The producer; throws REDIS_UNAVAILABLE when Redis cannot be reached. */
  tasks: () => Promise<TaskClient>;
  /** The read-only index; throws NOT_INDEXED until a first index exists. */
  store: () => IndexStore;
  /** Code search owned by the caller (serve --http: the stdio server's); else the app makes one. */
  search?: CodeSearch | undefined;
  /** Roots HTTP clients may touch (CODEINDEX_ROOTS, else the working directory). */
  allowedRoots: () => Promise<string[]>;
  /** When set, every request must carry it (see security.ts). Never logged. */
  token?: string | undefined;
  /** The address the server is bound to: loopback turns on Host-header checking. */
  host: string;
  /** Watcher wiring when the server runs next to one (serve --http). */
  hooks?: Pick<ToolContext, 'onRootIndexed' | 'onRootRemoved' | 'rootNotes'> | undefined;
}

/** Allowed roots for HTTP clients: the configured roots, else the working directory. */
export function httpAllowedRoots(cfg: Config): () => Promise<string[]> {
  return async () => (cfg.roots.length > 0 ? [...cfg.roots] : [process.cwd()]);
}

/**
 * Only the three hook functions of a hooks-bearing object (serve passes its whole tool context;
 * spreading that into a new MCP session would replace the session's own roots, store and producer).
 */
export function pickHooks(h: HttpAppDeps['hooks']): NonNullable<HttpAppDeps['hooks']> {
  const out: NonNullable<HttpAppDeps['hooks']> = {};
  if (h?.onRootIndexed) out.onRootIndexed = (root) => h.onRootIndexed?.(root);
  if (h?.onRootRemoved) out.onRootRemoved = (root) => h.onRootRemoved?.(root);
  if (h?.rootNotes) out.rootNotes = (root) => h.rootNotes?.(root) ?? {};
  return out;
}
