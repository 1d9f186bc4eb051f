import type { ErrorRequestHandler, Response } from 'express';
import type { z } from 'zod';
import { type CodeindexErrorCode, errorMessage, isCodeindexError } from '../errors.js';

/** Error codes only the HTTP layer produces, next to {@link CodeindexErrorCode}. */
export type HttpOnlyCode = 'UNAUTHORIZED' | 'FORBIDDEN_HOST' | 'ROUTE_NOT_FOUND' | 'PAYLOAD_TOO_LARGE';

/** The HTTP status for each CodeindexError code: the same rules as the MCP tools, as statuses. */
const STATUS_OF: Readonly<Record<CodeindexErrorCode, number>> = {
  CONFIG_INVALID: 500,
  PATH_OUTSIDE_ROOT: 403,
  PATH_NOT_FOUND: 404,
  NOT_A_FILE: 400,
  NOT_A_DIRECTORY: 400,
  NOT_INDEXED: 409,
  INDEX_CORRUPT: 503,
  TASK_NOT_FOUND: 404,
  TASK_EXPIRED: 410,
  REDIS_UNAVAILABLE: 503,
  STORE_UNAVAILABLE: 503,
  INVALID_PAYLOAD: 400,
  FILE_SKIPPED: 422,
  FILE_FAILED: 422,
  SYMBOL_NOT_FOUND: 404,
  EMBEDDING_PROVIDER: 502,
  SCOPE_TOO_LARGE: 422,
  INTERNAL: 500,
};

/** The HTTP status for a CodeindexError code. */
export function httpStatusOf(code: CodeindexErrorCode): number {
  return STATUS_OF[code];
}

/** Sends `{error: {code, message}}` with a status. */
export function sendError(
  res: Response,
  status: number,
  code: CodeindexErrorCode | HttpOnlyCode,
  message: string,
): void {
  res.status(status).json({ error: { code, message } });
}

/** One line out of a zod failure: the first issue, with the field it is about. */
export function describeZodError(err: z.ZodError, what: string): string {
  const issue = err.issues[0];
  if (!issue) return `invalid ${what}`;
  const where = issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
  return `invalid ${what}: ${where}${issue.message}`;
}

/**
 * The last handler: CodeindexErrors map to their status, body-parser failures to 400/413,
 * anything else to 500 with a generic message (the detail goes to the log, never to the client).
 */
export function errorHandler(log: {
  error(msg: string, f?: Record<string, unknown>): void;
}): ErrorRequestHandler {
  return (err, _req, res, next) => {
    if (res.headersSent) {
      next(err);
      return;
    }
    if (isCodeindexError(err)) {
      sendError(res, httpStatusOf(err.code), err.code, errorMessage(err));
      return;
    }
    const e = err as { type?: string; status?: number };
    if (e.type === 'entity.parse.failed') {
      sendError(res, 400, 'INVALID_PAYLOAD', `request body is not valid JSON: ${errorMessage(err)}`);
      return;
    }
    if (e.type === 'entity.too.large') {
      sendError(res, 413, 'PAYLOAD_TOO_LARGE', 'request body too large: send at most 1 MB of JSON');
      return;
    }
    if (typeof e.status === 'number' && e.status >= 400 && e.status < 500) {
      sendError(res, e.status, 'INVALID_PAYLOAD', errorMessage(err));
      return;
    }
    log.error('unhandled error in HTTP handler', { error: errorMessage(err) });
    sendError(res, 500, 'INTERNAL', 'internal error: see the server log');
  };
}
