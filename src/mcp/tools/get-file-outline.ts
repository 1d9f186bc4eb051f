import { realpathSync } from 'node:fs';
import { relative, sep } from 'node:path';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { findRootFor, resolveAllowedPath } from '../../discovery/index.js';
import { CodeindexError } from '../../errors.js';
import type { IndexStore, SkipReason } from '../../store/types.js';
import { staleChecker, type ToolContext } from '../context.js';
import { runTool, toolResult } from '../results.js';
import { groupSymbolHits, moreLinesText } from '../symbol-groups.js';
import { symbolOut } from './schemas.js';
import { symbolToOut } from './search-symbols.js';

/** Why a skipped file was left out, as the end of a sentence. */
const SKIP_TEXT: Record<SkipReason, string> = {
  too_large: 'it is larger than CODEINDEX_MAX_FILE_BYTES',
  binary: 'it is a binary file',
  invalid_utf8: 'it is not valid UTF-8 (save it as UTF-8, then call index_file)',
  empty: 'it is empty',
  unsupported_language: 'codeindex reads no language from its name',
  symlink_outside_root: 'it is a symlink to a path outside the root',
  dangling_symlink: 'it is a symlink to a path that does not exist',
  ignored: 'an ignore rule leaves it out (.gitignore, .codeindexignore or the default excludes)',
  unreadable: 'it could not be read',
  minified: 'it is minified code (lines of 1,000 characters on average): index its source instead',
};

/**
 * The error for a file with no outline, saying why: skipped (and for what), failed (with its
 * error), or not in its root's index at all. "Call index_repository first" was the answer for a
 * file the last run had skipped as invalid UTF-8.
 */
async function notInIndex(store: IndexStore, abs: string): Promise<CodeindexError> {
  const root = findRootFor(
    abs,
    (await store.listRoots()).map((r) => r.path),
  );
  if (root === undefined) {
    return new CodeindexError(
      'NOT_INDEXED',
      `${abs} is not indexed: call index_file or index_repository first`,
    );
  }
  const state = await store.getFileState(root, relative(root, abs).split(sep).join('/'));
  if (state?.status === 'skipped') {
    const why = state.reason ? SKIP_TEXT[state.reason] : 'it was skipped';
    return new CodeindexError('FILE_SKIPPED', `${abs} was not indexed: ${why}`);
  }
  if (state?.status === 'failed') {
    return new CodeindexError(
      'FILE_FAILED',
      `${abs} could not be indexed (${state.error ?? 'unknown error'}): fix it, then call index_file`,
    );
  }
  return new CodeindexError(
    'NOT_INDEXED',
    `${abs} is not in the index of ${root}: it was added since the last run, or codeindex reads no language from its name; call index_file to index it`,
  );
}

/**
 * Each entry's indentation and the name to show: under its container when the file defines that
 * container, else with the part of the container the file does not define written out (Go's `func
 * (c *Command) Execute()` in a file without `type Command` is `Command.Execute` at the top level,
 * not a member of the function above it; Rust's `impl Foo` of another file's `Foo` likewise).
 */
export function outlineHeads<S extends { name: string; container: string | null }>(
  symbols: readonly S[],
): { s: S; depth: number; shown: string }[] {
  const defined = new Set(symbols.map((s) => (s.container ? `${s.container}.${s.name}` : s.name)));
  return symbols.map((s) => {
    if (!s.container) return { s, depth: 0, shown: s.name };
    const parts = s.container.split('.');
    let depth = parts.length;
    while (depth > 0 && !defined.has(parts.slice(0, depth).join('.'))) depth--;
    const rest = parts.slice(depth);
    return { s, depth, shown: rest.length > 0 ? `${rest.join('.')}.${s.name}` : s.name };
  });
}

/** `get_file_outline`: a file's definitions in source order. */
export function registerGetFileOutlineTool(server: McpServer, ctx: ToolContext): void {
  server.registerTool(
    'get_file_outline',
    {
      title: 'File outline',
      description:
        "A file's definitions in source order, with containers (class -> methods), lines and signatures; a name defined several times in one container (overloads, getter and setter) is one entry with the other lines in more_lines. get_symbol reads one definition's source.",
      inputSchema: { path: z.string().min(1), limit: z.number().int().min(1).max(2000).default(500) },
      outputSchema: {
        path: z.string(),
        symbols: z.array(symbolOut),
        truncated: z.boolean(),
        stale: z.boolean(),
      },
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    async ({ path, limit }) =>
      runTool(async () => {
        const p = await resolveAllowedPath(path, await ctx.allowedRoots(), { expect: 'file' });
        const store = ctx.store();
        const abs = realpathSync(p.realPath);
        const hits = await store.fileOutline(abs);
        if (!hits) throw await notInIndex(store, abs);
        const stale = (await staleChecker(store, [{ path: abs, indexed: hits[0]?.indexed }]))(abs);
        // Overloads, a getter and its setter: one entry, with the other lines (as search_symbols).
        const groups = groupSymbolHits(hits);
        const symbols = groups.slice(0, limit).map((g) => symbolToOut(g.hit, false, g.moreLines));
        const lines = outlineHeads(symbols).map(
          ({ s, depth, shown }) =>
            `${s.line}-${s.end_line} ${'  '.repeat(depth)}${s.kind} ${shown}${moreLinesText(s.more_lines ?? [])} — ${s.signature}`,
        );
        if (groups.length > limit) lines.push(`(${groups.length - limit} more symbols: raise limit)`);
        if (stale) lines.unshift('(file changed since it was indexed: outline may be stale)');
        return toolResult(
          { path: abs, symbols, truncated: groups.length > limit, stale },
          lines.join('\n') || 'no symbols',
        );
      }),
  );
}
