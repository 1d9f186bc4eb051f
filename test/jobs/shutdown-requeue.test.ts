import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { Queue } from 'bullmq';
import { indexDbPath } from '../../src/config/paths.js';
import { createLogger } from '../../src/log.js';
import { openIndexStore } from '../../src/store/index.js';
import { resumeEmbeddings } from '../../workers/processors/repository.js';
import {
  dumpIndexOf,
  duplicates,
  FAST_POLICY,
  generateRepo,
  makeClient,
  makeJobsEnv,
  spawnWorker,
  waitFor,
  waitForEnd,
} from './helpers.js';

/**
 * A worker that stops (SIGTERM: the server closing, a deploy) while a job runs puts the job back in
 * the queue as it is, without using an attempt: the next worker finishes it. Before, a batch cut
 * off this way ended REVOKED (its files never indexed) and an embedding run ended SUCCESS with
 * most of the root never embedded, and nothing queued it again.
 */
const cleanups: (() => Promise<void> | void)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

/** A short shutdown deadline, so the running job is aborted instead of awaited. */
const QUICK_STOP = { CODEINDEX_SHUTDOWN_DEADLINE_MS: '400' };

/** The running job of this name, once it reports progress past `min`. */
async function runningJob(queue: Queue, name: string, min: number) {
  return waitFor(
    `a running ${name} job past ${min}`,
    async () => {
      const active = (await queue.getJobs(['active'])).filter((j) => j?.name === name);
      return active.find((j) => Number((j.progress as { current?: number })?.current ?? 0) > min);
    },
    120_000,
    20,
  );
}

test('a batch cut off by a stopping worker goes back to the queue and the next worker indexes it', async () => {
  const env = makeJobsEnv({ batchSize: 5000 });
  cleanups.push(() => env.cleanup());
  const repo = generateRepo(join(env.tmp, 'repo'), 1500, 40);
  const c = makeClient(env);
  cleanups.push(() => c.close());
  const w1 = await spawnWorker(env, ['indexing'], QUICK_STOP);
  cleanups.push(() => w1.kill('SIGKILL'));

  const id = await c.tasks.enqueue('index-repository', { root: repo });
  const batch = await runningJob(c.tasks.queues.indexing, 'index-batch', 20);
  w1.kill('SIGTERM');
  assert.equal((await w1.exited).code, 0, w1.stderr().slice(-2000));

  const back = await c.tasks.queues.indexing.getJob(batch.id!);
  const state = await back!.getState();
  assert.ok(['delayed', 'waiting', 'prioritized'].includes(state), `batch is ${state}`);
  assert.equal(back!.attemptsMade, 0, 'no attempt used');

  const w2 = await spawnWorker(env, ['indexing']);
  cleanups.push(() => w2.kill('SIGKILL'));
  const { info } = await waitForEnd(c.tasks, id, 180_000);
  assert.equal(info.state, 'SUCCESS', JSON.stringify(info));
  // What the first worker wrote before it stopped counts as unchanged in the batch's second run.
  const result = info.result as { files_indexed: number; files_unchanged: number; files_failed: number };
  assert.equal(result.files_indexed + result.files_unchanged, 1500, JSON.stringify(result));
  assert.equal(result.files_failed, 0);
  const dump = await dumpIndexOf(env);
  assert.equal(dump.files.length, 1500);
  assert.deepEqual(duplicates(dump.symbols), []);
  // The run that finished it was its first attempt: the one cut off used none.
  assert.equal((await c.tasks.queues.indexing.getJob(batch.id!))?.attemptsMade, 1);
});

