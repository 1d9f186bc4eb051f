import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import {
  type CallToolResult,
  CallToolResultSchema,
  ErrorCode,
  McpError,
  type Task,
  TaskStatusNotificationSchema,
} from '@modelcontextprotocol/sdk/types.js';
import { copyFixture } from '../helpers/env.js';
import { connectHttp, startServe } from '../helpers/http-mcp.js';
import { type JobsEnv, makeJobsEnv, type SpawnedWorker, spawnWorker, waitFor } from '../jobs/helpers.js';

const TOKEN = 'tasks-test-token-0123456789abcdef';
async function createTask(client: Client, name: string, args: Record<string, unknown>): Promise<Task> {
  const stream = client.experimental.tasks.callToolStream({ name, arguments: args }, undefined, { task: {} });
  const first = await stream.next();
  await stream.return(undefined);
  const m = first.value as { type: string; task?: Task; error?: unknown } | undefined;
  if (m?.type !== 'taskCreated' || !m.task) throw new Error(`no task created: ${JSON.stringify(m)}`);
  return m.task;
}

async function notFound(p: Promise<unknown>): Promise<void> {
  await assert.rejects(p, (err) => err instanceof McpError && err.code === ErrorCode.InvalidParams);
}

/**
 * MCP Tasks over Streamable HTTP (/mcp): with a token, tasks belong to the token (any session, any
 * server instance, also after a restart); without one, to the session; stdio's stay apart.
 */
describe('MCP Tasks over Streamable HTTP', () => {
  let env: JobsEnv;
  let repo: string;
  const closers: (() => Promise<unknown> | unknown)[] = [];

  before(() => {
    env = makeJobsEnv({}, { CODEINDEX_WATCH: 'false', CODEINDEX_DASHBOARD_TOKEN: TOKEN });
    repo = copyFixture('langs', env.tmp);
    env.env.CODEINDEX_ROOTS = env.tmp;
  });
  after(async () => {
    for (const c of closers.reverse()) await c();
    await env?.cleanup();
  });

  test('a task created over HTTP on one server is fetched over HTTP on another after the first stopped', async () => {
    const a = await startServe(env.env);
    const onA = await connectHttp(a.url, TOKEN);
    // No worker yet: the task is still working when its server stops.
    const t = await createTask(onA, 'index_repository', { path: repo });
    assert.equal(t.status, 'working');
    await onA.close();
    await a.close();

    const worker: SpawnedWorker = await spawnWorker(env, ['indexing', 'maintenance']);
    closers.push(() => worker.kill('SIGKILL'));
    const b = await startServe(env.env);
    closers.push(() => b.close());
    const onB = await connectHttp(b.url, TOKEN);
    closers.push(() => onB.close());
    const notes: Task[] = [];
    onB.setNotificationHandler(TaskStatusNotificationSchema, (n) => {
      notes.push(n.params as Task);
    });
    const result = (await onB.experimental.tasks.getTaskResult(
      t.taskId,
      CallToolResultSchema,
    )) as CallToolResult;
    const s = result.structuredContent as {
      state: string;
      result: { files_indexed: number; files_scanned: number; files_skipped: number };
    };
    assert.equal(s.state, 'SUCCESS', JSON.stringify(result));
    // Every file of the fixture, whatever it holds: the task's run was the first.
    assert.ok(s.result.files_indexed > 0);
    assert.equal(s.result.files_indexed + s.result.files_skipped, s.result.files_scanned);
    const listed = await onB.experimental.tasks.listTasks();
    assert.ok(
      listed.tasks.some((x) => x.taskId === t.taskId && x.status === 'completed'),
      'listed under the token',
    );

    // The stdio client of the same process is another owner: it does not see the token's task.
    await notFound(b.client.experimental.tasks.getTask(t.taskId));
    assert.ok(!(await b.client.experimental.tasks.listTasks()).tasks.some((x) => x.taskId === t.taskId));

    // A new task over HTTP ends with a status notification on the session's stream.
    const again = await createTask(onB, 'index_repository', { path: repo, force: true });
    await waitFor('a status notification over HTTP', () =>
      notes.find((n) => n.taskId === again.taskId && n.status === 'completed'),
    );
  });

  test('without a token, a session sees only its own tasks', async () => {
    const open = await startServe({ ...env.env, CODEINDEX_DASHBOARD_TOKEN: '' });
    closers.push(() => open.close());
    const one = await connectHttp(open.url);
    const two = await connectHttp(open.url);
    closers.push(
      () => one.close(),
      () => two.close(),
    );
    const t = await createTask(one, 'index_repository', { path: repo });
    assert.equal((await one.experimental.tasks.getTask(t.taskId)).taskId, t.taskId);
    await notFound(two.experimental.tasks.getTask(t.taskId));
    await notFound(two.experimental.tasks.cancelTask(t.taskId));
    assert.ok(!(await two.experimental.tasks.listTasks()).tasks.some((x) => x.taskId === t.taskId));
  });
});
