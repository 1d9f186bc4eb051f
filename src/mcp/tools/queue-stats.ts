import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import type { ToolContext } from '../context.js';
import { runTool, toolResult } from '../results.js';

/** `queue_stats`: counts per queue and state, workers, throughput (Flower's overview). */
export function registerQueueStatsTool(server: McpServer, ctx: ToolContext): void {
  server.registerTool(
    'queue_stats',
    {
      title: 'Queue statistics',
      description:
        'Job counts per queue and state, connected workers, and completed/failed jobs per minute over the last 15 minutes.',
      inputSchema: {},
      outputSchema: {
        queues: z.array(
          z.object({
            queue: z.string(),
            counts: z.record(z.string(), z.number()),
            workers: z.array(z.string()),
            completed_per_minute: z.array(z.number()),
            failed_per_minute: z.array(z.number()),
          }),
        ),
      },
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    async () =>
      runTool(async () => {
        const s = await (await ctx.tasks()).stats();
        const text = s.queues
          .map((q) => {
            const c = q.counts;
            const last = q.completed_per_minute.slice(0, 5).reduce((a, b) => a + b, 0);
            return `${q.queue}: active ${c.active}, waiting ${c.waiting}, delayed ${c.delayed}${c.scheduled ? ` (${c.scheduled} the next run of a periodic task)` : ''}, failed ${c.failed}, completed ${c.completed}; workers ${q.workers.length}; ${last} done in last 5 min`;
          })
          .join('\n');
        return toolResult({ ...s }, text);
      }),
  );
}
