import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import type { ChunkHit } from '../../store/types.js';
import { type CodeSearch, DEFAULT_PAGE } from '../code-search.js';
import { rootsOnce, staleChecker, type ToolContext } from '../context.js';
import { decodeCursor, encodeCursor, rootTextPaths, runTool, toolResult } from '../results.js';
import { queryScope } from '../scope.js';
import { languageIn, limitIn, listOf, scopeIn, scopeOf, stringList } from './schemas.js';

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
        'Search code chunks (one per function, class and multi-line constant, plus file headers and the top-level code between them). mode=text uses BM25 full text (identifiers match by parts: retryBackoffMax ~ "retry backoff"); semantic uses embeddings; hybrid (default) fuses both. group_by=file (default) returns one entry per file with its best chunks; chunk returns ranked chunks. Tests, fixtures, examples, benchmarks, generated, vendored and docs files rank after source unless the query names them (test, example...) or include_tests is set; exclude takes gitignore-style globs over root-relative paths.',
      inputSchema: {
        query: z.string().min(1).max(500),
        mode: z.enum(['text', 'semantic', 'hybrid']).default('hybrid'),
        group_by: z.enum(['file', 'chunk']).default('file'),
        include_tests: z.boolean().default(false),
        exclude: stringList(z.string().min(1).max(200), 20).optional(),
        ...scopeIn('Only results under this path'),
        language: languageIn.optional(),
        limit: limitIn(DEFAULT_PAGE, 50),
        cursor: z.string().optional(),
      },
      outputSchema: {
        results: z.array(hitOut),
        files: z
          .array(z.object({ path: z.string(), score: z.number(), results: z.array(hitOut) }))
          .optional(),
        mode: z.string(),
        next_cursor: z.string().optional(),
        note: z.string().optional(),
      },
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    async ({ query, mode, group_by, include_tests, exclude, language, limit, cursor, ...scopeArgs }) =>
      runTool(async () => {
        const store = rootsOnce(ctx.store());
        const offset = decodeCursor(cursor);
        const scope = await queryScope(
          { allowedRoots: () => ctx.allowedRoots(), store: () => store },
          scopeOf(scopeArgs),
        );
        const r = await search.search({
          query,
          mode,
          groupBy: group_by,
          includeTests: include_tests,
          exclude: listOf(exclude),
          pathPrefix: scope,
          language,
          limit,
          offset,
        });
        // Grouped by file, `hits` holds every file's chunks.
        const isStale = await staleChecker(store, r.hits);
        const results = r.hits.map((h) => chunkHitToOut(h, isStale(h.path)));
        const out: Record<string, unknown> = { results, mode: r.mode };
        if (r.note) out.note = r.note;
        const paths = await rootTextPaths(
          store,
          results.map((x) => x.path),
        );
        const chunkText = (x: ReturnType<typeof chunkHitToOut>) =>
          `${paths.show(x.path)}:${x.start_line}-${x.end_line}${x.symbol ? ` ${x.symbol}` : ''}${x.stale ? ' (stale)' : ''}\n${x.snippet}`;
        let parts = results.map(chunkText);
        if (r.files !== undefined) {
          const files = r.files.map((f) => ({
            path: f.path,
            score: f.score,
            results: f.hits.map((h) => chunkHitToOut(h, isStale(h.path))),
          }));
          out.files = files;
          // One block per file: its path once, then each chunk's lines and snippet.
          parts = files.map(
            (f) =>
              `${paths.show(f.path)}${f.results[0]?.stale ? ' (stale)' : ''}\n${f.results
                .map((x) => `  ${x.start_line}-${x.end_line}${x.symbol ? ` ${x.symbol}` : ''}\n${x.snippet}`)
                .join('\n')}`,
          );
        }
        if (paths.header !== null) parts.unshift(paths.header);
        if (r.note) parts.unshift(`(${r.note})`);
        // Said in every mode: with a note alone (hybrid, embeddings off) the answer never said
        // that nothing matched.
        if (results.length === 0) parts.unshift(`no code matches "${query}"`);
        if (r.hasMore) {
          out.next_cursor = encodeCursor(offset + limit);
          parts.push(`(more results: pass cursor "${out.next_cursor}")`);
        }
        return toolResult(out, parts.join('\n\n'));
      }),
  );
}
