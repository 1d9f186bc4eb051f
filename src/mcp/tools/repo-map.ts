import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import type { ToolContext } from '../context.js';
import { buildRepoMap, goBuildReader, type RepoMap, readProjectConfig } from '../repo-map.js';
import { runTool, toolResult } from '../results.js';
import { displayRoot, queryScope } from '../scope.js';
import { listOf, scopeIn, scopeOf, stringList } from './schemas.js';

/** Maps kept per server: the same call again answers at once until a write changes a root. */
const CACHED_MAPS = 8;

/** `repo_map`: the most important files and symbols, ranked by the reference graph, within a budget. */
export function registerRepoMapTool(server: McpServer, ctx: ToolContext): void {
  // Key: the call's arguments and every root's versions (a write bumps its root's chunksVersion).
  const cache = new Map<string, { map: RepoMap; prefix: string | undefined }>();
  server.registerTool(
    'repo_map',
    {
      title: 'Repository map',
      description:
        'A compact map of the most important files and their key definitions, ranked by PageRank over the reference graph (personalised toward `focus`: file paths or symbol names), within max_tokens.',
      inputSchema: {
        ...scopeIn('Root or directory (default: the allowed root)'),
        max_tokens: z.number().int().min(64).max(16_000).default(1024),
        focus: stringList(z.string().min(1), 20)
          .optional()
          .describe('Paths or symbol names to centre the map on'),
        include_tests: z
          .boolean()
          .default(false)
          .describe('Also map tests, fixtures, examples, benchmarks, generated and vendored files'),
      },
      outputSchema: {
        files: z.array(
          z.object({
            path: z.string(),
            rank: z.number(),
            symbols: z.array(
              z.object({
                name: z.string(),
                kind: z.string(),
                line: z.number(),
                signature: z.string(),
                refs: z.number(),
              }),
            ),
          }),
        ),
        root: z.string().nullable(),
        tokens: z.number(),
        truncated: z.boolean(),
      },
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    async ({ max_tokens, focus: focusArg, include_tests, ...scopeArgs }) =>
      runTool(async () => {
        const focus = listOf(focusArg);
        const store = ctx.store();
        const path = scopeOf(scopeArgs);
        const scope = await queryScope(ctx, path);
        const roots = await store.listRoots();
        const versions = roots.map((r) => [r.path, r.generation, r.chunksVersion]);
        const key = JSON.stringify([scope, max_tokens, include_tests, focus ?? [], versions]);
        let hit = cache.get(key);
        if (hit === undefined) {
          const data = await store.graphData(scope, ctx.cfg.repoMapMaxSymbols);
          // Read before paths are made relative: a monorepo's packages import one another by name.
          const { packages, aliases } = readProjectConfig(data.files);
          const goBuilt = goBuildReader(data.files);
          const prefix = await displayRoot(ctx, scope, roots);
          // Paths relative to the scope keep the map small; `root` says what they are relative to.
          if (prefix)
            for (const f of data.files)
              if (f.path.startsWith(`${prefix}/`)) f.path = f.path.slice(prefix.length + 1);
          const map = buildRepoMap({
            ...data,
            packages,
            aliases,
            goBuilt,
            maxTokens: max_tokens,
            includeAll: include_tests,
            ...(focus ? { focus } : {}),
          });
          hit = { map, prefix };
          if (cache.size >= CACHED_MAPS) cache.delete(cache.keys().next().value as string);
        } else cache.delete(key);
        cache.set(key, hit);
        const { map, prefix } = hit;
        const text = map.truncated ? `${map.text}\n(truncated at ${max_tokens} tokens)` : map.text;
        return toolResult(
          { root: prefix ?? null, files: map.files, tokens: map.tokens, truncated: map.truncated },
          text || 'nothing indexed here',
        );
      }),
  );
}
