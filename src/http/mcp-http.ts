import { createHash, randomUUID } from 'node:crypto';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import type { Request, RequestHandler, Response } from 'express';
import { errorMessage } from '../errors.js';
import type { CodeSearch } from '../mcp/code-search.js';
import { createCodeindexServer } from '../mcp/server.js';
import { TaskEventRelay } from '../mcp/tasks/events.js';
import { type HttpAppDeps, pickHooks } from './deps.js';

interface McpSession {
  transport: StreamableHTTPServerTransport;
  cleanup: () => Promise<void>;
}

/** At most this many concurrent sessions; the oldest is closed beyond it (clients reconnect). */
const MAX_SESSIONS = 100;

function rpcError(res: Response, status: number, message: string): void {
  res.status(status).json({ jsonrpc: '2.0', error: { code: -32000, message }, id: null });
}

/**
 * A remote client's MCP roots name folders on ITS machine, and the server factory would widen the
 * allowed roots with them: over HTTP, the server's own roots (CODEINDEX_ROOTS, else its working
 * directory) must be the only ones. Hiding the client's roots capability keeps them so.
 */
function withoutClientRoots<T extends { params: { capabilities: Record<string, unknown> } }>(body: T): T {
  const { roots: _ignored, ...capabilities } = body.params.capabilities;
  return { ...body, params: { ...body.params, capabilities } };
}

/**
 * MCP over Streamable HTTP: one server (the same factory and tools as stdio) and one transport per
 * session, keyed by the `Mcp-Session-Id` header the transport hands out on initialize.
 */
export function createMcpEndpoint(
  deps: HttpAppDeps,
  search: CodeSearch,
): { handler: RequestHandler; close(): Promise<void> } {
  const sessions = new Map<string, McpSession>();
  // MCP Tasks: with a token, a caller sees the tasks created under it (from any session, also
  // after a restart); without one, those of its session. One queue-event relay for all sessions.
  const taskOwner = deps.token
    ? `token:${createHash('sha256').update(`codeindex-mcp-tasks:${deps.token}`).digest('hex')}`
    : undefined;
  const taskEvents = new TaskEventRelay(deps.cfg, deps.redisUrl, deps.log.child('mcp'));

  const startSession = async (req: Request, res: Response): Promise<void> => {
    const { server, cleanup } = createCodeindexServer({
      cfg: deps.cfg,
      log: deps.log.child('mcp'),
      redisUrl: deps.redisUrl,
      version: deps.version,
      hooks: pickHooks(deps.hooks),
      ...(taskOwner ? { taskOwner } : {}),
      taskEvents,
      // Sessions share the process's producer, index and code search: 100 sessions each with their
      // own held 100 Redis connections, pools (or 32 MB page caches) and vector threads.
      shared: { tasks: deps.tasks, search, store: deps.store },
    });
    const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (id) => {
        sessions.set(id, { transport, cleanup });
        if (sessions.size > MAX_SESSIONS) {
          const oldest = sessions.keys().next().value;
          if (oldest) void sessions.get(oldest)?.transport.close();
        }
      },
    });
    transport.onclose = () => {
      const id = transport.sessionId;
      if (id) sessions.delete(id);
      void cleanup().catch(() => {});
    };
    await server.connect(transport);
    await transport.handleRequest(req, res, req.body);
  };

  const handler: RequestHandler = async (req, res) => {
    const header = req.headers['mcp-session-id'];
    const sessionId = Array.isArray(header) ? header[0] : header;
    try {
      if (sessionId) {
        const s = sessions.get(sessionId);
        if (!s) {
          rpcError(res, 404, 'unknown or expired MCP session: initialize a new one');
          return;
        }
        await s.transport.handleRequest(req, res, req.body);
        return;
      }
      if (req.method === 'POST' && isInitializeRequest(req.body)) {
        req.body = withoutClientRoots(req.body);
        await startSession(req, res);
        return;
      }
      rpcError(res, 400, 'no Mcp-Session-Id header: send an initialize request first');
    } catch (err) {
      deps.log.warn('MCP request failed', { error: errorMessage(err) });
      if (!res.headersSent) rpcError(res, 500, 'internal error');
    }
  };

  return {
    handler,
    async close() {
      const all = [...sessions.values()];
      sessions.clear();
      await Promise.allSettled(all.map((s) => s.transport.close()));
      await Promise.allSettled(all.map((s) => s.cleanup()));
      await taskEvents.close();
    },
  };
}
