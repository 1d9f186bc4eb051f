import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import type { Job, Queue } from 'bullmq';
import { indexDbPath } from '../../src/config/paths.js';
import { signJobData } from '../../src/queue/signing.js';
import { openIndexStore } from '../../src/store/index.js';
import { waitFor } from '../helpers/wait.js';
import {
  type JobsEnv,
  makeClient,
  makeJobsEnv,
  rawQueue,
  type SpawnedWorker,
  spawnWorker,
  waitForEnd,
} from '../jobs/helpers.js';

const SECRET = 'drill-secret-of-at-least-32-chars';

/** A small project with a function to find, and a symlink that leads out of it. */
function writeProject(dir: string, outside: string): void {
  mkdirSync(join(dir, 'src'), { recursive: true });
  writeFileSync(join(dir, 'src/main.ts'), 'export function drillMain(): number {\n  return 1;\n}\n');
  mkdirSync(outside, { recursive: true });
  writeFileSync(join(outside, 'secret.ts'), 'export function outsideSecret(): number {\n  return 42;\n}\n');
  symlinkSync(outside, join(dir, 'escape'));
}

async function finished(q: Queue, id: string): Promise<Job> {
  return waitFor(
    `job ${id} to finish`,
    async () => {
      const j = await q.getJob(id);
      return j?.finishedOn ? j : null;
    },
    30_000,
  );
}

/** Every symbol name in the index (nothing from outside may be there). */
async function indexedNames(env: JobsEnv): Promise<string[]> {
  const store = openIndexStore(indexDbPath(env.cfg), { readonly: true });
  try {
    return (await store.searchSymbols({ query: 'drill', limit: 50 })).hits
      .concat((await store.searchSymbols({ query: 'outside', limit: 50 })).hits)
      .map((h) => h.name)
      .sort();
  } finally {
    await store.close();
  }
}

/**
 * Drill: jobs put into Redis by something other than codeindex. With a secret, forged, tampered
 * and replayed jobs are refused before they run; secret or not, no job reads outside the roots
 * the installation allows.
 */
