import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { errorMessage, isCodeindexError } from '../../errors.js';
import type { Logger } from '../../log.js';
import type { IndexStore, RefHit } from '../../store/types.js';
import { rootsOnce, staleChecker, type ToolContext } from '../context.js';
import { MENTION_CHUNKS, type Mention, type MentionQuery, textMentions } from '../mentions.js';
import { clip, decodeCursor, encodeCursor, rootTextPaths, runTool, toolResult } from '../results.js';
import { queryScope } from '../scope.js';
import { languageIn, limitIn, scopeIn, scopeOf } from './schemas.js';

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

/**
 * The mentions (see `textMentions`) that follow the references on a page that ends them: `hits` are
 * the page's references from `offset`; the rest of the page (up to `limit`) is mentions, counted
 * from the end of the references (the cursor's offset runs on through them). A name with more
 * than a thousand references gets none.
 */
async function mentionsAfter(
  store: IndexStore,
  q: MentionQuery,
  hits: readonly RefHit[],
  offset: number,
  limit: number,
  log: Logger,
): Promise<{ page: Mention[]; hasMore: boolean; capped: boolean } | null> {
  // A page the references fill to the end still says whether mentions follow.
  const room = Math.max(0, limit - hits.length);
  let all: readonly RefHit[] = hits;
  if (offset > 0) {
    const every = await store.findReferences({ ...q, limit: MAX_REFS_FOR_MENTIONS, offset: 0 });
    if (every.hasMore) return null;
    all = every.hits;
  }
  const seen = new Set(all.map((h) => `${h.path}:${h.line}`));
  let found: Awaited<ReturnType<typeof textMentions>>;
  try {
    found = await textMentions(store, q, seen);
  } catch (err) {
    // The references stand on their own: a name the full-text query cannot take, say, gets none.
    if (isCodeindexError(err, 'STORE_UNAVAILABLE')) throw err;
    log.warn('mentions skipped', { symbol: q.symbol, error: errorMessage(err) });
    return null;
  }
  const { mentions, capped } = found;
  const from = Math.max(0, offset + hits.length - all.length);
  return {
    page: mentions.slice(from, from + room),
    hasMore: mentions.length > from + room,
    capped,
  };
}

const MAX_REFS_FOR_MENTIONS = 1000;

/** `find_references`: calls, instantiations, type references and imports of a name. */
export function registerFindReferencesTool(server: McpServer, ctx: ToolContext): void {
  server.registerTool(
    'find_references',
    {
      title: 'Find references',
      description:
        "Places that call, instantiate, extend, import or type-reference a symbol, each with its enclosing function, files in the defining language and source before tests first. `Class.method` drops calls on another class (this/self/a capitalised receiver) and plain function calls with no receiver (in languages whose methods need one), and puts calls on the class or a subclass first, then calls on a variable named like the class (`call.resolve()` for `PluginCall.resolve`), then other receivers of unknown type (marked `receiver_unknown`, and said when none resolves); a use of an import's alias counts for the name imported; `language` narrows to one language. After the references come mentions (kind `mention`): lines that name the symbol where no reference was recorded (a constant or enum variant used as a value, a function passed as a value, a call inside a macro's arguments), without comments, strings or its definitions.",
      inputSchema: {
        symbol: z.string().min(1).max(200),
        ...scopeIn('Only references under this path'),
        // The same enum as search_symbols and search_code: a misspelt language ("pyhton") is
        // refused with the valid ones instead of answering "no references".
        language: languageIn
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
        const q = {
          symbol,
          ...(scope ? { pathPrefix: scope } : {}),
          ...(language ? { language } : {}),
        };
        const r = await store.findReferences({ ...q, limit, offset });
        // Past the last reference: the lines that name the symbol where no reference was recorded.
        const tail = r.hasMore ? null : await mentionsAfter(store, q, r.hits, offset, limit, ctx.log);
        const hits: (RefHit | (Mention & { kind: 'mention' }))[] = [
          ...r.hits,
          ...(tail?.page.map((m) => ({ ...m, kind: 'mention' as const })) ?? []),
        ];
        const isStale = await staleChecker(store, hits);
        const references = hits.map((h) => ({
          name: h.name,
          kind: h.kind,
          path: h.path,
          line: h.line,
          col: h.col,
          enclosing: h.enclosing,
          text: h.text ? clip(h.text, 200) : null,
          ...(isStale(h.path) ? { stale: true } : {}),
          ...('receiverUnknown' in h && h.receiverUnknown ? { receiver_unknown: true } : {}),
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
        if (unknown > 0 && unknown === r.hits.length)
          lines.push(
            `(none of these resolves to ${symbol}: each calls ${references[0]!.name} on a receiver of unknown type)`,
          );
        if (tail !== null && tail.page.length > 0)
          lines.push(
            `(${tail.page.length === references.length ? 'all' : `the last ${tail.page.length}`} are mentions: lines that name ${tail.page[0]!.name} where the index recorded no call, type use or import, such as a value use or a macro's argument${tail.capped ? `; read from the ${MENTION_CHUNKS} best-matching chunks, so there may be more` : ''})`,
          );
        if (r.hasMore || tail?.hasMore) {
          out.next_cursor = encodeCursor(offset + limit);
          lines.push(`(more references: pass cursor "${out.next_cursor}")`);
        }
        return toolResult(out, lines.join('\n') || `no references to ${symbol}`);
      }),
  );
}
