import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { ZodRawShape } from 'zod';
import type { TaskInfo } from '../../queue/task-client.js';

/** What a job tool adds to run as a protocol task (`execution.taskSupport: "optional"`). */
export interface TaskTool {
  /** The tool's input schema (the same one its plain call uses). */
  inputSchema: ZodRawShape;
  /** How often a client should poll: short for a file, longer for a repository. */
  pollIntervalMs: number;
  /**
   * Checks the input (paths against the allowed roots) and enqueues the job, keeping its result
   * `resultTtlSeconds` after it completes. Returns the task id and what `result` needs later.
   */
  start(
    args: Record<string, unknown>,
    opts: { resultTtlSeconds: number },
  ): Promise<{ taskId: string; meta: Record<string, string> }>;
  /** The tool's final result for a task that ended SUCCESS: what its plain call would answer. */
  result(info: TaskInfo, meta: Record<string, string>): CallToolResult;
}

/** Task-capable tools by name; filled by the job tools' registration, read by routing and the store. */
export type TaskTools = Map<string, TaskTool>;
