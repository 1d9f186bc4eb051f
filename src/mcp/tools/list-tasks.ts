import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { QUEUES } from '../../queue/names.js';
import type { ToolContext } from '../context.js';
import { runTool, toolResult } from '../results.js';
import { limitIn, taskOut } from './schemas.js';

/** `list_tasks`: Celery's inspect: active (with worker), waiting, delayed, failed, dead. */
export function registerListTasksTool(server: McpServer, ctx: ToolContext): void {
  server.registerTool(
    'list_tasks',
    {
      title: 'List tasks',
      description:
        'List tasks by state (active shows the worker holding each; dead = dead-letter queue of tasks that exhausted retries). Without state: active, waiting, delayed and failed.',
      inputSchema: {
        state: z.enum(['active', 'waiting', 'delayed', 'failed', 'completed', 'dead']).optional(),
        queue: z.enum(QUEUES).optional(),
        limit: limitIn(20, 100),
      },
      outputSchema: { tasks: z.array(taskOut), truncated: z.boolean() },
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    async ({ state, queue, limit }) =>
      runTool(async () => {
        const tasks = await ctx.tasks();
        const list = await tasks.listTasks({
          ...(state ? { state } : {}),
          ...(queue ? { queue } : {}),
          limit: limit + 1,
        });
        const truncated = list.length > limit;
        const shown = list.slice(0, limit);
        const lines = shown.map(
          (t) =>
            `${t.task_id} ${t.name} [${t.queue}] ${t.state}${t.worker ? ` on ${t.worker}` : ''}${t.progress ? ` ${t.progress.current}/${t.progress.total}` : ''}${t.error ? ` error: ${t.error}` : ''}`,
        );
        if (truncated) lines.push(`(more than ${limit}; raise limit or filter by state/queue)`);
        return toolResult({ tasks: shown, truncated }, lines.join('\n') || 'no tasks');
      }),
  );
}