describe('drill: forged, tampered and replayed jobs', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  after(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  test('with a secret: a signed run indexes; forged, tampered and copied jobs are refused', async () => {
    const env = makeJobsEnv({}, { CODEINDEX_SECRET: SECRET });
    cleanups.push(() => env.cleanup());
    const repo = join(env.tmp, 'repo');
    writeProject(repo, join(env.tmp, 'outside'));
    const c = makeClient(env);
    cleanups.push(() => c.close());
    const w: SpawnedWorker = await spawnWorker(env, ['indexing']);
    cleanups.push(() => w.kill('SIGKILL'));
    const q = rawQueue(env, 'indexing');
    cleanups.push(() => q.close());

    // (e) The real thing works end to end, batches included.
    const run = await c.tasks.enqueue('index-repository', { root: repo });
    const { info } = await waitForEnd(c.tasks, run, 60_000);
    assert.equal(info.state, 'SUCCESS', info.error);
    assert.equal((info.result as { files_indexed: number }).files_indexed, 1);

    const who = (id: string, name = 'index-file') => ({
      prefix: env.cfg.queuePrefix,
      queue: 'indexing',
      name,
      id,
    });
    const legit = await q.getJob(run);
    const cases: [string, string, Record<string, unknown>, RegExp][] = [
      // (a) No signature at all.
      [
        'idx_forged00000000000000000000000',
        'index-file',
        { root: repo, path: 'src/main.ts' },
        /missing payload signature/,
      ],
      // (b) Signed for one file, then pointed at another.
      [
        'idx_tampered000000000000000000000',
        'index-file',
        {
          ...signJobData(SECRET, who('idx_tampered000000000000000000000'), {
            root: repo,
            path: 'src/main.ts',
          }),
          path: 'escape/secret.ts',
        },
        /bad payload signature/,
      ],
      // (b) The repository's step state changed without a new signature (skips the scan).
      [
        'idx_state00000000000000000000000',
        'index-repository',
        {
          ...signJobData(SECRET, who('idx_state00000000000000000000000', 'index-repository'), {
            root: repo,
            force: true,
            priority: 'normal',
          }),
          _state: {
            step: 'finalize',
            startedAt: 0,
            scanned: 0,
            toIndex: 0,
            unchanged: 0,
            removed: 0,
            batches: 0,
            scanSkipped: {},
            dirsIgnored: 0,
          },
        },
        /bad payload signature/,
      ],
      // (c) The completed run's own signed data, replayed under another id.
      ['idx_replayed000000000000000000000', 'index-repository', { ...legit!.data }, /bad payload signature/],
    ];
    for (const [id, name, data] of cases) await q.add(name, data, { jobId: id, attempts: 3 });
    for (const [id, , , why] of cases) {
      const job = await finished(q, id);
      assert.equal(await job.getState(), 'failed', id);
      assert.match(job.failedReason, why, id);
      assert.equal(job.attemptsMade, 1, `${id} is refused, not retried`);
    }
    assert.match(w.stderr(), /rejected index-file job idx_forged/);
    assert.deepEqual(await indexedNames(env), ['drillMain']);
  });

  test('without a secret: a job naming a root outside the allowed ones reads nothing, even through a symlink', async () => {
    const env = makeJobsEnv();
    cleanups.push(() => env.cleanup());
    const repo = join(env.tmp, 'repo');
    const outside = join(env.tmp, 'outside');
    writeProject(repo, outside);
    const c = makeClient(env);
    cleanups.push(() => c.close());
    const w = await spawnWorker(env, ['indexing']);
    cleanups.push(() => w.kill('SIGKILL'));
    const q = rawQueue(env, 'indexing');
    cleanups.push(() => q.close());

    // The repository, queued the way codeindex queues it: registered, indexed, the symlink skipped.
    const run = await c.tasks.enqueue('index-repository', { root: repo });
    assert.equal((await waitForEnd(c.tasks, run, 60_000)).info.state, 'SUCCESS');

    const cases: [string, string, Record<string, unknown>][] = [
      [
        'idx_etc000000000000000000000000',
        'index-repository',
        { root: '/etc', force: false, priority: 'normal' },
      ],
      ['idx_passwd0000000000000000000000', 'index-file', { root: '/etc', path: 'passwd' }],
      [
        'idx_outside000000000000000000000',
        'index-repository',
        { root: outside, force: false, priority: 'normal' },
      ],
      // A root inside the allowed one by name, outside it once the symlink is followed.
      [
        'idx_symlink000000000000000000000',
        'index-repository',
        { root: join(repo, 'escape'), force: false, priority: 'normal' },
      ],
      [
        'idx_batch00000000000000000000000',
        'index-batch',
        { root: outside, paths: ['secret.ts'], force: true },
      ],
    ];
    for (const [id, name, data] of cases) await q.add(name, data, { jobId: id, attempts: 3 });
    for (const [id] of cases) {
      const job = await finished(q, id);
      assert.equal(await job.getState(), 'failed', id);
      assert.match(job.failedReason, /is not allowed here: it is not in CODEINDEX_ROOTS/, id);
      assert.equal(job.attemptsMade, 1, `${id} is refused, not retried`);
    }
    // A file path that leads out through a symlink inside an allowed root is skipped, not read.
    await q.add(
      'index-file',
      { root: repo, path: 'escape/secret.ts' },
      { jobId: 'idx_escapefile0000000000000000000' },
    );
    const escaped = await finished(q, 'idx_escapefile0000000000000000000');
    assert.equal(await escaped.getState(), 'completed', escaped.failedReason);
    assert.deepEqual(await indexedNames(env), ['drillMain']);
    const store = openIndexStore(indexDbPath(env.cfg), { readonly: true });
    try {
      assert.deepEqual(
        (await store.listRoots()).map((r) => r.path),
        [repo],
      );
    } finally {
      await store.close();
    }
  });
});
