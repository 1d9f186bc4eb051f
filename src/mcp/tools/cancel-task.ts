import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import type { ToolContext } from '../context.js';
import { runTool, toolResult } from '../results.js';
import { taskOut } from './schemas.js';

/** `cancel_task`: Celery's revoke, with terminate for running tasks. */
export function registerCancelTaskTool(server: McpServer, ctx: ToolContext): void {
  server.registerTool(
    'cancel_task',
    {
      title: 'Cancel a task',
      description:
        'Cancel a task: a waiting one is removed, a running one stops between files and ends REVOKED; cancelling a repository task cancels its batches.',
      inputSchema: { task_id: z.string().min(1).max(200) },
      outputSchema: taskOut.pick({ task_id: true, state: true }).extend({ detail: z.string() }).shape,
      annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
    },
    async ({ task_id }) =>
      runTool(async () => {
        const r = await (await ctx.tasks()).cancel(task_id);
        return toolResult({ ...r }, `${r.task_id}: ${r.state} (${r.detail})`);
      }),
  );
}
