import type { Task } from '@modelcontextprotocol/sdk/types.js';
import { formatEta, formatRate } from '../../queue/progress-rate.js';
import type { TaskInfo } from '../../queue/task-client.js';
import type { TaskState } from '../../queue/task-state.js';
import type { ProtocolTaskRecord } from './records.js';

/** The protocol's status for each of our Celery-style states. */
export function protocolStatus(state: TaskState): Task['status'] {
  switch (state) {
    case 'SUCCESS':
      return 'completed';
    case 'FAILURE':
      return 'failed';
    case 'REVOKED':
      return 'cancelled';
    default:
      return 'working';
  }
}

/**
 * A short line on where a task is: `312/739 files · 41 files/s · ETA 11s` while it runs, the error
 * when it failed.
 */
export function statusMessage(info: TaskInfo): string | undefined {
  switch (info.state) {
    case 'PENDING':
      return 'queued';
    case 'STARTED':
      return 'started';
    case 'PROGRESS': {
      const p = info.progress;
      if (!p) return 'running';
      if (p.total <= 0) return p.status || 'running';
      const files = `${p.current}/${p.total} files`;
      // The run's average so far (see TaskProgress.rate): the protocol's tasks/get has no window.
      return p.rate === undefined
        ? files
        : `${files} · ${formatRate(p.rate)} · ${formatEta(p.eta_seconds ?? null)}`;
    }
    case 'RETRY':
      return info.error ? `retrying after: ${info.error}` : 'retrying';
    case 'FAILURE':
      return info.error ?? 'failed';
    case 'REVOKED':
      return 'cancelled';
    default:
      return undefined;
  }
}

/** The protocol's view of a task: our job's state with the record's ttl and poll interval. */
export function toProtocolTask(info: TaskInfo, rec: ProtocolTaskRecord): Task {
  const created = new Date(rec.createdAt).toISOString();
  const updated = [created, info.started_at, info.finished_at]
    .filter((x): x is string => Boolean(x))
    .sort()
    .at(-1)!;
  const task: Task = {
    taskId: rec.taskId,
    status: protocolStatus(info.state),
    ttl: rec.ttlMs,
    createdAt: created,
    lastUpdatedAt: updated,
    pollInterval: rec.pollIntervalMs,
  };
  const message = statusMessage(info);
  if (message !== undefined) task.statusMessage = message;
  return task;
}
