import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { indexDbPath } from '../../config/paths.js';
import { openIndexStore } from '../../store/index.js';
import type { ToolContext } from '../context.js';
import { runTool, toolResult } from '../results.js';

/** `cleanup_indices`: drop indexes of roots unused for `days`, and rows of vanished files. */
export function registerCleanupIndicesTool(server: McpServer, ctx: ToolContext): void {
  server.registerTool(
    'cleanup_indices',
    {
      title: 'Clean up old indexes',
      description:
        'Remove indexes of roots not indexed or queried for `days`, and rows of files that no longer exist. dry_run reports without deleting.',
      inputSchema: {
        days: z.number().int().min(1).max(3650).default(7),
        dry_run: z.boolean().default(false),
      },
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
        const writer = openIndexStore(indexDbPath(ctx.cfg));
        try {
          const r = writer.cleanup({ days, dryRun: dry_run });
          for (const root of dry_run ? [] : r.deletedRoots) ctx.onRootRemoved?.(root);
          return toolResult(
            { deleted: { roots: r.deletedRoots, files: r.deletedFiles }, cutoff_date: r.cutoffDate, dry_run },
            `${dry_run ? 'would delete' : 'deleted'} ${r.deletedRoots.length} roots and ${r.deletedFiles} file rows (cutoff ${r.cutoffDate})`,
          );
        } finally {
          writer.close();
        }
      }),
  );
}
