import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import type { IServerAdapter } from '@bull-board/api/typings/app';
import { ExpressAdapter } from '@bull-board/express';
import express, { type Express, type RequestHandler } from 'express';
import { createCodeSearch } from '../mcp/code-search.js';
import { createApiRouter } from './api.js';
import { collectDashboardData } from './dashboard-data.js';
import { dashboardPageHandler } from './dashboard-page.js';
import type { HttpAppDeps } from './deps.js';
import { errorHandler, sendError } from './errors.js';
import { healthHandler } from './health.js';
import { createMcpEndpoint } from './mcp-http.js';
import { createMetrics } from './metrics.js';
import { isLoopbackHost, loopbackHostOnly, requireToken } from './security.js';

/** Where bull-board is mounted. */
export const QUEUES_PATH = '/queues';
/** Paths answered without the token (status only, no details): load balancers and container probes. */
const OPEN_PATHS = new Set(['/healthz']);

export interface HttpApp {
  app: Express;
  /** Closes the MCP sessions this app opened (the caller owns Redis and SQLite). */
  close(): Promise<void>;
}

/**
 * bull-board on the queues of the task client, mounted on first use: the queues need Redis,
 * and the server must start (and answer /healthz with 503) while Redis is away.
 */
function lazyBullBoard(deps: HttpAppDeps): RequestHandler {
  let board: Promise<RequestHandler> | null = null;
  const build = async (): Promise<RequestHandler> => {
    const tasks = await deps.tasks();
    const serverAdapter = new ExpressAdapter();
    serverAdapter.setBasePath(QUEUES_PATH);
    const opts = { readOnlyMode: false, allowRetries: true };
    createBullBoard({
      queues: [
        ...Object.values(tasks.queues).map((q) => new BullMQAdapter(q, opts)),
        new BullMQAdapter(tasks.deadLetter, { ...opts, description: 'jobs that exhausted their retries' }),
      ],
      // @bull-board/express 9.10.1 nests its own @bull-board/api 9.10.1 next to our 9.10.2: same
      // shapes, separate declarations, so the types only differ in name.
      serverAdapter: serverAdapter as unknown as IServerAdapter,
      options: { uiConfig: { boardTitle: 'codeindex queues', miscLinks: [{ text: 'Index', url: '/' }] } },
    });
    return serverAdapter.getRouter() as RequestHandler;
  };
  return (req, res, next) => {
    board ??= build().catch((err) => {
      board = null;
      throw err;
    });
    board.then((h) => h(req, res, next), next);
  };
}

/**
 * The HTTP side of codeindex: the JSON API for editors, /healthz, /metrics, the dashboard at /,
 * bull-board at /queues and MCP over Streamable HTTP at /mcp. A factory: all state lives in the
 * returned app, so tests can run several in one process.
 */
export function createHttpApp(deps: HttpAppDeps): HttpApp {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', false);
  app.set('etag', false);
  if (isLoopbackHost(deps.host)) app.use(loopbackHostOnly());
  if (deps.token) app.use(requireToken(deps.token, (p) => OPEN_PATHS.has(p)));

  const metrics = createMetrics(deps);
  // One code search (its vector thread and query model) for the JSON API and every MCP session.
  const search =
    deps.search ??
    createCodeSearch(deps.cfg, deps.store, deps.log, {
      embeddingStalls: async (roots) => (await deps.tasks()).embeddingStalls(roots),
    });
  const mcp = createMcpEndpoint(deps, search);
  const collect = () => collectDashboardData(deps);
  const json = express.json({ limit: '1mb' });

  app.get('/healthz', healthHandler(deps));
  app.get('/metrics', metrics.handler);
  app.get('/', dashboardPageHandler(collect));
  app.get('/dashboard.json', async (_req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    res.json(await collect());
  });
  app.use(QUEUES_PATH, lazyBullBoard(deps));
  app.all('/mcp', json, mcp.handler);
  app.use(json, createApiRouter(deps, search));
  app.use((req, res) => {
    sendError(
      res,
      404,
      'ROUTE_NOT_FOUND',
      `no route ${req.method} ${req.path}: see docs/operations.md for the HTTP API`,
    );
  });
  app.use(errorHandler(deps.log));
  return {
    app,
    close: async () => {
      await mcp.close();
      if (deps.search === undefined) await search.close();
    },
  };
}
