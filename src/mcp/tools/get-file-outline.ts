import { realpathSync } from 'node:fs';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { resolveAllowedPath } from '../../discovery/index.js';
import { CodeindexError } from '../../errors.js';
import { staleChecker, type ToolContext } from '../context.js';
import { runTool, toolResult } from '../results.js';
import { groupSymbolHits, moreLinesText } from '../symbol-groups.js';
import { symbolOut } from './schemas.js';
import { symbolToOut } from './search-symbols.js';

/** `get_file_outline`: a file's definitions in source order. */
export function registerGetFileOutlineTool(server: McpServer, ctx: ToolContext): void {
  server.registerTool(
    'get_file_outline',
    {
      title: 'File outline',
      description:
        "A file's definitions in source order, with containers (class -> methods), lines and signatures; a name defined several times in one container (overloads, getter and setter) is one entry with the other lines in more_lines.",
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
        if (!hits) {
          throw new CodeindexError(
            'NOT_INDEXED',
            `${abs} is not indexed: call index_file or index_repository first`,
          );
        }
        const stale = (await staleChecker(store, [{ path: abs, indexed: hits[0]?.indexed }]))(abs);
        // Overloads, a getter and its setter: one entry, with the other lines (as search_symbols).
        const groups = groupSymbolHits(hits);
        const symbols = groups.slice(0, limit).map((g) => symbolToOut(g.hit, false, g.moreLines));
        const lines = symbols.map(
          (s) =>
            `${s.line}-${s.end_line} ${'  '.repeat(s.container ? s.container.split('.').length : 0)}${s.kind} ${s.name}${moreLinesText(s.more_lines ?? [])} — ${s.signature}`,
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
