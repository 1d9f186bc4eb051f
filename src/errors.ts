/**
 * The one error type that crosses module boundaries. `code` is stable and machine-readable; the
 * message is one line that tells the user what to do next.
 */
export type CodeindexErrorCode =
  | 'CONFIG_INVALID'
  | 'PATH_OUTSIDE_ROOT'
  | 'PATH_NOT_FOUND'
  | 'NOT_A_FILE'
  | 'NOT_A_DIRECTORY'
  | 'NOT_INDEXED'
  | 'INDEX_CORRUPT'
  | 'TASK_NOT_FOUND'
  | 'TASK_EXPIRED'
  | 'REDIS_UNAVAILABLE'
  | 'STORE_UNAVAILABLE'
  | 'INVALID_PAYLOAD'
  | 'FILE_SKIPPED'
  | 'FILE_FAILED'
  | 'SYMBOL_NOT_FOUND'
  | 'EMBEDDING_PROVIDER'
  | 'SCOPE_TOO_LARGE'
  | 'INTERNAL';

export class CodeindexError extends Error {
  override readonly name = 'CodeindexError';
  constructor(
    readonly code: CodeindexErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** True when `err` is a CodeindexError, optionally with the given code. */
export function isCodeindexError(err: unknown, code?: CodeindexErrorCode): err is CodeindexError {
  return err instanceof CodeindexError && (code === undefined || err.code === code);
}

const CONTROL = /[\u0000-\u001f\u007f]/g;

/**
 * One line for a log or a tool result, whatever was thrown. Our own messages are one line by
 * design: a control character in one comes from a value in it (a file name with a newline) and is
 * written as its escape, so nothing after it is lost. Other errors keep their first line (a
 * library's multi-line dump).
 */
export function errorMessage(err: unknown): string {
  if (err instanceof CodeindexError)
    return err.message.replace(CONTROL, (c) => JSON.stringify(c).slice(1, -1));
  if (err instanceof Error) return err.message.split('\n')[0] ?? err.name;
  return String(err).split('\n')[0] ?? 'unknown error';
}
