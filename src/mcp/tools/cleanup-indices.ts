import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { JOBS } from '../../queue/names.js';
import { openStore } from '../../store/index.js';
import type { CleanupResult } from '../../store/types.js';
import type { ToolContext } from '../context.js';
import { runTool, toolResult } from '../results.js';
import type { TaskTools } from '../tasks/tools.js';
import { strictArgs } from './schemas.js';

const inputSchema = {
  days: z.number().int().min(1).max(3650).default(7),
  dry_run: z.boolean().default(false),
};

/** The report, the same whether cleanup ran in this call or as the maintenance job of a task. */
function cleanupReport(r: CleanupResult, dryRun: boolean) {
  return toolResult(
    { deleted: { roots: r.deletedRoots, files: r.deletedFiles }, cutoff_date: r.cutoffDate, dry_run: dryRun },
    `${dryRun ? 'would delete' : 'deleted'} ${r.deletedRoots.length} roots and ${r.deletedFiles} file rows (cutoff ${r.cutoffDate})`,
  );
}

/**
 * `cleanup_indices`: drop indexes of roots unused for `days`, and rows of vanished files. A plain
 * call cleans up in this process; as an MCP task it runs as the `cleanup` maintenance job (the one
 * the daily schedule runs, which also prunes old job records and optimizes the index).
 */
export function registerCleanupIndicesTool(server: McpServer, ctx: ToolContext, taskTools?: TaskTools): void {
  taskTools?.set('cleanup_indices', {
    inputSchema,
    pollIntervalMs: 500,
    async start(args, { resultTtlSeconds }) {
      const a = strictArgs('cleanup_indices', inputSchema).parse(args);
      ctx.store(); // NOT_INDEXED when there is nothing to clean.
      const tasks = await ctx.tasks();
      const taskId = await tasks.enqueue(
        JOBS.cleanup,
        { days: a.days, dryRun: a.dry_run },
        { resultTtlSeconds },
      );
      return { taskId, meta: { dry_run: String(a.dry_run) } };
    },
    result(info, meta) {
      const r = info.result as CleanupResult;
      const dryRun = meta.dry_run === 'true';
      // The job ran in a worker: the server that fetches its result stops watching what it removed.
      for (const root of dryRun ? [] : r.deletedRoots) ctx.onRootRemoved?.(root);
      return cleanupReport(r, dryRun);
    },
  });
  server.registerTool(
    'cleanup_indices',
    {
      title: 'Clean up old indexes',
      description:
        'Remove indexes of roots not indexed or queried for `days`, and rows of files that no longer exist. dry_run reports without deleting.',
      inputSchema,
      outputSchema: {
        deleted: z.object({ roots: z.array(z.string()), files: z.number() }),
        cutoff_date: z.string(),
        dry_run: z.boolean(),
      },
      annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
    },
    async ({ days, dry_run }) =>
      runTool(async () => {
        ctx.store(); // NOT_INDEXED when there is nothing to clean.
        // The query connection is read-only; cleanup is a short write of its own.
        const writer = openStore(ctx.cfg);
        try {
          const r = await writer.cleanup({ days, dryRun: dry_run });
          for (const root of dry_run ? [] : r.deletedRoots) ctx.onRootRemoved?.(root);
          return cleanupReport(r, dry_run);
        } finally {
          await writer.close();
        }
      }),
  );
}
