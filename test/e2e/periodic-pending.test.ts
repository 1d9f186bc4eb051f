import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  callTool,
  copyFixture,
  makeTestEnv,
  startMcpClient,
  type TestEnv,
  waitForTask,
} from '../helpers/env.js';

type Stats = { queues: { queue: string; counts: Record<string, number> }[] };

/**
 * With the daily cleanup scheduled (the default), its next run is a delayed job all day long: it
 * must not read as pending work, or an assistant waits for an index that is complete.
 */
describe('a scheduled periodic task is not pending work', () => {
  let env: TestEnv;
  let repo: string;
  let mcp: Awaited<ReturnType<typeof startMcpClient>>;

  before(async () => {
    env = makeTestEnv({ CODEINDEX_WATCH: 'false', CODEINDEX_CLEANUP_CRON: '0 3 * * *' });
    repo = copyFixture('langs', env.tmp);
    env.env.CODEINDEX_ROOTS = repo;
    mcp = await startMcpClient(env.env);
  });
  after(async () => {
    await mcp?.close();
    await env?.cleanup();
  });

  test('index_status reports 0 pending jobs after a run; queue_stats shows the schedule as delayed and scheduled', async () => {
    const t = await callTool(mcp.client, 'index_repository', { path: repo });
    assert.equal((await waitForTask(mcp.client, String(t.task_id))).state, 'SUCCESS');
    const stats = await callTool<Stats>(mcp.client, 'queue_stats', {});
    const maint = stats.queues.find((q) => q.queue === 'maintenance');
    assert.equal(maint?.counts.delayed, 1, JSON.stringify(stats));
    assert.equal(maint?.counts.scheduled, 1, JSON.stringify(stats));
    // Whatever else the run queued (the upkeep after a run) has finished once this reads 0.
    let pending = -1;
    let text = '';
    for (let i = 0; i < 100 && pending !== 0; i++) {
      const r = await mcp.client.callTool({ name: 'index_status', arguments: {} });
      pending = (r.structuredContent as { pending_jobs: number }).pending_jobs;
      text = (r.content as { text?: string }[]).map((c) => c.text ?? '').join('\n');
      if (pending !== 0) await new Promise((res) => setTimeout(res, 100));
    }
    assert.equal(pending, 0, text);
    assert.match(text, /pending jobs: 0/);
    const again = await callTool<Stats>(mcp.client, 'queue_stats', {});
    assert.equal(again.queues.find((q) => q.queue === 'maintenance')?.counts.delayed, 1);
  });
});
