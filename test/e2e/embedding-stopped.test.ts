import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fakeVector, type ReceivedRequest, startFakeServer } from '../embeddings/fake-server.js';
import { callTool, copyFixture, makeTestEnv, startMcpClient, waitForTask } from '../helpers/env.js';

/**
 * When a root's embedding stops for good (the provider rejects the key after the first batch, so
 * its job is dead-lettered), a search says so and names the task to retry, instead of "the rest
 * are still being embedded", which no job would ever do. The provider is a local HTTP server
 * speaking OpenAI's wire format, with OpenAI's 401 body.
 */
const cleanups: (() => Promise<void> | void)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

const QUERY = 'greeting message for a user';
const DIMS = 16;

type Status = {
  roots: { root: string; embeddings?: { embedded: number; pending: number; failed_jobs?: number } }[];
};
type Search = { mode: string; note?: string };

const STOPPED = /embedding (.+) stopped, task (\S+) failed \((.+)\): fix the cause, then retry_task "(\S+)"$/;

/**
 * A server whose provider embeds the first `goodBatches` batches of chunks and then answers 401
 * (the query is always embedded); resolves when the root's embedding job is dead-lettered.
 */
async function stoppedAfter(goodBatches: number) {
  let keyValid = false;
  let documentBatches = 0;
  const server = await startFakeServer((req: ReceivedRequest) => {
    const body = req.body as { input: string[]; model: string };
    const isQuery = body.input.length === 1 && body.input[0] === QUERY;
    if (!isQuery) documentBatches++;
    if (!isQuery && documentBatches > goodBatches && !keyValid)
      return {
        status: 401,
        json: {
          error: {
            message: 'Incorrect API key provided: sk-test***. You can find your API key at your dashboard.',
            type: 'invalid_request_error',
            param: null,
            code: 'invalid_api_key',
          },
        },
      };
    return {
      json: {
        object: 'list',
        data: body.input.map((text, index) => ({
          object: 'embedding',
          index,
          embedding: fakeVector(text, DIMS),
        })),
        model: body.model,
        usage: { prompt_tokens: 1, total_tokens: 1 },
      },
    };
  });
  cleanups.push(() => server.close());
  const env = makeTestEnv({
    CODEINDEX_EMBEDDINGS: 'openai',
    CODEINDEX_EMBEDDINGS_URL: server.baseUrl,
    CODEINDEX_EMBEDDINGS_API_KEY: 'sk-test-key',
    CODEINDEX_EMBEDDINGS_MODEL: 'text-embedding-3-small',
    CODEINDEX_EMBEDDINGS_DIMS: String(DIMS),
    CODEINDEX_EMBEDDINGS_BATCH: '4',
  });
  cleanups.push(() => env.cleanup());
  const repo = copyFixture('langs', env.tmp);
  env.env.CODEINDEX_ROOTS = repo;
  const mcp = await startMcpClient(env.env);
  cleanups.push(() => mcp.close());
  const t = await callTool(mcp.client, 'index_repository', { path: repo });
  assert.equal((await waitForTask(mcp.client, String(t.task_id))).state, 'SUCCESS');

  const deadline = Date.now() + 60_000;
  let emb: Status['roots'][number]['embeddings'];
  for (;;) {
    const s = await callTool<Status>(mcp.client, 'index_status', {});
    emb = s.roots.find((r) => r.root === repo)?.embeddings;
    // Embedding jobs run side by side: the one refused can be dead-lettered before the one given
    // the good batches has stored their vectors, so those are waited for too.
    if ((emb?.failed_jobs ?? 0) > 0 && (goodBatches === 0 || (emb?.embedded ?? 0) > 0)) break;
    if (Date.now() > deadline)
      throw new Error(
        `the embedding job never failed after storing its good batches: ${JSON.stringify(emb)}`,
      );
    await sleep(200);
  }
  assert.ok(emb !== undefined && emb.pending > 0, JSON.stringify(emb));
  return { mcp, repo, emb, fixKey: () => (keyValid = true) };
}

test('search_code names a root whose embedding job was dead-lettered and the task to retry', async () => {
  const { mcp, repo, emb, fixKey } = await stoppedAfter(1);
  assert.ok(emb.embedded > 0, JSON.stringify(emb));

  const stopped = await callTool<Search>(mcp.client, 'search_code', { query: QUERY, mode: 'hybrid' });
  assert.equal(stopped.mode, 'hybrid');
  const note = stopped.note ?? '';
  assert.doesNotMatch(note, /still being embedded/);
  const head = note.match(
    /^embeddings cover (\d+) of (\d+) chunks \(\d+ %\); the rest are found by text only\. /,
  );
  assert.ok(head, note);
  assert.equal(Number(head[1]), emb.embedded);
  assert.equal(Number(head[2]), emb.embedded + emb.pending);
  const m = note.slice(head[0].length).match(STOPPED);
  assert.ok(m, note);
  assert.equal(m[1], repo);
  assert.match(m[3]!, /API key/);
  assert.equal(m[2], m[4]);

  // The task the note names is the one to retry: with the key fixed, it completes the root.
  fixKey();
  const retried = await callTool<{ task_id: string }>(mcp.client, 'retry_task', { task_id: m[4] });
  assert.equal((await waitForTask(mcp.client, retried.task_id)).state, 'SUCCESS');
  const done = await callTool<Status>(mcp.client, 'index_status', {});
  assert.equal(done.roots.find((r) => r.root === repo)?.embeddings?.pending, 0);
  const covered = await callTool<Search>(mcp.client, 'search_code', { query: QUERY, mode: 'hybrid' });
  assert.equal(covered.note, undefined);
});

test('search_code on a root with no vectors at all says embedding stopped, not that it is pending', async () => {
  const { mcp, repo, emb } = await stoppedAfter(0);
  assert.equal(emb.embedded, 0);
  const r = await callTool<Search>(mcp.client, 'search_code', { query: QUERY, mode: 'hybrid' });
  assert.equal(r.mode, 'text');
  const note = r.note ?? '';
  assert.doesNotMatch(note, /pending/);
  assert.ok(note.startsWith('no vectors: text results only. '), note);
  const m = note.match(STOPPED);
  assert.ok(m, note);
  assert.equal(m[1], repo);
  assert.equal(m[2], m[4]);
});
