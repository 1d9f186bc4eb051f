import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { CodeindexError, errorMessage } from '../errors.js';

/** A successful tool result: structured content plus a concise text rendering. */
export function toolResult(structured: Record<string, unknown>, text: string): CallToolResult {
  return { content: [{ type: 'text', text }], structuredContent: structured };
}

/** An expected failure as a tool result (never a protocol error): one line with what to do. */
export function toolError(err: unknown): CallToolResult {
  const code = err instanceof CodeindexError ? err.code : 'INTERNAL';
  const message = errorMessage(err);
  return { content: [{ type: 'text', text: `${code}: ${message}` }], isError: true };
}

/** Runs a tool body, turning thrown errors into `isError` results. */
export async function runTool(body: () => Promise<CallToolResult> | CallToolResult): Promise<CallToolResult> {
  try {
    return await body();
  } catch (err) {
    return toolError(err);
  }
}

/** Opaque cursor for paged results: an offset. */
export function encodeCursor(offset: number): string {
  return Buffer.from(`o:${offset}`).toString('base64url');
}

export function decodeCursor(cursor: string | undefined): number {
  if (!cursor) return 0;
  const m = /^o:(\d+)$/.exec(Buffer.from(cursor, 'base64url').toString());
  if (!m)
    throw new CodeindexError(
      'INVALID_PAYLOAD',
      'bad cursor: pass the next_cursor value from the previous answer unchanged',
    );
  return Number(m[1]);
}

/** Cuts a string to `max` characters with an ellipsis. */
export function clip(s: string | null | undefined, max: number): string {
  if (!s) return '';
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}
