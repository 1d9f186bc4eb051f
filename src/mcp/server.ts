import { fileURLToPath } from 'node:url';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { RootsListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import type { Config } from '../config/schema.js';
import type { Logger } from '../log.js';
import { TaskClient } from '../queue/task-client.js';
import { createRedis } from '../redis/connection.js';
import type { IndexStore } from '../store/types.js';
import { type CodeSearch, createCodeSearch } from './code-search.js';
import type { ToolContext } from './context.js';
import { queryStore } from './query-store.js';
import { TaskEventRelay } from './tasks/events.js';
import { notifyTaskEnds } from './tasks/notify.js';
import { checkTaskRequestParams } from './tasks/protocol-params.js';
import { routeTaskToolCalls } from './tasks/route.js';
import { QueueTaskStore } from './tasks/store.js';
import type { TaskTools } from './tasks/tools.js';
import { registerCancelTaskTool } from './tools/cancel-task.js';
import { registerCleanupIndicesTool } from './tools/cleanup-indices.js';
import { registerFindReferencesTool } from './tools/find-references.js';
import { registerGetFileOutlineTool } from './tools/get-file-outline.js';
import { registerGetSymbolTool } from './tools/get-symbol.js';
import { registerIndexFileTool } from './tools/index-file.js';
import { registerIndexRepositoryTool } from './tools/index-repository.js';
import { registerIndexStatusTool } from './tools/index-status.js';
import { registerListTasksTool } from './tools/list-tasks.js';
import { registerQueueStatsTool } from './tools/queue-stats.js';
import { registerRepoMapTool } from './tools/repo-map.js';
import { registerRetryTaskTool } from './tools/retry-task.js';
import { strictArgs } from './tools/schemas.js';
import { registerSearchCodeTool } from './tools/search-code.js';
import { registerSearchSymbolsTool } from './tools/search-symbols.js';
import { registerTaskStatusTool } from './tools/task-status.js';

export interface ServerOptions {
  cfg: Config;
  log: Logger;
  /** Resolves the Redis URL on first use (the embedded default may start a redis-server). */
  redisUrl: () => Promise<string>;
  version: string;
  hooks?: Pick<ToolContext, 'onRootIndexed' | 'onRootRemoved' | 'rootNotes'>;
  /** MCP Tasks: whose tasks this server's client sees (HTTP with a token); else its session, else `local`. */
  taskOwner?: string;
  /** Queue events shared by the servers of one process (HTTP sessions); else the server has its own. */
  taskEvents?: TaskEventRelay;
  /**
   * What the servers of one process share (HTTP sessions: up to 100 of them), instead of each
   * opening its own: the producer (a Redis connection), the index (a PostgreSQL pool, or a SQLite
   * connection with a 32 MB page cache) and code search (a vector thread holding the roots'
   * matrices, and the query model). The owner closes them; the server's cleanup leaves them open.
   */
  shared?: {
    tasks: () => Promise<TaskClient>;
    search: CodeSearch;
    store: () => IndexStore;
  };
}

/**
 * Builds the MCP server with every tool registered. Query tools read SQLite directly (read-only);
 * job tools go through Redis. Returns the server and a cleanup that closes what it opened.
 */
export function createCodeindexServer(opts: ServerOptions): {
  server: McpServer;
  ctx: ToolContext;
  /** The server's code search (serve --http hands it to the HTTP side). */
  search: CodeSearch;
  cleanup: () => Promise<void>;
} {
  const { cfg, log } = opts;
  // MCP Tasks (see src/mcp/tasks): the job tools' tasks are their BullMQ jobs.
  const taskTools: TaskTools = new Map();
  const taskEvents = opts.taskEvents ?? new TaskEventRelay(cfg, opts.redisUrl, log);
  const taskStore = new QueueTaskStore({
    cfg,
    tasks: () => getTasks(),
    tools: taskTools,
    owner: (sessionId) => opts.taskOwner ?? (sessionId ? `session:${sessionId}` : 'local'),
    onUse: () => taskEvents.start(),
  });
  const server = new McpServer(
    { name: 'codeindex', version: opts.version },
    {
      capabilities: {
        tools: {},
        logging: {},
        tasks: { list: {}, cancel: {}, requests: { tools: { call: {} } } },
      },
      taskStore,
      instructions:
        'codeindex keeps a live index of source code. Call index_repository on a folder once (it returns a task_id; poll task_status), then use search_symbols, get_file_outline, find_references and search_code. index_status shows what is indexed.',
    },
  );

  // Every tool refuses arguments it does not define (see `strictArgs`).
  const registerTool = server.registerTool.bind(server);
  server.registerTool = ((name: string, config: { inputSchema?: unknown }, cb: unknown) =>
    registerTool(
      name,
      {
        ...config,
        inputSchema: isRawShape(config.inputSchema)
          ? strictArgs(name, config.inputSchema)
          : config.inputSchema,
      } as Parameters<typeof registerTool>[1],
      cb as Parameters<typeof registerTool>[2],
    )) as typeof server.registerTool;

  // HTTP sessions read the process's store; a stdio server opens its own.
  const ownStore = opts.shared ? null : queryStore(cfg, log, () => getTasks());
  const getStore = (): IndexStore => (opts.shared ? opts.shared.store() : ownStore!.get());

  let tasksPromise: Promise<{ client: TaskClient; conn: Redis }> | null = null;
  const getTasks = async (): Promise<TaskClient> => {
    if (opts.shared) return opts.shared.tasks();
    tasksPromise ??= (async () => {
      const url = await opts.redisUrl();
      const conn = createRedis(url, 'client');
      conn.on('error', (e) => log.debug('redis error', { error: e.message }));
      return { client: new TaskClient(cfg, conn, url), conn };
    })();
    try {
      return (await tasksPromise).client;
    } catch (err) {
      tasksPromise = null;
      throw err;
    }
  };

  let clientRoots: string[] | null = null;
  const refreshRoots = async (): Promise<void> => {
    if (!server.server.getClientCapabilities()?.roots) return;
    try {
      // Read leniently, each root on its own: the SDK's schema refused the whole list for one root
      // that is not a file:// URI (a remote editor's `vscode-remote://…`), and every root was lost.
      const r = await server.server.request({ method: 'roots/list' }, lenientRootsResult, { timeout: 5000 });
      const local: string[] = [];
      const skipped: string[] = [];
      for (const { uri } of r.roots) {
        const path = localPathOf(uri);
        if (path === null) skipped.push(uri);
        else local.push(path);
      }
      if (skipped.length > 0)
        log.warn('client roots that are not local file:// URIs are left out', { roots: skipped.slice(0, 5) });
      clientRoots = local;
    } catch (err) {
      log.warn('roots/list failed; using configured roots', {
        error: ((err as Error).message ?? String(err)).split('\n')[0],
      });
      clientRoots = [];
    }
  };
  server.server.setNotificationHandler(RootsListChangedNotificationSchema, async () => {
    await refreshRoots();
  });

  const ctx: ToolContext = {
    cfg,
    log,
    store: getStore,
    tasks: getTasks,
    async allowedRoots() {
      if (clientRoots === null) await refreshRoots();
      const all = [...cfg.roots, ...(clientRoots ?? [])];
      return all.length > 0 ? [...new Set(all)] : [process.cwd()];
    },
    ...opts.hooks,
  };

  const search =
    opts.shared?.search ??
    createCodeSearch(cfg, getStore, log, {
      embeddingStalls: async (roots) => (await getTasks()).embeddingStalls(roots),
    });
  registerIndexRepositoryTool(server, ctx, taskTools);
  registerIndexFileTool(server, ctx, taskTools);
  registerTaskStatusTool(server, ctx);
  registerCancelTaskTool(server, ctx);
  registerListTasksTool(server, ctx);
  registerRetryTaskTool(server, ctx);
  registerQueueStatsTool(server, ctx);
  registerCleanupIndicesTool(server, ctx, taskTools);
  registerSearchSymbolsTool(server, ctx);
  registerGetFileOutlineTool(server, ctx);
  registerGetSymbolTool(server, ctx);
  registerFindReferencesTool(server, ctx);
  registerSearchCodeTool(server, ctx, search);
  registerIndexStatusTool(server, ctx, search);
  registerRepoMapTool(server, ctx);
  routeTaskToolCalls(server, taskTools, taskStore);
  checkTaskRequestParams(server);
  const stopTaskNotifications = notifyTaskEnds(server, taskStore, taskEvents, log);

  return {
    server,
    ctx,
    search,
    async cleanup() {
      stopTaskNotifications();
      if (!opts.taskEvents) await taskEvents.close();
      if (tasksPromise) {
        const t = await tasksPromise.catch(() => null);
        await t?.client.close();
        t?.conn.disconnect();
      }
      if (!opts.shared) await search.close();
      await ownStore?.close();
      await server.close().catch(() => {});
    },
  };
}

/** A plain object of Zod schemas (what tools declare), not a Zod schema itself. */
function isRawShape(v: unknown): v is z.ZodRawShape {
  return typeof v === 'object' && v !== null && !(v instanceof z.ZodType);
}

/** `roots/list` answers as sent: any URI, so that one odd root does not lose the others. */
const lenientRootsResult = z.object({
  roots: z.array(z.looseObject({ uri: z.string() })),
});

/** The local path of a `file://` root URI; null for any other scheme or a file URL of another host. */
function localPathOf(uri: string): string | null {
  if (!uri.startsWith('file://')) return null;
  try {
    return fileURLToPath(uri);
  } catch {
    return null;
  }
}
