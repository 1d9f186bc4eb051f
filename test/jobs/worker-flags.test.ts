import assert from 'node:assert/strict';
import { fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { after, test } from 'node:test';
import { type WorkerPool, workerExecArgv } from '../../workers/supervisor.js';
import { type JobsEnv, makeJobsEnv, startPool, WORKER_ENTRY } from './helpers.js';

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

test('a worker whose supervisor goes away while it starts exits cleanly, without an IPC error', async () => {
  const env = makeJobsEnv();
  envs.push(env);
  const proc = fork(WORKER_ENTRY, ['--queues', 'maintenance'], {
    env: env.env,
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    execArgv: [],
  });
  let stderr = '';
  proc.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  proc.stdout?.on('data', () => {});
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  // The supervisor gives up at once: the worker is still loading when its channel closes, and
  // its 'ready' message goes to a closed channel.
  proc.disconnect();
  const code = await exited;
  assert.doesNotMatch(stderr, /ERR_IPC_CHANNEL_CLOSED|Unhandled/);
  assert.equal(code, 0, stderr);
});
