import { setTimeout as sleep } from 'node:timers/promises';
import type {
  CreateTaskOptions,
  TaskStore,
} from '@modelcontextprotocol/sdk/experimental/tasks/interfaces.js';
import type { CallToolResult, Request, RequestId, Result, Task } from '@modelcontextprotocol/sdk/types.js';
import type { Config } from '../../config/schema.js';
import { CodeindexError, isCodeindexError } from '../../errors.js';
import type { TaskClient, TaskInfo } from '../../queue/task-client.js';
import { type ProtocolTaskRecord, ProtocolTaskRecords } from './records.js';
import { toProtocolTask } from './status.js';
import type { TaskTools } from './tools.js';

/** The shortest ttl we keep a task for (a client may ask for less; the spec lets us round up). */
export const MIN_TASK_TTL_MS = 1000;
/** How long `tasks/cancel` waits for the worker to stop before it answers with an error. */
const CANCEL_WAIT_MS = 60_000;
const CANCEL_POLL_MS = 100;
/** How long a task-augmented call waits for queue events to be heard before it queues the job. */
const PREPARE_WAIT_MS = 3000;
/** Tasks per `tasks/list` page. */
export const TASK_PAGE_SIZE = 20;

export interface QueueTaskStoreDeps {
  cfg: Config;
  tasks: () => Promise<TaskClient>;
  tools: TaskTools;
  /** Whose tasks a request sees: from the server's token, else the session, else `local`. */
  owner: (sessionId: string | undefined) => string;
  /** Called on use: starts relaying queue events as status notifications; resolves once it listens. */
  onUse?: () => Promise<void>;
}

/** The parameters a task-augmented tool call hands to `createTask` (its job is already queued). */
export interface AdoptedTask {
  taskId: string;
  tool: string;
  meta: Record<string, string>;
}

/**
 * The SDK's `TaskStore`, backed by the BullMQ jobs: the protocol's task id is the job's task id,
 * status and result are read from the job, and the only thing stored besides it is a small record
 * (owner, tool, ttl, poll interval) that expires with the task's ttl. Any server sharing the Redis
 * answers for any task, also after the one that created it restarted.
 */
export class QueueTaskStore implements TaskStore {
  private recordsPromise: Promise<{ records: ProtocolTaskRecords; tasks: TaskClient }> | null = null;

  constructor(private readonly deps: QueueTaskStoreDeps) {}

  /** The ttl a task gets for the one a client asked for: within [1 s, resultTtlSeconds]. */
  ttlFor(requested: number | null | undefined): number {
    const max = this.deps.cfg.resultTtlSeconds * 1000;
    if (requested === undefined || requested === null) return max;
    return Math.min(max, Math.max(MIN_TASK_TTL_MS, Math.round(requested)));
  }

  /**
   * Call before queueing a task's job, so its end is heard even when it ends at once. Waits a
   * bounded time: with Redis away, the enqueue that follows reports it (REDIS_UNAVAILABLE).
   */
  async prepare(): Promise<void> {
    const listening = this.deps.onUse?.();
    if (listening) await Promise.race([listening, sleep(PREPARE_WAIT_MS, undefined, { ref: false })]);
  }

  /** Runs `op` on the records with the same deadline and REDIS_UNAVAILABLE message as the task tools. */
  private async withRecords<T>(op: (records: ProtocolTaskRecords) => Promise<T>): Promise<T> {
    void this.deps.onUse?.();
    this.recordsPromise ??= this.deps.tasks().then((t) => ({
      records: new ProtocolTaskRecords(
        t.connection,
        this.deps.cfg.queuePrefix,
        this.deps.cfg.resultTtlSeconds * 1000,
      ),
      tasks: t,
    }));
    let r: { records: ProtocolTaskRecords; tasks: TaskClient };
    try {
      r = await this.recordsPromise;
    } catch (err) {
      this.recordsPromise = null;
      throw err;
    }
    return r.tasks.withDeadline(() => op(r.records));
  }

  /** The record when the task exists and belongs to the caller; null otherwise (the same answer). */
  private async visible(taskId: string, sessionId: string | undefined): Promise<ProtocolTaskRecord | null> {
    const rec = await this.withRecords((r) => r.get(taskId));
    return rec && rec.owner === this.deps.owner(sessionId) ? rec : null;
  }

  /** The job's state, or null when its record is gone too. */
  private async info(taskId: string): Promise<TaskInfo | null> {
    try {
      return await (await this.deps.tasks()).getTask(taskId);
    } catch (err) {
      if (isCodeindexError(err, 'TASK_NOT_FOUND') || isCodeindexError(err, 'TASK_EXPIRED')) return null;
      throw err;
    }
  }

