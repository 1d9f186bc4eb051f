import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { resolveAllowedPath, toRelative } from '../../discovery/index.js';
import { JOBS } from '../../queue/names.js';
import type { TaskInfo } from '../../queue/task-client.js';
import type { ToolContext } from '../context.js';
import { indexedRootOf } from '../indexed-root.js';
import { runTool, toolResult } from '../results.js';
import type { TaskTools } from '../tasks/tools.js';
import { priorityIn, strictArgs, taskOut } from './schemas.js';

const inputSchema = {
  path: z.string().min(1).describe('File path, absolute or relative to the working directory'),
  priority: priorityIn.default('high'),
};

/** What the worker returns for one file (a subset of its files result). */
const fileResult = z
  .object({
    indexed: z.number(),
    unchanged: z.number(),
    failed: z.number(),
    skipped: z.record(z.string(), z.number()),
    symbols: z.number(),
    failedFiles: z.array(z.object({ path: z.string(), error: z.string() })),
    /** The worker's words for it (`skipped: binary file`); older workers leave it out. */
    outcome: z.string(),
  })
  .partial();

/** One line on what happened to the file. */
function describeOutcome(path: string, r: z.infer<typeof fileResult>): string {
  if (r.outcome) return `${path}: ${r.outcome}`;
  if (r.failed) return `${path}: failed (${r.failedFiles?.[0]?.error ?? 'parse error'})`;
  const skipped = Object.keys(r.skipped ?? {})[0];
  if (skipped) return `${path}: skipped (${skipped})`;
  if (r.unchanged) return `${path}: unchanged since it was last indexed`;
  return `${path}: indexed, ${r.symbols ?? 0} symbols`;
}

/** The file's outcome as the answer of an MCP task (`tasks/result`). */
function fileOutcome(info: TaskInfo, path: string) {
  const parsed = fileResult.safeParse(info.result);
  const r = parsed.success ? parsed.data : {};
  return toolResult(
    { task_id: info.task_id, state: info.state, path, result: info.result },
    describeOutcome(path, r),
  );
}

/** `index_file`: (re)index one file, ahead of bulk work by default. */
export function registerIndexFileTool(server: McpServer, ctx: ToolContext, taskTools?: TaskTools): void {
  const enqueue = async (path: string, priority: z.infer<typeof priorityIn>, resultTtlSeconds?: number) => {
    const p = await resolveAllowedPath(path, await ctx.allowedRoots(), { expect: 'file' });
    const root = await indexedRootOf(ctx.store, p.realPath, p.root);
    const tasks = await ctx.tasks();
    const taskId = await tasks.enqueue(
      JOBS.indexFile,
      { root, path: toRelative(root, p.realPath) },
      { priority, ...(resultTtlSeconds ? { resultTtlSeconds } : {}) },
    );
    return { taskId, realPath: p.realPath };
  };
  taskTools?.set('index_file', {
    inputSchema,
    pollIntervalMs: 250,
    async start(args, { resultTtlSeconds }) {
      const a = strictArgs('index_file', inputSchema).parse(args);
      const { taskId, realPath } = await enqueue(a.path, a.priority, resultTtlSeconds);
      return { taskId, meta: { path: realPath } };
    },
    result: (info, meta) => fileOutcome(info, meta.path ?? ''),
  });
  server.registerTool(
    'index_file',
    {
      title: 'Index one file',
      description:
        'Queue a re-index of one source file (high priority by default, so it runs before bulk jobs): the file is read again even when its size and mtime did not change. Returns a task_id for task_status, whose result says the outcome (`indexed: 3 symbols`, `unchanged: …`, `skipped: binary file`, `failed: …`). Also runs as an MCP task; its result is the file outcome.',
      inputSchema,
      outputSchema: taskOut.pick({ task_id: true, state: true, result: true }).extend({ path: z.string() })
        .shape,
      annotations: {
        readOnlyHint: false,
        destructiveHint: false,
        idempotentHint: true,
        openWorldHint: false,
      },
    },
    async ({ path, priority }) =>
      runTool(async () => {
        const { taskId, realPath } = await enqueue(path, priority);
        return toolResult(
          { task_id: taskId, state: 'PENDING', path: realPath },
          `queued ${realPath} as task ${taskId}`,
        );
      }),
  );
}
