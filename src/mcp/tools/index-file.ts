import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { resolveAllowedPath } from '../../discovery/index.js';
import { JOBS } from '../../queue/names.js';
import type { ToolContext } from '../context.js';
import { runTool, toolResult } from '../results.js';
import { priorityIn, taskOut } from './schemas.js';

/** `index_file`: (re)index one file, ahead of bulk work by default. */
export function registerIndexFileTool(server: McpServer, ctx: ToolContext): void {
  server.registerTool(
    'index_file',
    {
      title: 'Index one file',
      description:
        'Queue a re-index of one source file (high priority by default, so it runs before bulk jobs). Returns a task_id for task_status.',
      inputSchema: {
        path: z.string().min(1).describe('File path, absolute or relative to the working directory'),
        priority: priorityIn.default('high'),
      },
      outputSchema: taskOut.pick({ task_id: true, state: true }).extend({ path: z.string() }).shape,
      annotations: {
        readOnlyHint: false,
        destructiveHint: false,
        idempotentHint: true,
        openWorldHint: false,
      },
    },
    async ({ path, priority }) =>
      runTool(async () => {
        const p = await resolveAllowedPath(path, await ctx.allowedRoots(), { expect: 'file' });
        const tasks = await ctx.tasks();
        const taskId = await tasks.enqueue(JOBS.indexFile, { root: p.root, path: p.relPath }, { priority });
        return toolResult(
          { task_id: taskId, state: 'PENDING', path: p.realPath },
          `queued ${p.realPath} as task ${taskId}`,
        );
      }),
  );
}
