import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import {
  callTool,
  callToolError,
  copyFixture,
  makeTestEnv,
  startMcpClient,
  startPrivateRedis,
  type TestEnv,
} from '../helpers/env.js';
import { waitFor } from '../helpers/wait.js';

type Stats = { queues: { queue: string; counts: Record<string, number> }[] };

/**
 * Drill: the server's Redis goes away, then comes back without its data (no AOF, no RDB: a
 * restart without persistence). The server (no workers, so its task stays queued) must say
 * why job tools fail while Redis is down, at once; register its periodic schedule again when
 * Redis is back; and say of its lost task that Redis lost it, not that it was never issued.
 */
describe('drill: Redis lost and back empty', () => {
  let env: TestEnv;
  let redis: Awaited<ReturnType<typeof startPrivateRedis>>;
  let mcp: Awaited<ReturnType<typeof startMcpClient>>;
  let repo: string;

  const maintenance = async () => {
    const s = await callTool<Stats>(mcp.client, 'queue_stats', {});
    return s.queues.find((q) => q.queue === 'maintenance')?.counts;
  };
  const scheduledOnce = async () => {
    const m = await maintenance().catch(() => undefined);
    return m?.delayed === 1 && m.scheduled === 1 ? m : null;
  };

  before(async () => {
    redis = await startPrivateRedis();
    env = makeTestEnv({
      REDIS_URL: redis.url,
      CODEINDEX_WORKERS: '0',
      CODEINDEX_WATCH: 'false',
      CODEINDEX_CLEANUP_CRON: '0 3 * * *',
      CODEINDEX_LOG_LEVEL: 'info',
    });
    repo = copyFixture('langs', env.tmp);
    env.env.CODEINDEX_ROOTS = repo;
    mcp = await startMcpClient(env.env);
  });
  after(async () => {
    await mcp?.close();
    await redis?.stop();
    await env?.cleanup();
  });

  test('a reconnect to a Redis that kept its data leaves one schedule and one next run', async () => {
    await waitFor('the daily cleanup to be scheduled', scheduledOnce, 20_000, 100);
    const admin = new Redis(redis.url);
    try {
      // Every client connection drops and reconnects; the data stays.
      await admin.client('KILL', 'TYPE', 'normal');
    } finally {
      admin.disconnect();
    }
    await waitFor(
      'the server to register its schedules again',
      () => /schedules registered again after Redis reconnected/.test(mcp.stderr()),
      20_000,
      100,
    );
    assert.deepEqual(
      { delayed: (await maintenance())?.delayed, scheduled: (await maintenance())?.scheduled },
      { delayed: 1, scheduled: 1 },
    );
  });

  test('while Redis is down, job tools say the cause (connection refused) at once; back empty, the schedule is registered again and a lost task is said to be lost', async () => {
    const t = await callTool<{ task_id: string }>(mcp.client, 'index_repository', { path: repo });
    assert.match(t.task_id, /^idx_[0-9a-f]{32}$/);
    await redis.stop();

    const downMessage = new RegExp(
      `^REDIS_UNAVAILABLE: cannot connect to Redis at redis://127\\.0\\.0\\.1:${redis.port}/? \\(connection refused\\): start redis-server or set REDIS_URL`,
    );
    const first = await callToolError(mcp.client, 'task_status', { task_id: t.task_id });
    assert.match(first, downMessage);
    assert.doesNotMatch(first, /max retries|maxRetriesPerRequest/);
    // Known to be down now: the next calls do not wait out the connection's retries, which grow
    // to 2 s apart (each call took 3.9 s before).
    await sleep(3000);
    for (const tool of ['task_status', 'queue_stats', 'list_tasks'] as const) {
      const t0 = Date.now();
      const msg = await callToolError(mcp.client, tool, tool === 'task_status' ? { task_id: t.task_id } : {});
      const took = Date.now() - t0;
      assert.match(msg, downMessage, tool);
      assert.ok(took < 500, `${tool} took ${took} ms while Redis was down`);
      process.stderr.write(`redis-loss drill: ${tool} answered in ${took} ms while Redis was down\n`);
    }
    // Query tools still answer from the index (here: that nothing is indexed yet).
    assert.match(await callToolError(mcp.client, 'search_symbols', { query: 'Greeter' }), /^NOT_INDEXED/);

    await redis.start();
    const back = await waitFor('the schedule to be registered again', scheduledOnce, 20_000, 200);
    assert.equal(back.waiting, 0, 'the lost task is not queued again by anything');

    const lost = await callToolError(mcp.client, 'task_status', { task_id: t.task_id });
    assert.equal(
      lost,
      `TASK_NOT_FOUND: no record of task ${t.task_id} in Redis: it is over 30 days old, or Redis lost its data (restarted without persistence?): call index_repository or index_file again`,
    );
    // Ids of another shape (not a random UUID's digits) keep the plain answer.
    for (const id of ['idx_mistyped', `idx_${'0'.repeat(32)}`])
      assert.match(
        await callToolError(mcp.client, 'task_status', { task_id: id }),
        new RegExp(
          `^TASK_NOT_FOUND: no task ${id} was ever issued here: use a task_id returned by index_repository`,
        ),
      );
  });
});
