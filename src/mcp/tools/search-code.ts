import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import type { ChunkHit } from '../../store/types.js';
import type { CodeSearch } from '../code-search.js';
import { staleChecker, type ToolContext } from '../context.js';
import { decodeCursor, encodeCursor, runTool, toolResult } from '../results.js';
import { queryScope } from '../scope.js';
import { languageIn, limitIn } from './schemas.js';

const hitOut = z.object({
  path: z.string(),
  start_line: z.number(),
  end_line: z.number(),
  symbol: z.string().nullable(),
  language: z.string(),
  score: z.number(),
  snippet: z.string(),
  stale: z.boolean().optional(),
});

/** Maps a store chunk hit onto the output shape shared by `search_code` and the HTTP API. */
export function chunkHitToOut(h: ChunkHit, stale: boolean) {
  return {
    path: h.path,
    start_line: h.startLine,
    end_line: h.endLine,
    symbol: h.symbol,
    language: h.language,
    score: h.score,
    snippet: h.snippet,
    ...(stale ? { stale: true } : {}),
  };
}

/** `search_code`: ranked chunks by full text, embeddings, or both fused. */
export function registerSearchCodeTool(server: McpServer, ctx: ToolContext, search: CodeSearch): void {
  server.registerTool(
    'search_code',
    {
      title: 'Search code',
      description:
        'Search code chunks (one per function, class and multi-line constant, plus file headers and the top-level code between them). mode=text uses BM25 full text (identifiers match by parts: retryBackoffMax ~ "retry backoff"); semantic uses embeddings; hybrid (default) fuses both.',
      inputSchema: {
        query: z.string().min(1).max(500),
        mode: z.enum(['text', 'semantic', 'hybrid']).default('hybrid'),
        path_prefix: z.string().optional(),
        language: languageIn.optional(),
        limit: limitIn(10, 50),
        cursor: z.string().optional(),
      },
      outputSchema: {
        results: z.array(hitOut),
        mode: z.string(),
        next_cursor: z.string().optional(),
        note: z.string().optional(),
      },
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    async ({ query, mode, path_prefix, language, limit, cursor }) =>
      runTool(async () => {
        const store = ctx.store();
        const offset = decodeCursor(cursor);
        const scope = await queryScope(ctx, path_prefix);
        const r = await search.search({ query, mode, pathPrefix: scope, language, limit, offset });
        const isStale = staleChecker(store);
        const results = r.hits.map((h) => chunkHitToOut(h, isStale(h.path)));
        const out: Record<string, unknown> = { results, mode: r.mode };
        if (r.note) out.note = r.note;
        const parts = results.map(
          (x) =>
            `${x.path}:${x.start_line}-${x.end_line}${x.symbol ? ` ${x.symbol}` : ''}${x.stale ? ' (stale)' : ''}\n${x.snippet}`,
        );
        if (r.note) parts.unshift(`(${r.note})`);
        if (r.hasMore) {
          out.next_cursor = encodeCursor(offset + limit);
          parts.push(`(more results: pass cursor "${out.next_cursor}")`);
        }
        return toolResult(out, parts.join('\n\n') || `no code matches "${query}"`);
      }),
  );
}