  /**
   * Records a task whose job the tool call has just queued (`context` carries an `AdoptedTask`):
   * the id is the job's, random and unguessable.
   */
  async createTask(
    params: CreateTaskOptions,
    _requestId: RequestId,
    _request: Request,
    sessionId?: string,
  ): Promise<Task> {
    const adopted = params.context as Partial<AdoptedTask> | undefined;
    if (!adopted?.taskId || !adopted.tool) {
      throw new Error('tasks start from a job tool call (index_repository, index_file, cleanup_indices)');
    }
    const rec: ProtocolTaskRecord = {
      taskId: adopted.taskId,
      owner: this.deps.owner(sessionId),
      tool: adopted.tool,
      ttlMs: this.ttlFor(params.ttl),
      pollIntervalMs: params.pollInterval ?? this.deps.tools.get(adopted.tool)?.pollIntervalMs ?? 1000,
      createdAt: Date.now(),
      meta: adopted.meta ?? {},
    };
    await this.withRecords((r) => r.save(rec));
    const info = await this.info(rec.taskId);
    return toProtocolTask(
      info ?? {
        task_id: rec.taskId,
        name: rec.tool,
        queue: 'indexing',
        state: 'PENDING',
        attempts: 0,
        created_at: '',
      },
      rec,
    );
  }

  async getTask(taskId: string, sessionId?: string): Promise<Task | null> {
    const rec = await this.visible(taskId, sessionId);
    if (!rec) return null;
    const info = await this.info(taskId);
    return info ? toProtocolTask(info, rec) : null;
  }

  /** Results are what the worker returned; the protocol layer never writes one. */
  async storeTaskResult(taskId: string): Promise<void> {
    throw new Error(`task ${taskId}: results are written by the worker that runs the job`);
  }

  /** The tool's final result: what its plain call answers, or the one-line error of a failed task. */
  async getTaskResult(taskId: string, sessionId?: string): Promise<Result> {
    const rec = await this.visible(taskId, sessionId);
    const info = rec ? await this.info(taskId) : null;
    if (!rec || !info) throw new CodeindexError('TASK_NOT_FOUND', `task ${taskId} not found or expired`);
    switch (info.state) {
      case 'SUCCESS': {
        const tool = this.deps.tools.get(rec.tool);
        if (!tool) throw new Error(`task ${taskId} was created by unknown tool ${rec.tool}`);
        return tool.result(info, rec.meta);
      }
      case 'FAILURE':
        return errorResult(`TASK_FAILED: ${info.error ?? 'the task failed'}`);
      case 'REVOKED':
        return errorResult(`TASK_CANCELLED: task ${taskId} was cancelled before it finished`);
      default:
        throw new Error(`task ${taskId} has not finished (${info.state})`);
    }
  }

  /**
   * Only `cancelled` comes from the protocol (tasks/cancel): the job is cancelled across processes
   * (a waiting job is removed, a running one stops between files, a repository's waiting batches
   * are removed), and this returns once the task has ended, so the answer says `cancelled`.
   */
  async updateTaskStatus(
    taskId: string,
    status: Task['status'],
    _statusMessage?: string,
    sessionId?: string,
  ): Promise<void> {
    if (status !== 'cancelled')
      throw new Error(`task status ${status} is set by the worker, not the protocol`);
    if (!(await this.visible(taskId, sessionId))) throw new Error(`task ${taskId} not found`);
    const tasks = await this.deps.tasks();
    await tasks.cancel(taskId);
    const end = Date.now() + CANCEL_WAIT_MS;
    for (;;) {
      const info = await this.info(taskId);
      if (!info || ['SUCCESS', 'FAILURE', 'REVOKED'].includes(info.state)) return;
      if (Date.now() > end) {
        throw new Error(
          `task ${taskId} is still ${info.state} ${CANCEL_WAIT_MS / 1000}s after the cancel: is its worker alive? call tasks/get to follow it`,
        );
      }
      await sleep(CANCEL_POLL_MS);
    }
  }

  async listTasks(cursor?: string, sessionId?: string): Promise<{ tasks: Task[]; nextCursor?: string }> {
    const page = await this.withRecords((r) => r.page(this.deps.owner(sessionId), cursor, TASK_PAGE_SIZE));
    const tasks = (await Promise.all(page.ids.map((id) => this.getTask(id, sessionId)))).filter(
      (t): t is Task => t !== null,
    );
    return page.next ? { tasks, nextCursor: page.next } : { tasks };
  }
}

function errorResult(text: string): CallToolResult {
  return { content: [{ type: 'text', text }], isError: true };
}
