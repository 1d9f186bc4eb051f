import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { callTool, copyFixture, makeTestEnv, startMcpClient, waitForTask } from '../helpers/env.js';

/**
 * A root indexed while embeddings were off (or by a server whose embedding job was lost) gets its
 * vectors when a server with embeddings on starts: nobody has to index it again.
 */
const cleanups: (() => Promise<void> | void)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

type Status = { roots: { root: string; embeddings?: { embedded: number; pending: number } }[] };

test('serve queues embedding for a served root left without vectors, at start', async () => {
  const env = makeTestEnv({ CODEINDEX_EMBEDDINGS: 'off' });
  cleanups.push(() => env.cleanup());
  const repo = copyFixture('langs', env.tmp);
  env.env.CODEINDEX_ROOTS = repo;
  const first = await startMcpClient(env.env);
  const t = await callTool(first.client, 'index_repository', { path: repo });
  assert.equal((await waitForTask(first.client, String(t.task_id))).state, 'SUCCESS');
  await first.close();

  // The same index, now with the (hashed, instant) local model: no index_repository call.
  const second = await startMcpClient({
    ...env.env,
    CODEINDEX_EMBEDDINGS: 'local',
    CODEINDEX_EMBEDDINGS_MODEL: 'local-hash',
  });
  cleanups.push(() => second.close());
  const deadline = Date.now() + 60_000;
  let last: Status['roots'][number]['embeddings'];
  for (;;) {
    const s = await callTool<Status>(second.client, 'index_status', {});
    last = s.roots.find((r) => r.root === repo)?.embeddings;
    if (last !== undefined && last.pending === 0 && last.embedded > 10) break;
    if (Date.now() > deadline) throw new Error(`never embedded: ${JSON.stringify(last)}`);
    await sleep(200);
  }
  assert.ok(last.embedded > 10, JSON.stringify(last));
});
