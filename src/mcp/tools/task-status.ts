import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import type { ToolContext } from '../context.js';
import { runTool, toolResult } from '../results.js';
import { taskOut } from './schemas.js';

/** `task_status`: Celery-style state, progress, result and error of a task. */
export function registerTaskStatusTool(server: McpServer, ctx: ToolContext): void {
  server.registerTool(
    'task_status',
    {
      title: 'Task status',
      description:
        'State of a task (PENDING, STARTED, PROGRESS, RETRY, SUCCESS, FAILURE, REVOKED) with progress {current,total,status}; for a repository task, result holds the summary.',
      inputSchema: { task_id: z.string().min(1).max(200) },
      outputSchema: taskOut.shape,
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    async ({ task_id }) =>
      runTool(async () => {
        const tasks = await ctx.tasks();
        const info = await tasks.getTask(task_id);
        const prog = info.progress
          ? ` ${info.progress.current}/${info.progress.total} ${info.progress.status}`
          : '';
        const text = `${info.task_id} ${info.name}: ${info.state}${prog}${info.error ? ` error: ${info.error}` : ''}${
          info.result !== undefined ? `\nresult: ${JSON.stringify(info.result).slice(0, 1500)}` : ''
        }`;
        return toolResult({ ...info }, text);
      }),
  );
}
