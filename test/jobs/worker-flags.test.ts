import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { after, test } from 'node:test';
import { type WorkerPool, workerExecArgv } from '../../workers/supervisor.js';
import { type JobsEnv, makeJobsEnv, startPool } from './helpers.js';

test('workerExecArgv: single-threaded GC only when the workers fill every core', () => {
  assert.deepEqual(workerExecArgv(2, 2), ['--single-threaded-gc']);
  assert.deepEqual(workerExecArgv(8, 2), ['--single-threaded-gc']);
  assert.deepEqual(workerExecArgv(1, 2), []);
  assert.deepEqual(workerExecArgv(3, 4), []);
});

const pools: WorkerPool[] = [];
const envs: JobsEnv[] = [];
after(async () => {
  for (const p of pools) await p.stop(2000);
  for (const e of envs) await e.cleanup();
});

/** The command line of a running process, split into its arguments. */
function argsOf(pid: number): string[] {
  return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
}

test('a pool with a worker per core starts its workers with --single-threaded-gc', async () => {
  const env = makeJobsEnv();
  envs.push(env);
  const pool = await startPool(env, availableParallelism(), ['maintenance']);
  pools.push(pool);
  const pids = pool.status().map((s) => s.pid);
  assert.equal(pids.length, availableParallelism());
  for (const pid of pids) {
    assert.ok(pid !== null);
    assert.ok(argsOf(pid).includes('--single-threaded-gc'), argsOf(pid).join(' '));
  }
});
