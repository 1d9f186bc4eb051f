import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { CodeindexError, errorMessage } from '../errors.js';
import type { IndexStore } from '../store/types.js';

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

/**
 * How a text answer prints its paths: relative to the one indexed root they all lie under, which
 * `header` says once (`(paths relative to /home/me/app)`), else absolute. A deep checkout's root
 * repeated on every line of thirty references was most of the answer. A path with a control
 * character (a newline in a file name) is printed quoted, so it cannot break the line layout.
 * The structured answer keeps absolute paths.
 */
export function textPaths(
  roots: readonly string[],
  paths: readonly string[],
): { header: string | null; show(path: string): string } {
  const rootOf = (p: string) => {
    let best: string | null = null;
    for (const r of roots) if (p.startsWith(`${r}/`) && (best === null || r.length > best.length)) best = r;
    return best;
  };
  const distinct = [...new Set(paths)];
  const first = paths.length > 1 ? rootOf(distinct[0]!) : null;
  const one = first !== null && distinct.every((p) => rootOf(p) === first) ? first : null;
  return {
    header: one === null ? null : `(paths relative to ${printable(one)})`,
    show: (p) => printable(one !== null && p.startsWith(`${one}/`) ? p.slice(one.length + 1) : p),
  };
}

/** `textPaths` over the store's indexed roots. */
export async function rootTextPaths(
  store: Pick<IndexStore, 'listRoots'>,
  paths: readonly string[],
): Promise<ReturnType<typeof textPaths>> {
  return textPaths(
    (await store.listRoots()).map((r) => r.path),
    paths,
  );
}

/** A path as one line of text: quoted with escapes when it holds a control character. */
export function printable(path: string): string {
  return /[\u0000-\u001f\u007f]/.test(path) ? JSON.stringify(path) : path;
}
