import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import type { Job } from 'bullmq';
import { generateRepo, makeClient, makeJobsEnv, spawnWorker, waitFor, waitForEnd } from './helpers.js';

/** An OpenAI-compatible /v1/embeddings endpoint: the first request gets 429 + Retry-After: 1. */
async function startEmbeddingsServer(): Promise<{
  url: string;
  hits: { at: number; status: number; inputs: number }[];
  close(): Promise<void>;
}> {
  const hits: { at: number; status: number; inputs: number }[] = [];
  const server: Server = createServer((req, res) => {
    const body: Buffer[] = [];
    req.on('data', (d: Buffer) => body.push(d));
    req.on('end', () => {
      const json = JSON.parse(Buffer.concat(body).toString('utf8')) as { input: string[]; model: string };
      if (req.url !== '/v1/embeddings' || req.method !== 'POST') {
        res.writeHead(404).end();
        return;
      }
      if (hits.length === 0) {
        hits.push({ at: Date.now(), status: 429, inputs: json.input.length });
        res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '1' });
        res.end(JSON.stringify({ error: { message: 'Rate limit reached', type: 'requests' } }));
        return;
      }
      hits.push({ at: Date.now(), status: 200, inputs: json.input.length });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          object: 'list',
          model: json.model,
          data: json.input.map((t, index) => ({
            object: 'embedding',
            index,
            embedding: [1, (t.length % 13) + 1, index + 1, 0.5],
          })),
          usage: { prompt_tokens: 1, total_tokens: 1 },
        }),
      );
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    hits,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

describe('rate limits', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  after(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  test('"2/s" on a queue spreads 6 jobs over at least 2 seconds', async () => {
    const env = makeJobsEnv({ rateLimits: { maintenance: '2/s' }, concurrency: 4 });
    cleanups.push(() => env.cleanup());
    const c = makeClient(env);
    cleanups.push(() => c.close());
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) ids.push(await c.tasks.enqueue('test-sleep', { ms: 0, steps: 1 }));
    const w = await spawnWorker(env, ['maintenance']);
    cleanups.push(() => w.kill('SIGKILL'));
    const starts: number[] = [];
    for (const id of ids) {
      const { info } = await waitForEnd(c.tasks, id);
      assert.equal(info.state, 'SUCCESS');
      starts.push((await c.tasks.queues.maintenance.getJob(id))?.processedOn ?? 0);
    }
    starts.sort((a, b) => a - b);
    const span = starts.at(-1)! - starts[0]!;
    // Windows of 1 s with 2 jobs each: jobs 5 and 6 can not start before the third window.
    assert.ok(span >= 1900, `6 jobs at 2/s started within ${span} ms`);
    // No window ever let more than 2 start within one second. `processedOn` is the worker's clock
    // when it asked for the job, not the limiter's window in Redis: on a loaded machine the two
    // drift by tens of ms (895 ms was seen), so 800 ms is the bound (unlimited, all 6 start in a
    // few ms).
    for (let i = 2; i < starts.length; i++)
      assert.ok(starts[i]! - starts[i - 2]! >= 800, `3 starts within ${starts[i]! - starts[i - 2]!} ms`);
  });

  test('a provider 429 with Retry-After pauses the queue and costs no attempt', async () => {
    const api = await startEmbeddingsServer();
    cleanups.push(() => api.close());
    const env = makeJobsEnv(
      {
        policies: {
          embed: {
            attempts: 1,
            backoffMs: 100,
            backoffMaxMs: 100,
            softTimeLimitMs: 30_000,
            hardTimeLimitMs: 60_000,
          },
        },
      },
      { CODEINDEX_EMBEDDINGS: 'openai', CODEINDEX_EMBEDDINGS_URL: api.url },
    );
    cleanups.push(() => env.cleanup());
    const repo = generateRepo(join(env.tmp, 'repo'), 6);
    const c = makeClient(env);
    cleanups.push(() => c.close());
    const w = await spawnWorker(env, ['indexing', 'embeddings']);
    cleanups.push(() => w.kill('SIGKILL'));

    const repoTask = await c.tasks.enqueue('index-repository', { root: repo });
    const { info: repoInfo } = await waitForEnd(c.tasks, repoTask);
    assert.equal(repoInfo.state, 'SUCCESS', JSON.stringify(repoInfo));
    const chunks = (repoInfo.result as { chunks: number }).chunks;
    assert.ok(chunks > 0);

    // The repository's finalize step enqueued the embed-chunks job; follow it.
    const job = await waitFor<Job>('the embed-chunks job', async () => {
      const jobs = await c.tasks.queues.embeddings.getJobs([
        'waiting',
        'prioritized',
        'active',
        'delayed',
        'completed',
        'failed',
      ]);
      return jobs.find((j) => j.name === 'embed-chunks');
    });
    const { info, seen } = await waitForEnd(c.tasks, job.id!);
    assert.equal(info.state, 'SUCCESS', JSON.stringify(info));
    assert.ok(!seen.includes('RETRY') && !seen.includes('FAILURE'), `states seen: ${seen.join(' ')}`);
    // Headers and symbol chunks get vectors; code chunks are searched as text only.
    const db = new Database(join(env.home, 'index.db'), { readonly: true });
    const embeddable = (
      db.prepare("SELECT count(DISTINCT hash) AS n FROM chunks WHERE kind IN ('header', 'symbol')").get() as {
        n: number;
      }
    ).n;
    db.close();
    assert.ok(embeddable > 0 && embeddable <= chunks, `${embeddable} of ${chunks}`);
    assert.deepEqual(info.result, { embedded: embeddable, model: 'text-embedding-3-small' });

    const done = await c.tasks.queues.embeddings.getJob(job.id!);
    // With attempts: 1, a 429 that cost an attempt would have failed the job for good.
    assert.equal(done?.attemptsMade, 1, 'only the successful run counts as an attempt');
    assert.equal(done?.attemptsStarted, 2, 'the job ran twice: the 429, then the retry');
    assert.deepEqual(
      api.hits.map((h) => h.status),
      [429, 200],
    );
    const gap = api.hits[1]!.at - api.hits[0]!.at;
    assert.ok(gap >= 1000, `retried ${gap} ms after the 429; Retry-After said 1 s`);
    assert.ok(gap < 10_000, `retried only after ${gap} ms`);
  });
});
