import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import type { ToolContext } from '../context.js';
import { runTool, toolResult } from '../results.js';

/** `retry_task`: re-run a dead-lettered or failed task. */
export function registerRetryTaskTool(server: McpServer, ctx: ToolContext): void {
  server.registerTool(
    'retry_task',
    {
      title: 'Retry a task',
      description:
        'Re-run a failed or dead-lettered task (see list_tasks state=dead). Returns the task id to follow.',
      inputSchema: { task_id: z.string().min(1).max(200) },
      outputSchema: { task_id: z.string(), retried_from: z.string() },
      annotations: {
        readOnlyHint: false,
        destructiveHint: false,
        idempotentHint: false,
        openWorldHint: false,
      },
    },
    async ({ task_id }) =>
      runTool(async () => {
        const r = await (await ctx.tasks()).retryTask(task_id);
        return toolResult({ ...r }, `retrying ${r.retried_from} as ${r.task_id}`);
      }),
  );
}
