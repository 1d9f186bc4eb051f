import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import {
  type CallToolResult,
  CallToolResultSchema,
  CreateTaskResultSchema,
  ErrorCode,
  McpError,
  type Task,
  TaskStatusNotificationSchema,
} from '@modelcontextprotocol/sdk/types.js';
import { openStore } from '../../src/store/index.js';
import { copyFixture, startMcpClient } from '../helpers/env.js';
import { connectHttp, startServe } from '../helpers/http-mcp.js';
import {
  FAST_POLICY,
  generateRepo,
  type JobsEnv,
  makeClient,
  makeJobsEnv,
  type SpawnedWorker,
  spawnWorker,
  waitFor,
} from '../jobs/helpers.js';

type Mcp = { client: Client; close(): Promise<void> };
type Transport = 'stdio' | 'http';
const TOKEN = 'tasks-test-token-0123456789abcdef';

/** A server process (`--workers 0`) and a client of it over stdio, or over Streamable HTTP with a token. */
async function open(env: JobsEnv, transport: Transport): Promise<Mcp> {
  if (transport === 'stdio') return startMcpClient(env.env, ['--workers', '0']);
  const s = await startServe(env.env);
  const client = await connectHttp(s.url, TOKEN);
  return {
    client,
    async close() {
      await client.close().catch(() => {});
      await s.close();
    },
  };
}

/** Fields of a repository summary that differ between two runs over the same files. */
function stable(structured: unknown): Record<string, unknown> {
  const s = structured as {
    task_id?: string;
    progress?: Record<string, unknown>;
    result?: Record<string, unknown>;
  };
  const { task_id: _id, progress, ...rest } = s;
  const { duration_ms: _d, generation: _g, ...result } = s.result ?? {};
  // The rate is a timing too, like duration_ms.
  const { rate: _r, ...steady } = progress ?? {};
  return { ...rest, ...(progress ? { progress: steady } : {}), result };
}

/** Runs a tool call as a task through the SDK's stream API; returns every message it yielded. */
async function streamTask(client: Client, name: string, args: Record<string, unknown>, ttl?: number) {
  const seen: { type: string; task?: Task; result?: CallToolResult; error?: unknown }[] = [];
  for await (const m of client.experimental.tasks.callToolStream({ name, arguments: args }, undefined, {
    task: ttl ? { ttl } : {},
  })) {
    seen.push(m as (typeof seen)[number]);
  }
  return seen;
}

/** Starts a task and returns it (the CreateTaskResult's task) without waiting. */
async function createTask(client: Client, name: string, args: Record<string, unknown>, ttl?: number) {
  const stream = client.experimental.tasks.callToolStream({ name, arguments: args }, undefined, {
    task: ttl ? { ttl } : {},
  });
  const first = await stream.next();
  await stream.return(undefined);
  const m = first.value as { type: string; task?: Task; error?: unknown } | undefined;
  if (m?.type === 'error') throw m.error;
  if (m?.type !== 'taskCreated' || !m.task) throw new Error(`no task created: ${JSON.stringify(m)}`);
  return m.task;
}

async function rpcError(p: Promise<unknown>): Promise<McpError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof McpError) return err;
    throw err;
  }
  throw new Error('expected a JSON-RPC error');
}

function text(r: CallToolResult): string {
  return (r.content[0] as { text?: string } | undefined)?.text ?? '';
}

/**
 * MCP Tasks (2025-11-25) with the SDK's client API, over stdio and over Streamable HTTP (with a
 * token: tasks belong to the token, on every server), real server processes sharing one Redis, and
 * a real worker process started by the test (servers run with --workers 0), so the test decides
 * when work can run.
 */
