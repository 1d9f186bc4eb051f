import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import {
  type CallToolRequest,
  CallToolRequestSchema,
  ErrorCode,
  ListToolsRequestSchema,
  McpError,
  type ServerNotification,
  type ServerRequest,
  type ServerResult,
  type Tool,
} from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { CodeindexError, errorMessage } from '../../errors.js';
import { installedHandler, sentOnce } from './protocol-params.js';
import type { QueueTaskStore } from './store.js';
import type { TaskTools } from './tools.js';

type Extra = RequestHandlerExtra<ServerRequest, ServerNotification>;

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

  const callTool = async (request: CallToolRequest, extra: Extra): Promise<ServerResult> => {
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
  };
  server.server.setRequestHandler(CallToolRequestSchema, (request, extra) =>
    callTool(request, extra).catch((err: unknown) => {
      throw sentOnce(err);
    }),
  );
}
