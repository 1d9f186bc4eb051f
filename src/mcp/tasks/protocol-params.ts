import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import {
  ErrorCode,
  McpError,
  type Request,
  type Result,
  type ServerNotification,
  type ServerRequest,
  type ServerResult,
} from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';

type RawHandler = (
  request: Request,
  extra: RequestHandlerExtra<ServerRequest, ServerNotification>,
) => Promise<Result>;

/**
 * The handler the SDK installed for `method`. The SDK keeps them in a private map with no getter;
 * we wrap some of them (see `routeTaskToolCalls`, `checkTaskRequestParams`) and fail loudly if
 * that map ever moves.
 */
export function installedHandler(server: McpServer, method: string): RawHandler {
  const map = (server.server as unknown as { _requestHandlers?: Map<string, RawHandler> })._requestHandlers;
  const handler = map?.get(method);
  if (!handler) throw new Error(`the MCP SDK has no ${method} handler to wrap: check its version`);
  return handler;
}

/**
 * An error the SDK answers a request with as it is: `code` and `message` become the JSON-RPC
 * error's. Not an `McpError`: that one's message already starts `MCP error -32602: `, and the
 * client's McpError adds the prefix again (`MCP error -32602: MCP error -32602: …`).
 */
export class ProtocolError extends Error {
  override readonly name = 'ProtocolError';
  constructor(
    readonly code: number,
    message: string,
    readonly data?: unknown,
  ) {
    super(message);
  }
}

/** `err` as the SDK should send it: an McpError without the prefix its constructor added. */
export function sentOnce(err: unknown): unknown {
  if (!(err instanceof McpError)) return err;
  return new ProtocolError(err.code, err.message.replace(/^MCP error -?\d+: /, ''), err.data);
}

/** The protocol's task requests and their parameter other than `_meta`. */
const TASK_REQUESTS = [
  { method: 'tasks/get', param: 'taskId', required: true },
  { method: 'tasks/result', param: 'taskId', required: true },
  { method: 'tasks/cancel', param: 'taskId', required: true },
  { method: 'tasks/list', param: 'cursor', required: false },
] as const;

/**
 * Checks the parameters of the SDK's `tasks/*` handlers before they run, and sends their errors
 * with one prefix. The SDK parses a request with zod before its handler: a missing or numeric
 * `taskId` threw the ZodError, answered as -32603 (internal error) with the issues as a
 * multi-line JSON dump. Here it is -32602 (invalid params) in one line, `taskId must be a string`.
 */
export function checkTaskRequestParams(server: McpServer): void {
  for (const { method, param, required } of TASK_REQUESTS) {
    const sdkHandler = installedHandler(server, method);
    // Loose on purpose: the SDK's handler parses the request again with its own schema.
    const loose = z.looseObject({ method: z.literal(method), params: z.unknown().optional() });
    server.server.setRequestHandler(loose, async (request, extra) => {
      const params = request.params;
      if (params !== undefined && (typeof params !== 'object' || params === null || Array.isArray(params)))
        throw new ProtocolError(ErrorCode.InvalidParams, `${method} params must be an object`);
      const value = (params as Record<string, unknown> | undefined)?.[param];
      if (typeof value !== 'string' && (required || value !== undefined))
        throw new ProtocolError(ErrorCode.InvalidParams, `${param} must be a string`);
      try {
        return (await sdkHandler(request as Parameters<typeof sdkHandler>[0], extra)) as ServerResult;
      } catch (err) {
        throw sentOnce(err);
      }
    });
  }
}