for (const transport of ['stdio', 'http'] as const)
  describe(`MCP Tasks over ${transport}, backed by the queue`, () => {
    let env: JobsEnv;
    let repo: string;
    let first: Mcp | null = null;
    let second: Mcp;
    let third: Mcp;
    let worker: SpawnedWorker | null = null;
    const statusNotes: Task[] = [];

    before(async () => {
      env = makeJobsEnv(
        { batchSize: 10, policies: { repository: { ...FAST_POLICY, attempts: 1 } } },
        {
          CODEINDEX_WATCH: 'false',
          // The workers read the tree themselves (a root removed after queueing fails its task):
          // shipped sources are a snapshot taken when the task is queued.
          CODEINDEX_SHIP_SOURCES: 'off',
          ...(transport === 'http' ? { CODEINDEX_DASHBOARD_TOKEN: TOKEN } : {}),
        },
      );
      repo = copyFixture('langs', env.tmp);
      env.env.CODEINDEX_ROOTS = env.tmp;
      first = await open(env, transport);
    });
    after(async () => {
      await first?.close();
      await second?.close();
      await third?.close();
      worker?.kill('SIGKILL');
      await env?.cleanup();
    });

    test('tools/list: job tools take tasks, query tools do not; a query tool asked as a task is Method not found', async () => {
      const { tools } = await first!.client.listTools();
      const support = Object.fromEntries(tools.map((t) => [t.name, t.execution?.taskSupport]));
      assert.equal(support.index_repository, 'optional');
      assert.equal(support.index_file, 'optional');
      assert.equal(support.cleanup_indices, 'optional');
      for (const q of [
        'search_symbols',
        'get_file_outline',
        'find_references',
        'search_code',
        'index_status',
      ])
        assert.equal(support[q], 'forbidden', q);
      const caps = first!.client.getServerCapabilities();
      assert.ok(
        caps?.tasks?.list && caps.tasks.cancel && caps.tasks.requests?.tools?.call,
        JSON.stringify(caps),
      );
      const err = await rpcError(
        first!.client.request(
          { method: 'tools/call', params: { name: 'search_symbols', arguments: { query: 'x' }, task: {} } },
          CreateTaskResultSchema,
        ),
      );
      assert.equal(err.code, ErrorCode.MethodNotFound);
      // A path outside the allowed roots fails the request with the tool's one-line error.
      const outside = await rpcError(createTask(first!.client, 'index_repository', { path: '/usr' }));
      assert.equal(outside.code, ErrorCode.InvalidParams);
      assert.match(outside.message, /PATH_OUTSIDE_ROOT/);
    });

    test('a task outlives the server that created it; a failing task ends failed with its message', async () => {
      const doomed = join(env.tmp, 'doomed');
      mkdirSync(doomed);
      writeFileSync(join(doomed, 'a.ts'), 'export const a = 1;\n');
      // No worker yet: both tasks are created and stay working while their server goes away.
      const ok = await createTask(first!.client, 'index_repository', { path: repo });
      const bad = await createTask(first!.client, 'index_repository', { path: doomed });
      assert.equal(ok.status, 'working');
      assert.equal(ok.statusMessage, 'queued');
      assert.match(ok.taskId, /^idx_[0-9a-f]{32}$/, 'the task id is the queue task id: random, unguessable');
      assert.ok(
        ok.ttl && ok.ttl > 0 && ok.pollInterval && ok.createdAt && ok.lastUpdatedAt,
        JSON.stringify(ok),
      );
      rmSync(doomed, { recursive: true });
      await first!.close();
      first = null;

      worker = await spawnWorker(env, ['indexing', 'maintenance']);
      second = await open(env, transport);
      second.client.setNotificationHandler(TaskStatusNotificationSchema, (n) => {
        statusNotes.push(n.params as Task);
      });
      const result = (await second.client.experimental.tasks.getTaskResult(
        ok.taskId,
        CallToolResultSchema,
      )) as CallToolResult;
      assert.ok(!result.isError, text(result));
      const s = result.structuredContent as {
        state: string;
        root: string;
        result: { files_indexed: number; files_scanned: number; files_skipped: number };
      };
      assert.equal(s.state, 'SUCCESS');
      assert.equal(s.root, repo);
      // Every file of the fixture, whatever it holds: the task's run was the first.
      assert.ok(s.result.files_indexed > 0);
      assert.equal(s.result.files_indexed + s.result.files_skipped, s.result.files_scanned);
      assert.equal((await second.client.experimental.tasks.getTask(ok.taskId)).status, 'completed');

      const failed = await waitFor('the doomed task to fail', async () => {
        const t = await second.client.experimental.tasks.getTask(bad.taskId);
        return t.status === 'failed' ? t : null;
      });
      const status = (
        await second.client.callTool({ name: 'task_status', arguments: { task_id: bad.taskId } })
      ).structuredContent as { state: string; error: string };
      assert.equal(status.state, 'FAILURE');
      assert.equal(failed.statusMessage, status.error, 'the one-line error of the job');
      assert.match(failed.statusMessage ?? '', /doomed/);
      const badResult = (await second.client.experimental.tasks.getTaskResult(
        bad.taskId,
        CallToolResultSchema,
      )) as CallToolResult;
      assert.equal(badResult.isError, true);
      assert.equal(text(badResult), `TASK_FAILED: ${status.error}`);
    });

    test('index_repository as a task: created, working, completed, and its result is the plain wait:true answer', async () => {
      const plain = await second.client.callTool({
        name: 'index_repository',
        arguments: { path: repo, force: true, wait: true },
      });
      assert.equal((plain.structuredContent as { state: string }).state, 'SUCCESS');
      const seen = await streamTask(second.client, 'index_repository', { path: repo, force: true });
      const types = seen.map((m) => m.type);
      assert.equal(types[0], 'taskCreated');
      assert.equal(types.at(-1), 'result', JSON.stringify(seen.at(-1)));
      const last = seen.filter((m) => m.type === 'taskStatus').at(-1)?.task;
      assert.equal(last?.status, 'completed');
      const result = seen.at(-1)!.result!;
      assert.deepEqual(stable(result.structuredContent), stable(plain.structuredContent));
      const taskId = seen[0]!.task!.taskId;
      assert.equal((result.structuredContent as { task_id: string }).task_id, taskId);
      // The status notification came from the queue's events.
      await waitFor('a completed status notification', () =>
        statusNotes.find((n) => n.taskId === taskId && n.status === 'completed'),
      );
    });

    test('index_file and cleanup_indices as tasks answer the file outcome and the cleanup report', async () => {
      const file = join(repo, 'ts', readdirSync(join(repo, 'ts'))[0]!);
      const f = await streamTask(second.client, 'index_file', { path: file });
      const fr = f.at(-1)!.result!;
      assert.equal(f[0]!.task!.pollInterval, 250, 'a file is polled more often than a repository');
      assert.equal((fr.structuredContent as { path: string }).path, file);
      assert.match(text(fr), /unchanged|indexed/);
      const c = await streamTask(second.client, 'cleanup_indices', { days: 30, dry_run: true });
      const cr = c.at(-1)!.result!;
      assert.deepEqual((cr.structuredContent as { deleted: unknown }).deleted, { roots: [], files: 0 });
      assert.match(text(cr), /^would delete 0 roots and 0 file rows/);
    });

    test('a second server fetches and cancels a task the first created; nothing is written after the cancel', async () => {
      third = await open(env, transport);
      const big = generateRepo(join(env.tmp, 'big'), 300, 60);
      const t = await createTask(second.client, 'index_repository', { path: big });
      await waitFor(
        'batches to run',
        async () => {
          const s = await third.client.experimental.tasks.getTask(t.taskId);
          return /^\d+\/300 files · (-|[\d,.]+) files\/s · ETA \S+$/.test(s.statusMessage ?? '') ? s : null;
        },
        30_000,
        20,
      );
      const cancelled = await third.client.experimental.tasks.cancelTask(t.taskId);
      assert.equal(cancelled.status, 'cancelled');
      // Through the store, so the check holds on either engine.
      const files = async () => {
        const store = openStore(env.cfg, { readonly: true });
        try {
          return [...(await store.getFileStates(big))]
            .filter(([p]) => p.startsWith('src/'))
            .map(([p, f]) => `${p} ${f.status} ${f.sha256}`)
            .sort();
        } finally {
          await store.close();
        }
      };
      const atCancel = await files();
      const c = makeClient(env);
      try {
        await waitFor('the queue to settle', async () => {
          const counts = await c.tasks.queues.indexing.getJobCounts(
            'active',
            'waiting',
            'prioritized',
            'delayed',
          );
          return Object.values(counts).every((n) => n === 0);
        });
      } finally {
        await c.close();
      }
      const later = await files();
      assert.deepEqual(later, atCancel, 'no file was written after tasks/cancel answered');
      const indexed = later.filter((f) => f.includes(' indexed ')).length;
      assert.ok(indexed < 300, `${indexed} of 300 files were indexed despite the cancel`);
      assert.equal((await second.client.experimental.tasks.getTask(t.taskId)).status, 'cancelled');
      const again = await rpcError(third.client.experimental.tasks.cancelTask(t.taskId));
      assert.equal(again.code, ErrorCode.InvalidParams, 'cancelling a finished task is the spec error');
      const r = (await third.client.experimental.tasks.getTaskResult(
        t.taskId,
        CallToolResultSchema,
      )) as CallToolResult;
      assert.equal(r.isError, true);
      assert.match(text(r), /^TASK_CANCELLED/);
    });

    test('a client of another server is told when a task created elsewhere ends (relayed from the queue)', async () => {
      const notes: Task[] = [];
      third.client.setNotificationHandler(TaskStatusNotificationSchema, (n) => {
        notes.push(n.params as Task);
      });
      const file = join(repo, 'ts', readdirSync(join(repo, 'ts'))[0]!);
      const t = await createTask(second.client, 'index_file', { path: file });
      const note = await waitFor('a status notification on the other server', () =>
        notes.find((n) => n.taskId === t.taskId && n.status === 'completed'),
      );
      assert.equal(note.status, 'completed');
    });

    test('tasks/list pages through every task, each once', async () => {
      const file = join(repo, 'ts', readdirSync(join(repo, 'ts'))[0]!);
      const created: string[] = [];
      for (let i = 0; i < 21; i++)
        created.push((await createTask(second.client, 'index_file', { path: file })).taskId);
      const listed: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await third.client.experimental.tasks.listTasks(cursor);
        pages++;
        if (page.nextCursor) assert.equal(page.tasks.length, 20, 'a full page before the last');
        listed.push(...page.tasks.map((t) => t.taskId));
        cursor = page.nextCursor;
      } while (cursor && pages < 10);
      assert.ok(pages >= 2, `${pages} pages`);
      assert.equal(new Set(listed).size, listed.length, 'no task on two pages');
      for (const id of created) assert.ok(listed.includes(id), `${id} listed`);
      const bad = await rpcError(third.client.experimental.tasks.listTasks('not-a-cursor'));
      assert.equal(bad.code, ErrorCode.InvalidParams);
    });

    test('a task past its ttl is gone with the spec error, like a task that never existed', async () => {
      const file = join(repo, 'ts', readdirSync(join(repo, 'ts'))[0]!);
      const t = await createTask(second.client, 'index_file', { path: file }, 1000);
      assert.equal(t.ttl, 1000);
      const c = makeClient(env);
      try {
        const job = await c.tasks.queues.indexing.getJob(t.taskId);
        assert.deepEqual(job?.opts.removeOnComplete, { age: 1 }, 'the ttl is the result expiry of the job');
      } finally {
        await c.close();
      }
      // Asked for more than the result ttl, a task gets the result ttl.
      const long = await createTask(second.client, 'index_file', { path: file }, 10 * 24 * 3600 * 1000);
      assert.equal(long.ttl, env.cfg.resultTtlSeconds * 1000);
      const gone = await waitFor('the task to expire', async () => {
        try {
          await second.client.experimental.tasks.getTask(t.taskId);
          return null;
        } catch (err) {
          return err instanceof McpError ? err : null;
        }
      });
      assert.equal(gone.code, ErrorCode.InvalidParams);
      const unknown = await rpcError(second.client.experimental.tasks.getTask(`idx_${'0'.repeat(32)}`));
      assert.equal(unknown.code, ErrorCode.InvalidParams);
      const result = await rpcError(
        second.client.experimental.tasks.getTaskResult(t.taskId, CallToolResultSchema),
      );
      assert.equal(result.code, ErrorCode.InvalidParams);
    });

    test('a client that does not use Tasks gets the plain answers', async () => {
      const r = await second.client.callTool({ name: 'index_repository', arguments: { path: repo } });
      const s = r.structuredContent as { state: string; task_id: string };
      assert.equal(s.state, 'PENDING');
      assert.match(s.task_id, /^idx_[0-9a-f]{32}$/);
      // A plain call's task is not a protocol task of anyone's.
      const err = await rpcError(second.client.experimental.tasks.getTask(s.task_id));
      assert.equal(err.code, ErrorCode.InvalidParams);
    });
  });
