import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { rootsOnce, staleChecker, type ToolContext } from '../context.js';
import { clip, decodeCursor, encodeCursor, rootTextPaths, runTool, toolResult } from '../results.js';
import { queryScope } from '../scope.js';
import { limitIn, scopeIn, scopeOf } from './schemas.js';

const refOut = z.object({
  name: z.string(),
  kind: z.string(),
  path: z.string(),
  line: z.number(),
  col: z.number(),
  enclosing: z.string().nullable(),
  text: z.string().nullable(),
  stale: z.boolean().optional(),
  receiver_unknown: z.boolean().optional(),
});

/**
 * References in a row that share path, line, kind and enclosing definition, as one entry with
 * their count: the text answer shows `utils.rb:122 call x3 in build_query: …` once instead of the
 * same line three times (the structured answer keeps every site, with its column).
 */
export function sameLineRuns<
  T extends { path: string; line: number; kind: string; enclosing: string | null },
>(refs: readonly T[]): { ref: T; count: number }[] {
  const runs: { ref: T; count: number }[] = [];
  for (const ref of refs) {
    const last = runs.at(-1);
    if (
      last !== undefined &&
      last.ref.path === ref.path &&
      last.ref.line === ref.line &&
      last.ref.kind === ref.kind &&
      last.ref.enclosing === ref.enclosing
    ) {
      last.count++;
    } else {
      runs.push({ ref, count: 1 });
    }
  }
  return runs;
}

/** `find_references`: calls, instantiations, type references and imports of a name. */
export function registerFindReferencesTool(server: McpServer, ctx: ToolContext): void {
  server.registerTool(
    'find_references',
    {
      title: 'Find references',
      description:
        "Places that call, instantiate, extend, import or type-reference a symbol, each with its enclosing function, files in the defining language and source before tests first. `Class.method` drops calls on another class (this/self/a capitalised receiver) and plain function calls with no receiver (in languages whose methods need one), and puts calls on the class or a subclass first, then calls on a variable named like the class (`call.resolve()` for `PluginCall.resolve`), then other receivers of unknown type (marked `receiver_unknown`, and said when none resolves); a use of an import's alias counts for the name imported; `language` narrows to one language.",
      inputSchema: {
        symbol: z.string().min(1).max(200),
        ...scopeIn('Only references under this path'),
        language: z
          .string()
          .min(1)
          .max(40)
          .optional()
          .describe('Only references in files of this language (typescript, python, go, ...)'),
        limit: limitIn(30, 200),
        cursor: z.string().optional(),
      },
      outputSchema: { references: z.array(refOut), next_cursor: z.string().optional() },
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    async ({ symbol, language, limit, cursor, ...scopeArgs }) =>
      runTool(async () => {
        const store = rootsOnce(ctx.store());
        const offset = decodeCursor(cursor);
        const scope = await queryScope(
          { allowedRoots: () => ctx.allowedRoots(), store: () => store },
          scopeOf(scopeArgs),
        );
        const r = await store.findReferences({
          symbol,
          limit,
          offset,
          ...(scope ? { pathPrefix: scope } : {}),
          ...(language ? { language } : {}),
        });
        const isStale = await staleChecker(store, r.hits);
        const references = r.hits.map((h) => ({
          name: h.name,
          kind: h.kind,
          path: h.path,
          line: h.line,
          col: h.col,
          enclosing: h.enclosing,
          text: h.text ? clip(h.text, 200) : null,
          ...(isStale(h.path) ? { stale: true } : {}),
          ...(h.receiverUnknown ? { receiver_unknown: true } : {}),
        }));
        const out: Record<string, unknown> = { references };
        const paths = await rootTextPaths(
          store,
          references.map((x) => x.path),
        );
        const mixed =
          references.some((x) => x.receiver_unknown) && references.some((x) => !x.receiver_unknown);
        const lines = sameLineRuns(references).map(
          ({ ref: x, count }) =>
            `${paths.show(x.path)}:${x.line} ${x.kind}${count > 1 ? ` x${count}` : ''}${x.enclosing ? ` in ${x.enclosing}` : ''}${x.stale ? ' (stale)' : ''}${mixed && x.receiver_unknown ? ' (receiver of unknown type)' : ''}: ${x.text ?? ''}`,
        );
        if (paths.header !== null) lines.unshift(paths.header);
        // For `Class.method`: calls whose receiver's type is unknown may not be the class's.
        const unknown = references.filter((x) => x.receiver_unknown).length;
        if (unknown > 0 && unknown === references.length)
          lines.push(
            `(none of these resolves to ${symbol}: each calls ${references[0]!.name} on a receiver of unknown type)`,
          );
        if (r.hasMore) {
          out.next_cursor = encodeCursor(offset + limit);
          lines.push(`(more references: pass cursor "${out.next_cursor}")`);
        }
        return toolResult(out, lines.join('\n') || `no references to ${symbol}`);
      }),
  );
}
