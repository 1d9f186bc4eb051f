import { isTerminal } from '@modelcontextprotocol/sdk/experimental/tasks/interfaces.js';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { Logger } from '../../log.js';
import type { TaskEventRelay } from './events.js';
import type { QueueTaskStore } from './store.js';

/** Ids remembered as notified; beyond this the oldest are forgotten (a repeat is harmless). */
const REMEMBERED = 10_000;

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
  return relay.subscribe((taskId) => {
    if (!server.isConnected() || sent.has(taskId)) return;
    void store
      .getTask(taskId, server.server.transport?.sessionId)
      .then(async (task) => {
        if (!task || !isTerminal(task.status) || sent.has(taskId)) return;
        sent.add(taskId);
        if (sent.size > REMEMBERED) sent.delete(sent.values().next().value!);
        await server.server.notification({ method: 'notifications/tasks/status', params: task });
      })
      .catch((err) => log.debug('task status notification not sent', { taskId, error: String(err) }));
  });
}
