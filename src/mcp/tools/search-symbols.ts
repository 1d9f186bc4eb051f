import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import type { SymbolHit } from '../../store/types.js';
import { rootsOnce, staleChecker, type ToolContext } from '../context.js';
import {
  clip,
  decodeCursor,
  encodeCursor,
  printable,
  rootTextPaths,
  runTool,
  toolResult,
} from '../results.js';
import { queryScope } from '../scope.js';
import { moreLinesText, searchSymbolGroups } from '../symbol-groups.js';
import { kindIn, languageIn, limitIn, scopeIn, scopeOf, symbolOut } from './schemas.js';

/**
 * Maps a store hit onto the tool's output shape; `moreLines`: the lines of the same name's other
 * definitions in the file and container (overloads, getter and setter), when grouped;
 * `moreFiles`: the other files declaring the same statement namespace.
 */
export function symbolToOut(h: SymbolHit, stale: boolean, moreLines: readonly number[] = [], moreFiles = 0) {
  return {
    name: h.name,
    kind: h.kind,
    path: h.path,
    line: h.line,
    end_line: h.endLine,
    container: h.container,
    signature: clip(h.signature, 200),
    language: h.language,
    ...(moreLines.length > 0 ? { more_lines: [...moreLines] } : {}),
    ...(moreFiles > 0 ? { more_files: moreFiles } : {}),
    ...(stale ? { stale: true } : {}),
  };
}

/** One line per symbol: `path:line kind Container.name (+N more: lines …) — signature`. */
export function renderSymbol(
  s: ReturnType<typeof symbolToOut>,
  show: (path: string) => string = printable,
): string {
  return `${show(s.path)}:${s.line} ${s.kind} ${s.container ? `${s.container}.` : ''}${s.name}${moreLinesText(s.more_lines ?? [], s.more_files ?? 0)}${s.stale ? ' (stale)' : ''} — ${s.signature}`;
}

/** `search_symbols`: ranked definitions (exact, prefix, case-insensitive, fuzzy). */
export function registerSearchSymbolsTool(server: McpServer, ctx: ToolContext): void {
  server.registerTool(
    'search_symbols',
    {
      title: 'Search symbols',
      description:
        'Find definitions by name: exact matches first, then prefix (shorter names first), case-insensitive and camelCase/snake_case-aware fuzzy matches (word parts, subsequences, typos of one or two letters); within each, definitions in source come before those in tests, fixtures and examples. A name defined several times in one file and container (overloads, getter and setter) is one result, with the other lines in more_lines; a namespace declared as a statement at the top of many files is one result, with the count of the other files in more_files. Filter by kind, language or path prefix. To read the source of a result, call get_symbol with its qualified name.',
      inputSchema: {
        query: z.string().min(1).max(200),
        kind: kindIn.optional(),
        language: languageIn.optional(),
        ...scopeIn('Only results under this path'),
        limit: limitIn(20, 100),
        cursor: z.string().optional().describe('next_cursor from a previous call'),
      },
      outputSchema: { symbols: z.array(symbolOut), next_cursor: z.string().optional() },
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    async ({ query, kind, language, limit, cursor, ...scopeArgs }) =>
      runTool(async () => {
        const store = rootsOnce(ctx.store());
        const offset = decodeCursor(cursor);
        const scope = await queryScope(
          { allowedRoots: () => ctx.allowedRoots(), store: () => store },
          scopeOf(scopeArgs),
        );
        const r = await searchSymbolGroups(store, {
          query,
          limit,
          offset,
          ...(kind ? { kind } : {}),
          ...(language ? { language } : {}),
          ...(scope ? { pathPrefix: scope } : {}),
        });
        const hits = r.groups.map((g) => g.hit);
        const isStale = await staleChecker(store, hits);
        const symbols = r.groups.map((g) =>
          symbolToOut(g.hit, isStale(g.hit.path), g.moreLines, g.moreFiles),
        );
        const out: Record<string, unknown> = { symbols };
        const paths = await rootTextPaths(
          store,
          symbols.map((x) => x.path),
        );
        const lines = symbols.map((x) => renderSymbol(x, paths.show));
        if (paths.header !== null) lines.unshift(paths.header);
        if (r.hasMore) {
          out.next_cursor = encodeCursor(offset + limit);
          lines.push(`(more results: pass cursor "${out.next_cursor}")`);
        }
        // Roots queried recently are kept by the cleanup (only paths that are roots are recorded).
        for (const r of scope ?? (await ctx.allowedRoots())) await store.touchQueried(r);
        return toolResult(
          out,
          lines.join('\n') ||
            `no symbols match "${query}": for a question or words from the code's body, call search_code`,
        );
      }),
  );
}
