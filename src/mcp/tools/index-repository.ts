import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { resolveAllowedPath } from '../../discovery/index.js';
import { JOBS } from '../../queue/names.js';
import type { TaskInfo } from '../../queue/task-client.js';
import type { ToolContext } from '../context.js';
import { ProgressNotifier } from '../progress-notifier.js';
import { runTool, toolResult } from '../results.js';
import type { TaskTools } from '../tasks/tools.js';
import { priorityIn, strictArgs, taskOut } from './schemas.js';

/** Pause between the last progress notification and the result (see where it is used). */
const FINAL_PROGRESS_PAUSE_MS = 30;

/** The answer for a task that ended, or stopped being waited for (`wait: true`, and `tasks/result`). */
function repositoryOutcome(info: TaskInfo, root: string) {
  const out: Record<string, unknown> = { task_id: info.task_id, state: info.state, root };
  if (info.progress) out.progress = info.progress;
  if (info.result !== undefined) out.result = info.result;
  if (info.error) out.error = info.error;
  return toolResult(out, `task ${info.task_id}: ${info.state}${info.error ? ` (${info.error})` : ''}`);
}

const inputSchema = {
  path: z.string().min(1).describe('Directory, absolute or relative to the working directory'),
  force: z.boolean().default(false).describe('Re-parse every file even if unchanged'),
  priority: priorityIn.default('normal'),
  wait: z.boolean().default(false).describe('Wait (up to wait_seconds) for the task to finish'),
  wait_seconds: z.number().int().min(1).max(3600).default(600),
};

/**
 * `index_repository`: returns a task id at once; scanning and parsing run in workers. As an MCP
 * task (`taskTools`), `tasks/result` answers what `wait: true` answers.
 */
export function registerIndexRepositoryTool(
  server: McpServer,
  ctx: ToolContext,
  taskTools?: TaskTools,
): void {
  taskTools?.set('index_repository', {
    inputSchema,
    pollIntervalMs: 1000,
    async start(args, { resultTtlSeconds }) {
      const a = strictArgs('index_repository', inputSchema).parse(args);
      const p = await resolveAllowedPath(a.path, await ctx.allowedRoots(), { expect: 'directory' });
      const tasks = await ctx.tasks();
      const taskId = await tasks.enqueue(
        JOBS.indexRepository,
        { root: p.realPath, force: a.force, priority: a.priority },
        { resultTtlSeconds },
      );
      ctx.onRootIndexed?.(p.realPath);
      return { taskId, meta: { root: p.realPath } };
    },
    result: (info, meta) => repositoryOutcome(info, meta.root ?? ''),
  });
  server.registerTool(
    'index_repository',
    {
      title: 'Index a repository',
      description:
        'Queue indexing of a directory tree (gitignore-aware; unchanged files are skipped unless force). Returns a task_id at once; poll task_status. With wait=true the call returns when the task ends, sending progress notifications if the client asked for them. Also runs as an MCP task (tasks/get, tasks/result).',
      inputSchema,
      outputSchema: taskOut
        .pick({ task_id: true, state: true, progress: true, result: true, error: true })
        .extend({ root: z.string() }).shape,
      annotations: {
        readOnlyHint: false,
        destructiveHint: false,
        idempotentHint: true,
        openWorldHint: false,
      },
    },
    async ({ path, force, priority, wait, wait_seconds }, extra) =>
      runTool(async () => {
        const p = await resolveAllowedPath(path, await ctx.allowedRoots(), { expect: 'directory' });
        const tasks = await ctx.tasks();
        const taskId = await tasks.enqueue(JOBS.indexRepository, { root: p.realPath, force, priority });
        ctx.onRootIndexed?.(p.realPath);
        if (!wait) {
          return toolResult(
            { task_id: taskId, state: 'PENDING', root: p.realPath },
            `queued indexing of ${p.realPath} as task ${taskId}; call task_status to follow it`,
          );
        }
        const token = extra._meta?.progressToken;
        // Rate and ETA in the message; re-sent at least once a second, at most four times.
        const notifier =
          token === undefined
            ? undefined
            : new ProgressNotifier((n) =>
                extra
                  .sendNotification({
                    method: 'notifications/progress',
                    params: { progressToken: token, ...n },
                  })
                  .catch(() => {}),
              );
        const deadline = Date.now() + wait_seconds * 1000;
        let info = await tasks.getTask(taskId);
        try {
          while (
            !['SUCCESS', 'FAILURE', 'REVOKED'].includes(info.state) &&
            Date.now() < deadline &&
            !extra.signal.aborted
          ) {
            await notifier?.offer(info);
            await new Promise((r) => setTimeout(r, 250));
            info = await tasks.getTask(taskId);
          }
        } finally {
          notifier?.close();
        }
        // The last state too: a repository indexed within one poll still reports where it ended.
        if (notifier && info.progress && info.state !== 'PENDING') {
          await notifier.flush(info);
          // The SDK client runs notification handlers a tick later than response handlers, and
          // drops progress for a request that has been answered: a notification that reaches it
          // in the same read as the response is lost. A short pause keeps them apart.
          await new Promise((r) => setTimeout(r, FINAL_PROGRESS_PAUSE_MS));
        }
        return repositoryOutcome(info, p.realPath);
      }),
  );
}
