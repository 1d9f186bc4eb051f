import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Redis } from 'ioredis';
import type { Config } from '../config/schema.js';
import { CodeindexError } from '../errors.js';
import type { Logger } from '../log.js';
import type { CodeSearch } from '../mcp/code-search.js';
import { queryStore } from '../mcp/query-store.js';
import { TaskClient } from '../queue/task-client.js';
import { createRedis } from '../redis/connection.js';
import { resolveRedisUrl } from '../redis/embedded.js';
import type { IndexStore } from '../store/types.js';
import { createHttpApp } from './app.js';
import { type HttpAppDeps, httpAllowedRoots, pickHooks } from './deps.js';
import { checkBindSecurity, TOKEN_ENV } from './security.js';

export interface HttpServerOptions {
  cfg: Config;
  log: Logger;
  port: number;
  /** Default 127.0.0.1; anything else requires a token. */
  host?: string | undefined;
  version: string;
  /** Default: CODEINDEX_DASHBOARD_TOKEN from the environment (empty counts as unset). */
  token?: string | undefined;
  /** Share the caller's Redis URL, producer and index (serve --http); otherwise opened lazily here. */
  redisUrl?: () => Promise<string>;
  tasks?: () => Promise<TaskClient>;
  store?: () => IndexStore;
  /** The caller's code search (serve --http: the stdio server's), left open on close. */
  search?: CodeSearch;
  hooks?: HttpAppDeps['hooks'];
}

export interface RunningHttpServer {
  /** Base URL, e.g. `http://127.0.0.1:5555`. */
  url: string;
  close(): Promise<void>;
}

/** The token from the environment; an empty value counts as unset. */
export function tokenFromEnv(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const t = env[TOKEN_ENV]?.trim();
  return t ? t : undefined;
}

/** Memoises an async getter, forgetting failures so the next call retries. */
function lazy<T>(make: () => Promise<T>): () => Promise<T> {
  let p: Promise<T> | null = null;
  return () => {
    p ??= make().catch((err) => {
      p = null;
      throw err;
    });
    return p;
  };
}

/**
 * Starts the HTTP server (API, dashboard, bull-board, metrics, MCP over HTTP). Refuses a
 * non-loopback address without a token (CONFIG_INVALID). Resolves once it listens.
 */
export async function startHttpServer(opts: HttpServerOptions): Promise<RunningHttpServer> {
  const { cfg, log } = opts;
  const host = opts.host ?? '127.0.0.1';
  const token = opts.token ?? tokenFromEnv();
  checkBindSecurity(host, token);

  const redisUrl = opts.redisUrl ?? lazy(() => resolveRedisUrl(cfg, log));
  let owned: { client: TaskClient; conn: Redis } | null = null;
  const tasks =
    opts.tasks ??
    lazy(async () => {
      const url = await redisUrl();
      const conn = createRedis(url, 'client');
      conn.on('error', (e) => log.debug('redis error', { error: e.message }));
      owned = { client: new TaskClient(cfg, conn, url), conn };
      return owned.client;
    });
  // The index as the MCP server opens it (a damaged SQLite file is set aside and rebuilt), shared
  // by the JSON API and every MCP session.
  const ownedStore = opts.store
    ? null
    : queryStore(cfg, log, tasks, 'POST /index (or index_repository over MCP) with a folder first');
  const store = opts.store ?? (() => ownedStore!.get());

  const { app, close: closeApp } = createHttpApp({
    cfg,
    log: log.child('http'),
    version: opts.version,
    redisUrl,
    tasks,
    store,
    allowedRoots: httpAllowedRoots(cfg),
    ...(opts.search ? { search: opts.search } : {}),
    token,
    host,
    hooks: pickHooks(opts.hooks),
  });
  const server: Server = createServer(app);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, host, () => {
      server.off('error', reject);
      resolve();
    });
  }).catch((err: NodeJS.ErrnoException) => {
    throw new CodeindexError(
      'CONFIG_INVALID',
      err.code === 'EADDRINUSE'
        ? `port ${opts.port} on ${host} is already in use: pick another with --port`
        : `cannot listen on ${host}:${opts.port} (${err.code ?? err.message})`,
    );
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  log.info('HTTP server listening', { url, auth: token ? 'bearer token' : 'none (loopback only)' });
  return {
    url,
    async close() {
      await closeApp();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      const t = owned as { client: TaskClient; conn: Redis } | null;
      if (t) {
        await t.client.close();
        t.conn.disconnect();
      }
      await ownedStore?.close();
    },
  };
}
