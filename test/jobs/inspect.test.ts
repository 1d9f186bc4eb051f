import assert from 'node:assert/strict';
import { hostname } from 'node:os';
import { after, describe, test } from 'node:test';
import { type JobIdentity, signJobData } from '../../src/queue/signing.js';
import { callTool, startMcpClient, waitForTask } from '../helpers/env.js';
import {
  type JobsEnv,
  makeClient,
  makeJobsEnv,
  rawQueue,
  type SpawnedWorker,
  spawnWorker,
  waitFor,
  waitForEnd,
} from './helpers.js';

type Task = {
  task_id: string;
  name: string;
  state: string;
  worker?: string;
  queue: string;
  attempts: number;
};
type Stats = {
  queues: {
    queue: string;
    counts: Record<string, number>;
    workers: string[];
    completed_per_minute: number[];
  }[];
};

/** Celery's inspect and Flower, through the MCP tools of a real `codeindex serve` with its own pool. */
describe('inspect over MCP: list_tasks, queue_stats, cancel_task, retry_task', () => {
  let env: JobsEnv;
  let mcp: Awaited<ReturnType<typeof startMcpClient>> | undefined;
  let c: ReturnType<typeof makeClient> | undefined;
  after(async () => {
    await mcp?.close();
    await c?.close();
    await env?.cleanup();
  });

  test('active tasks show the worker process that holds them; stats count every state', async () => {
    env = makeJobsEnv(
      {
        policies: {
          maintenance: {
            attempts: 2,
            backoffMs: 50,
            backoffMaxMs: 50,
            softTimeLimitMs: 30_000,
            hardTimeLimitMs: 60_000,
          },
        },
      },
      { CODEINDEX_WATCH: '0', CODEINDEX_WORKERS: '1' },
    );
    mcp = await startMcpClient(env.env);
    c = makeClient(env);
    const long = await c.tasks.enqueue('test-sleep', { ms: 30_000, steps: 300 });
    const active = await waitFor(
      'list_tasks to show the active task',
      async () => {
        const r = await callTool<{ tasks: Task[] }>(mcp!.client, 'list_tasks', { state: 'active' });
        return r.tasks.find((t) => t.task_id === long && t.worker);
      },
      20_000,
      100,
    );
    assert.equal(active.name, 'test-sleep');
    assert.equal(active.queue, 'maintenance');
    assert.match(active.state, /^(STARTED|PROGRESS)$/);
    const m = new RegExp(`^${hostname()}:(\\d+)$`).exec(active.worker ?? '');
    assert.ok(m, `worker name ${active.worker}`);
    const pid = Number(m[1]);
    assert.notEqual(pid, process.pid);
    process.kill(pid, 0); // a live process: the pool's worker

    // Two waiting behind it (concurrency 1), one delayed, one failed.
    await c.tasks.enqueue('test-sleep', { ms: 10, steps: 1 });
    await c.tasks.enqueue('test-sleep', { ms: 10, steps: 1 }, { priority: 'low' });
    await c.tasks.enqueue('test-sleep', { ms: 10, steps: 1 }, { delayMs: 60_000 });
    const stats = await callTool<Stats>(mcp.client, 'queue_stats', {});
    const maint = stats.queues.find((q) => q.queue === 'maintenance');
    assert.ok(maint, JSON.stringify(stats));
    assert.equal(maint.counts.active, 1);
    assert.equal(maint.counts.waiting, 2);
    assert.equal(maint.counts.delayed, 1);
    assert.ok(maint.workers.includes(active.worker!), `${maint.workers} has ${active.worker}`);
    assert.deepEqual(stats.queues.map((q) => q.queue).sort(), [
      'dead-letter',
      'embeddings',
      'indexing',
      'maintenance',
    ]);
    const waiting = await callTool<{ tasks: Task[] }>(mcp.client, 'list_tasks', { state: 'waiting' });
    assert.equal(waiting.tasks.length, 2);
    assert.ok(waiting.tasks.every((t) => t.state === 'PENDING' && !t.worker));

    // cancel_task on the active one frees the worker for the waiting ones.
    const cancelled = await callTool<{ state: string }>(mcp.client, 'cancel_task', { task_id: long });
    assert.equal(cancelled.state, 'REVOKED');
    assert.equal((await waitForTask(mcp.client, long, 10_000)).state, 'REVOKED');
    const after = await waitFor('the waiting tasks to run', async () => {
      const s = await callTool<Stats>(mcp!.client, 'queue_stats', {});
      const q = s.queues.find((x) => x.queue === 'maintenance')!;
      return q.counts.waiting === 0 && q.counts.active === 0 && q.counts.completed === 2 ? q : null;
    });
    // Throughput: the two completions show up at once, in the current minute (or the one before,
    // when the minute turned in between).
    assert.equal(
      after.completed_per_minute.slice(0, 2).reduce((a, b) => a + b, 0),
      2,
      JSON.stringify(after),
    );
    assert.ok(after.completed_per_minute.length >= 1 && after.completed_per_minute.length <= 15);
  });

  test('retry_task re-runs a dead-lettered task listed by list_tasks state=dead', async () => {
    const failing = await c!.tasks.enqueue('test-fail', { message: 'flaky' });
    assert.equal((await waitForTask(mcp!.client, failing, 20_000)).state, 'FAILURE');
    const dead = await waitFor('the dead letter', async () => {
      const r = await callTool<{ tasks: Task[] }>(mcp!.client, 'list_tasks', { state: 'dead' });
      return r.tasks.find((t) => t.task_id === failing);
    });
    assert.equal(dead.attempts, 2);
    const r = await callTool<{ task_id: string; retried_from: string }>(mcp!.client, 'retry_task', {
      task_id: failing,
    });
    assert.equal(r.retried_from, failing);
    const again = await waitForTask(mcp!.client, r.task_id, 20_000);
    assert.equal(again.state, 'FAILURE');
    assert.equal(again.name, 'test-fail');
    assert.equal(again.attempts, 2, 'the retried task ran its full attempts');
  });
});

