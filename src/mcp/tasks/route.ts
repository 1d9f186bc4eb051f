import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import {
  CallToolRequestSchema,
  ErrorCode,
  ListToolsRequestSchema,
  McpError,
  type Request,
  type Result,
  type ServerNotification,
  type ServerRequest,
  type Tool,
} from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { CodeindexError, errorMessage } from '../../errors.js';
import type { QueueTaskStore } from './store.js';
import type { TaskTools } from './tools.js';

type Extra = RequestHandlerExtra<ServerRequest, ServerNotification>;
type RawHandler = (request: Request, extra: Extra) => Promise<Result>;

/**
 * The handler the SDK installed for `method`. The SDK keeps them in a private map with no getter;
 * we wrap two of them (see `routeTaskToolCalls`) and fail loudly if that map ever moves.
 */
function installedHandler(server: McpServer, method: string): RawHandler {
  const map = (server.server as unknown as { _requestHandlers?: Map<string, RawHandler> })._requestHandlers;
  const handler = map?.get(method);
  if (!handler) throw new Error(`the MCP SDK has no ${method} handler to wrap: check its version`);
  return handler;
}

/**
 * Routes task-augmented `tools/call` requests of the job tools to their `start`, and advertises
 * `execution.taskSupport: "optional"` for them in `tools/list`.
 *
 * Why not the SDK's `registerToolTask`: for a plain call to an "optional" tool it creates a task
 * anyway and blocks until the task ends, so `index_repository` without Tasks would stop returning
 * its task id at once. Here a plain call runs the tool exactly as before, and only a call that
 * carries `task` becomes a protocol task. Query tools stay `forbidden`: asking for a task gets
 * Method not found (-32601), as the spec says.
 */
export function routeTaskToolCalls(server: McpServer, tools: TaskTools, store: QueueTaskStore): void {
  const plainCall = installedHandler(server, 'tools/call');
  const plainList = installedHandler(server, 'tools/list');

  server.server.setRequestHandler(ListToolsRequestSchema, async (request, extra) => {
    const listed = (await plainList(request, extra)) as { tools: Tool[] };
    return {
      ...listed,
      tools: listed.tools.map((t) =>
        tools.has(t.name) ? { ...t, execution: { taskSupport: 'optional' } } : t,
      ),
    };
  });

  server.server.setRequestHandler(CallToolRequestSchema, async (request, extra) => {
    const { name, arguments: args, task } = request.params;
    if (!task) return (await plainCall(request, extra)) as never;
    const tool = tools.get(name);
    if (!tool) {
      throw new McpError(
        ErrorCode.MethodNotFound,
        `tool ${name} does not run as a task (its execution.taskSupport is "forbidden"): call it without "task"`,
      );
    }
    const parsed = z.object(tool.inputSchema).safeParse(args ?? {});
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new McpError(
        ErrorCode.InvalidParams,
        `invalid arguments for ${name}: ${issue?.path.join('.') || 'arguments'}: ${issue?.message ?? 'invalid'}`,
      );
    }
    const ttl = store.ttlFor(task.ttl);
    await store.prepare();
    let started: Awaited<ReturnType<typeof tool.start>>;
    try {
      started = await tool.start(parsed.data, { resultTtlSeconds: Math.ceil(ttl / 1000) });
    } catch (err) {
      // The same one line the plain call would answer with, as the request's error.
      const code = err instanceof CodeindexError ? err.code : 'INTERNAL';
      throw new McpError(ErrorCode.InvalidParams, `${code}: ${errorMessage(err)}`);
    }
    const created = await store.createTask(
      {
        ttl,
        pollInterval: tool.pollIntervalMs,
        context: { taskId: started.taskId, tool: name, meta: started.meta },
      },
      extra.requestId,
      request,
      extra.sessionId,
    );
    return { task: created } as never;
  });
}