test('an embedding run cut off by a stopping worker goes back to the queue; a lost one is queued again by resumeEmbeddings', async () => {
  // The default local model (USE-lite): slow enough to be stopped in the middle.
  const env = makeJobsEnv({}, { CODEINDEX_EMBEDDINGS: 'local', CODEINDEX_EMBEDDINGS_MODEL: 'use-lite-v1' });
  cleanups.push(() => env.cleanup());
  const repo = generateRepo(join(env.tmp, 'repo'), 80);
  const c = makeClient(env);
  cleanups.push(() => c.close());
  // A deadline long enough to embed the whole root: an embedding run is put back at once all the
  // same (it loses nothing), instead of holding the worker's exit.
  const w1 = await spawnWorker(env, ['indexing', 'embeddings'], { CODEINDEX_SHUTDOWN_DEADLINE_MS: '120000' });
  cleanups.push(() => w1.kill('SIGKILL'));

  const id = await c.tasks.enqueue('index-repository', { root: repo });
  assert.equal((await waitForEnd(c.tasks, id, 120_000)).info.state, 'SUCCESS');
  const store = openIndexStore(indexDbPath(env.cfg), { readonly: true });
  cleanups.push(() => store.close());
  const model = 'use-lite-v1';
  const ctx = { cfg: env.cfg, log: createLogger('test', 'error'), tasks: c.tasks, store };
  const embedJob = await runningJob(c.tasks.queues.embeddings, 'embed-chunks', 0);
  w1.kill('SIGTERM');
  assert.equal((await w1.exited).code, 0, w1.stderr().slice(-2000));

  const back = await c.tasks.queues.embeddings.getJob(embedJob.id!);
  const state = await back!.getState();
  assert.ok(
    ['delayed', 'waiting', 'prioritized'].includes(state),
    `embedding job is ${state}: ${JSON.stringify(back!.returnvalue)} ${JSON.stringify(await store.vectorCoverage(repo, model))}`,
  );
  assert.equal(back!.attemptsMade, 0, 'no attempt used');
  const cut = await store.vectorCoverage(repo, model);
  assert.ok(cut.embedded > 0 && cut.pending > 0, JSON.stringify(cut));
  // A job of the root waits: nothing more is queued.
  assert.deepEqual(await resumeEmbeddings(ctx, [repo]), []);

  // The queue loses the job (emptied by hand): a server starting again queues the rest.
  await back!.remove();
  assert.deepEqual(await resumeEmbeddings(ctx, [repo]), [repo]);
  const again = (await c.tasks.queues.embeddings.getJobs(['waiting', 'prioritized', 'delayed'])).filter(
    (j) => (j.data as { root?: string }).root === repo,
  );
  assert.equal(again.length, 1);

  const w2 = await spawnWorker(env, ['embeddings']);
  cleanups.push(() => w2.kill('SIGKILL'));
  const { info } = await waitForEnd(c.tasks, again[0]!.id!, 180_000);
  assert.equal(info.state, 'SUCCESS', JSON.stringify(info));
  const done = await store.vectorCoverage(repo, model);
  assert.deepEqual(done, { embedded: cut.embedded + cut.pending, pending: 0 });
  // The embedding run did only what was left.
  assert.equal((info.result as { embedded: number }).embedded, cut.pending);
  assert.deepEqual(await resumeEmbeddings(ctx, [repo]), []);
});

test('an embedding run past its soft time limit goes on later from where it is, without using an attempt', async () => {
  // 2 attempts: a run that failed an attempt at each soft limit would be dead before the end.
  const env = makeJobsEnv(
    { policies: { embed: { ...FAST_POLICY, attempts: 2, softTimeLimitMs: 700 } } },
    { CODEINDEX_EMBEDDINGS: 'local', CODEINDEX_EMBEDDINGS_MODEL: 'use-lite-v1' },
  );
  cleanups.push(() => env.cleanup());
  const repo = generateRepo(join(env.tmp, 'repo'), 80);
  const c = makeClient(env);
  cleanups.push(() => c.close());
  const w = await spawnWorker(env, ['indexing', 'embeddings']);
  cleanups.push(() => w.kill('SIGKILL'));
  const id = await c.tasks.enqueue('index-repository', { root: repo });
  assert.equal((await waitForEnd(c.tasks, id, 120_000)).info.state, 'SUCCESS');
  const job = await waitFor('the embedding job', async () =>
    (
      await c.tasks.queues.embeddings.getJobs(['waiting', 'prioritized', 'active', 'delayed', 'completed'])
    ).find((j) => j?.name === 'embed-chunks'),
  );
  const { info } = await waitForEnd(c.tasks, job.id!, 180_000);
  assert.equal(info.state, 'SUCCESS', JSON.stringify(info));
  const store = openIndexStore(indexDbPath(env.cfg), { readonly: true });
  cleanups.push(() => store.close());
  const coverage = await store.vectorCoverage(repo, 'use-lite-v1');
  assert.equal(coverage.pending, 0);
  const done = await c.tasks.queues.embeddings.getJob(job.id!);
  // Several runs (one per soft limit), one attempt: the last run reports only its own share.
  assert.ok((done?.attemptsStarted ?? 0) >= 3, `runs: ${done?.attemptsStarted}`);
  assert.equal(done?.attemptsMade, 1);
  assert.ok((info.result as { embedded: number }).embedded < coverage.embedded, JSON.stringify(info.result));
});