/** Celery's message signing: with a secret, workers run only jobs whose payload HMAC checks out. */
describe('signed payloads', () => {
  let env: JobsEnv;
  let worker: SpawnedWorker | undefined;
  const secret = 'a-test-secret-of-32-characters!!';
  after(async () => {
    worker?.kill('SIGKILL');
    await env?.cleanup();
  });

  test('unsigned, tampered, wrongly keyed, copied, changed-state and expired jobs are rejected as unrecoverable; signed ones run', async () => {
    env = makeJobsEnv(
      {
        policies: {
          maintenance: {
            attempts: 3,
            backoffMs: 50,
            backoffMaxMs: 50,
            softTimeLimitMs: 30_000,
            hardTimeLimitMs: 60_000,
          },
        },
      },
      { CODEINDEX_SECRET: secret },
    );
    worker = await spawnWorker(env, ['maintenance']);
    const c = makeClient(env);
    const q = rawQueue(env, 'maintenance');
    try {
      const signed = await c.tasks.enqueue('test-sleep', { ms: 5, steps: 1 });
      const stored = await c.tasks.queues.maintenance.getJob(signed);
      assert.match(String(stored?.data._sig), /^[0-9a-f]{64}$/, 'the producer signs');

      const payload = { ms: 5, steps: 1 };
      const who = (id: string, name = 'test-sleep'): JobIdentity => ({
        prefix: env.cfg.queuePrefix,
        queue: 'maintenance',
        name,
        id,
      });
      const sign = (id: string, data: Record<string, unknown>, key = secret, name = 'test-sleep') =>
        signJobData(key, who(id, name), data);
      const cases: [string, Record<string, unknown>, RegExp | null][] = [
        ['mnt_unsigned000000000000000000000', { ...payload }, /missing payload signature/],
        [
          'mnt_tampered000000000000000000000',
          { ...sign('mnt_tampered000000000000000000000', payload), ms: 6 },
          /bad payload signature/,
        ],
        [
          'mnt_otherkey000000000000000000000',
          sign('mnt_otherkey000000000000000000000', payload, 'another-secret-of-32-characters!'),
          /bad payload signature/,
        ],
        // Same payload, signed for another job kind: the name is part of the signature.
        [
          'mnt_otherkind00000000000000000000',
          sign('mnt_otherkind00000000000000000000', payload, secret, 'test-fail'),
          /bad payload signature/,
        ],
        // A valid job's data copied under another id: the id is part of the signature.
        ['mnt_copied0000000000000000000000', { ...stored!.data }, /bad payload signature/],
        // Step state changed without a new signature.
        [
          'mnt_state00000000000000000000000',
          { ...sign('mnt_state00000000000000000000000', payload), _state: { step: 'finalize' } },
          /bad payload signature/,
        ],
        // Signed long ago: a replay past the age limit.
        [
          'mnt_old0000000000000000000000000',
          sign('mnt_old0000000000000000000000000', { ...payload, _iat: Date.now() - 8 * 24 * 3600 * 1000 }),
          /past the 168 h limit/,
        ],
        ['mnt_rawsigned00000000000000000000', sign('mnt_rawsigned00000000000000000000', payload), null],
      ];
      for (const [id, data] of cases) await q.add('test-sleep', data, { jobId: id, attempts: 3 });

      assert.equal((await waitForEnd(c.tasks, signed)).info.state, 'SUCCESS');
      for (const [id, , why] of cases) {
        const job = await waitFor(`job ${id} to finish`, async () => {
          const j = await q.getJob(id);
          return j?.finishedOn ? j : null;
        });
        if (!why) {
          assert.equal(await job.getState(), 'completed', `${id}: ${job.failedReason}`);
        } else {
          assert.equal(await job.getState(), 'failed', id);
          assert.match(job.failedReason, why, id);
          assert.equal(job.attemptsMade, 1, `${id} is not retried`);
        }
      }
    } finally {
      await q.close();
      await c.close();
    }
  });
});
