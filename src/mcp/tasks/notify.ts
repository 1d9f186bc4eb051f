import { isTerminal } from '@modelcontextprotocol/sdk/experimental/tasks/interfaces.js';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { Logger } from '../../log.js';
import type { TaskEventRelay } from './events.js';
import type { QueueTaskStore } from './store.js';

/** Ids remembered as notified; beyond this the oldest are forgotten (a repeat is harmless). */
const REMEMBERED = 10_000;
/** Waits before looking again for a task whose record was not there when its job ended. */
const RECORD_RETRY_MS = [100, 500, 2000, 5000];

/**
 * Sends `notifications/tasks/status` to this server's client when one of its tasks ends, wherever
 * it ran or was cancelled. Returns the unsubscribe function.
 */
export function notifyTaskEnds(
  server: McpServer,
  store: QueueTaskStore,
  relay: TaskEventRelay,
  log: Logger,
): () => void {
  const sent = new Set<string>();
  const attempt = (taskId: string, retry: number): void => {
    if (!server.isConnected() || sent.has(taskId)) return;
    void store
      .getTask(taskId, server.server.transport?.sessionId)
      .then(async (task) => {
        if (!task) {
          // The tool call queues the job before its server records the task: a quick job can end
          // before the record exists. Look again a few times (a task of another client stays
          // invisible, and is given up after the last look).
          const delay = RECORD_RETRY_MS[retry];
          if (delay !== undefined) setTimeout(() => attempt(taskId, retry + 1), delay).unref();
          return;
        }
        if (!isTerminal(task.status) || sent.has(taskId)) return;
        sent.add(taskId);
        if (sent.size > REMEMBERED) sent.delete(sent.values().next().value!);
        await server.server.notification({ method: 'notifications/tasks/status', params: task });
      })
      .catch((err) => log.debug('task status notification not sent', { taskId, error: String(err) }));
  };
  return relay.subscribe((taskId) => attempt(taskId, 0));
}
